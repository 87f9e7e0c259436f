/* log.h -- the append-only, crash-safe JSON-lines file a sweep writes its
 * results into (DIR/results.jsonl).
 *
 * Every line is written by ONE write() on an O_APPEND descriptor, so a
 * crash (kill -9, power loss) can only leave the last line torn, never
 * interleave or lose earlier ones; lines are fsync'd in batches (every 256
 * lines or 2 seconds, and when the sweep ends), so after a power loss at
 * most the last batch is recomputed. Opening reads every existing line
 * and hands it to a callback; a torn last line (no newline, or not valid
 * JSON) is cut off the file and reported, anything malformed before it is
 * an error naming the line. The file is locked (flock) while open, so two
 * sweeps never write into one directory at once. */
#ifndef ETSIM_SWEEP_LOG_H
#define ETSIM_SWEEP_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "sim/core/util.h"

typedef struct etsim_sweep_log {
    int fd;
    char *path;
    int64_t size;            /* end of the last complete line            */
    int64_t unsynced;        /* lines since the last fsync               */
    double last_sync_s;
} etsim_sweep_log;

/* One existing line: its config hash, problem (-1 for a summary line),
 * offset and length (newline included). */
typedef int (*etsim_sweep_line_fn)(void *ctx, const char *cfg, int32_t problem, int64_t off,
                                   size_t len, int64_t lineno, etsim_err *err);

/* Open (create) and lock the log, feed existing lines to fn (may be NULL).
 * *torn_bytes gets the size of a dropped torn tail (0 if none). */
int etsim_sweep_log_open(etsim_sweep_log *l, const char *path, etsim_sweep_line_fn fn,
                         void *ctx, int64_t *torn_bytes, etsim_err *err);
/* Append one complete line (must end in '\n'); *off gets its offset. Not
 * thread-safe: callers serialise. */
int etsim_sweep_log_append(etsim_sweep_log *l, const char *line, size_t len, int64_t *off,
                           etsim_err *err);
int etsim_sweep_log_sync(etsim_sweep_log *l, etsim_err *err);
/* Read len bytes at off into buf (thread-safe). */
int etsim_sweep_log_read(const etsim_sweep_log *l, int64_t off, size_t len, char *buf,
                         etsim_err *err);
/* Sync and close; returns -1 if the final sync failed. */
int etsim_sweep_log_close(etsim_sweep_log *l, etsim_err *err);

/* Read another directory's log without locking or repairing it (merge):
 * a torn last line is skipped and its size put in *torn_bytes. */
int etsim_sweep_log_scan_file(const char *path, etsim_sweep_line_fn fn, void *ctx,
                              int64_t *torn_bytes, etsim_err *err);

/* Parse the key of a result line: "cfg" and "p" (or -1 when the line is
 * a summary). Returns -1 if the line is not a result line. */
int etsim_sweep_line_key(const char *line, size_t len, char cfg[17], int32_t *problem);

#endif
