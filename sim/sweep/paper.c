/* paper.c -- plan and run the sweeps behind the ETS paper's figures and
 * tables (see paper.h); paper_out.c turns their results into files.
 *
 * The grids are written out as ordinary grid files (OUT/grid-main.json,
 * OUT/grid-throughput.json) and run with the sweep engine, so every number
 * in the output can be reproduced or extended with `etsim sweep`, and an
 * interrupted `etsim paper` resumes where it stopped. */
#include "sim/sweep/paper.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpu_model/cost_band.h"
#include "sim/data/paper_ref.h"
#include "sim/sweep/grid.h"
#include "sim/sweep/paper_out.h"
#include "sim/sweep/paper_plan.h"
#include "sim/sweep/pick.h"
#include "sim/sweep/report.h"
#include "sim/sweep/sweep.h"

/* ---- sources ------------------------------------------------------------------------- */

static int find_trace(const char *dir, const etsim_paper_setup *su, char **path) {
    static const char *const ext[] = {".trace", ".etr", ".etrace", NULL};
    for (int i = 0; ext[i]; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s-%s%s", su->model_id, su->dataset_id, ext[i]);
        char *p = etsim_paper_path(dir, name);
        if (access(p, R_OK) == 0) {
            *path = p;
            return 1;
        }
        free(p);
    }
    return 0;
}

static int resolve_sources(const etsim_paper_opts *o, etsim_paper_source *src, etsim_err *err) {
    int present = 0;
    if (o->setups) { /* every listed name must be a setup */
        char *dup = etsim_strdup(o->setups), *save = NULL;
        for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            int known = 0;
            for (int i = 0; i < ETSIM_PAPER_N_SETUPS; i++) {
                char name[64];
                snprintf(name, sizeof name, "%s-%s", ETSIM_PAPER_SETUPS[i].model_id,
                         ETSIM_PAPER_SETUPS[i].dataset_id);
                known |= !strcmp(t, name);
            }
            if (!known) {
                etsim_errf(err, "--setups: unknown setup '%s' (known: llemma34b-math500, "
                                "mistral7b-math500, llemma34b-gsm8k, mistral7b-gsm8k)", t);
                free(dup);
                return -1;
            }
        }
        free(dup);
    }
    for (int i = 0; i < ETSIM_PAPER_N_SETUPS; i++) {
        const etsim_paper_setup *su = &ETSIM_PAPER_SETUPS[i];
        etsim_paper_source *s = &src[i];
        memset(s, 0, sizeof *s);
        s->setup = su;
        if (o->setups) {
            char name[64];
            snprintf(name, sizeof name, "%s-%s", su->model_id, su->dataset_id);
            const char *hit = strstr(o->setups, name);
            size_t nl = strlen(name);
            if (!hit || (hit != o->setups && hit[-1] != ',') || (hit[nl] && hit[nl] != ','))
                continue;
        }
        if (o->trace_dir) {
            char *path = NULL;
            if (!find_trace(o->trace_dir, su, &path)) {
                etsim_notice_say(&o->notice, "%s: no %s-%s.trace: the %s / %s rows are skipped", o->trace_dir,
                                 su->model_id, su->dataset_id, su->model_name, su->dataset_name);
                continue;
            }
            char *abs = realpath(path, NULL);
            s->kind = "trace";
            s->spec = abs ? abs : path;
            if (abs) free(path);
        } else {
            char name[128];
            snprintf(name, sizeof name, "paper-%s-%s", su->model_id, su->dataset_id);
            s->kind = "synthetic";
            s->spec = etsim_strdup(name);
        }
        etsim_oracle *orc = etsim_oracle_open_at(s->kind, s->spec, NULL, err);
        if (!orc) { /* the caller frees the specs */
            etsim_err_prefix(err, "%s / %s", su->model_name, su->dataset_name);
            return -1;
        }
        s->n_problems = orc->meta.n_problems;
        etsim_oracle_close(orc);
        s->present = 1;
        present++;
    }
    if (!present)
        return etsim_errf(err, "no setup has a source (see --help for trace names and "
                               "--setups)");
    return present;
}

/* ---- grids ------------------------------------------------------------------------------ */

static cJSON *num_list(const double *v, int n) {
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

static cJSON *sel_entry(const char *name) {
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "selector", name);
    cJSON_AddItemToObject(e, "params", cJSON_CreateObject());
    return e;
}

static void param(cJSON *entry, const char *key, cJSON *value) {
    cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(entry, "params"), key, value);
}

static cJSON *source_json(const etsim_paper_source *s) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, s->kind, s->spec);
    return o;
}

static cJSON *gpu_json(int32_t inflight) {
    cJSON *g = cJSON_CreateObject();
    cJSON_AddStringToObject(g, "gpu", "h100-nvl");
    cJSON_AddStringToObject(g, "policy", "llemma-34b");
    cJSON_AddStringToObject(g, "prm", "llemma-34b-prm");
    cJSON_AddNumberToObject(g, "inflight", inflight);
    return g;
}

static int32_t problems_for(const etsim_paper_opts *o, const etsim_paper_source *s) {
    return o->problems > 0 && o->problems < s->n_problems ? o->problems : s->n_problems;
}

static char *grid_main(const etsim_paper_opts *o, const etsim_paper_source *src) {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "name", "etsim paper: main sweep");
    cJSON *widths = cJSON_CreateArray();
    for (int i = 0; i < 3; i++) cJSON_AddItemToArray(widths, cJSON_CreateNumber(ETSIM_PAPER_WIDTHS[i]));
    cJSON_AddItemToObject(root, "widths", widths);
    cJSON *blocks = cJSON_CreateArray();
    for (int i = 0; i < ETSIM_PAPER_N_SETUPS; i++) {
        const etsim_paper_source *s = &src[i];
        if (!s->present) continue;
        cJSON *b = cJSON_CreateObject();
        cJSON *sl = cJSON_CreateArray();
        cJSON_AddItemToArray(sl, source_json(s));
        cJSON_AddItemToObject(b, "sources", sl);
        cJSON_AddNumberToObject(b, "problems", problems_for(o, s));
        cJSON *sels = cJSON_CreateArray();
        cJSON *e = sel_entry("rebase");
        param(e, "softmax_temperature", cJSON_CreateNumber(0.2));
        cJSON_AddItemToArray(sels, e);
        e = sel_entry("ets");
        param(e, "softmax_temperature", cJSON_CreateNumber(o->ets_temperature));
        param(e, "lambdas", cJSON_CreateNumber(o->ets_lambdas_s));
        param(e, "lambdac", num_list(o->ets_lambdas, o->n_ets));
        cJSON_AddItemToArray(sels, e);
        if (s->setup->main) {
            e = sel_entry("ets-kv");
            param(e, "softmax_temperature", cJSON_CreateNumber(o->ets_temperature));
            param(e, "lambdac", num_list(o->kv_lambdas, o->n_kv));
            cJSON_AddItemToArray(sels, e);
            static const double fw[2] = {0, 4};
            e = sel_entry("beam");
            param(e, "fixedwidth", num_list(fw, 2));
            cJSON_AddItemToArray(sels, e);
            e = sel_entry("dvts");
            param(e, "fixedwidth", num_list(fw, 2));
            cJSON_AddItemToArray(sels, e);
            cJSON *gl = cJSON_CreateArray();
            cJSON_AddItemToArray(gl, gpu_json(8));
            cJSON_AddItemToObject(b, "gpu", gl);
        }
        cJSON_AddItemToObject(b, "selectors", sels);
        cJSON_AddItemToArray(blocks, b);
    }
    cJSON_AddItemToObject(root, "blocks", blocks);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

static char *grid_throughput(const etsim_paper_opts *o, const etsim_paper_source *main_src,
                             double ets_lambdac) {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "name", "etsim paper: throughput (Table 2)");
    cJSON *sl = cJSON_CreateArray();
    cJSON_AddItemToArray(sl, source_json(main_src));
    cJSON_AddItemToObject(root, "sources", sl);
    cJSON_AddItemToObject(root, "widths", cJSON_CreateNumber(256));
    int32_t n = o->throughput_problems < main_src->n_problems ? o->throughput_problems
                                                               : main_src->n_problems;
    if (o->problems > 0 && o->problems < n) n = o->problems;
    cJSON_AddNumberToObject(root, "problems", n);
    cJSON *sels = cJSON_CreateArray();
    cJSON *e = sel_entry("rebase");
    param(e, "softmax_temperature", cJSON_CreateNumber(0.2));
    cJSON_AddItemToArray(sels, e);
    e = sel_entry("ets");
    param(e, "softmax_temperature", cJSON_CreateNumber(o->ets_temperature));
    param(e, "lambdas", cJSON_CreateNumber(o->ets_lambdas_s));
    param(e, "lambdac", cJSON_CreateNumber(ets_lambdac));
    cJSON_AddItemToArray(sels, e);
    cJSON_AddItemToObject(root, "selectors", sels);
    /* Figure 2's runtime band: beam search and DVTS (sqrt N beams) too */
    static const double fw0[1] = {0};
    e = sel_entry("beam");
    param(e, "fixedwidth", num_list(fw0, 1));
    cJSON_AddItemToArray(sels, e);
    e = sel_entry("dvts");
    param(e, "fixedwidth", num_list(fw0, 1));
    cJSON_AddItemToArray(sels, e);
    /* the band: KV pool x0.5-x2 (kv_scale, absent at 1: the nominal
       settings) and 4-32 problems in flight (gpu_model/cost_band.h) */
    cJSON *gl = cJSON_CreateArray();
    for (int s = 0; s < ETSIM_BAND_N_SCALES; s++)
        for (int i = 0; i < ETSIM_BAND_N_INFLIGHT; i++) {
            cJSON *g = gpu_json(etsim_band_inflight[i]);
            if (etsim_band_scales[s] != 1.0)
                cJSON_AddNumberToObject(g, "kv_scale", etsim_band_scales[s]);
            cJSON_AddItemToArray(gl, g);
        }
    cJSON_AddItemToObject(root, "gpu", gl);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

/* Write the grid file and run it into OUT/<name>. */
static int run_grid(const etsim_paper_opts *o, const char *grid_text, const char *grid_name,
                    const char *dir_name, double *seconds, etsim_err *err) {
    char *gpath = etsim_paper_path(o->out_dir, grid_name);
    char *dpath = etsim_paper_path(o->out_dir, dir_name);
    etsim_atomic_file af;
    int rc = etsim_atomic_open(&af, gpath, err);
    if (rc == 0) {
        fputs(grid_text, af.fp);
        fputc('\n', af.fp);
        rc = etsim_atomic_commit(&af, err);
    }
    if (rc == 0) {
        etsim_sweep_opts so = {0};
        so.out_dir = dpath;
        so.threads = o->threads;
        so.resume = 1;
        so.force = o->force;
        so.progress = o->progress;
        so.progress_ctx = o->progress_ctx;
        so.notice = o->notice;
        etsim_sweep_stats st;
        double t0 = etsim_now_s();
        rc = etsim_sweep_run(grid_text, strlen(grid_text), gpath, o->out_dir, &so, &st, err);
        *seconds = etsim_now_s() - t0;
        if (rc == 0) {
            etsim_notice_say(&o->notice, "%s: %lld units (%lld already done) in %.1f s", dpath, (long long)st.units,
                             (long long)st.units_present, *seconds);
            if (!st.complete) rc = etsim_errf(err, "%s: incomplete after the run", dpath);
        }
    }
    free(gpath);
    free(dpath);
    return rc;
}

int etsim_paper_run(const etsim_paper_opts *o, FILE *table_out, etsim_paper_stats *st,
                    etsim_err *err) {
    memset(st, 0, sizeof *st);
    double t0 = etsim_now_s();
    if (o->n_ets < 1 || o->n_kv < 1) return etsim_errf(err, "empty lambda_b list");
    /* The paper's numbers: --reference FILE or the built-in copy, the one
     * way etsim finds them (paper_ref.h); read before anything is written. */
    char *ref_path = NULL;
    cJSON *ref = etsim_paper_ref_load(o->reference, &ref_path, err);
    if (!ref) return -1;
    int rc = -1;
    char *grid = NULL, *tgrid = NULL;
    etsim_paper_source src[ETSIM_PAPER_N_SETUPS];
    etsim_report main_rep, tp_rep;
    etsim_pick_set picks;
    memset(src, 0, sizeof src);
    memset(&main_rep, 0, sizeof main_rep);
    memset(&tp_rep, 0, sizeof tp_rep);
    memset(&picks, 0, sizeof picks);
    if (mkdir(o->out_dir, 0755) < 0 && errno != EEXIST) {
        etsim_errf(err, "%s: %s", o->out_dir, strerror(errno));
        goto out;
    }
    int present = resolve_sources(o, src, err);
    if (present < 0) goto out;
    st->setups = present;
    const etsim_paper_source *main_src = NULL;
    for (int i = 0; i < ETSIM_PAPER_N_SETUPS; i++)
        if (src[i].present && src[i].setup->main) main_src = &src[i];

    grid = grid_main(o, src);
    if (run_grid(o, grid, "grid-main.json", "sweep-main", &st->seconds_main, err) < 0) goto out;
    char *dir = etsim_paper_path(o->out_dir, "sweep-main");
    int lrc = etsim_report_load(dir, &main_rep, err);
    free(dir);
    if (lrc < 0) goto out;
    if (etsim_pick_paper(&main_rep, "lambdac", 0.2, &picks, err) < 0) goto out;

    if (main_src) {
        const etsim_pick *p256 = etsim_pick_find(&picks, "ets", main_src->spec, 256);
        if (!p256) {
            etsim_errf(err, "no ETS pick at width 256 for the main setup");
            goto out;
        }
        tgrid = grid_throughput(o, main_src, p256->value);
        if (run_grid(o, tgrid, "grid-throughput.json", "sweep-throughput",
                     &st->seconds_throughput, err) < 0)
            goto out;
        dir = etsim_paper_path(o->out_dir, "sweep-throughput");
        lrc = etsim_report_load(dir, &tp_rep, err);
        free(dir);
        if (lrc < 0) goto out;
    } else {
        etsim_notice_say(&o->notice,
                         "no Llemma-34B / MATH500 source: Figure 2, Figure 3, Table 2 and Table 3 are skipped");
    }
    etsim_paper_results res = {o, src, main_src, &main_rep, &tp_rep, &picks, ref, ref_path};
    st->seconds_total = etsim_now_s() - t0;
    if (etsim_paper_write_outputs(&res, table_out, st, err) < 0) goto out;
    st->seconds_total = etsim_now_s() - t0;
    rc = 0;
out:
    free(grid);
    free(tgrid);
    etsim_pick_set_free(&picks);
    etsim_report_free(&main_rep);
    etsim_report_free(&tp_rep);
    for (int i = 0; i < ETSIM_PAPER_N_SETUPS; i++) free(src[i].spec);
    cJSON_Delete(ref);
    free(ref_path);
    return rc;
}
