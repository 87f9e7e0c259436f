/* search_config.c -- the one parser of search configurations (see
 * search_config.h). Every form ends in etsim_search_config_resolve's
 * sequence -- defaults, settings in order, the selector's validate hook --
 * so a configuration means the same whichever front end it came from. */
#include "sim/engine/search_config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int etsim_search_value_text(const cJSON *v, char *buf, size_t cap) {
    if (cap < 32) return -1;
    if (cJSON_IsString(v)) {
        if (strlen(v->valuestring) >= cap) return -1;
        snprintf(buf, cap, "%s", v->valuestring);
    } else if (cJSON_IsBool(v)) {
        snprintf(buf, cap, "%d", cJSON_IsTrue(v) ? 1 : 0);
    } else if (cJSON_IsNumber(v)) {
        etsim_fmt_double(buf, v->valuedouble);
    } else {
        return -1;
    }
    return 0;
}

int etsim_search_config_set_kv(etsim_search_config *cfg, const char *kv, etsim_err *err) {
    char key[128];
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof key)
        return etsim_errf(err, "'%s': expected KEY=VALUE", kv);
    memcpy(key, kv, (size_t)(eq - kv));
    key[eq - kv] = 0;
    return etsim_search_config_set(cfg, key, eq + 1, err);
}

static int validate(const etsim_search_config *cfg, etsim_err *err) {
    const etsim_selector *sel = cfg->sel.sel;
    return sel->validate ? sel->validate(&cfg->sel, err) : 0;
}

int etsim_search_config_resolve(etsim_search_config *cfg, const etsim_selector *sel, int32_t width,
                                const char *const *keys, const char *const *values, int n,
                                etsim_err *err) {
    etsim_search_config_init(cfg, sel, width);
    for (int i = 0; i < n; i++)
        if (etsim_search_config_set(cfg, keys[i], values[i], err) < 0) return -1;
    return validate(cfg, err);
}

int etsim_search_config_from_sets(etsim_search_config *cfg, const etsim_selector *sel, int32_t width,
                                  const char *const *sets, int n_sets, etsim_err *err) {
    etsim_search_config_init(cfg, sel, width);
    for (int i = 0; i < n_sets; i++)
        if (etsim_search_config_set_kv(cfg, sets[i], err) < 0) return -1;
    return validate(cfg, err);
}

static int listed(const char *const *list, const char *key) {
    for (int i = 0; list && list[i]; i++)
        if (!strcmp(list[i], key)) return 1;
    return 0;
}

/* "params" of an `etsim select` instance: selector parameters only. */
static int set_selector_params(etsim_search_config *cfg, const cJSON *params,
                               const etsim_search_json_opts *o, etsim_err *err) {
    const cJSON *p;
    cJSON_ArrayForEach(p, params) {
        const char *key = p->string;
        int declared = etsim_sel_config_get_index(&cfg->sel, key) >= 0;
        if (!declared && !listed(o->ignore_keys, key))
            return etsim_errf(err, "field 'params.%s': unknown parameter for selector %s", key,
                              cfg->sel.sel->name);
        if (cJSON_IsNull(p)) continue;
        if (!cJSON_IsNumber(p)) return etsim_errf(err, "field 'params.%s': expected a number or null", key);
        if (!declared) continue;
        char buf[32];
        etsim_fmt_double(buf, p->valuedouble);
        if (etsim_sel_config_set(&cfg->sel, key, buf, err) < 0)
            return etsim_err_prefix(err, "field 'params.%s'", key);
    }
    return 0;
}

int etsim_search_config_from_json(etsim_search_config *cfg, const cJSON *obj,
                                  const etsim_search_json_opts *o, etsim_err *err) {
    if (!cJSON_IsObject(obj)) return etsim_errf(err, "expected an object");
    const cJSON *it;
    cJSON_ArrayForEach(it, obj) {
        const char *key = it->string;
        if (strcmp(key, "selector") && strcmp(key, "width") && strcmp(key, "params") &&
            !listed(o->extra_keys, key) && !o->any_other_keys)
        {
            char known[256] = "selector, width, params";
            for (int i = 0; o->extra_keys && o->extra_keys[i]; i++) {
                strncat(known, ", ", sizeof known - strlen(known) - 1);
                strncat(known, o->extra_keys[i], sizeof known - strlen(known) - 1);
            }
            return etsim_errf(err, "unknown key '%s' (known: %s)", key, known);
        }
    }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "selector");
    const cJSON *width = cJSON_GetObjectItemCaseSensitive(obj, "width");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(obj, "params");
    if (!cJSON_IsString(name)) return etsim_errf(err, "field 'selector': expected a selector name");
    const etsim_selector *sel = o->lookup(name->valuestring, err);
    if (!sel) return etsim_err_prefix(err, "field 'selector'");
    double w = cJSON_IsNumber(width) ? width->valuedouble : NAN;
    if (!(w >= 1 && w <= (double)o->max_width && w == floor(w)))
        return etsim_errf(err, "field 'width': expected an integer in [1, %lld]", (long long)o->max_width);
    etsim_search_config_init(cfg, sel, (int32_t)w);
    char value[256];
    cJSON_ArrayForEach(it, o->engine) {
        if (etsim_search_value_text(it, value, sizeof value) < 0)
            return etsim_errf(err, "key '%s' (for every configuration): expected a number, string or boolean",
                              it->string);
        if (etsim_search_config_set(cfg, it->string, value, err) < 0)
            return etsim_err_prefix(err, "key '%s' (for every configuration)", it->string);
    }
    if (params && !(o->selector_params_only && cJSON_IsNull(params))) {
        if (!cJSON_IsObject(params)) return etsim_errf(err, "field 'params': expected an object");
        if (o->selector_params_only) {
            if (set_selector_params(cfg, params, o, err) < 0) return -1;
        } else {
            cJSON_ArrayForEach(it, params) {
                if (etsim_search_value_text(it, value, sizeof value) < 0)
                    return etsim_errf(err, "field 'params.%s': expected a number, string or boolean",
                                      it->string);
                if (etsim_search_config_set(cfg, it->string, value, err) < 0)
                    return etsim_err_prefix(err, "field 'params.%s'", it->string);
            }
        }
    }
    if (validate(cfg, err) < 0) return etsim_err_prefix(err, "field 'params'");
    return 0;
}
