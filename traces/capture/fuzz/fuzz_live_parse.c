/* fuzz_live_parse.c -- libFuzzer target for the parsers of server replies
 * (traces/capture/parse.h): every parser runs on every input. Build with -DETSIM_FUZZ=ON and CC=clang.
 * A parser must return 0 or -1 and never read out of bounds, leak or
 * return a score outside what its convention allows. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "traces/capture/parse.h"

static const char *const plus[] = {"+", " +"};
static const char *const minus[] = {"-", " -"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* the parsers take a length; the copy is NUL-terminated for the repair */
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    etsim_err e;
    etsim_live_completion c;
    if (etsim_live_parse_completion(s, size, 8, &c, &e) == 0) {
        for (int32_t i = 0; i < c.n; i++)
            if (!c.choices[i].text || c.choices[i].tokens < -1) abort();
        etsim_live_completion_free(&c);
    }
    static const int32_t plus_ids[] = {648}, minus_ids[] = {387};
    for (int ids = 0; ids < 2; ids++) {
        etsim_live_labels lab = {plus, 2, minus, 2, plus_ids, minus_ids, ids, ids};
        etsim_live_label_read r;
        if (etsim_live_parse_label_probs(s, size, &lab, &r, &e) == 0)
            if (!(r.p_plus >= 0) || !(r.p_minus >= 0) || r.entries < 0) abort();
    }
    etsim_live_pooling pool;
    if (etsim_live_parse_pooling(s, size, &pool, &e) == 0 &&
        (!isfinite(pool.last_mean) || pool.rows < 1 || pool.width < 1))
        abort();
    free(etsim_live_parse_owned_by(s, size));
    int32_t dim = 0;
    float *v = NULL;
    if (etsim_live_parse_embeddings(s, size, 3, &dim, &v, &e) == 0) {
        if (dim < 1) abort();
        free(v);
    }
    char *id = NULL;
    if (etsim_live_parse_models(s, size, &id, &e) == 0) free(id);
    int32_t n;
    etsim_live_parse_tokenize(s, size, &n, &e);
    int32_t bad;
    free(etsim_live_utf8_repair(s, strlen(s), &bad));
    free(s);
    return 0;
}
