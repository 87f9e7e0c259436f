/* jsonl.c -- line-numbered JSON Lines reader (see jsonl.h). Before cJSON
 * sees a line, each "\u0000" escape is rewritten to the raw bytes C0 80
 * (pystr.h's carrier for U+0000): cJSON would decode it to a NUL byte that
 * ends the C string, cutting e.g. a completion where Python keeps going. */
#include "sim/eval/jsonl.h"
#include "sim/core/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int etsim_jsonl_open(etsim_jsonl *r, const char *path, etsim_err *err) {
    memset(r, 0, sizeof *r);
    r->fp = fopen(path, "rb");
    if (!r->fp) return etsim_errf(err, "%s: cannot open: %s", path, strerror(errno));
    r->name = path;
    r->own = 1;
    return 0;
}

void etsim_jsonl_from_fp(etsim_jsonl *r, FILE *fp, const char *name) {
    memset(r, 0, sizeof *r);
    r->fp = fp;
    r->name = name;
}

int etsim_jsonl_next(etsim_jsonl *r, cJSON **out, etsim_err *err) {
    *out = NULL;
    for (;;) {
        ssize_t n = getline(&r->buf, &r->cap, r->fp);
        if (n < 0) {
            if (ferror(r->fp)) return etsim_errf(err, "%s:%ld: read error", r->name, r->line + 1);
            return 0;
        }
        r->line++;
        if ((size_t)n != strlen(r->buf)) return etsim_errf(err, "%s:%ld: NUL byte in line", r->name, r->line);
        n = (ssize_t)etsim_json_decode_nul_escapes(r->buf, (size_t)n);
        const char *p = r->buf;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
        if (!*p) continue;
        /* the shared policy (sim/core/json.h): one value, no duplicate key */
        etsim_err why = {{0}};
        cJSON *j = etsim_json_parse(p, (size_t)(r->buf + n - p), NULL, &why);
        if (!j) {
            const char *m = why.msg, *colon = strchr(m, ':');
            if (!strncmp(m, "line ", 5) && colon) m = colon + 2; /* the line is r->line */
            return etsim_errf(err, "%s:%ld: malformed JSON (%s)", r->name, r->line, m);
        }
        *out = j;
        return 1;
    }
}

void etsim_jsonl_close(etsim_jsonl *r) {
    if (r->own && r->fp) fclose(r->fp);
    free(r->buf);
    memset(r, 0, sizeof *r);
}

const char *etsim_json_str(const etsim_jsonl *r, const cJSON *obj, const char *field, etsim_err *err) {
    const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, field) : NULL;
    if (!v) {
        etsim_errf(err, "%s:%ld: field \"%s\" missing", r->name, r->line, field);
        return NULL;
    }
    if (!cJSON_IsString(v) || !v->valuestring) {
        etsim_errf(err, "%s:%ld: field \"%s\" is not a string", r->name, r->line, field);
        return NULL;
    }
    return v->valuestring;
}

int etsim_json_num(const etsim_jsonl *r, const cJSON *obj, const char *field, double *out, etsim_err *err) {
    const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, field) : NULL;
    if (!v) return etsim_errf(err, "%s:%ld: field \"%s\" missing", r->name, r->line, field);
    if (!cJSON_IsNumber(v)) return etsim_errf(err, "%s:%ld: field \"%s\" is not a number", r->name, r->line, field);
    *out = v->valuedouble;
    return 0;
}
