/* rebase_plugin.c -- REBASE as a C plug-in built outside etsim's library:
 * the proof that selectors/plugin.h is all a C selector needs. Registers
 * "rebase-plugin" with the built-in's parameter; results are byte-identical
 * to `--selector rebase` (tests/cli_selector_ext.sh checks widths 16, 64).
 *
 * Build and use:
 *   cc -O2 -shared -fPIC -I ETSIM_SOURCE_DIR selectors/examples/rebase_plugin.c -o rebase_plugin.so -lm
 *   etsim replay --selector-lib ./rebase_plugin.so --selector rebase-plugin ...
 *
 * The rule (selectors/rebase.c, selectors/README.md): candidates sorted by
 * score descending, ties later-inserted first (the reference's
 * sorted(); reverse()); child counts by sequential ceil over
 * e_i = exp(score_i / T - max): w_i = ceil(B e_i / sum_{j>=i} e_j), an
 * exact integer ratio kept exact; forked in that sorted order. */
#include <math.h>
#include <stdlib.h>

#include "selectors/plugin.h"

static const etsim_plugin_host *host;

static const etsim_param_def params[] = {
    {"softmax_temperature", 0.2, 1e-6, 1e6, "T in exp(score / T); lower is greedier", 0},
    {NULL, 0, 0, 0, NULL, 0},
};

/* insertion sort, stable on (score desc, index desc): fine for B <= 1024 */
static void order_desc_later_first(const double *s, int32_t n, int32_t *order) {
    for (int32_t i = 0; i < n; i++) {
        int32_t k = i;
        while (k > 0 && (s[order[k - 1]] < s[i] || (s[order[k - 1]] == s[i] && order[k - 1] < i))) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
}

static int plugin_select(const etsim_sel_config *cfg, const etsim_sel_input *in, etsim_sel_output *out,
                         etsim_err *err) {
    int32_t n = in->n_cand;
    double *score = malloc((size_t)n * sizeof *score), *e = malloc((size_t)n * sizeof *e);
    double *suffix = malloc((size_t)(n + 1) * sizeof *suffix);
    int32_t *order = malloc((size_t)n * sizeof *order);
    if (!score || !e || !suffix || !order) {
        free(score), free(e), free(suffix), free(order);
        return host->errf(err, "rebase-plugin: out of memory");
    }
    double t = cfg->v[0], maxl = -INFINITY;
    for (int32_t i = 0; i < n; i++) score[i] = in->nodes[in->cand[i]].score;
    order_desc_later_first(score, n, order);
    for (int32_t i = 0; i < n; i++) maxl = fmax(maxl, score[order[i]] / t);
    for (int32_t i = 0; i < n; i++) {
        double l = score[order[i]] / t;
        e[i] = (isinf(maxl) || l == -INFINITY) ? 0.0 : exp(l - maxl);
    }
    suffix[n] = 0.0;
    for (int32_t i = n - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + e[i];
    int64_t remaining = in->width;
    for (int32_t i = 0; i < n; i++) {
        int32_t w = 0;
        if (e[i] > 0 && suffix[i] > 0 && remaining > 0) {
            double r = (double)remaining * e[i] / suffix[i], nearest = floor(r + 0.5);
            if (fabs(r - nearest) <= 1e-9 * (r > 1 ? r : 1)) r = nearest;
            double c = ceil(r);
            w = (int32_t)(c > (double)remaining ? (double)remaining : c);
        }
        host->expand(out, order[i], w);
        remaining -= w;
    }
    free(score), free(e), free(suffix), free(order);
    return 0;
}

static const etsim_selector rebase_plugin = {
    .abi = ETSIM_SELECTOR_ABI,
    .name = "rebase-plugin",
    .summary = "REBASE from a C plug-in (selectors/examples/rebase_plugin.c)",
    .params = params,
    .validate = NULL,
    .select = plugin_select,
};

ETSIM_PLUGIN_EXPORT int etsim_plugin_init(const etsim_plugin_host *h, etsim_err *err) {
    host = h;
#ifdef REBASE_PLUGIN_WRONG_ABI /* tests: a plug-in built against another ABI */
    static etsim_selector other;
    other = rebase_plugin;
    other.abi = ETSIM_SELECTOR_ABI + 1;
    return h->register_selector(&other, err);
#else
    return h->register_selector(&rebase_plugin, err);
#endif
}
