/* fuzz_result_in.c -- libFuzzer target for the result reader
 * (sim/engine/result_read.h) with the cost model's field mask, as
 * `etsim cost RESULT.json` reads (gpu_model/result_in.h): the input is
 * the file's text. What it accepts must be a set of trees
 * (every parent earlier than its child) that the cost model can run on,
 * so small accepted sets are also simulated with the default GPU setup.
 * Crashes, sanitizer reports, a failure without a message and a tree the
 * reader let through broken are the findings. */
#include <stdint.h>
#include <stdlib.h>

#include "gpu_model/cost.h"
#include "gpu_model/result_in.h"
#include "sim/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > (1 << 17)) return 0;
    char *text = fuzz_cstr(data, size);
    etsim_err err = {{0}};
    etsim_cost_traces set = {0};
    if (etsim_cost_traces_parse_result(text, size, "fuzz.json", &set, &err) < 0) {
        fuzz_check_err(&err);
    } else {
        int64_t nodes = 0;
        for (int32_t k = 0; k < set.n; k++) {
            const etsim_cost_trace *t = &set.v[k];
            for (int32_t i = 1; i < t->n_nodes; i++)
                if (t->parent[i] < 0 || t->parent[i] >= i) abort();
            nodes += t->n_nodes;
        }
        if (nodes <= 4096) {
            etsim_cost_config cc;
            etsim_cost_config_init(&cc);
            etsim_cost_report rep;
            memset(&rep, 0, sizeof rep);
            if (etsim_cost_run(&cc, set.v, set.n, &rep, &err) < 0) fuzz_check_err(&err);
            etsim_cost_report_free(&rep);
            etsim_cost_config_free(&cc);
        }
    }
    etsim_cost_traces_free(&set);
    free(text);
    return 0;
}
