/* bench_data.c -- MATH500 / GSM8K loaders (see bench_data.h). */
#include "sim/eval/bench_data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/data/bench_builtin.h"
#include "sim/eval/jsonl.h"

static char *dup_or_null(const char *s) { return s ? etsim_strdup(s) : NULL; }

/* the "#### N" line of a GSM8K answer: N with commas removed */
static char *gsm8k_final(const char *ans) {
    const char *p = strstr(ans, "####"), *last = NULL;
    for (; p; p = strstr(p + 4, "####")) last = p;
    if (!last) return NULL;
    last += 4;
    while (*last == ' ' || *last == '\t') last++;
    size_t n = strcspn(last, "\r\n");
    while (n && (last[n - 1] == ' ' || last[n - 1] == '\t')) n--;
    if (n == 0) return NULL;
    char *out = etsim_malloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        if (last[i] != ',') out[o++] = last[i];
    out[o] = 0;
    return out;
}

static int load_row(const etsim_jsonl *jr, const cJSON *o, etsim_bench_kind kind, etsim_bench_problem *p,
                    etsim_err *err) {
    memset(p, 0, sizeof *p);
    if (kind == ETSIM_BENCH_MATH500) {
        const char *q = etsim_json_str(jr, o, "problem", err);
        const char *a = q ? etsim_json_str(jr, o, "answer", err) : NULL;
        const char *id = a ? etsim_json_str(jr, o, "unique_id", err) : NULL;
        if (!id) return -1;
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(o, "level");
        if (lv && !cJSON_IsNumber(lv)) return etsim_errf(err, "%s:%ld: field \"level\" is not a number", jr->name, jr->line);
        if (lv && !(fabs(lv->valuedouble) < 1e9)) /* the int cast below would overflow */
            return etsim_errf(err, "%s:%ld: field \"level\" is out of range", jr->name, jr->line);
        const cJSON *sub = cJSON_GetObjectItemCaseSensitive(o, "subject");
        if (sub && !cJSON_IsString(sub))
            return etsim_errf(err, "%s:%ld: field \"subject\" is not a string", jr->name, jr->line);
        const cJSON *sol = cJSON_GetObjectItemCaseSensitive(o, "solution");
        p->question = etsim_strdup(q);
        p->answer = etsim_strdup(a);
        p->id = etsim_strdup(id);
        p->subject = dup_or_null(sub ? sub->valuestring : NULL);
        p->solution = dup_or_null(cJSON_IsString(sol) ? sol->valuestring : NULL);
        p->level = lv ? (int32_t)lv->valuedouble : 0;
        return 0;
    }
    const char *q = etsim_json_str(jr, o, "question", err);
    const char *a = q ? etsim_json_str(jr, o, "answer", err) : NULL;
    if (!a) return -1;
    char *fin = gsm8k_final(a);
    if (!fin) return etsim_errf(err, "%s:%ld: field \"answer\" has no \"#### N\" final line", jr->name, jr->line);
    char id[48];
    snprintf(id, sizeof id, "gsm8k/%ld", jr->line);
    p->id = etsim_strdup(id);
    p->question = etsim_strdup(q);
    p->answer = fin;
    p->solution = etsim_strdup(a);
    return 0;
}

static void problem_free(etsim_bench_problem *p) {
    free(p->id);
    free(p->question);
    free(p->answer);
    free(p->solution);
    free(p->subject);
}

static int load(const char *path, int kind, etsim_bench_set *out, etsim_err *err) {
    memset(out, 0, sizeof *out);
    etsim_jsonl jr;
    char *builtin = NULL; /* a built-in set's text, read through a memory stream */
    if (etsim_bench_builtin_is(path)) {
        size_t len;
        if (!(builtin = etsim_bench_builtin_text(path, &len, err))) return -1;
        FILE *fp = fmemopen(builtin, len, "rb");
        if (!fp) {
            free(builtin);
            return etsim_errf(err, "%s: cannot open the built-in copy", path);
        }
        etsim_jsonl_from_fp(&jr, fp, path);
    } else if (etsim_jsonl_open(&jr, path, err)) {
        return -1;
    }
    int64_t cap = 0;
    cJSON *o;
    int rc;
    while ((rc = etsim_jsonl_next(&jr, &o, err)) == 1) {
        if (!cJSON_IsObject(o)) {
            cJSON_Delete(o);
            rc = etsim_errf(err, "%s:%ld: row is not a JSON object", jr.name, jr.line);
            break;
        }
        if (kind < 0) kind = cJSON_GetObjectItemCaseSensitive(o, "problem") ? ETSIM_BENCH_MATH500 : ETSIM_BENCH_GSM8K;
        etsim_grow((void **)&out->p, &cap, out->n + 1, sizeof *out->p);
        int lr = load_row(&jr, o, (etsim_bench_kind)kind, &out->p[out->n], err);
        cJSON_Delete(o);
        if (lr) {
            problem_free(&out->p[out->n]);
            rc = -1;
            break;
        }
        out->n++;
    }
    if (builtin) fclose(jr.fp);
    etsim_jsonl_close(&jr);
    free(builtin);
    out->kind = kind < 0 ? ETSIM_BENCH_MATH500 : (etsim_bench_kind)kind;
    if (rc < 0) {
        etsim_bench_free(out);
        return -1;
    }
    return 0;
}

int etsim_bench_load(const char *path, etsim_bench_kind kind, etsim_bench_set *out, etsim_err *err) {
    return load(path, (int)kind, out, err);
}
int etsim_bench_load_auto(const char *path, etsim_bench_set *out, etsim_err *err) { return load(path, -1, out, err); }

void etsim_bench_free(etsim_bench_set *s) {
    for (int32_t i = 0; i < s->n; i++) problem_free(&s->p[i]);
    free(s->p);
    memset(s, 0, sizeof *s);
}

int32_t etsim_bench_find(const etsim_bench_set *s, const char *id, const char *question) {
    for (int32_t i = 0; i < s->n; i++)
        if ((id && s->p[i].id && !strcmp(id, s->p[i].id)) || (question && !strcmp(question, s->p[i].question)))
            return i;
    return -1;
}
