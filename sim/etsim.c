/* etsim.c -- registers the built-in oracle backends (see etsim.h). This is
 * the one file that names every backend; the engine names none. */
#include "sim/etsim.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/exec/exec_selector.h"
#include "sim/synthetic/synthetic.h"
#include "traces/capture/live.h"
#include "traces/oracle_trace.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void register_builtins(void) {
    static const etsim_oracle_kind *const builtins[] = {
        &etsim_oracle_kind_trace,
        &etsim_oracle_kind_synthetic,
        &etsim_oracle_kind_live,
    };
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++) {
        etsim_err err = {0};
        if (etsim_oracle_register(builtins[i], &err) < 0) {
            /* Only a build mistake gets here (two built-ins with one name). */
            fprintf(stderr, "etsim: %s\n", err.msg);
            abort();
        }
    }
    etsim_exec_selector_install(); /* "exec:COMMAND" selectors */
}

void etsim_init(void) { pthread_once(&init_once, register_builtins); }
