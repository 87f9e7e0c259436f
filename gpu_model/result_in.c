/* result_in.c -- result file -> cost traces (see result_in.h).
 *
 * The file is read by the engine's one result reader
 * (sim/engine/result_read.h) with the field mask the cost model needs:
 * each problem's index, nodes.parent and nodes.tokens (generation order,
 * root first) and, per decision, its candidates and whether the selector
 * logged clusters (then it ran the embedder). The reader checks what it
 * reads as untrusted input; etsim_cost_trace_build then checks the tree
 * against the cost model's own bounds. Here only the per-decision sums
 * are formed. */
#include "gpu_model/result_in.h"

#include <stdlib.h>
#include <string.h>

#include "sim/engine/result_read.h"

enum { COST_FIELDS = ETSIM_RR_TOKENS | ETSIM_RR_DECISIONS };

/* Every problem of an open reader into `set`. */
static int read_all(etsim_result_reader *rr, etsim_cost_traces *set, etsim_err *err) {
    int32_t *cand_n = NULL;
    int64_t *cand_tok = NULL, cap_n = 0, cap_tok = 0;
    etsim_rr_problem *p;
    int rc;
    while ((rc = etsim_result_reader_next(rr, &p, err)) == 1) {
        int32_t nd = p->n_decisions;
        etsim_grow((void **)&cand_n, &cap_n, (int64_t)nd + 1, sizeof *cand_n);
        etsim_grow((void **)&cand_tok, &cap_tok, (int64_t)nd + 1, sizeof *cand_tok);
        for (int32_t d = 0; d < nd; d++) {
            int64_t sum = 0;
            for (int64_t k = p->cand_off[d]; k < p->cand_off[d + 1]; k++) sum += p->tokens[p->candidates[k]];
            cand_n[d] = (int32_t)(p->cand_off[d + 1] - p->cand_off[d]);
            cand_tok[d] = sum;
        }
        etsim_grow((void **)&set->v, &set->cap, (int64_t)set->n + 1, sizeof *set->v);
        if (etsim_cost_trace_build(&set->v[set->n], p->index, p->n_nodes, p->parent, p->tokens, nd, cand_n,
                                   cand_tok, p->clustered, err) < 0) {
            etsim_err_prefix(err, "%s:%ld", rr->path, p->line);
            rc = -1;
            break;
        }
        set->n++;
    }
    free(cand_n);
    free(cand_tok);
    return rc < 0 ? -1 : 0;
}

int etsim_cost_traces_parse_result(const char *text, size_t len, const char *name,
                                   etsim_cost_traces *set, etsim_err *err) {
    etsim_result_reader rr;
    if (etsim_result_reader_open_mem(&rr, text, len, name, COST_FIELDS, err)) return -1;
    int rc = read_all(&rr, set, err);
    etsim_result_reader_close(&rr);
    return rc;
}

int etsim_cost_traces_read_result(const char *path, etsim_cost_traces *set, etsim_err *err) {
    etsim_result_reader rr;
    if (etsim_result_reader_open(&rr, path, COST_FIELDS, err)) return -1;
    int rc = read_all(&rr, set, err);
    etsim_result_reader_close(&rr);
    return rc;
}
