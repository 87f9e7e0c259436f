/* result_scan.h -- a replay result (sim/engine/result.h) split into byte
 * ranges without decoding it: the loading and aligning half of `etsim diff`
 * (sim/eval/result_diff.c reports).
 *
 * A result is one JSON object of tens of megabytes; a diff touches a few of
 * its values. etsim_rfile_scan() reads the file whole and walks its top
 * level with a byte scanner (strings, brackets, scalars; nothing decoded):
 * "config" and "summary" are parsed, every element of "problems" keeps its
 * byte range, its "index" and the ranges of the members a diff reads (id,
 * counters, leaves, decisions), found in the same walk that finds the
 * problem's end. Anything else is left as bytes: two problems with equal
 * bytes are equal without parsing, and a differing pair is parsed only
 * where it is reported.
 *
 * The scanner is lenient where the result writer is strict: it checks
 * strings and bracket balance, not the full grammar, so a problem that is
 * never reported is never judged. Errors name the file and line. */
#ifndef ETSIM_EVAL_RESULT_SCAN_H
#define ETSIM_EVAL_RESULT_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sim/core/util.h"

/* A value's bytes: text[off, off + len); len 0 = absent. */
typedef struct etsim_rspan {
    size_t off, len;
} etsim_rspan;

/* The members of a problem a diff reads, in this order. */
enum { ETSIM_RP_ID, ETSIM_RP_COUNTERS, ETSIM_RP_LEAVES, ETSIM_RP_DECISIONS, ETSIM_RP_N };
extern const char *const etsim_rproblem_keys[ETSIM_RP_N];

typedef struct etsim_rproblem {
    size_t off, len;             /* the whole object                         */
    int32_t index;
    int walked;                  /* member[] filled by the scan; 0: look up */
    etsim_rspan member[ETSIM_RP_N];
} etsim_rproblem;

typedef struct etsim_rfile {
    const char *path;
    char *text;   /* not NUL-terminated when mapped */
    size_t len;
    int mapped;
    cJSON *config, *summary;
    etsim_rproblem *problems;
    int64_t n_problems, cap_problems;
} etsim_rfile;

/* Read and split the result at path. -1 with err naming file and line. */
int etsim_rfile_scan(etsim_rfile *f, const char *path, etsim_err *err);
void etsim_rfile_free(etsim_rfile *f);

/* The problem with this index; hint is where it sits when both files hold
 * the same problems in the same order (the usual case, O(1)). */
const etsim_rproblem *etsim_rfile_find(const etsim_rfile *f, int64_t hint, int32_t index);

/* The members of p a diff reads (out[ETSIM_RP_N]; absent: len 0). */
int etsim_rfile_problem_members(const etsim_rfile *f, const etsim_rproblem *p, etsim_rspan *out,
                                etsim_err *err);

/* The first occurrence of each of keys[0..n) among the top-level members
 * of the object at `obj` (absent: len 0). */
int etsim_rfile_members(const etsim_rfile *f, etsim_rspan obj, const char *const *keys, int n,
                        etsim_rspan *out, etsim_err *err);

/* The elements of the array at `arr`, one at a time (a diff stops at the
 * first decision that differs; the rest is never scanned). Not an array:
 * no elements. */
typedef struct etsim_relems {
    const etsim_rfile *f;
    size_t i, end;
} etsim_relems;

void etsim_relems_init(etsim_relems *it, const etsim_rfile *f, etsim_rspan arr);
/* 1: *out is the next element; 0: no more; -1: error. */
int etsim_relems_next(etsim_relems *it, etsim_rspan *out, etsim_err *err);

/* Parse one value with cJSON alone (the strict loader's duplicate-key pass
 * costs more than the parse on 100 kB problems; a result is machine-written). */
cJSON *etsim_rfile_parse(const etsim_rfile *f, etsim_rspan v, etsim_err *err);

/* 1 when the two values' bytes are equal. */
int etsim_rspan_equal(const etsim_rfile *fa, etsim_rspan a, const etsim_rfile *fb, etsim_rspan b);

/* The line of byte `at`, for messages. */
int etsim_rfile_line(const etsim_rfile *f, size_t at);

#endif
