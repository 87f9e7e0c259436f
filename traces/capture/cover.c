/* cover.c -- covering runs (see cover.h): parse a list of search
 * configurations and run them all on one problem's tree, so the tree ends
 * up holding the union of the children they request. */
#include "traces/capture/cover.h"
#include "sim/core/json.h"
#include "selectors/registry.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void etsim_cover_configs_free(etsim_cover_configs *c) {
    if (!c) return;
    free(c->cfg);
    free(c->json);
    memset(c, 0, sizeof *c);
}

/* One "params" value as the text etsim_search_config_set takes. */
static int param_text(const cJSON *v, char *buf, size_t n) {
    if (cJSON_IsNumber(v)) {
        snprintf(buf, n, "%.17g", cJSON_GetNumberValue(v));
        return 0;
    }
    if (cJSON_IsBool(v)) {
        snprintf(buf, n, "%d", cJSON_IsTrue(v) ? 1 : 0);
        return 0;
    }
    if (cJSON_IsString(v) && strlen(v->valuestring) < n) {
        snprintf(buf, n, "%s", v->valuestring);
        return 0;
    }
    return -1;
}

static int parse_entry(const cJSON *e, int32_t k, const char *origin, etsim_search_config *cfg,
                       etsim_err *err) {
    if (!cJSON_IsObject(e)) return etsim_errf(err, "%s: config %d: expected an object", origin, k);
    const cJSON *sel = NULL, *width = NULL, *params = NULL, *it;
    cJSON_ArrayForEach(it, e) {
        const char *key = it->string ? it->string : "";
        const cJSON **slot = !strcmp(key, "selector") ? &sel
                             : !strcmp(key, "width")  ? &width
                             : !strcmp(key, "params") ? &params
                                                      : NULL;
        if (!slot)
            return etsim_errf(err, "%s: config %d: unknown key '%s' (selector, width, params)",
                              origin, k, key);
        if (*slot) return etsim_errf(err, "%s: config %d: duplicate key '%s'", origin, k, key);
        *slot = it;
    }
    if (!sel || !cJSON_IsString(sel))
        return etsim_errf(err, "%s: config %d: field 'selector': expected a selector name", origin, k);
    const etsim_selector *s = etsim_selector_find(sel->valuestring);
    if (!s)
        return etsim_errf(err, "%s: config %d: field 'selector': unknown selector '%s'", origin, k,
                          sel->valuestring);
    double w = width && cJSON_IsNumber(width) ? cJSON_GetNumberValue(width) : NAN;
    if (!(w >= 1 && w <= 1e9 && w == floor(w)))
        return etsim_errf(err, "%s: config %d: field 'width': expected an integer >= 1", origin, k);
    etsim_search_config_init(cfg, s, (int32_t)w);
    if (params) {
        if (!cJSON_IsObject(params))
            return etsim_errf(err, "%s: config %d: field 'params': expected an object", origin, k);
        cJSON_ArrayForEach(it, params) {
            char value[256];
            if (param_text(it, value, sizeof value))
                return etsim_errf(err, "%s: config %d: params '%s': expected a number, string or bool",
                                  origin, k, it->string);
            if (etsim_search_config_set(cfg, it->string, value, err) < 0)
                return etsim_err_prefix(err, "%s: config %d: params", origin, k);
        }
    }
    if (s->validate && s->validate(&cfg->sel, err) < 0)
        return etsim_err_prefix(err, "%s: config %d", origin, k);
    return 0;
}

int etsim_cover_configs_parse(const char *json, size_t len, const char *origin,
                              etsim_cover_configs *out, etsim_err *err) {
    memset(out, 0, sizeof *out);
    cJSON *root = etsim_json_parse(json, len, origin, err);
    int rc = -1;
    if (!root) goto err;
    const cJSON *list = root;
    if (cJSON_IsObject(root)) list = cJSON_GetObjectItemCaseSensitive(root, "configs");
    if (!list || !cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0) {
        etsim_errf(err, "%s: expected a non-empty list of configurations", origin);
        goto err;
    }
    int n = cJSON_GetArraySize(list);
    if (n > 100000) {
        etsim_errf(err, "%s: too many configurations (%d)", origin, n);
        goto err;
    }
    out->cfg = etsim_calloc((size_t)n, sizeof *out->cfg);
    const cJSON *e;
    int32_t k = 0;
    cJSON_ArrayForEach(e, list) {
        if (parse_entry(e, k, origin, &out->cfg[k], err)) goto err;
        out->n = ++k;
    }
    char *txt = cJSON_PrintUnformatted(list);
    out->json = etsim_strdup(txt);
    cJSON_free(txt);
    rc = 0;
err:
    cJSON_Delete(root);
    if (rc) etsim_cover_configs_free(out);
    return rc;
}

int etsim_cover_configs_load(const char *path, etsim_cover_configs *out, etsim_err *err) {
    size_t len = 0;
    memset(out, 0, sizeof *out);
    char *text = etsim_read_file(path, &len, err);
    if (!text) return -1;
    int rc = etsim_cover_configs_parse(text, len, path, out, err);
    free(text);
    return rc;
}

int etsim_cover_problem(etsim_oracle *o, const etsim_cover_configs *cfgs, int32_t problem,
                        etsim_problem_result *res, etsim_err *err) {
    etsim_counters sum;
    memset(&sum, 0, sizeof sum);
    for (int32_t k = 0; k < cfgs->n; k++) {
        if (etsim_search_problem(o, &cfgs->cfg[k], problem, res, err) < 0)
            return etsim_err_prefix(err, "config %d (%s, width %d)", k, cfgs->cfg[k].sel.sel->name,
                                    cfgs->cfg[k].width);
        etsim_counters_add(&sum, &res->c);
    }
    res->c = sum;
    return 0;
}
