/* jsonl.c -- line-numbered JSON Lines reader (see jsonl.h). */
#include "sim/eval/jsonl.h"

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
        const char *p = r->buf;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
        if (!*p) continue;
        const char *end = NULL;
        cJSON *j = cJSON_ParseWithOpts(p, &end, 0);
        if (!j) return etsim_errf(err, "%s:%ld: malformed JSON", r->name, r->line);
        while (end && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')) end++;
        if (end && *end) {
            cJSON_Delete(j);
            return etsim_errf(err, "%s:%ld: malformed JSON (trailing data)", r->name, r->line);
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
