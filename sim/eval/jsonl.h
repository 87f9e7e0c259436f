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

/* U+0000 in JSON strings (see pystr.h): rewrite every "\u0000" escape in
 * text[0..n) to the bytes C0 80, in place (the text only shrinks; a NUL is
 * written after the new end when there is room); returns the new length.
 * etsim_jsonl_next does this on every line; call it on whole-file JSON
 * before cJSON_Parse to keep strings whole. Other escapes, "\\u0000"
 * included, are left for cJSON. */
size_t etsim_json_decode_nul_escapes(char *text, size_t n);
/* The reverse, for JSON printed by cJSON that Python will read: a copy of
 * `json` with each C0 80 written as the escape \u0000 (malloc'd). */
char *etsim_json_nul_to_escape(const char *json);

/* Field helpers: a string / number field, or an error naming file, line
 * and field. */
const char *etsim_json_str(const etsim_jsonl *r, const cJSON *obj, const char *field, etsim_err *err);
int etsim_json_num(const etsim_jsonl *r, const cJSON *obj, const char *field, double *out, etsim_err *err);

#endif
