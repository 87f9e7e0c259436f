/* selector_lib.h -- `--selector-lib PATH.so` (any command): load C
 * selector plug-ins (selectors/plugin.h) and drop the flags from argv. */
#ifndef ETSIM_CLI_SELECTOR_LIB_H
#define ETSIM_CLI_SELECTOR_LIB_H

/* Load every --selector-lib PATH in argv[0..*argc) and remove those pairs
 * (argv stays NULL-terminated). 0 ok; 2 (message printed) on error. */
int etsim_cli_selector_libs(int *argc, char **argv);

#endif
