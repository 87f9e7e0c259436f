/* capture_coverage.c -- how much of a sweep a covering trace answers. For
 * each configuration of a list (typically a sweep wider than the list the
 * trace was captured for), replay it over the trace with missing children
 * truncated, and count the children it asked for against those the trace
 * held. A configuration of the capture list gets 100%; others get what
 * their overlap with the captured union gives, under truncation (which
 * already changes the search; the figure is a guide to what --on-missing
 * would meet, not an exact count of a full run). */
#include <stdlib.h>
#include <string.h>

#include "traces/capture/capture_internal.h"

void etsim_capture_coverage_free(etsim_coverage_row *rows, int n) {
    for (int i = 0; i < n; i++) free(rows[i].name);
    free(rows);
}

int etsim_capture_coverage(const char *config_path, const char *trace_path,
                           etsim_coverage_row **rows_out, int *n_out, etsim_err *err) {
    cap_config cfg;
    *rows_out = NULL;
    *n_out = 0;
    /* Only the selector list matters here: parse as a synthetic capture so
     * that no server keys are required. */
    if (cap_config_load(config_path, "coverage", 0, &cfg, err) < 0) return -1;
    etsim_oracle *o = etsim_oracle_open("trace", trace_path, err);
    if (!o) {
        cap_config_free(&cfg);
        return -1;
    }
    etsim_coverage_row *rows = etsim_calloc((size_t)cfg.n_sels, sizeof *rows);
    int rc = 0;
    for (int c = 0; c < cfg.n_sels && rc == 0; c++) {
        etsim_search_config sc = cfg.sels[c].cfg;
        sc.on_missing = ETSIM_MISSING_TRUNCATE;
        rows[c].name = etsim_strdup(cfg.sels[c].name);
        for (int32_t k = 0; k < o->meta.n_problems; k++) {
            etsim_problem_result res;
            etsim_problem_result_init(&res, o->meta.emb_dim);
            if (etsim_search_problem(o, &sc, k, &res, err) < 0) rc = -1;
            rows[c].answered += res.c.model_calls;
            rows[c].missing += res.c.missing_children;
            etsim_problem_result_free(&res);
            if (rc < 0) break;
        }
        rows[c].requested = rows[c].answered + rows[c].missing;
    }
    int n = cfg.n_sels;
    etsim_oracle_close(o);
    cap_config_free(&cfg);
    if (rc < 0) {
        etsim_capture_coverage_free(rows, n);
        return -1;
    }
    *rows_out = rows;
    *n_out = n;
    return 0;
}
