/* fuzz_bench_data.c -- libFuzzer target for the benchmark readers
 * (sim/eval/bench_data.h: MATH500 and GSM8K JSON lines, read by `etsim
 * eval`, `etsim export` and `etsim import --dataset`): the input is
 * written to a private temporary file and loaded as each kind and with
 * the kind guessed. Every problem of an accepted set must be found again
 * by its id. Crashes, sanitizer reports, a failure without a message and
 * a problem that cannot be found are the findings. */
#include <stdint.h>
#include <stdlib.h>

#include "sim/eval/bench_data.h"
#include "sim/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load(const char *path, int kind) {
    etsim_err err = {{0}};
    etsim_bench_set s;
    memset(&s, 0, sizeof s);
    int rc = kind < 0 ? etsim_bench_load_auto(path, &s, &err)
                      : etsim_bench_load(path, (etsim_bench_kind)kind, &s, &err);
    if (rc < 0) {
        fuzz_check_err(&err);
        return;
    }
    for (int32_t i = 0; i < s.n; i++) {
        if (!s.p[i].question || !s.p[i].answer || !s.p[i].id) abort();
        int32_t k = etsim_bench_find(&s, s.p[i].id, s.p[i].question);
        if (k < 0 || k >= s.n) abort();
    }
    etsim_bench_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > (1 << 15)) return 0;
    const char *tmp = fuzz_write("bench.jsonl", data, size);
    char path[256];
    snprintf(path, sizeof path, "%s", tmp);
    load(path, ETSIM_BENCH_MATH500);
    load(path, ETSIM_BENCH_GSM8K);
    load(path, -1);
    unlink(path);
    return 0;
}
