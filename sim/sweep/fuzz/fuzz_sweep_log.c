/* fuzz_sweep_log.c -- libFuzzer target for the sweep's results log reader
 * (sim/sweep/log.h): the input is a results.jsonl file, written to a
 * private temporary file. It is read twice, as `etsim merge` reads another
 * directory's log (scan, no repair) and as `--resume` opens its own (the
 * torn tail cut off); both must see the same lines, and each line handed
 * to the callback must read back from the file as a result line with the
 * same key. The problem lines are then summarised, as a sweep does when a
 * config is complete, for the first config of FUZZ_GRID (the grid that
 * sim/fuzz/make_seeds.sh ran to write the seeds), GPU simulation
 * included. Crashes, sanitizer reports, a failure without a message and
 * the two readings disagreeing are the findings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/fuzz/fuzz_util.h"
#include "sim/sweep/log.h"
#include "sim/sweep/metrics.h"
#include "sim/etsim.h"

#define FUZZ_GRID                                                                             \
    "{\"sources\": [\"synthetic:default\"], \"selectors\": [\"rebase\"], \"widths\": [4], "  \
    "\"problems\": 2, \"gpu\": [{\"gpu\": \"h100-nvl\", \"policy\": \"llemma-34b\", "        \
    "\"prm\": \"llemma-34b-prm\"}]}"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seen {
    const uint8_t *data;
    size_t size;
    int64_t lines, bytes;
} seen;

/* Every line must lie inside the input, end in a newline and parse back to
 * the key it was reported with. */
static int on_line(void *ctx, const char *cfg, int32_t problem, int64_t off, size_t len,
                   int64_t lineno, etsim_err *err) {
    (void)err;
    seen *s = ctx;
    if (off < 0 || (uint64_t)off + len > s->size || len == 0 || lineno != s->lines + 1) abort();
    const char *line = (const char *)s->data + off;
    if (line[len - 1] != '\n') abort();
    char cfg2[17];
    int32_t p2;
    if (etsim_sweep_line_key(line, len, cfg2, &p2) < 0 || strcmp(cfg, cfg2) || p2 != problem)
        abort();
    s->lines++;
    s->bytes = off + (int64_t)len;
    return 0;
}

typedef struct pline {
    int32_t problem, order;
    const char *p;
    size_t len;
} pline;

static int pline_cmp(const void *a, const void *b) {
    const pline *x = a, *y = b;
    if (x->problem != y->problem) return x->problem < y->problem ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Feed the problem lines, in problem order as a sweep reads them back, to
 * a summariser of the grid's first config; finish it when every line was
 * taken. */
static void summarise(const uint8_t *data, size_t size) {
    static etsim_sweep_grid grid;
    static int have_grid = 0;
    etsim_err err = {{0}};
    if (!have_grid) {
        if (etsim_sweep_grid_parse(FUZZ_GRID, strlen(FUZZ_GRID), "grid", NULL, &grid, &err) < 0)
            abort();
        have_grid = 1;
    }
    pline lines[256];
    int32_t n = 0;
    const char *p = (const char *)data, *end = p + size;
    while (p < end && n < 256) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) break;
        size_t len = (size_t)(nl - p) + 1;
        char cfg[17];
        int32_t problem;
        if (etsim_sweep_line_key(p, len, cfg, &problem) == 0 && problem >= 0) {
            lines[n] = (pline){problem, n, p, len};
            n++;
        }
        p = nl + 1;
    }
    if (n == 0) return;
    qsort(lines, (size_t)n, sizeof *lines, pline_cmp);
    etsim_sweep_summarizer *s = etsim_sweep_summarizer_new(&grid, &grid.configs[0]);
    int ok = 1;
    for (int32_t i = 0; ok && i < n; i++)
        if (etsim_sweep_summarizer_add(s, lines[i].p, lines[i].len, &err) < 0) {
            fuzz_check_err(&err);
            ok = 0;
        }
    if (ok) {
        size_t len = 0;
        char *line = etsim_sweep_summarizer_finish(s, &len, &err);
        if (!line) fuzz_check_err(&err);
        else if (!len || line[len - 1] != '\n') abort();
        free(line);
    }
    etsim_sweep_summarizer_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    etsim_init(); /* sources in grids and configs open oracles by kind name */
    if (size > (1 << 16)) return 0;
    const char *tmp = fuzz_write("results.jsonl", data, size);
    char path[256];
    snprintf(path, sizeof path, "%s", tmp);
    etsim_err err = {{0}};
    seen a = {data, size, 0, 0}, b = {data, size, 0, 0};
    int64_t torn_a = 0, torn_b = 0;
    int rc_a = etsim_sweep_log_scan_file(path, on_line, &a, &torn_a, &err);
    if (rc_a < 0) fuzz_check_err(&err);
    else if (a.bytes + torn_a != (int64_t)size) abort();
    etsim_sweep_log l;
    int rc_b = etsim_sweep_log_open(&l, path, on_line, &b, &torn_b, &err);
    if (rc_b < 0) {
        fuzz_check_err(&err);
    } else {
        if (b.bytes + torn_b != (int64_t)size) abort();
        /* the torn tail is gone: the file now ends after the last line */
        char buf[64];
        if (b.lines && etsim_sweep_log_read(&l, 0, 1, buf, &err) < 0) abort();
        if (etsim_sweep_log_close(&l, &err) < 0) abort();
    }
    if ((rc_a < 0) != (rc_b < 0) || (rc_a == 0 && (a.lines != b.lines || torn_a != torn_b))) abort();
    unlink(path);
    summarise(data, size);
    return 0;
}
