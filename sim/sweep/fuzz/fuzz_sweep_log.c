/* fuzz_sweep_log.c -- libFuzzer target for the sweep's results log reader
 * (sim/sweep/log.h): the input is a results.jsonl file, written to a
 * private temporary file. It is read twice, as `etsim merge` reads another
 * directory's log (scan, no repair) and as `--resume` opens its own (the
 * torn tail cut off); both must see the same lines, and each line handed
 * to the callback must read back from the file as a result line with the
 * same key. Crashes, sanitizer reports, a failure without a message and
 * the two readings disagreeing are the findings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/fuzz/fuzz_util.h"
#include "sim/sweep/log.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
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
    return 0;
}
