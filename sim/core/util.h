/* util.h -- small shared services of libetsim: error reporting, checked
 * allocation, counter-based random numbers, hashing, atomic file output,
 * a monotonic clock and the one double formatter. (The byte buffer and
 * the JSON escaper are sim/core/sbuf.h.)
 *
 * Errors: every fallible function takes an `etsim_err *` and, on failure,
 * fills it with ONE line naming the file, record and field where that
 * applies, then returns a negative value (or NULL). Callers propagate; the
 * CLI prints `etsim: <msg>` and exits non-zero. Nothing prints on its own.
 *
 * Randomness: there is no RNG state that lives across calls. Every draw is a
 * pure function of a key (seed, problem, node key, child ordinal, purpose)
 * and a draw counter, so results never depend on evaluation order or on the
 * number of threads. */
#ifndef ETSIM_UTIL_H
#define ETSIM_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ETSIM_ERR_MAX 512

typedef struct etsim_err {
    char msg[ETSIM_ERR_MAX];
} etsim_err;

/* Format the error message (printf style). Always returns -1 so that
 * `return etsim_errf(err, ...)` reads naturally. err may be NULL. */
int etsim_errf(etsim_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prefix an existing message: "<prefix>: <old message>". Returns -1. */
int etsim_err_prefix(etsim_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Checked allocation: aborts with a message on out-of-memory (there is no
 * useful recovery in a simulator, and it keeps every call site simple). */
void *etsim_malloc(size_t n);
void *etsim_calloc(size_t n, size_t size);
void *etsim_realloc(void *p, size_t n);
char *etsim_strdup(const char *s);
/* Grow *arr (element size elsize) so that it holds at least `need` items. */
void etsim_grow(void **arr, int64_t *cap, int64_t need, size_t elsize);

/* ---- hashing and counter-based RNG ---------------------------------- */
uint64_t etsim_mix64(uint64_t x);               /* splitmix64 finalizer   */
uint64_t etsim_hash_bytes(const void *p, size_t n, uint64_t seed); /* FNV-1a + mix */
uint64_t etsim_hash_str(const char *s);         /* text hash used in traces */

typedef struct etsim_rng {
    uint64_t key;     /* derived from (seed, problem, node, child, purpose) */
    uint64_t counter; /* draw index */
} etsim_rng;

/* Key an RNG stream. `purpose` separates independent uses of one node. */
etsim_rng etsim_rng_make(uint64_t seed, uint64_t problem, uint64_t node_key,
                         uint64_t child, uint64_t purpose);
uint64_t etsim_rng_u64(etsim_rng *r);
double etsim_rng_uniform(etsim_rng *r);        /* [0, 1) with 53 bits     */
double etsim_rng_normal(etsim_rng *r);         /* N(0,1), Box-Muller      */

/* ---- atomic output ---------------------------------------------------- */
/* Open `path.tmp.<pid>` for writing; etsim_atomic_commit fsyncs, closes and
 * renames it onto `path`; etsim_atomic_abort closes and unlinks it. No
 * partial output file ever appears at `path`. */
typedef struct etsim_atomic_file {
    FILE *fp;
    char *path;
    char *tmp_path;
} etsim_atomic_file;

int etsim_atomic_open(etsim_atomic_file *af, const char *path, etsim_err *err);
int etsim_atomic_commit(etsim_atomic_file *af, etsim_err *err);
void etsim_atomic_abort(etsim_atomic_file *af);
/* Remove "<path>.tmp.<pid>" files left by processes of this host that no
 * longer run (killed with SIGKILL, which no handler can catch, or by a
 * crash). Returns how many were removed. For outputs whose temporary file
 * is worthless once its writer is gone (synth, results); NOT for capture
 * traces, whose temporary files are the partial captures --resume keeps. */
int etsim_atomic_clean_stale(const char *path);
/* Every "<path>.tmp.*" file (its directory prefixed, "./" for none) into
 * *paths (caller frees each and the array); returns how many. */
int etsim_atomic_list_tmp(const char *path, char ***paths);

/* Read a whole file into memory (NUL-terminated). *len_out gets its size. */
char *etsim_read_file(const char *path, size_t *len_out, etsim_err *err);

/* Monotonic seconds (timings; progress.h reports elapsed time with it). */
double etsim_now_s(void);

/* Format a double the same way everywhere results are written (shortest
 * representation that round-trips, "null" for NaN). buf >= 32 bytes. */
void etsim_fmt_double(char *buf, double v);

#endif
