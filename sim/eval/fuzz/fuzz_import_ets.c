/* fuzz_import_ets.c -- libFuzzer target for `etsim import ets`
 * (sim/eval/import.h): the ETS harness's answer_q{id}.json node dumps.
 * Input: [profile byte] then up to 8 files separated by NUL bytes; the
 * byte's low two bits pick the answer extraction profile and file k is
 * written as answer_q{k}.json into a fresh directory. An accepted
 * directory becomes a trace, which is then read back: what the importer
 * writes, the trace reader must accept. Crashes, sanitizer reports, a
 * failure without a message and an unreadable trace are the findings. */
#include <stdint.h>
#include <stdlib.h>

#include "sim/eval/import.h"
#include "sim/fuzz/fuzz_util.h"
#include "traces/trace.h"

#define FUZZ_ETS_FILES 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > (1 << 16)) return 0;
    etsim_extract_profile profile = (etsim_extract_profile)(data[0] & 3);
    const uint8_t *p = data + 1, *end = data + size;
    char name[64], dir[256], out_path[256];
    snprintf(dir, sizeof dir, "%s/ets", fuzz_dir());
    snprintf(out_path, sizeof out_path, "%s/ets.trace", fuzz_dir());
    int n = 0;
    while (n < FUZZ_ETS_FILES && p <= end) {
        const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
        const uint8_t *stop = nul ? nul : end;
        snprintf(name, sizeof name, "ets/answer_q%d.json", n++);
        fuzz_write(name, p, (size_t)(stop - p));
        p = stop + 1;
    }
    etsim_import_opts o = {.dataset = NULL, .out = out_path, .report = NULL, .extract = profile};
    etsim_import_stats st;
    etsim_err err = {{0}};
    if (etsim_import_ets(dir, &o, &st, &err) < 0) {
        fuzz_check_err(&err);
    } else {
        if (st.imported != n) abort(); /* one tree per file, or an error */
        etsim_trace *tr = etsim_trace_open(out_path, &err);
        if (!tr || etsim_trace_n_problems(tr) != n) abort();
        etsim_trace_scratch *sc = etsim_trace_scratch_new();
        etsim_tree t;
        etsim_tree_init(&t, 0);
        for (int32_t k = 0; k < n; k++)
            if (etsim_trace_load(tr, k, &t, sc, &err) < 0) abort();
        etsim_tree_free(&t);
        etsim_trace_scratch_free(sc);
        etsim_trace_close(tr);
    }
    for (int k = 0; k < n; k++) {
        snprintf(name, sizeof name, "%s/answer_q%d.json", dir, k);
        unlink(name);
    }
    unlink(out_path);
    return 0;
}
