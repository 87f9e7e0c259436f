/* cli.h -- helpers shared by the subcommands: flag parsing for numbers and
 * for the search source (--source KIND:SPEC and its aliases), building a search
 * configuration from --set pairs, and the one-line error convention. */
#ifndef ETSIM_CLI_H
#define ETSIM_CLI_H

#include <stdio.h>

#include "sim/engine/engine.h"

/* Print "etsim: <msg>" to stderr and return `code`. */
int etsim_cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parse an integer flag value in [min, max]; prints the error itself. */
int etsim_cli_int(const char *flag, const char *value, int min, int max, int *out);

typedef struct etsim_cli_source {
    const char *kind;   /* a registered oracle kind; NULL if not given */
    const char *spec;   /* path, profile name, config...            */
} etsim_cli_source;

void etsim_cli_source_init(etsim_cli_source *s);
/* If argv[*i] is --source KIND:SPEC (any registered oracle kind, "KIND"
 * alone for its default spec; sim/engine/oracle.h) or one of its aliases
 * --trace FILE, --synthetic [PROFILE], --live CONFIG, consume it (and its
 * value) and return 1; return 0 if it is another flag; -1 (message
 * printed, exit status 2) on error. */
int etsim_cli_source_arg(etsim_cli_source *s, int argc, char **argv, int *i);

/* Resolve selector + width + "key=value" list into cfg. */
int etsim_cli_search_config(etsim_search_config *cfg, const char *selector, int width,
                            const char *const *sets, int n_sets, etsim_err *err);

void etsim_cli_print_summary(FILE *fp, const etsim_search_config *cfg, int problems,
                             const etsim_counters *c);

#endif
