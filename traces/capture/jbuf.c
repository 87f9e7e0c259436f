/* jbuf.c -- JSON body builder (see jbuf.h). Escaping follows RFC 8259:
 * quote, backslash and control characters; other bytes pass through (the
 * texts written here are valid UTF-8 already). */
#include "traces/capture/jbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/util.h"

static void reserve(etsim_jbuf *b, size_t n) {
    if (b->len + n + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + n + 1) cap *= 2;
    b->p = etsim_realloc(b->p, cap);
    b->cap = cap;
}

void etsim_jbuf_mem(etsim_jbuf *b, const char *s, size_t n) {
    reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

void etsim_jbuf_raw(etsim_jbuf *b, const char *s) { etsim_jbuf_mem(b, s, strlen(s)); }

void etsim_jbuf_printf(etsim_jbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void etsim_jbuf_qopen(etsim_jbuf *b) { etsim_jbuf_mem(b, "\"", 1); }
void etsim_jbuf_qclose(etsim_jbuf *b) { etsim_jbuf_mem(b, "\"", 1); }

void etsim_jbuf_qpart(etsim_jbuf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    reserve(b, n * 6);
    char *o = b->p + b->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c >= 0x20) {
            *o++ = (char)c;
        } else if (c == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        } else if (c == '\t') {
            *o++ = '\\';
            *o++ = 't';
        } else if (c == '\r') {
            *o++ = '\\';
            *o++ = 'r';
        } else {
            memcpy(o, "\\u00", 4);
            o[4] = hex[c >> 4];
            o[5] = hex[c & 15];
            o += 6;
        }
    }
    b->len = (size_t)(o - b->p);
    b->p[b->len] = 0;
}

void etsim_jbuf_str(etsim_jbuf *b, const char *s) {
    if (!s) {
        etsim_jbuf_raw(b, "null");
        return;
    }
    etsim_jbuf_qopen(b);
    etsim_jbuf_qpart(b, s, strlen(s));
    etsim_jbuf_qclose(b);
}

void etsim_jbuf_qtemplate(etsim_jbuf *b, const char *tmpl, const char *key, const char *value) {
    size_t klen = strlen(key);
    const char *at;
    while ((at = strstr(tmpl, key))) {
        etsim_jbuf_qpart(b, tmpl, (size_t)(at - tmpl));
        if (value) etsim_jbuf_qpart(b, value, strlen(value));
        tmpl = at + klen;
    }
    etsim_jbuf_qpart(b, tmpl, strlen(tmpl));
}

char *etsim_jbuf_take(etsim_jbuf *b, size_t *len) {
    reserve(b, 0);
    char *p = b->p;
    if (len) *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

void etsim_jbuf_free(etsim_jbuf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
