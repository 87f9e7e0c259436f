/* report.c -- load a sweep's configs and summaries into rows (report.h). */
#include "sim/sweep/report.h"
#include "sim/core/json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static double num(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static char *str(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return etsim_strdup(cJSON_IsString(v) ? v->valuestring : "");
}

static int row_from_config(etsim_report_row *row, const char *hash, const cJSON *cfg,
                           etsim_err *err) {
    memset(row, 0, sizeof *row);
    snprintf(row->hash, sizeof row->hash, "%s", hash);
    const cJSON *search = cJSON_GetObjectItemCaseSensitive(cfg, "search");
    const cJSON *source = cJSON_GetObjectItemCaseSensitive(cfg, "source");
    const cJSON *probs = cJSON_GetObjectItemCaseSensitive(cfg, "problems");
    if (!cJSON_IsObject(search) || !cJSON_IsObject(source) || !cJSON_IsObject(probs))
        return etsim_errf(err, "config %s: missing search, source or problems", hash);
    row->selector = str(search, "selector");
    row->width = (int32_t)num(search, "width");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(search, "params");
    const cJSON *e;
    cJSON_ArrayForEach(e, params) {
        if (row->n_params == ETSIM_REPORT_MAX_PARAMS) break;
        row->param_name[row->n_params] = etsim_strdup(e->string);
        row->param_value[row->n_params++] = cJSON_IsNumber(e) ? e->valuedouble : NAN;
    }
    char eng[256];
    char *mt = str(search, "root_tokens"), *om = str(search, "on_missing");
    snprintf(eng, sizeof eng, "max_tokens=%g max_expansions=%g root_tokens=%s on_missing=%s",
             num(search, "max_tokens"), num(search, "max_expansions"), mt, om);
    free(mt);
    free(om);
    row->engine = etsim_strdup(eng);
    row->source_kind = str(source, "kind");
    row->source_spec = str(source, "spec");
    row->dataset = str(source, "dataset");
    row->first = (int32_t)num(probs, "first");
    row->count = (int32_t)num(probs, "count");
    return 0;
}

static void server_from(etsim_report_server *s, const cJSON *o) {
    s->busy_s = num(o, "busy_s");
    s->kv_used_mean = num(o, "kv_used_mean");
    s->kv_used_peak = num(o, "kv_used_peak");
    s->recomputed_tokens = num(o, "recomputed_tokens");
    s->flops = num(o, "flops");
    s->kv_pool_tokens = (int64_t)num(o, "kv_pool_tokens");
}

static void row_summary(etsim_report_row *row, const cJSON *sum) {
    row->has_summary = 1;
    row->problems = (int32_t)num(sum, "problems");
    const cJSON *acc = cJSON_GetObjectItemCaseSensitive(sum, "accuracy");
    row->acc_weighted = num(acc, "weighted");
    row->acc_majority = num(acc, "majority");
    row->acc_best = num(acc, "best");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(sum, "counters");
    row->sum.model_calls = (int64_t)num(c, "model_calls");
    row->sum.tokens_generated = (int64_t)num(c, "tokens_generated");
    row->sum.kv_tokens = (int64_t)num(c, "kv_tokens");
    row->sum.selections = (int64_t)num(c, "selections");
    row->sum.nodes_generated = (int64_t)num(c, "nodes_generated");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(sum, "mean");
    row->mean_calls = num(m, "model_calls");
    row->mean_tokens = num(m, "tokens_generated");
    row->mean_kv = num(m, "kv_tokens");
    row->kv_shared_mean = num(m, "kv_shared_mean");
    row->kv_unshared_mean = num(m, "kv_unshared_mean");
    const cJSON *gl = cJSON_GetObjectItemCaseSensitive(sum, "gpu");
    int32_t n = cJSON_GetArraySize(gl);
    row->gpu = etsim_calloc((size_t)(n > 0 ? n : 1), sizeof *row->gpu);
    const cJSON *g;
    cJSON_ArrayForEach(g, gl) {
        etsim_report_gpu *o = &row->gpu[row->n_gpu++];
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(g, "setting");
        o->setting = st ? cJSON_PrintUnformatted(st) : etsim_strdup("{}");
        o->makespan_s = num(g, "makespan_s");
        o->problems_per_s = num(g, "problems_per_s");
        o->tokens_per_s = num(g, "tokens_per_s");
        o->flops = num(g, "flops");
        const cJSON *rg = cJSON_GetObjectItemCaseSensitive(g, "regime");
        if (cJSON_IsString(rg)) snprintf(o->regime, sizeof o->regime, "%s", rg->valuestring);
        server_from(&o->policy, cJSON_GetObjectItemCaseSensitive(g, "policy"));
        server_from(&o->prm, cJSON_GetObjectItemCaseSensitive(g, "prm"));
    }
}

static int find_row(const etsim_report *rep, const char *hash) {
    int32_t lo = 0, hi = rep->n_rows - 1;
    while (lo <= hi) {
        int32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(rep->rows[mid].hash, hash);
        if (!c) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

static int cmp_row(const void *a, const void *b) {
    return strcmp(((const etsim_report_row *)a)->hash, ((const etsim_report_row *)b)->hash);
}

/* Lines of a summary.jsonl / results.jsonl: configs and summaries. */
static int scan_lines(etsim_report *rep, const char *path, int configs_too, etsim_err *err) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return etsim_errf(err, "%s: cannot open", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int64_t lineno = 0;
    int rc = 0;
    int64_t cap_rows = rep->n_rows;
    while ((n = getline(&line, &cap, fp)) > 0) {
        lineno++;
        /* problem lines start {"cfg":"<16 hex>","p": -- skip unparsed */
        if (n > 30 && !strncmp(line + 26, "\"p\":", 4)) continue;
        if (line[n - 1] != '\n') break; /* torn tail of a running sweep */
        char where[64];
        snprintf(where, sizeof where, "line %lld", (long long)lineno);
        cJSON *j = etsim_json_parse(line, (size_t)n, where, err);
        if (!j) {
            rc = etsim_err_prefix(err, "%s", path);
            break;
        }
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "grid_hash");
        const cJSON *cfgh = cJSON_GetObjectItemCaseSensitive(j, "cfg");
        const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(j, "config");
        const cJSON *sum = cJSON_GetObjectItemCaseSensitive(j, "summary");
        if (cJSON_IsString(h)) {
            snprintf(rep->grid_hash, sizeof rep->grid_hash, "%s", h->valuestring);
        } else if (cJSON_IsString(cfgh) && cJSON_IsObject(cfg) && configs_too) {
            etsim_grow((void **)&rep->rows, &cap_rows, rep->n_rows + 1, sizeof *rep->rows);
            if (row_from_config(&rep->rows[rep->n_rows], cfgh->valuestring, cfg, err) < 0) {
                etsim_err_prefix(err, "%s: line %lld", path, (long long)lineno);
                cJSON_Delete(j);
                rc = -1;
                break;
            }
            rep->n_rows++;
        } else if (cJSON_IsString(cfgh) && cJSON_IsObject(sum)) {
            if (configs_too) qsort(rep->rows, (size_t)rep->n_rows, sizeof *rep->rows, cmp_row);
            int r = find_row(rep, cfgh->valuestring);
            if (r < 0) {
                rc = etsim_errf(err, "%s: line %lld: summary of unknown config %s", path,
                                (long long)lineno, cfgh->valuestring);
                cJSON_Delete(j);
                break;
            }
            if (!rep->rows[r].has_summary) row_summary(&rep->rows[r], sum);
        }
        cJSON_Delete(j);
    }
    free(line);
    fclose(fp);
    if (rc == 0) qsort(rep->rows, (size_t)rep->n_rows, sizeof *rep->rows, cmp_row);
    return rc;
}

static int load_grid_json(etsim_report *rep, const char *path, etsim_err *err) {
    size_t len;
    char *text = etsim_read_file(path, &len, err);
    if (!text) return -1;
    cJSON *j = etsim_json_parse(text, len, path, err);
    free(text);
    if (!j) return -1;
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "grid_hash");
    if (cJSON_IsString(h)) snprintf(rep->grid_hash, sizeof rep->grid_hash, "%s", h->valuestring);
    const cJSON *cfgs = cJSON_GetObjectItemCaseSensitive(j, "configs"), *e;
    int32_t n = cJSON_GetArraySize(cfgs);
    rep->rows = etsim_calloc((size_t)(n > 0 ? n : 1), sizeof *rep->rows);
    int rc = 0;
    cJSON_ArrayForEach(e, cfgs) {
        const cJSON *ch = cJSON_GetObjectItemCaseSensitive(e, "cfg");
        const cJSON *cc = cJSON_GetObjectItemCaseSensitive(e, "config");
        if (!cJSON_IsString(ch) || !cJSON_IsObject(cc)) {
            rc = etsim_errf(err, "%s: malformed configs entry", path);
            break;
        }
        if (row_from_config(&rep->rows[rep->n_rows], ch->valuestring, cc, err) < 0) {
            rc = -1;
            break;
        }
        rep->n_rows++;
    }
    cJSON_Delete(j);
    qsort(rep->rows, (size_t)rep->n_rows, sizeof *rep->rows, cmp_row);
    return rc;
}

int etsim_report_load(const char *path, etsim_report *rep, etsim_err *err) {
    memset(rep, 0, sizeof *rep);
    struct stat st;
    if (stat(path, &st) < 0) return etsim_errf(err, "%s: no such file or directory", path);
    int rc;
    if (S_ISDIR(st.st_mode)) {
        size_t n = strlen(path) + 32;
        char *g = etsim_malloc(n), *s = etsim_malloc(n);
        snprintf(g, n, "%s/grid.json", path);
        snprintf(s, n, "%s/summary.jsonl", path);
        rc = load_grid_json(rep, g, err);
        if (rc == 0) {
            if (stat(s, &st) < 0) snprintf(s, n, "%s/results.jsonl", path);
            rc = scan_lines(rep, s, 0, err);
        }
        free(g);
        free(s);
    } else {
        rc = scan_lines(rep, path, 1, err);
    }
    if (rc < 0) etsim_report_free(rep);
    return rc;
}

void etsim_report_free(etsim_report *rep) {
    for (int32_t i = 0; i < rep->n_rows; i++) {
        etsim_report_row *r = &rep->rows[i];
        free(r->selector);
        for (int k = 0; k < r->n_params; k++) free(r->param_name[k]);
        free(r->engine);
        free(r->source_kind);
        free(r->source_spec);
        free(r->dataset);
        for (int32_t k = 0; k < r->n_gpu; k++) free(r->gpu[k].setting);
        free(r->gpu);
    }
    free(rep->rows);
    memset(rep, 0, sizeof *rep);
}

double etsim_report_param(const etsim_report_row *row, const char *name) {
    for (int k = 0; k < row->n_params; k++)
        if (!strcmp(row->param_name[k], name)) return row->param_value[k];
    return NAN;
}

static int same_num(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

int etsim_report_same_except(const etsim_report_row *a, const etsim_report_row *b,
                             const char *param, int ignore_width) {
    if (strcmp(a->selector, b->selector) || strcmp(a->source_kind, b->source_kind) ||
        strcmp(a->source_spec, b->source_spec) || strcmp(a->engine, b->engine) ||
        a->first != b->first || a->count != b->count || a->n_params != b->n_params)
        return 0;
    if (!ignore_width && a->width != b->width) return 0;
    for (int k = 0; k < a->n_params; k++) {
        if (strcmp(a->param_name[k], b->param_name[k])) return 0;
        if (param && !strcmp(a->param_name[k], param)) continue;
        if (!same_num(a->param_value[k], b->param_value[k])) return 0;
    }
    return 1;
}

/* Print order: source, selector, width, then parameters. */
static int cmp_print(const void *pa, const void *pb) {
    const etsim_report_row *a = *(etsim_report_row *const *)pa, *b = *(etsim_report_row *const *)pb;
    int c = strcmp(a->source_spec, b->source_spec);
    if (!c) c = strcmp(a->selector, b->selector);
    if (!c) c = (a->width > b->width) - (a->width < b->width);
    for (int k = 0; !c && k < a->n_params && k < b->n_params; k++) {
        double x = a->param_value[k], y = b->param_value[k];
        c = isnan(x) || isnan(y) ? isnan(y) - isnan(x) : (x > y) - (x < y);
    }
    if (!c) c = strcmp(a->hash, b->hash);
    return c;
}

void etsim_report_print(FILE *fp, const etsim_report *rep) {
    etsim_report_row **v = etsim_malloc((size_t)(rep->n_rows > 0 ? rep->n_rows : 1) * sizeof *v);
    int32_t n = 0;
    for (int32_t i = 0; i < rep->n_rows; i++)
        if (rep->rows[i].has_summary) v[n++] = &rep->rows[i];
    qsort(v, (size_t)n, sizeof *v, cmp_print);
    fprintf(fp, "%-16s %-24s %-8s %5s %-28s %5s %6s %9s %10s %10s %9s\n", "config", "source",
            "selector", "width", "params", "probs", "acc%", "calls/p", "tokens/p", "KV/p",
            "runtime_s");
    for (int32_t i = 0; i < n; i++) {
        const etsim_report_row *r = v[i];
        /* show the parameters that vary between configs of this selector */
        char params[64] = "";
        for (int k = 0; k < r->n_params; k++) {
            if (isnan(r->param_value[k])) continue;
            int varies = 0;
            for (int32_t j = 0; j < n && !varies; j++)
                varies = !strcmp(v[j]->selector, r->selector) && k < v[j]->n_params &&
                         !same_num(v[j]->param_value[k], r->param_value[k]);
            if (!varies) continue;
            char one[48];
            snprintf(one, sizeof one, "%s%s=%g", params[0] ? "," : "", r->param_name[k],
                     r->param_value[k]);
            strncat(params, one, sizeof params - strlen(params) - 1);
        }
        char rt[32] = "-";
        if (r->n_gpu > 0) snprintf(rt, sizeof rt, "%.1f", r->gpu[0].makespan_s);
        fprintf(fp, "%-16s %-24.24s %-8s %5d %-28.28s %5d %6.2f %9.1f %10.1f %10.1f %9s\n",
                r->hash, r->source_spec, r->selector, r->width, params, r->problems,
                r->acc_weighted, r->mean_calls, r->mean_tokens, r->mean_kv, rt);
    }
    free(v);
}

int etsim_report_print_dir(FILE *fp, const char *dir, etsim_err *err) {
    etsim_report rep;
    if (etsim_report_load(dir, &rep, err) < 0) return -1;
    etsim_report_print(fp, &rep);
    etsim_report_free(&rep);
    return 0;
}
