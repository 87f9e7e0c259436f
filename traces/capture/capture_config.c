/* capture_config.c -- the covering capture's configuration file (see
 * capture.h for the keys): parsing with every unknown key an error (a typo
 * in a capture costing hours must fail at once), selector configurations
 * resolved before any request, and the canonical JSON of the settings that
 * determine the recorded content, whose hash guards `--resume` against a
 * changed configuration. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/data/bench_builtin.h"
#include "traces/capture/capture_internal.h"
#include "sim/core/json.h"
#include "selectors/registry.h"
#include "sim/engine/search_config.h"

void cap_config_free(cap_config *c) {
    etsim_live_config_free(&c->live);
    free(c->dataset);
    free(c->dataset_name);
    free(c->answer_format);
    free(c->out);
    for (int i = 0; i < c->n_sels; i++) free(c->sels[i].name);
    free(c->sels);
    free(c->capture_json);
    memset(c, 0, sizeof *c);
}

/* path relative to the directory of `base` (unless absolute). */
static char *resolve(const char *base, const char *path) {
    if (path[0] == '/') return etsim_strdup(path);
    const char *slash = strrchr(base, '/');
    if (!slash) return etsim_strdup(path);
    size_t dl = (size_t)(slash - base) + 1, pl = strlen(path);
    char *s = etsim_malloc(dl + pl + 1);
    memcpy(s, base, dl);
    memcpy(s + dl, path, pl + 1);
    return s;
}

static char *stem(const char *path) {
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    char *s = etsim_strdup(b);
    char *dot = strrchr(s, '.');
    if (dot && dot != s) *dot = 0;
    return s;
}

static int parse_selectors(cap_config *c, const cJSON *list, const cJSON *engine, etsim_err *err) {
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0)
        return etsim_errf(err, "key selectors: expected a non-empty list of configurations");
    int n = cJSON_GetArraySize(list);
    c->sels = etsim_calloc((size_t)n, sizeof *c->sels);
    static const char *const extra_keys[] = {"name", NULL};
    const etsim_search_json_opts opts = {.lookup = etsim_selector_lookup, .max_width = 1000000,
                                         .extra_keys = extra_keys, .engine = engine};
    const cJSON *s;
    int k = 0;
    cJSON_ArrayForEach(s, list) {
        cap_sel *cs = &c->sels[k];
        c->n_sels = k + 1;
        if (etsim_search_config_from_json(&cs->cfg, s, &opts, err) < 0)
            return etsim_err_prefix(err, "selectors[%d]", k);
        const cJSON *label = cJSON_GetObjectItemCaseSensitive(s, "name");
        char buf[96];
        if (label && !cJSON_IsString(label)) return etsim_errf(err, "selectors[%d]: key name: expected a string", k);
        if (label) snprintf(buf, sizeof buf, "%s", label->valuestring);
        else snprintf(buf, sizeof buf, "%d-%s-w%d", k, cs->cfg.sel.sel->name, cs->cfg.width);
        for (char *p = buf; *p; p++)
            if (*p == '/' || *p == ' ') *p = '_';
        cs->name = etsim_strdup(buf);
        k++;
    }
    return 0;
}

static const char *const capture_keys[] = {
    "dataset", "dataset_name", "answer_format", "problems", "selectors", "max_tokens",
    "max_expansions", "root_tokens", "out", "problems_in_flight", "zstd_level", NULL};

static int is_capture_key(const char *k) {
    for (int i = 0; capture_keys[i]; i++)
        if (!strcmp(k, capture_keys[i])) return 1;
    return 0;
}

int cap_config_load(const char *path, const char *synthetic, int rounds, cap_config *c,
                    etsim_err *err) {
    memset(c, 0, sizeof *c);
    etsim_live_config_init(&c->live);
    c->in_flight = 8;
    size_t len;
    char *text = etsim_read_file(path, &len, err);
    cJSON *j = NULL, *engine = NULL, *canon = NULL;
    if (!text) return -1;
    j = etsim_json_parse(text, len, path, err);
    if (!j) goto err;
    if (!cJSON_IsObject(j)) {
        etsim_errf(err, "%s: not a JSON object", path);
        goto err;
    }
    engine = cJSON_CreateObject();
    const cJSON *m;
    cJSON_ArrayForEach(m, j) {
        const char *k = m->string;
        if (is_capture_key(k)) continue;
        int rc = etsim_live_config_key(&c->live, k, m, err);
        if (rc < 0) goto err_named;
        if (rc == 0) {
            etsim_errf(err, "unknown key '%s'", k);
            goto err_named;
        }
    }
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "dataset"))) {
        if (!cJSON_IsString(v)) {
            etsim_errf(err, "key dataset: expected a path or " ETSIM_BENCH_BUILTIN_NAMES);
            goto err_named;
        }
        /* a built-in set's name ("math500", "gsm8k") is kept as it is */
        c->dataset = etsim_bench_builtin_is(v->valuestring) ? etsim_strdup(v->valuestring)
                                                             : resolve(path, v->valuestring);
    } else if (!synthetic) {
        etsim_errf(err, "key dataset: required");
        goto err_named;
    }
    v = cJSON_GetObjectItemCaseSensitive(j, "dataset_name");
    c->dataset_name = cJSON_IsString(v) ? etsim_strdup(v->valuestring)
                      : c->dataset      ? stem(c->dataset)
                                        : NULL;
    v = cJSON_GetObjectItemCaseSensitive(j, "answer_format");
    c->answer_format = etsim_strdup(cJSON_IsString(v) ? v->valuestring : "boxed");
    v = cJSON_GetObjectItemCaseSensitive(j, "out");
    if (v && !cJSON_IsString(v)) {
        etsim_errf(err, "key out: expected a path");
        goto err_named;
    }
    if (v) c->out = resolve(path, v->valuestring);
    v = cJSON_GetObjectItemCaseSensitive(j, "problems");
    c->first = 0;
    c->end = -1;
    if (v) {
        const cJSON *a = cJSON_GetArrayItem(v, 0), *b = cJSON_GetArrayItem(v, 1);
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2 || !cJSON_IsNumber(a) ||
            !cJSON_IsNumber(b) || a->valuedouble < 0 || b->valuedouble <= a->valuedouble ||
            b->valuedouble > 1e9 || a->valuedouble != floor(a->valuedouble) ||
            b->valuedouble != floor(b->valuedouble)) {
            etsim_errf(err, "key problems: expected [first, end) with 0 <= first < end");
            goto err_named;
        }
        c->first = (int32_t)a->valuedouble;
        c->end = (int32_t)b->valuedouble;
    }
    v = cJSON_GetObjectItemCaseSensitive(j, "problems_in_flight");
    if (v) {
        if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 4096) {
            etsim_errf(err, "key problems_in_flight: expected an integer in [1, 4096]");
            goto err_named;
        }
        c->in_flight = (int32_t)v->valuedouble;
    }
    v = cJSON_GetObjectItemCaseSensitive(j, "zstd_level");
    if (v) {
        if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 19) {
            etsim_errf(err, "key zstd_level: expected an integer in [1, 19]");
            goto err_named;
        }
        c->zstd_level = (int)v->valuedouble;
    }
    static const char *const engine_keys[] = {"max_tokens", "max_expansions", "root_tokens"};
    for (int i = 0; i < 3; i++)
        if ((v = cJSON_GetObjectItemCaseSensitive(j, engine_keys[i])))
            cJSON_AddItemToObject(engine, engine_keys[i], cJSON_Duplicate(v, 1));
    if (parse_selectors(c, cJSON_GetObjectItemCaseSensitive(j, "selectors"), engine, err) < 0)
        goto err_named;
    if (!synthetic && etsim_live_config_finish(&c->live, err) < 0) goto err_named;

    /* Canonical settings: what determines the recorded content. */
    canon = cJSON_CreateObject();
    if (synthetic) {
        cJSON *s = cJSON_AddObjectToObject(canon, "source");
        cJSON_AddStringToObject(s, "synthetic", synthetic);
        /* rounds number the union tree's nodes differently: a resume must
         * not mix the two (absent when off, so older headers still match) */
        if (rounds) cJSON_AddTrueToObject(s, "rounds");
    } else {
        char *lj = etsim_live_config_json(&c->live);
        cJSON_AddItemToObject(canon, "source", cJSON_Parse(lj));
        free(lj);
    }
    if (c->dataset_name) cJSON_AddStringToObject(canon, "dataset", c->dataset_name);
    cJSON *pr = cJSON_AddArrayToObject(canon, "problems");
    cJSON_AddItemToArray(pr, cJSON_CreateNumber(c->first));
    cJSON_AddItemToArray(pr, cJSON_CreateNumber(c->end));
    cJSON_AddItemToObject(canon, "engine", engine);
    engine = NULL;
    cJSON_AddItemToObject(canon, "selectors",
                          cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(j, "selectors"), 1));
    c->hash = cap_canon_hash(canon);
    c->capture_json = cJSON_PrintUnformatted(canon);
    cJSON_Delete(canon);
    cJSON_Delete(j);
    free(text);
    return 0;
err_named:
    etsim_err_prefix(err, "%s", path);
err:
    cJSON_Delete(canon);
    cJSON_Delete(engine);
    cJSON_Delete(j);
    free(text);
    cap_config_free(c);
    return -1;
}

/* The hash of canonical settings: it ignores where the servers are (a
 * restarted server may move). */
uint64_t cap_canon_hash(const cJSON *canon) {
    cJSON *h = cJSON_Duplicate(canon, 1);
    cJSON *src = cJSON_GetObjectItemCaseSensitive(h, "source");
    cJSON_DeleteItemFromObjectCaseSensitive(src, "policy_url");
    cJSON_DeleteItemFromObjectCaseSensitive(src, "prm_url");
    cJSON_DeleteItemFromObjectCaseSensitive(src, "embed_url");
    char *hs = cJSON_PrintUnformatted(h);
    uint64_t v = etsim_hash_str(hs);
    free(hs);
    cJSON_Delete(h);
    return v;
}

/* settings_json of the trace header: {"capture": ..., "config_hash": ...,
 * "counts": ...} (counts NULL: not yet known). */
char *cap_settings_json(const cap_config *c, const char *counts_json) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "capture", cJSON_Parse(c->capture_json));
    char hx[24];
    snprintf(hx, sizeof hx, "%016llx", (unsigned long long)c->hash);
    cJSON_AddStringToObject(o, "config_hash", hx);
    if (counts_json) cJSON_AddItemToObject(o, "counts", cJSON_Parse(counts_json));
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* The config_hash stored in a header's settings, 0 if none. */
uint64_t cap_settings_hash(const char *settings_json) {
    if (!settings_json) return 0;
    cJSON *o = cJSON_Parse(settings_json);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "config_hash");
    uint64_t v = cJSON_IsString(h) ? strtoull(h->valuestring, NULL, 16) : 0;
    cJSON_Delete(o);
    return v;
}

/* ---- the "live" oracle kind: spec = a capture configuration file -------------- */

static etsim_oracle *live_kind_open(const char *spec, etsim_err *err) {
    cap_config c;
    if (cap_config_load(spec, NULL, 0, &c, err) < 0) return NULL;
    etsim_oracle *o = etsim_live_open(&c.live, c.dataset, err);
    if (o) {
        free(o->meta.dataset);
        o->meta.dataset = c.dataset_name ? etsim_strdup(c.dataset_name) : NULL;
        free(o->meta.answer_format);
        o->meta.answer_format = etsim_strdup(c.answer_format);
        free(o->meta.settings_json);
        o->meta.settings_json = cap_settings_json(&c, NULL);
    }
    cap_config_free(&c);
    return o;
}

const etsim_oracle_kind etsim_oracle_kind_live = {
    .abi = ETSIM_ORACLE_ABI,
    .name = "live",
    .help = "model servers (policy, PRM, embedder); spec = a capture configuration "
            "(traces/CAPTURE.md); expansions are serial: use `etsim capture` to record",
    .open = live_kind_open,
    .spec_is_path = etsim_oracle_spec_is_file,
};
