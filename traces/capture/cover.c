/* cover.c -- covering runs (see cover.h): parse a list of search
 * configurations (each through the one parser, sim/engine/search_config.h)
 * and run them all on one problem's tree, so the tree ends up holding the
 * union of the children they request. */
#include "traces/capture/cover.h"
#include "sim/core/json.h"
#include "selectors/registry.h"
#include "sim/engine/search_config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void etsim_cover_configs_free(etsim_cover_configs *c) {
    if (!c) return;
    free(c->cfg);
    free(c->json);
    memset(c, 0, sizeof *c);
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
    const etsim_search_json_opts entry_opts = {.lookup = etsim_selector_lookup, .max_width = 1000000000};
    const cJSON *e;
    int32_t k = 0;
    cJSON_ArrayForEach(e, list) {
        if (etsim_search_config_from_json(&out->cfg[k], e, &entry_opts, err) < 0) {
            etsim_err_prefix(err, "%s: config %d", origin, k);
            goto err;
        }
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
