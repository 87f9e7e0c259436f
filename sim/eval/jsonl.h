/* jsonl.h -- reading JSON Lines files one record at a time with line
 * numbers, for every eval input (benchmarks, grade requests,
 * search-and-learn results). Blank lines are skipped; a malformed line is
 * an error naming the file and line. */
#ifndef ETSIM_EVAL_JSONL_H
#define ETSIM_EVAL_JSONL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sim/core/json.h"
#include "sim/core/util.h"

typedef struct etsim_jsonl {
    FILE *fp;
    const char *name; /* for messages */
    long line;        /* number of the line last read (1-based) */
    char *buf;
    size_t cap;
    int own;          /* fp opened by etsim_jsonl_open */
} etsim_jsonl;

int etsim_jsonl_open(etsim_jsonl *r, const char *path, etsim_err *err);
void etsim_jsonl_from_fp(etsim_jsonl *r, FILE *fp, const char *name);
/* 1 and *out (caller cJSON_Delete's it) for a record, 0 at end of input,
 * -1 with err "FILE:LINE: malformed JSON" on a bad line. */
int etsim_jsonl_next(etsim_jsonl *r, cJSON **out, etsim_err *err);
void etsim_jsonl_close(etsim_jsonl *r);

/* etsim_json_decode_nul_escapes / etsim_json_nul_to_escape: sim/core/json.h. */

/* Field helpers: a string / number field, or an error naming file, line
 * and field. */
const char *etsim_json_str(const etsim_jsonl *r, const cJSON *obj, const char *field, etsim_err *err);
int etsim_json_num(const etsim_jsonl *r, const cJSON *obj, const char *field, double *out, etsim_err *err);

#endif
