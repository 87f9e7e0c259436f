/* jbuf.h -- a growable byte buffer for building JSON request bodies fast
 * (a prompt is written once, escaped on the fly, with no intermediate tree
 * as cJSON would build). Strings may be written in several pieces between
 * etsim_jbuf_qopen and etsim_jbuf_qclose, which is how a prompt is
 * assembled from a template and the steps of a path. */
#ifndef ETSIM_LIVE_JBUF_H
#define ETSIM_LIVE_JBUF_H

#include <stddef.h>

typedef struct etsim_jbuf {
    char *p;
    size_t len, cap;
} etsim_jbuf;

void etsim_jbuf_mem(etsim_jbuf *b, const char *s, size_t n);  /* raw bytes  */
void etsim_jbuf_raw(etsim_jbuf *b, const char *s);            /* raw text   */
void etsim_jbuf_printf(etsim_jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void etsim_jbuf_qopen(etsim_jbuf *b);                           /* "          */
void etsim_jbuf_qpart(etsim_jbuf *b, const char *s, size_t n);  /* escaped    */
void etsim_jbuf_qclose(etsim_jbuf *b);                          /* "          */
void etsim_jbuf_str(etsim_jbuf *b, const char *s);              /* "escaped", NULL -> null */
/* Write `tmpl` escaped, replacing each occurrence of `key` with `value`. */
void etsim_jbuf_qtemplate(etsim_jbuf *b, const char *tmpl, const char *key, const char *value);
/* Take the NUL-terminated contents (caller frees); the buffer is emptied. */
char *etsim_jbuf_take(etsim_jbuf *b, size_t *len);
void etsim_jbuf_free(etsim_jbuf *b);

#endif
