/* cli.c -- shared flag helpers for the subcommands (see cli.h). */
#include "sim/cli/cli.h"
#include "selectors/registry.h"
#include "sim/engine/oracle.h"
#include "sim/engine/search_config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int etsim_cli_fail(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("etsim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

int etsim_cli_int(const char *flag, const char *value, int min, int max, int *out) {
    char *end = NULL;
    long v = strtol(value, &end, 10);
    if (!value[0] || *end || v < min || v > max) {
        etsim_cli_fail(2, "%s: '%s' is not an integer in [%d, %d]", flag, value, min, max);
        return -1;
    }
    *out = (int)v;
    return 0;
}

void etsim_cli_source_init(etsim_cli_source *s) {
    s->kind = NULL;
    s->spec = NULL;
}

int etsim_cli_source_arg(etsim_cli_source *s, int argc, char **argv, int *i) {
    const char *a = argv[*i];
    if (!strcmp(a, "--source")) {
        if (*i + 1 >= argc) {
            etsim_cli_fail(2, "--source needs KIND:SPEC");
            return -1;
        }
        const char *text = argv[++*i], *spec;
        char kind[64];
        etsim_err err = {{0}};
        const etsim_oracle_kind *k = NULL;
        if (etsim_oracle_source_split(text, kind, sizeof kind, &spec, &err) == 0)
            k = etsim_oracle_source_kind(kind, &spec, &err);
        if (!k) {
            etsim_cli_fail(2, "--source: %s", err.msg);
            return -1;
        }
        s->kind = k->name;
        s->spec = spec;
        return 1;
    }
    if (!strcmp(a, "--trace")) {
        if (*i + 1 >= argc) {
            etsim_cli_fail(2, "--trace needs a file");
            return -1;
        }
        s->kind = "trace";
        s->spec = argv[++*i];
        return 1;
    }
    if (!strcmp(a, "--live")) {
        if (*i + 1 >= argc) {
            etsim_cli_fail(2, "--live needs a capture config file");
            return -1;
        }
        s->kind = "live";
        s->spec = argv[++*i];
        return 1;
    }
    if (!strcmp(a, "--synthetic")) {
        s->kind = "synthetic";
        s->spec = "default";
        if (*i + 1 < argc && strncmp(argv[*i + 1], "--", 2) != 0) s->spec = argv[++*i];
        return 1;
    }
    return 0;
}

int etsim_cli_search_config(etsim_search_config *cfg, const char *selector, int width,
                            const char *const *sets, int n_sets, etsim_err *err) {
    const etsim_selector *sel = etsim_selector_lookup(selector, err);
    if (!sel) return -1;
    if (width <= 0) return etsim_errf(err, "--width must be > 0 (got %d)", width);
    if (etsim_search_config_from_sets(cfg, sel, width, sets, n_sets, err) < 0)
        return etsim_err_prefix(err, "--set");
    return 0;
}

void etsim_cli_print_summary(FILE *fp, const etsim_search_config *cfg, int problems,
                             const etsim_counters *c) {
    fprintf(fp, "selector %s width %d: %d problems\n", cfg->sel.sel->name, cfg->width, problems);
    fprintf(fp, "  model calls       %lld\n", (long long)c->model_calls);
    fprintf(fp, "  tokens generated  %lld\n", (long long)c->tokens_generated);
    fprintf(fp, "  KV size (ETS)     %lld\n", (long long)c->kv_tokens);
    fprintf(fp, "  selections        %lld\n", (long long)c->selections);
    if (c->dropped_unscored) fprintf(fp, "  dropped unscored  %lld\n", (long long)c->dropped_unscored);
    if (c->missing_children)
        fprintf(fp, "  missing children  %lld (resampled %lld)\n", (long long)c->missing_children,
                (long long)c->resampled_children);
}
