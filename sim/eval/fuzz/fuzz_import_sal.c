/* fuzz_import_sal.c -- libFuzzer target for `etsim import sal`
 * (sim/eval/import.h, sim/eval/sal.h): the input is a search-and-learn
 * JSON-lines file. The importer reads a path, so the input is written to a
 * private temporary file first. An accepted file becomes a trace, which is
 * then read back problem by problem: what the importer writes, the trace
 * reader must accept. Crashes, sanitizer reports, a failure without a
 * message and an unreadable trace are the findings. */
#include <stdint.h>
#include <stdlib.h>

#include "sim/eval/import.h"
#include "sim/fuzz/fuzz_util.h"
#include "traces/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read a trace the importer wrote; every problem must load. */
static void read_back(const char *path) {
    etsim_err err = {{0}};
    etsim_trace *tr = etsim_trace_open(path, &err);
    if (!tr) abort();
    etsim_trace_scratch *sc = etsim_trace_scratch_new();
    etsim_tree t;
    etsim_tree_init(&t, 0);
    for (int32_t k = 0; k < etsim_trace_n_problems(tr); k++)
        if (etsim_trace_load(tr, k, &t, sc, &err) < 0) abort();
    etsim_tree_free(&t);
    etsim_trace_scratch_free(sc);
    etsim_trace_close(tr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > (1 << 16)) return 0;
    const char *in = fuzz_write("sal.jsonl", data, size);
    char in_path[256], out_path[256];
    snprintf(in_path, sizeof in_path, "%s", in);
    snprintf(out_path, sizeof out_path, "%s/sal.trace", fuzz_dir());
    etsim_import_opts o = {.dataset = NULL, .out = out_path, .report = NULL,
                           .extract = ETSIM_EXTRACT_SAL};
    etsim_import_stats st;
    etsim_err err = {{0}};
    if (etsim_import_sal(in_path, &o, &st, &err) < 0) {
        fuzz_check_err(&err);
    } else {
        if (st.imported + st.skipped_mismatch + st.skipped_unknown > st.rows) abort();
        read_back(out_path);
    }
    unlink(out_path);
    return 0;
}
