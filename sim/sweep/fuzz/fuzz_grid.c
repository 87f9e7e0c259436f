/* fuzz_grid.c -- libFuzzer target for sweep grid files
 * (sim/sweep/grid.h): parsing, validation and expansion into configs. The
 * input is the grid's JSON text; relative trace paths resolve in a private
 * empty directory. An accepted grid must be stable: parsing it again gives
 * the same grid hash and config count, as `--resume` relies on. Crashes,
 * sanitizer reports, a failure without a message and an unstable grid are
 * the findings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/fuzz/fuzz_util.h"
#include "sim/sweep/grid.h"
#include "sim/etsim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    etsim_init(); /* sources in grids and configs open oracles by kind name */
    if (size > 8192) return 0;
    char *text = fuzz_cstr(data, size);
    etsim_err err = {{0}};
    etsim_sweep_grid g, g2;
    if (etsim_sweep_grid_parse(text, size, "fuzz.json", fuzz_dir(), &g, &err) < 0) {
        fuzz_check_err(&err);
    } else {
        if (g.n_configs < 1) abort();
        for (int32_t i = 0; i < g.n_configs; i++)
            if (etsim_sweep_grid_find(&g, g.configs[i].hash) != i) abort();
        free(etsim_sweep_grid_describe(&g, "1/1", text, fuzz_dir()));
        if (etsim_sweep_grid_parse(text, size, "fuzz.json", fuzz_dir(), &g2, &err) < 0) abort();
        if (strcmp(g.hash, g2.hash) || g.n_configs != g2.n_configs) abort();
        etsim_sweep_grid_free(&g2);
        etsim_sweep_grid_free(&g);
    }
    free(text);
    return 0;
}
