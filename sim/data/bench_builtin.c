/* bench_builtin.c -- the built-in benchmark sets (see bench_builtin.h):
 * a table of names over the generated zstd frames, decompressed in one
 * call into a buffer of the recorded size. */
#include "sim/data/bench_builtin.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "sim/data/bench_builtin_data.h"

typedef struct builtin_set {
    const char *name;
    const unsigned char *zst;
    const size_t *zst_size, *raw_size;
} builtin_set;

static const builtin_set SETS[] = {
    {"math500", etsim_bench_math500_zst, &etsim_bench_math500_zst_size, &etsim_bench_math500_zst_raw_size},
    {"gsm8k", etsim_bench_gsm8k_zst, &etsim_bench_gsm8k_zst_size, &etsim_bench_gsm8k_zst_raw_size},
};

static const builtin_set *find(const char *name) {
    for (size_t i = 0; name && i < sizeof SETS / sizeof SETS[0]; i++)
        if (!strcmp(name, SETS[i].name)) return &SETS[i];
    return NULL;
}

int etsim_bench_builtin_is(const char *name) { return find(name) != NULL; }

char *etsim_bench_builtin_text(const char *name, size_t *len, etsim_err *err) {
    const builtin_set *s = find(name);
    if (!s) {
        etsim_errf(err, "%s: not a built-in benchmark (" ETSIM_BENCH_BUILTIN_NAMES ")", name ? name : "(null)");
        return NULL;
    }
    size_t raw = *s->raw_size;
    char *text = etsim_malloc(raw + 1);
    size_t got = ZSTD_decompress(text, raw, s->zst, *s->zst_size);
    if (ZSTD_isError(got) || got != raw) {
        /* only a damaged build can get here: the frames are generated */
        etsim_errf(err, "%s: built-in copy damaged (%s)", name,
                   ZSTD_isError(got) ? ZSTD_getErrorName(got) : "wrong size");
        free(text);
        return NULL;
    }
    text[raw] = 0;
    if (len) *len = raw;
    return text;
}

char *etsim_bench_read(const char *name_or_path, size_t *len, etsim_err *err) {
    if (etsim_bench_builtin_is(name_or_path)) return etsim_bench_builtin_text(name_or_path, len, err);
    return etsim_read_file(name_or_path, len, err);
}
