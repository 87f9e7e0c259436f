/* fuzz_select.c -- libFuzzer target for `etsim select` instances
 * (sim/cli/cmd_select.c): the input is the instance's JSON. An accepted
 * instance is then handed to its selector, as the command does, and the
 * decision checked: every expansion names a candidate and has a count of
 * zero or more children. Crashes, sanitizer reports, a failure without a message and
 * an out-of-range decision are the findings.
 *
 * The instance parser is static in the CLI file, so this target compiles
 * that file (and the small CLI helper file it calls) into itself rather
 * than moving the parser into the library: the command stays one file and
 * the fuzzer always tests the code `etsim select` runs. */
#include "sim/cli/cli.c"
#include "sim/cli/cmd_select.c"
#include "sim/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    char *text = fuzz_cstr(data, size);
    etsim_err err = {{0}};
    instance in;
    memset(&in, 0, sizeof in);
    etsim_sel_node *view = NULL;
    int32_t *view_cand = NULL, n_view = 0;
    etsim_sel_output out;
    memset(&out, 0, sizeof out);
    if (parse_instance(&in, text, size, &err) < 0) {
        fuzz_check_err(&err);
        goto done;
    }
    build_view(&in, &view, &n_view, &view_cand);
    if (n_view < in.n_cand || n_view > in.n_nodes) abort();
    etsim_sel_input sin = {.nodes = view, .n_nodes = n_view, .cand = view_cand,
                           .n_cand = in.n_cand, .width = in.width,
                           .initial_width = in.initial_width, .depth = in.depth,
                           .emb_dim = in.emb_dim};
    etsim_sel_output_init(&out, in.n_cand);
    for (int32_t c = 0; c < in.n_cand; c++) out.tags[c] = view[view_cand[c]].tag;
    if (in.sel->select(&in.cfg, &sin, &out, &err) < 0) {
        fuzz_check_err(&err);
        goto done;
    }
    for (int32_t e = 0; e < out.n_exp; e++)
        if (out.exp_cand[e] < 0 || out.exp_cand[e] >= in.n_cand || out.exp_count[e] < 0) abort();
done:
    etsim_sel_output_free(&out);
    free(view);
    free(view_cand);
    instance_free(&in);
    free(text);
    return 0;
}
