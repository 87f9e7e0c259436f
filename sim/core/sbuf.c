/* sbuf.c -- the growable byte buffer and the JSON string escaper (see
 * sbuf.h). The buffer doubles its capacity (etsim_grow) and keeps a NUL
 * after the contents. The escaper copies runs of bytes that need no escape
 * with one memcpy and looks at the rest one by one; the three modes differ
 * only in which bytes end a run and what a byte outside it becomes. */
#include "sim/core/sbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/util.h"

void etsim_sbuf_free(etsim_sbuf *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

char *etsim_sbuf_reserve(etsim_sbuf *b, size_t n) {
    etsim_grow((void **)&b->data, &b->cap, b->len + (int64_t)n + 1, 1);
    b->data[b->len] = 0;
    return b->data + b->len;
}

void etsim_sbuf_added(etsim_sbuf *b, size_t k) {
    b->len += (int64_t)k;
    b->data[b->len] = 0;
}

void etsim_sbuf_put(etsim_sbuf *b, const char *s, size_t n) {
    memcpy(etsim_sbuf_reserve(b, n), s, n);
    etsim_sbuf_added(b, n);
}

void etsim_sbuf_puts(etsim_sbuf *b, const char *s) { etsim_sbuf_put(b, s, strlen(s)); }

void etsim_sbuf_putc(etsim_sbuf *b, char c) { etsim_sbuf_put(b, &c, 1); }

void etsim_sbuf_printf(etsim_sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    char *at = etsim_sbuf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(at, (size_t)n + 1, fmt, ap);
    va_end(ap);
    etsim_sbuf_added(b, (size_t)n);
}

void etsim_sbuf_int(etsim_sbuf *b, int64_t v) {
    char tmp[24], *p = tmp + sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--p = '-';
    etsim_sbuf_put(b, p, (size_t)(tmp + sizeof tmp - p));
}

void etsim_sbuf_double(etsim_sbuf *b, double v) {
    char tmp[32];
    etsim_fmt_double(tmp, v);
    etsim_sbuf_puts(b, tmp);
}

void etsim_sbuf_float(etsim_sbuf *b, float v) {
    char tmp[32];
    if (!isfinite(v)) { /* "null", "1e999", "-1e999", written as for doubles */
        etsim_sbuf_double(b, (double)v);
        return;
    }
    /* %.9g always reads back as the same float; %.6g is tried first so
     * round numbers (0.5, 0.9) stay readable. */
    int n = snprintf(tmp, sizeof tmp, "%.6g", (double)v);
    if (strtof(tmp, NULL) != v) n = snprintf(tmp, sizeof tmp, "%.9g", (double)v);
    etsim_sbuf_put(b, tmp, (size_t)n);
}

void etsim_sbuf_read_fp(etsim_sbuf *b, FILE *fp) {
    for (;;) {
        char *at = etsim_sbuf_reserve(b, 1 << 16);
        size_t got = fread(at, 1, (size_t)(b->cap - b->len - 1), fp);
        if (got == 0) break;
        etsim_sbuf_added(b, got);
    }
}

char *etsim_sbuf_take(etsim_sbuf *b, size_t *len) {
    etsim_sbuf_reserve(b, 0);
    char *p = b->data;
    if (len) *len = (size_t)b->len;
    memset(b, 0, sizeof *b);
    return p;
}

/* ---- JSON strings ------------------------------------------------------ */

/* The UTF-8 sequence at p (ending before end): its length, 0 when the bytes
 * do not form one (a lead byte C2..F4 and as many continuation bytes as it
 * announces). *cp gets the code point; *strict says whether Python's strict
 * decoder accepts it too (not overlong, not a surrogate, at most U+10FFFF).
 * ETSIM_JSON_UTF8 has always passed sequences of the right shape through,
 * ETSIM_JSON_ASCII must reject what Python rejects: both are kept. */
static int utf8_seq(const unsigned char *p, const unsigned char *end, uint32_t *cp, int *strict) {
    int n = (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3 : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0 || p[0] < 0xc2 || p[0] > 0xf4 || end - p < n) return 0;
    uint32_t c = p[0] & (0x7f >> n);
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        c = c << 6 | (p[i] & 0x3f);
    }
    *cp = c;
    *strict = !((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff));
    return n;
}

/* \uXXXX of the low 16 bits of u. */
static void put_u(etsim_sbuf *b, uint32_t u) {
    static const char hex[] = "0123456789abcdef";
    char esc[6] = {'\\', 'u', hex[u >> 12 & 15], hex[u >> 8 & 15], hex[u >> 4 & 15], hex[u & 15]};
    etsim_sbuf_put(b, esc, sizeof esc);
}

void etsim_sbuf_json_escape(etsim_sbuf *b, const char *s, size_t n, etsim_json_mode mode) {
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    /* bytes in [0x20, run_end) other than quote and backslash pass as they are */
    unsigned run_end = mode == ETSIM_JSON_BYTES ? 0x100 : mode == ETSIM_JSON_UTF8 ? 0x80 : 0x7f;
    while (p < end) {
        const unsigned char *run = p;
        while (p < end && *p >= 0x20 && *p < run_end && *p != '"' && *p != '\\') p++;
        if (p > run) etsim_sbuf_put(b, (const char *)run, (size_t)(p - run));
        if (p == end) break;
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            etsim_sbuf_put(b, esc, 2);
            p++;
            continue;
        }
        if (c < 0x20) {
            int ascii = mode == ETSIM_JSON_ASCII;
            const char *esc = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r"
                            : ascii && c == '\b' ? "\\b" : ascii && c == '\f' ? "\\f" : NULL;
            if (esc) etsim_sbuf_put(b, esc, 2);
            else put_u(b, c);
            p++;
            continue;
        }
        /* 0x7f (ASCII mode) or a byte from 0x80 up (UTF8 and ASCII modes) */
        if (c == 0xC0 && end - p >= 2 && p[1] == 0x80) { /* U+0000 as the eval code carries it */
            put_u(b, 0);
            p += 2;
            continue;
        }
        uint32_t cp = c;
        int strict = 1;
        int len = c < 0x80 ? 1 : utf8_seq(p, end, &cp, &strict);
        if (mode == ETSIM_JSON_UTF8) {
            if (len) {
                etsim_sbuf_put(b, (const char *)p, (size_t)len);
            } else {
                etsim_sbuf_put(b, "\\ufffd", 6);
                len = 1;
            }
        } else {
            if (!len || !strict) { /* as a decode with errors="replace" */
                cp = 0xfffd;
                len = 1;
            }
            if (cp >= 0x10000) {
                cp -= 0x10000;
                put_u(b, 0xd800 | (cp >> 10));
                put_u(b, 0xdc00 | (cp & 0x3ff));
            } else {
                put_u(b, cp);
            }
        }
        p += len;
    }
}

void etsim_sbuf_json_string_mode(etsim_sbuf *b, const char *s, etsim_json_mode mode) {
    if (!s) {
        etsim_sbuf_puts(b, "null");
        return;
    }
    etsim_sbuf_putc(b, '"');
    etsim_sbuf_json_escape(b, s, strlen(s), mode);
    etsim_sbuf_putc(b, '"');
}

void etsim_sbuf_json_string(etsim_sbuf *b, const char *s) { etsim_sbuf_json_string_mode(b, s, ETSIM_JSON_UTF8); }

void etsim_sbuf_json_template(etsim_sbuf *b, const char *tmpl, const char *key, const char *value,
                              etsim_json_mode mode) {
    size_t klen = strlen(key);
    const char *at;
    while ((at = strstr(tmpl, key))) {
        etsim_sbuf_json_escape(b, tmpl, (size_t)(at - tmpl), mode);
        if (value) etsim_sbuf_json_escape(b, value, strlen(value), mode);
        tmpl = at + klen;
    }
    etsim_sbuf_json_escape(b, tmpl, strlen(tmpl), mode);
}

void etsim_json_write_string(FILE *fp, const char *s) {
    etsim_sbuf b = {0};
    etsim_sbuf_json_string(&b, s);
    fwrite(b.data, 1, (size_t)b.len, fp);
    etsim_sbuf_free(&b);
}
