/* grid.c -- parse, validate and expand sweep grids (format in grid.h and
 * sim/sweep/README.md).
 *
 * Expansion order: blocks, then sources, selector entries, widths, and an
 * odometer over the parameter axes (engine keys, then the entry's params,
 * then its params_by_width for that width; a key given per width replaces
 * the same key in params). Each combination is resolved exactly as
 * `etsim replay --set` would resolve it, then serialised canonically; the
 * order only matters for error messages, since configs are kept sorted by
 * hash. Every failure names the entry by its JSON path. */
#include "sim/sweep/grid.h"
#include "sim/core/json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_model/cost.h"
#include "sim/engine/result.h"
#include "selectors/registry.h"
#include "sim/engine/search_config.h"

/* ---- small helpers ------------------------------------------------------------ */

void etsim_sweep_hash_hex(const void *p, size_t n, char out[ETSIM_SWEEP_HASH_LEN + 1]) {
    uint64_t a = etsim_hash_bytes(p, n, 0x9e3779b97f4a7c15ull);
    uint64_t b = etsim_hash_bytes(p, n, 0xc2b2ae3d27d4eb4full);
    snprintf(out, ETSIM_SWEEP_HASH_LEN + 1, "%016llx",
             (unsigned long long)(a ^ etsim_mix64(b + 0x165667b19e3779f9ull)));
}

/* ---- parse state ----------------------------------------------------------------- */

typedef struct axis {
    const char *key;
    char *vals[256];
    int n;
} axis;

typedef struct parse_ctx {
    etsim_sweep_grid *g;
    const char *origin;
    const char *base_dir;
    etsim_err *err;
    int64_t cap_configs;
    int32_t next_order;
} parse_ctx;

static int fail(parse_ctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(parse_ctx *c, const char *path, const char *fmt, ...) {
    char msg[ETSIM_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return etsim_errf(c->err, "%s: %s: %s", c->origin, path, msg);
}

/* A scalar JSON value as the text `--set` would take
 * (etsim_search_value_text); NULL if not scalar. */
static char *scalar_text(const cJSON *v) {
    char buf[4096];
    return etsim_search_value_text(v, buf, sizeof buf) < 0 ? NULL : etsim_strdup(buf);
}

/* A value or a list of values into an axis. */
static int axis_fill(parse_ctx *c, const char *path, const cJSON *v, axis *a) {
    a->n = 0;
    if (cJSON_IsArray(v)) {
        if (cJSON_GetArraySize(v) == 0) return fail(c, path, "empty list of values");
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            if (a->n == 256) return fail(c, path, "more than 256 values");
            char *s = scalar_text(e);
            if (!s) return fail(c, path, "values must be numbers or strings");
            a->vals[a->n++] = s;
        }
        return 0;
    }
    char *s = scalar_text(v);
    if (!s) return fail(c, path, "expected a number, a string or a list of them");
    a->vals[a->n++] = s;
    return 0;
}

static void axes_free(axis *ax, int n) {
    for (int i = 0; i < n; i++)
        for (int k = 0; k < ax[i].n; k++) free(ax[i].vals[k]);
}

/* ---- sources ---------------------------------------------------------------------- */

static int source_digest(etsim_sweep_source *s) {
    etsim_sbuf m = {0};
    const etsim_meta *mt = &s->oracle->meta;
    const char *fields[] = {mt->dataset, mt->policy_model, mt->prm_model, mt->embed_model,
                            mt->tokenizer, mt->step_delimiter, mt->answer_format,
                            mt->embed_encoding, mt->settings_json};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const char *f = fields[i] ? fields[i] : "(null)";
        etsim_sbuf_put(&m, f, strlen(f) + 1); /* with its NUL: a separator no field holds */
    }
    etsim_sbuf_printf(&m, "%d %d %d", mt->emb_dim, mt->tokens_estimated, mt->n_problems);
    etsim_sweep_hash_hex(m.data, (size_t)m.len, s->digest);
    etsim_sbuf_free(&m);
    return 0;
}

/* A source entry: "KIND:SPEC", "KIND" (its default spec), or an object
 * {"KIND": SPEC} / {"kind": KIND, "spec": SPEC}, each with an optional
 * "label". Any registered oracle kind (sim/engine/oracle.h) is accepted,
 * so a new backend needs no edit here. */
static int parse_source(parse_ctx *c, const char *path, const cJSON *v, int32_t *out) {
    const char *kind = NULL, *spec = NULL, *label = NULL;
    char kind_buf[64], known[256];
    etsim_err serr = {{0}};
    etsim_oracle_kind_names(known, sizeof known);
    if (cJSON_IsString(v)) {
        if (etsim_oracle_source_split(v->valuestring, kind_buf, sizeof kind_buf, &spec, &serr) < 0)
            return fail(c, path, "%s", serr.msg);
        kind = kind_buf;
    } else if (cJSON_IsObject(v)) {
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            if (!cJSON_IsString(e)) return fail(c, path, "'%s' must be a string", e->string);
            if (!strcmp(e->string, "kind")) {
                kind = e->valuestring;
            } else if (!strcmp(e->string, "spec")) {
                spec = e->valuestring;
            } else if (!strcmp(e->string, "label")) {
                label = e->valuestring;
            } else if (etsim_oracle_kind_find(e->string)) {
                if (kind) return fail(c, path, "give one source kind (known: %s)", known);
                kind = e->string;
                spec = e->valuestring;
            } else {
                return fail(c, path, "unknown key '%s' (known: %s, kind, spec, label)", e->string,
                            known);
            }
        }
    } else {
        return fail(c, path, "a source is \"KIND:SPEC\" (kinds: %s) or an object", known);
    }
    if (!kind) return fail(c, path, "source kind missing");
    if (!etsim_oracle_source_kind(kind, &spec, &serr)) return fail(c, path, "%s", serr.msg);
    etsim_sweep_grid *g = c->g;
    for (int32_t i = 0; i < g->n_sources; i++)
        if (!strcmp(g->sources[i].kind, kind) && !strcmp(g->sources[i].spec, spec)) {
            *out = i;
            return 0;
        }
    etsim_err oerr = {{0}};
    etsim_oracle *o = etsim_oracle_open_at(kind, spec, c->base_dir, &oerr);
    if (!o) return fail(c, path, "%s", oerr.msg);
    g->sources = etsim_realloc(g->sources, (size_t)(g->n_sources + 1) * sizeof *g->sources);
    etsim_sweep_source *s = &g->sources[g->n_sources];
    memset(s, 0, sizeof *s);
    s->kind = etsim_strdup(kind);
    s->spec = etsim_strdup(spec);
    if (label) {
        s->label = etsim_strdup(label);
    } else {
        const char *b = strrchr(spec, '/');
        s->label = etsim_strdup(b ? b + 1 : spec);
    }
    s->oracle = o;
    s->dataset = etsim_strdup(o->meta.dataset ? o->meta.dataset : "");
    s->n_problems = o->meta.n_problems;
    source_digest(s);
    *out = g->n_sources++;
    return 0;
}

/* ---- GPU settings ------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void gpu_free(etsim_sweep_gpu *s) {
    for (int32_t i = 0; i < s->n; i++) {
        free(s->keys[i]);
        free(s->vals[i]);
    }
    free(s->keys);
    free(s->vals);
    free(s->canon);
    memset(s, 0, sizeof *s);
}

/* Build the cost model's configuration from a GPU setting. */
int etsim_sweep_gpu_config(const etsim_sweep_gpu *s, etsim_cost_config *cc, etsim_err *err) {
    etsim_cost_config_init(cc);
    for (int32_t i = 0; i < s->n; i++)
        if (etsim_cost_config_set(cc, s->keys[i], s->vals[i], err) < 0) {
            etsim_cost_config_free(cc);
            return -1;
        }
    return 0;
}

static int parse_gpu(parse_ctx *c, const char *path, const cJSON *v, int32_t *out) {
    if (!cJSON_IsObject(v)) return fail(c, path, "a GPU setting is an object of cost options");
    etsim_sweep_gpu s = {0};
    int32_t n = cJSON_GetArraySize(v);
    s.keys = etsim_calloc((size_t)(n > 0 ? n : 1), sizeof *s.keys);
    s.vals = etsim_calloc((size_t)(n > 0 ? n : 1), sizeof *s.vals);
    const cJSON *e;
    cJSON_ArrayForEach(e, v) {
        char *val = scalar_text(e);
        if (!val) {
            fail(c, path, "'%s' must be a number or a string", e->string);
            goto bad;
        }
        s.keys[s.n] = etsim_strdup(e->string);
        s.vals[s.n++] = val;
    }
    /* sort keys (values follow) for a canonical form */
    char **pairs = etsim_malloc((size_t)(s.n > 0 ? s.n : 1) * sizeof *pairs);
    for (int32_t i = 0; i < s.n; i++) {
        size_t len = strlen(s.keys[i]) + strlen(s.vals[i]) + 2;
        pairs[i] = etsim_malloc(len);
        memcpy(pairs[i], s.keys[i], strlen(s.keys[i]) + 1);
        memcpy(pairs[i] + strlen(s.keys[i]) + 1, s.vals[i], strlen(s.vals[i]) + 1);
    }
    qsort(pairs, (size_t)s.n, sizeof *pairs, cmp_str);
    for (int32_t i = 0; i < s.n; i++) {
        free(s.keys[i]);
        free(s.vals[i]);
        s.keys[i] = etsim_strdup(pairs[i]);
        s.vals[i] = etsim_strdup(pairs[i] + strlen(pairs[i]) + 1);
        free(pairs[i]);
    }
    free(pairs);
    for (int32_t i = 1; i < s.n; i++)
        if (!strcmp(s.keys[i], s.keys[i - 1])) {
            fail(c, path, "'%s' given twice", s.keys[i]);
            goto bad;
        }
    etsim_cost_config cc;
    etsim_err cerr = {{0}};
    if (etsim_sweep_gpu_config(&s, &cc, &cerr) < 0) {
        fail(c, path, "%s", cerr.msg);
        goto bad;
    }
    etsim_cost_report rep;
    memset(&rep, 0, sizeof rep);
    int rrc = etsim_cost_resolve(&cc, &rep, &cerr);
    etsim_cost_report_free(&rep);
    etsim_cost_config_free(&cc);
    if (rrc < 0) {
        fail(c, path, "%s", cerr.msg);
        goto bad;
    }
    etsim_sbuf m = {0};
    etsim_sbuf_putc(&m, '{');
    for (int32_t i = 0; i < s.n; i++) {
        if (i) etsim_sbuf_putc(&m, ',');
        etsim_sbuf_json_string(&m, s.keys[i]);
        etsim_sbuf_putc(&m, ':');
        etsim_sbuf_json_string(&m, s.vals[i]);
    }
    etsim_sbuf_putc(&m, '}');
    s.canon = etsim_sbuf_take(&m, NULL);
    etsim_sweep_grid *g = c->g;
    for (int32_t i = 0; i < g->n_gpus; i++)
        if (!strcmp(g->gpus[i].canon, s.canon)) {
            gpu_free(&s);
            *out = i;
            return 0;
        }
    g->gpus = etsim_realloc(g->gpus, (size_t)(g->n_gpus + 1) * sizeof *g->gpus);
    g->gpus[g->n_gpus] = s;
    *out = g->n_gpus++;
    return 0;
bad:
    gpu_free(&s);
    return -1;
}

/* ---- configs -------------------------------------------------------------------------- */

static void config_free(etsim_sweep_config *cf) {
    free(cf->canon);
    free(cf->gpus);
}

static char *config_canon(const etsim_sweep_grid *g, const etsim_sweep_config *cf) {
    etsim_sbuf m = {0};
    const etsim_sweep_source *s = &g->sources[cf->source];
    etsim_sbuf_puts(&m, "{\"search\":");
    etsim_result_config_json(&m, &cf->search);
    etsim_sbuf_puts(&m, ",\"source\":{\"kind\":");
    etsim_sbuf_json_string(&m, s->kind);
    etsim_sbuf_puts(&m, ",\"spec\":");
    etsim_sbuf_json_string(&m, s->spec);
    etsim_sbuf_puts(&m, ",\"dataset\":");
    etsim_sbuf_json_string(&m, s->dataset);
    etsim_sbuf_printf(&m, ",\"digest\":\"%s\"},\"problems\":{\"first\":%d,\"count\":%d},\"gpu\":[",
                      s->digest, cf->first, cf->count);
    for (int32_t i = 0; i < cf->n_gpus; i++)
        etsim_sbuf_printf(&m, "%s%s", i ? "," : "", g->gpus[cf->gpus[i]].canon);
    etsim_sbuf_puts(&m, "],\"grader\":\"reference\"}");
    return etsim_sbuf_take(&m, NULL);
}

/* Add a resolved config unless an identical one exists. Takes ownership
 * of gpus[]. */
static void add_config(parse_ctx *c, etsim_sweep_config *cf) {
    etsim_sweep_grid *g = c->g;
    cf->canon = config_canon(g, cf);
    etsim_sweep_hash_hex(cf->canon, strlen(cf->canon), cf->hash);
    for (int32_t i = 0; i < g->n_configs; i++)
        if (!strcmp(g->configs[i].hash, cf->hash)) {
            config_free(cf);
            return;
        }
    etsim_grow((void **)&g->configs, &c->cap_configs, g->n_configs + 1, sizeof *g->configs);
    cf->order = c->next_order++;
    g->configs[g->n_configs++] = *cf;
}

/* ---- blocks ----------------------------------------------------------------------------- */

static const cJSON *block_key(const cJSON *block, const cJSON *top, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(block, key);
    if (!v && top && top != block) v = cJSON_GetObjectItemCaseSensitive(top, key);
    return v;
}

static int parse_widths(parse_ctx *c, const char *path, const cJSON *v, int32_t *w, int *n) {
    *n = 0;
    if (!v) return fail(c, path, "missing \"widths\"");
    const cJSON *one = v, *e;
    if (cJSON_IsNumber(one)) {
        if (one->valuedouble < 1 || one->valuedouble > 1e7 ||
            one->valuedouble != floor(one->valuedouble))
            return fail(c, path, "width must be an integer > 0");
        w[(*n)++] = (int32_t)one->valuedouble;
        return 0;
    }
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
        return fail(c, path, "expected a width or a non-empty list of widths");
    cJSON_ArrayForEach(e, v) {
        if (!cJSON_IsNumber(e) || e->valuedouble < 1 || e->valuedouble > 1e7 ||
            e->valuedouble != floor(e->valuedouble))
            return fail(c, path, "widths must be integers > 0");
        if (*n == 64) return fail(c, path, "more than 64 widths");
        w[(*n)++] = (int32_t)e->valuedouble;
    }
    return 0;
}

/* Collect axes from an object of key -> value|list. */
static int collect_axes(parse_ctx *c, const char *path, const cJSON *obj, axis *ax, int *n_ax,
                        int max_ax) {
    if (!obj) return 0;
    if (!cJSON_IsObject(obj)) return fail(c, path, "expected an object of parameter values");
    const cJSON *e;
    cJSON_ArrayForEach(e, obj) {
        char sub[256];
        snprintf(sub, sizeof sub, "%s.%s", path, e->string);
        int slot = -1;
        for (int i = 0; i < *n_ax; i++)
            if (!strcmp(ax[i].key, e->string)) slot = i; /* later source overrides */
        if (slot < 0) {
            if (*n_ax == max_ax) return fail(c, path, "too many parameters");
            slot = (*n_ax)++;
        } else {
            axes_free(&ax[slot], 1);
        }
        ax[slot].key = e->string;
        ax[slot].n = 0;
        if (axis_fill(c, sub, e, &ax[slot]) < 0) return -1;
    }
    return 0;
}

static int expand_entry(parse_ctx *c, const char *path, const cJSON *entry, const cJSON *engine,
                        const int32_t *bw, int n_bw, int32_t src, int32_t first, int32_t count,
                        const int32_t *gpus, int32_t n_gpus) {
    const etsim_sweep_grid *g = c->g;
    const char *name = NULL;
    const cJSON *params = NULL, *by_width = NULL, *widths = NULL;
    if (cJSON_IsString(entry)) {
        name = entry->valuestring;
    } else if (cJSON_IsObject(entry)) {
        const cJSON *e;
        cJSON_ArrayForEach(e, entry) {
            if (!strcmp(e->string, "selector") && cJSON_IsString(e)) name = e->valuestring;
            else if (!strcmp(e->string, "params")) params = e;
            else if (!strcmp(e->string, "params_by_width")) by_width = e;
            else if (!strcmp(e->string, "widths")) widths = e;
            else if (!strcmp(e->string, "label")) continue;
            else
                return fail(c, path,
                            "unknown key '%s' (known: selector, params, params_by_width, widths, label)",
                            e->string);
        }
    }
    if (!name) return fail(c, path, "needs \"selector\": NAME");
    etsim_err lerr = {{0}};
    const etsim_selector *sel = etsim_selector_lookup(name, &lerr);
    if (!sel) return fail(c, path, "%s", lerr.msg);
    int32_t w[64];
    int n_w = 0;
    char wpath[300];
    snprintf(wpath, sizeof wpath, "%s.widths", path);
    if (widths) {
        if (parse_widths(c, wpath, widths, w, &n_w) < 0) return -1;
    } else {
        if (!n_bw) return fail(c, path, "no widths (give \"widths\" in the block or the entry)");
        memcpy(w, bw, (size_t)n_bw * sizeof *w);
        n_w = n_bw;
    }
    if (by_width && !cJSON_IsObject(by_width))
        return fail(c, path, "params_by_width must be an object keyed by width");
    if (by_width) {
        const cJSON *e;
        cJSON_ArrayForEach(e, by_width) {
            char *end;
            long wv = strtol(e->string, &end, 10);
            int found = 0;
            for (int k = 0; k < n_w; k++) found |= *end == 0 && wv == w[k];
            if (!found)
                return fail(c, path, "params_by_width: '%s' is not one of the entry's widths",
                            e->string);
        }
    }
    int rc = -1;
    for (int wi = 0; wi < n_w; wi++) {
        axis ax[48];
        int n_ax = 0;
        char ppath[300];
        snprintf(ppath, sizeof ppath, "%s.engine", path);
        if (collect_axes(c, ppath, engine, ax, &n_ax, 48) < 0) goto axes_err;
        snprintf(ppath, sizeof ppath, "%s.params", path);
        if (collect_axes(c, ppath, params, ax, &n_ax, 48) < 0) goto axes_err;
        char wkey[32];
        snprintf(wkey, sizeof wkey, "%d", w[wi]);
        const cJSON *bw_obj = by_width ? cJSON_GetObjectItemCaseSensitive(by_width, wkey) : NULL;
        snprintf(ppath, sizeof ppath, "%s.params_by_width.%s", path, wkey);
        if (collect_axes(c, ppath, bw_obj, ax, &n_ax, 48) < 0) goto axes_err;
        int idx[48] = {0};
        for (;;) {
            etsim_sweep_config cf;
            memset(&cf, 0, sizeof cf);
            const char *keys[48], *vals[48];
            for (int a = 0; a < n_ax; a++) {
                keys[a] = ax[a].key;
                vals[a] = ax[a].vals[idx[a]];
            }
            etsim_err serr = {{0}};
            if (etsim_search_config_resolve(&cf.search, sel, w[wi], keys, vals, n_ax, &serr) < 0) {
                fail(c, path, "%s", serr.msg);
                goto axes_err;
            }
            cf.source = src;
            cf.first = first;
            cf.count = count < 0 ? g->sources[src].n_problems - first : count;
            if (first >= g->sources[src].n_problems || cf.count < 1 ||
                first + cf.count > g->sources[src].n_problems) {
                fail(c, path, "problems [%d, %d) out of range: source %s has %d problems", first,
                     first + (count < 0 ? 0 : count), g->sources[src].label,
                     g->sources[src].n_problems);
                goto axes_err;
            }
            cf.n_gpus = n_gpus;
            cf.gpus = etsim_malloc((size_t)(n_gpus > 0 ? n_gpus : 1) * sizeof *cf.gpus);
            if (n_gpus) memcpy(cf.gpus, gpus, (size_t)n_gpus * sizeof *gpus);
            add_config(c, &cf);
            int a = n_ax - 1;
            while (a >= 0 && ++idx[a] == ax[a].n) idx[a--] = 0;
            if (a < 0) break;
        }
        axes_free(ax, n_ax);
        continue;
    axes_err:
        axes_free(ax, n_ax);
        return rc;
    }
    return 0;
}

static const char *const BLOCK_KEYS[] = {"sources", "selectors", "widths", "engine", "gpu",
                                         "problems", "first", "blocks", "name", "comment", NULL};

static int parse_block(parse_ctx *c, const char *path, const cJSON *block, const cJSON *top) {
    const cJSON *e;
    cJSON_ArrayForEach(e, block) {
        int ok = 0;
        for (int i = 0; BLOCK_KEYS[i]; i++) ok |= !strcmp(e->string, BLOCK_KEYS[i]);
        if (!ok || (block != top && !strcmp(e->string, "blocks")))
            return fail(c, path[0] ? path : "(top)",
                        "unknown key '%s' (known: sources, selectors, widths, engine, gpu, "
                        "problems, first, blocks)", e->string);
    }
    char sub[256];
#define SUBPATH(k) (snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", (k)), sub)
    const cJSON *sources = block_key(block, top, "sources");
    if (!sources) return fail(c, SUBPATH("sources"), "missing");
    int32_t src_idx[64];
    int n_src = 0;
    if (!cJSON_IsArray(sources)) {
        if (parse_source(c, SUBPATH("sources"), sources, &src_idx[0]) < 0) return -1;
        n_src = 1;
    } else {
        int i = 0;
        cJSON_ArrayForEach(e, sources) {
            char spath[300];
            snprintf(spath, sizeof spath, "%s[%d]", SUBPATH("sources"), i++);
            if (n_src == 64) return fail(c, spath, "more than 64 sources");
            if (parse_source(c, spath, e, &src_idx[n_src++]) < 0) return -1;
        }
        if (!n_src) return fail(c, SUBPATH("sources"), "empty");
    }
    int32_t bw[64];
    int n_bw = 0;
    const cJSON *widths = block_key(block, top, "widths");
    if (widths && parse_widths(c, SUBPATH("widths"), widths, bw, &n_bw) < 0) return -1;
    const cJSON *engine = block_key(block, top, "engine");
    if (engine && !cJSON_IsObject(engine)) return fail(c, SUBPATH("engine"), "expected an object");
    int32_t gpus[32];
    int32_t n_gpus = 0;
    const cJSON *gl = block_key(block, top, "gpu");
    if (gl && !cJSON_IsNull(gl)) {
        if (cJSON_IsObject(gl)) {
            if (parse_gpu(c, SUBPATH("gpu"), gl, &gpus[n_gpus++]) < 0) return -1;
        } else if (cJSON_IsArray(gl)) {
            int i = 0;
            cJSON_ArrayForEach(e, gl) {
                char gpath[300];
                snprintf(gpath, sizeof gpath, "%s[%d]", SUBPATH("gpu"), i++);
                if (n_gpus == 32) return fail(c, gpath, "more than 32 GPU settings");
                if (parse_gpu(c, gpath, e, &gpus[n_gpus++]) < 0) return -1;
            }
        } else {
            return fail(c, SUBPATH("gpu"), "expected an object or a list of them");
        }
    }
    int32_t first = 0, count = -1;
    const cJSON *pv = block_key(block, top, "problems");
    if (pv && !(cJSON_IsString(pv) && !strcmp(pv->valuestring, "all"))) {
        if (!cJSON_IsNumber(pv) || pv->valuedouble < 1 || pv->valuedouble > 1e9 ||
            pv->valuedouble != floor(pv->valuedouble))
            return fail(c, SUBPATH("problems"), "expected an integer > 0 or \"all\"");
        count = (int32_t)pv->valuedouble;
    }
    const cJSON *fv = block_key(block, top, "first");
    if (fv) {
        if (!cJSON_IsNumber(fv) || fv->valuedouble < 0 || fv->valuedouble > 1e9 ||
            fv->valuedouble != floor(fv->valuedouble))
            return fail(c, SUBPATH("first"), "expected an integer >= 0");
        first = (int32_t)fv->valuedouble;
    }
    const cJSON *sels = block_key(block, top, "selectors");
    if (!sels || !cJSON_IsArray(sels) || cJSON_GetArraySize(sels) == 0)
        return fail(c, SUBPATH("selectors"), "expected a non-empty list of selector entries");
    for (int s = 0; s < n_src; s++) {
        int i = 0;
        cJSON_ArrayForEach(e, sels) {
            char epath[300];
            snprintf(epath, sizeof epath, "%s[%d]", SUBPATH("selectors"), i++);
            if (expand_entry(c, epath, e, engine, bw, n_bw, src_idx[s], first, count, gpus,
                             n_gpus) < 0)
                return -1;
        }
    }
#undef SUBPATH
    return 0;
}

static int cmp_config(const void *a, const void *b) {
    return strcmp(((const etsim_sweep_config *)a)->hash, ((const etsim_sweep_config *)b)->hash);
}

int etsim_sweep_grid_parse(const char *json, size_t len, const char *origin,
                           const char *base_dir, etsim_sweep_grid *g, etsim_err *err) {
    memset(g, 0, sizeof *g);
    g->origin = etsim_strdup(origin ? origin : "grid");
    parse_ctx c = {g, g->origin, base_dir, err, 0, 0};
    cJSON *root = etsim_json_parse(json, len, g->origin, err);
    if (!root) goto fail_out;
    if (!cJSON_IsObject(root)) {
        etsim_errf(err, "%s: a grid is a JSON object", g->origin);
        goto fail_out;
    }
    const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(root, "blocks");
    if (blocks) {
        if (!cJSON_IsArray(blocks) || cJSON_GetArraySize(blocks) == 0) {
            fail(&c, "blocks", "expected a non-empty list of blocks");
            goto fail_out;
        }
        const cJSON *b;
        int i = 0;
        cJSON_ArrayForEach(b, blocks) {
            char path[64];
            snprintf(path, sizeof path, "blocks[%d]", i++);
            if (!cJSON_IsObject(b)) {
                fail(&c, path, "a block is an object");
                goto fail_out;
            }
            /* top-level keys other than blocks are the defaults */
            if (parse_block(&c, path, b, root) < 0) goto fail_out;
        }
    } else if (parse_block(&c, "", root, root) < 0) {
        goto fail_out;
    }
    cJSON_Delete(root);
    root = NULL;
    qsort(g->configs, (size_t)g->n_configs, sizeof *g->configs, cmp_config);
    etsim_sbuf m = {0};
    for (int32_t i = 0; i < g->n_configs; i++) {
        etsim_sbuf_printf(&m, "%s\n", g->configs[i].hash);
        g->n_units += g->configs[i].count;
    }
    etsim_sweep_hash_hex(m.data, (size_t)m.len, g->hash);
    etsim_sbuf_free(&m);
    return 0;
fail_out:
    cJSON_Delete(root);
    etsim_sweep_grid_free(g);
    return -1;
}

int etsim_sweep_grid_load(const char *path, etsim_sweep_grid *g, etsim_err *err) {
    size_t len = 0;
    memset(g, 0, sizeof *g);
    char *text = etsim_read_file(path, &len, err);
    if (!text) return -1;
    char *dir = etsim_strdup(path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    int rc = etsim_sweep_grid_parse(text, len, path, slash ? dir : NULL, g, err);
    free(dir);
    free(text);
    return rc;
}

void etsim_sweep_grid_free(etsim_sweep_grid *g) {
    for (int32_t i = 0; i < g->n_sources; i++) {
        etsim_oracle_close(g->sources[i].oracle);
        free(g->sources[i].kind);
        free(g->sources[i].spec);
        free(g->sources[i].label);
        free(g->sources[i].dataset);
    }
    for (int32_t i = 0; i < g->n_gpus; i++) gpu_free(&g->gpus[i]);
    for (int32_t i = 0; i < g->n_configs; i++) config_free(&g->configs[i]);
    free(g->sources);
    free(g->gpus);
    free(g->configs);
    free(g->origin);
    memset(g, 0, sizeof *g);
}

int32_t etsim_sweep_grid_find(const etsim_sweep_grid *g, const char *hash) {
    int32_t lo = 0, hi = g->n_configs - 1;
    while (lo <= hi) {
        int32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(g->configs[mid].hash, hash);
        if (!c) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

char *etsim_sweep_grid_describe(const etsim_sweep_grid *g, const char *shard,
                                const char *grid_text, const char *base_dir) {
    etsim_sbuf m = {0};
    etsim_sbuf_printf(&m, "{\"etsim_sweep\":1,\"grid_hash\":\"%s\",\"shard\":", g->hash);
    etsim_sbuf_json_string(&m, shard);
    etsim_sbuf_printf(&m, ",\"units\":%lld,\"base_dir\":", (long long)g->n_units);
    etsim_sbuf_json_string(&m, base_dir);
    etsim_sbuf_puts(&m, ",\"grid_text\":");
    etsim_sbuf_json_string(&m, grid_text);
    etsim_sbuf_puts(&m, ",\"configs\":[");
    for (int32_t i = 0; i < g->n_configs; i++)
        etsim_sbuf_printf(&m, "%s\n{\"cfg\":\"%s\",\"config\":%s}", i ? "," : "", g->configs[i].hash,
                          g->configs[i].canon);
    etsim_sbuf_puts(&m, "]}\n");
    return etsim_sbuf_take(&m, NULL);
}
