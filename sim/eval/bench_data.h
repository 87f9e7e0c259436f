/* bench_data.h -- benchmark problem sets: MATH500 (the prm800k test.jsonl
 * form: problem, answer, subject, level, unique_id) and GSM8K (question,
 * answer whose last line is "#### N"). Loading is strict: a row without a
 * required field, a malformed JSON line or a GSM8K answer without "####"
 * is an error naming the file, line and field. */
#ifndef ETSIM_EVAL_BENCH_DATA_H
#define ETSIM_EVAL_BENCH_DATA_H

#include <stdint.h>

#include "sim/core/util.h"

typedef enum etsim_bench_kind { ETSIM_BENCH_MATH500 = 0, ETSIM_BENCH_GSM8K = 1 } etsim_bench_kind;

typedef struct etsim_bench_problem {
    char *id;        /* MATH500 unique_id; GSM8K "gsm8k/<line>"       */
    char *question;
    char *answer;    /* ground truth: MATH500 answer; GSM8K the number after #### (commas removed) */
    char *solution;  /* MATH500 solution / GSM8K full answer text, may be NULL */
    char *subject;   /* MATH500 only, else NULL                        */
    int32_t level;   /* MATH500 only, else 0                           */
} etsim_bench_problem;

typedef struct etsim_bench_set {
    etsim_bench_kind kind;
    etsim_bench_problem *p;
    int32_t n;
} etsim_bench_set;

/* path: a JSONL file, or "math500" / "gsm8k" for the built-in copies
 * (bench_builtin.h). */
int etsim_bench_load(const char *path, etsim_bench_kind kind, etsim_bench_set *out, etsim_err *err);
/* Guess the kind from the first row's fields ("problem" vs "question"). */
int etsim_bench_load_auto(const char *path, etsim_bench_set *out, etsim_err *err);
void etsim_bench_free(etsim_bench_set *s);
/* Index of the problem whose id or question equals key, or -1. */
int32_t etsim_bench_find(const etsim_bench_set *s, const char *id, const char *question);

#endif
