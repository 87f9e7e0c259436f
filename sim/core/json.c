/* json.c -- the shared strict JSON loader and the U+0000 escape helpers
 * (see json.h). */
#include "sim/core/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int etsim_json_line_of(const char *text, size_t len, size_t off) {
    int line = 1;
    for (size_t i = 0; i < off && i < len; i++) line += text[i] == '\n';
    return line;
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* A key or excerpt, printable and short, for a one-line message. */
static void printable(char *dst, size_t n, const char *s) {
    size_t k = 0;
    for (; s && *s && k + 1 < n; s++) dst[k++] = (unsigned char)*s < 0x20 ? '?' : *s;
    dst[k] = 0;
    if (s && *s && n > 4) memcpy(dst + n - 4, "...", 4);
}

/* Scan the raw text of a value cJSON accepted: the offset of every object
 * key in document order, and the offset of the first string holding a NUL
 * (raw, or written \u0000), or -1. */
static int64_t *scan_keys(const char *t, size_t len, int64_t *n_keys, int64_t *nul_at) {
    int64_t *keys = NULL, cap = 0, n = 0;
    *nul_at = -1;
    size_t i = 0;
    while (i < len) {
        if (t[i] != '"') {
            i++;
            continue;
        }
        size_t start = i++;
        while (i < len && t[i] != '"') {
            if (t[i] == 0 && *nul_at < 0) *nul_at = (int64_t)start;
            if (t[i] == '\\' && i + 1 < len) {
                if (t[i + 1] == 'u' && i + 5 < len && !memcmp(t + i + 2, "0000", 4) &&
                    *nul_at < 0)
                    *nul_at = (int64_t)start;
                i++;
            }
            i++;
        }
        i++; /* the closing quote */
        size_t j = i;
        while (j < len && is_ws(t[j])) j++;
        if (j < len && t[j] == ':') {
            etsim_grow((void **)&keys, &cap, n + 1, sizeof *keys);
            keys[n++] = (int64_t)start;
        }
    }
    *n_keys = n;
    return keys;
}

typedef struct dup_find {
    int64_t next_key;   /* pre-order index of the next key          */
    int64_t dup_key;    /* index of the earliest repeated key, or -1 */
    const char *dup_name;
} dup_find;

typedef struct keyed {
    const char *name;
    int64_t index;
} keyed;

static int cmp_keyed(const void *a, const void *b) {
    const keyed *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void note_dup(dup_find *d, const keyed *k) {
    if (d->dup_key < 0 || k->index < d->dup_key) {
        d->dup_key = k->index;
        d->dup_name = k->name;
    }
}

/* Walk in pre-order (the order of the keys in the text). */
static void find_dups(const cJSON *v, dup_find *d) {
    if (!cJSON_IsObject(v) && !cJSON_IsArray(v)) return;
    int obj = cJSON_IsObject(v);
    int64_t n = 0;
    const cJSON *c;
    for (c = v->child; c; c = c->next) n++;
    keyed *ks = obj && n > 1 ? etsim_malloc((size_t)n * sizeof *ks) : NULL;
    int64_t k = 0;
    for (c = v->child; c; c = c->next) {
        if (obj) {
            if (ks) ks[k++] = (keyed){c->string ? c->string : "", d->next_key};
            d->next_key++;
        }
        find_dups(c, d);
    }
    if (ks) {
        qsort(ks, (size_t)n, sizeof *ks, cmp_keyed);
        for (int64_t i = 1; i < n; i++)
            if (!strcmp(ks[i].name, ks[i - 1].name)) note_dup(d, &ks[i]);
        free(ks);
    }
}

cJSON *etsim_json_parse(const char *text, size_t len, const char *name, etsim_err *err) {
    char nm[300] = "";
    if (name) snprintf(nm, sizeof nm, "%s: ", name);
    const char *end = NULL;
    if (!text) text = "";
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
        etsim_errf(err, "%sline %d: invalid JSON%s", nm, etsim_json_line_of(text, len, off),
                   len == 0 ? " (empty)" : "");
        return NULL;
    }
    size_t stop = end && end >= text && end <= text + len ? (size_t)(end - text) : len;
    size_t after = stop;
    while (after < len && is_ws(text[after])) after++;
    if (after < len) {
        char what[48];
        char ex[24];
        size_t m = len - after < sizeof ex - 1 ? len - after : sizeof ex - 1;
        memcpy(ex, text + after, m);
        ex[m] = 0;
        if (text[after] == 0) snprintf(what, sizeof what, "a NUL byte");
        else {
            printable(what, sizeof what - 2, ex);
            memmove(what + 1, what, strlen(what) + 1);
            what[0] = '\'';
            strcat(what, "'");
        }
        etsim_errf(err, "%sline %d: unexpected content after the JSON value: %s", nm,
                   etsim_json_line_of(text, len, after), what);
        cJSON_Delete(root);
        return NULL;
    }
    int64_t n_keys, nul_at;
    int64_t *keys = scan_keys(text, stop, &n_keys, &nul_at);
    dup_find d = {0, -1, NULL};
    find_dups(root, &d);
    if (d.dup_key >= 0) {
        char key[64];
        printable(key, sizeof key, d.dup_name);
        size_t off = d.dup_key < n_keys ? (size_t)keys[d.dup_key] : 0;
        etsim_errf(err, "%sline %d: duplicate key '%s'", nm, etsim_json_line_of(text, len, off),
                   key);
        goto fail;
    }
    if (nul_at >= 0) {
        etsim_errf(err, "%sline %d: a string holds a NUL character (\\u0000), "
                        "which is not allowed", nm, etsim_json_line_of(text, len, (size_t)nul_at));
        goto fail;
    }
    free(keys);
    return root;
fail:
    free(keys);
    cJSON_Delete(root);
    return NULL;
}

cJSON *etsim_json_load(const char *path, etsim_err *err) {
    size_t len;
    char *text = etsim_read_file(path, &len, err);
    if (!text) return NULL;
    cJSON *j = etsim_json_parse(text, len, path, err);
    free(text);
    return j;
}

/* ---- U+0000 inside strings (see json.h) ---------------------------------- */
static int is_zero_escape(const char *p, const char *end) {
    return end - p >= 6 && p[0] == '\\' && p[1] == 'u' && p[2] == '0' && p[3] == '0' && p[4] == '0' && p[5] == '0';
}

size_t etsim_json_decode_nul_escapes(char *text, size_t n) {
    char *end = text + n, *w = text;
    const char *p = text;
    while (p < end) {
        if (*p != '\\') {
            *w++ = *p++;
        } else if (is_zero_escape(p, end)) {
            *w++ = (char)0xC0;
            *w++ = (char)0x80;
            p += 6;
        } else { /* any other escape (an escaped backslash too: JSON \\u0000 stays text) */
            *w++ = *p++;
            if (p < end) *w++ = *p++;
        }
    }
    if (w < end) *w = 0;
    return (size_t)(w - text);
}

char *etsim_json_nul_to_escape(const char *json) {
    size_t n = 0, k = 0;
    for (const char *p = json; *p; p++) n += ((unsigned char)p[0] == 0xC0 && (unsigned char)p[1] == 0x80) ? 5 : 1;
    char *out = etsim_malloc(n + 1);
    for (const char *p = json; *p; p++) {
        if ((unsigned char)p[0] == 0xC0 && (unsigned char)p[1] == 0x80) {
            memcpy(out + k, "\\u0000", 6);
            k += 6;
            p++;
        } else {
            out[k++] = *p;
        }
    }
    out[k] = 0;
    return out;
}
