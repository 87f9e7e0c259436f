/* sbuf.h -- the one growable byte buffer of etsim, and the one JSON string
 * escaper.
 *
 * Writers on hot paths (results, exports, request bodies) format into
 * memory and write once, which is several times faster than many small
 * fprintf calls; readers (sockets, HTTP replies, stdin) append what they
 * receive. The contents are always NUL-terminated once anything was
 * written, so a buffer can be handed on as a C string (etsim_sbuf_take).
 * A zeroed struct is an empty buffer; etsim_sbuf_free releases it.
 *
 * JSON strings are escaped by one function in one of three modes, because
 * three output formats are required byte for byte:
 *   ETSIM_JSON_UTF8   etsim's own files (results, traces, exec instances):
 *                     UTF-8 passes through, quote, backslash and control
 *                     characters are escaped (\n \t \r, else \u00XX),
 *                     bytes that do not form a UTF-8 sequence become
 *                     \ufffd, and C0 80 -- the eval code's carrier for
 *                     U+0000 (sim/eval/pystr.h) -- becomes \u0000;
 *   ETSIM_JSON_BYTES  request bodies sent to model servers: as UTF8 but
 *                     every byte from 0x20 up passes unchecked (the texts
 *                     came from those servers);
 *   ETSIM_JSON_ASCII  Python's json.dumps(ensure_ascii=True), for exports
 *                     that reference tools compare byte for byte: also \b
 *                     and \f, everything outside printable ASCII as \uXXXX
 *                     (surrogate pairs above U+FFFF), and sequences
 *                     Python's strict UTF-8 decoder rejects (overlong,
 *                     surrogates, above U+10FFFF) as \ufffd, as a decode
 *                     with errors="replace" gives them. */
#ifndef ETSIM_SBUF_H
#define ETSIM_SBUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct etsim_sbuf {
    char *data; /* NUL-terminated contents, NULL while nothing was written */
    int64_t len, cap;
} etsim_sbuf;

void etsim_sbuf_free(etsim_sbuf *b);
void etsim_sbuf_put(etsim_sbuf *b, const char *s, size_t n); /* raw bytes */
void etsim_sbuf_puts(etsim_sbuf *b, const char *s);          /* raw text  */
void etsim_sbuf_putc(etsim_sbuf *b, char c);
void etsim_sbuf_printf(etsim_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void etsim_sbuf_int(etsim_sbuf *b, int64_t v);
/* float32 in the shortest of %.6g / %.9g that reads back as the same float
 * ("null" for NaN); double as etsim_fmt_double. */
void etsim_sbuf_float(etsim_sbuf *b, float v);
void etsim_sbuf_double(etsim_sbuf *b, double v);

/* Room for at least n more bytes (and the NUL after them): returns where
 * they go; etsim_sbuf_added then counts the k <= cap - len - 1 bytes a
 * read(2), recv(2) or fread wrote there. */
char *etsim_sbuf_reserve(etsim_sbuf *b, size_t n);
void etsim_sbuf_added(etsim_sbuf *b, size_t k);
/* Append everything fp still holds (until EOF or a read error). */
void etsim_sbuf_read_fp(etsim_sbuf *b, FILE *fp);
/* Take the NUL-terminated contents (never NULL; the caller frees); *len
 * gets their length unless len is NULL. The buffer is left empty. */
char *etsim_sbuf_take(etsim_sbuf *b, size_t *len);

/* ---- JSON strings (modes: see the top of this file) ------------------- */
typedef enum etsim_json_mode {
    ETSIM_JSON_UTF8 = 0,
    ETSIM_JSON_BYTES,
    ETSIM_JSON_ASCII,
} etsim_json_mode;

/* n bytes of s escaped, without quotes: a string may be written in several
 * parts between two etsim_sbuf_putc(b, '"'), which is how a prompt is
 * assembled from a template and the steps of a path. */
void etsim_sbuf_json_escape(etsim_sbuf *b, const char *s, size_t n, etsim_json_mode mode);
/* s as a JSON string literal, quotes included; NULL writes `null`. */
void etsim_sbuf_json_string_mode(etsim_sbuf *b, const char *s, etsim_json_mode mode);
/* The same in ETSIM_JSON_UTF8, what etsim's own files use. */
void etsim_sbuf_json_string(etsim_sbuf *b, const char *s);
/* tmpl escaped (no quotes), each occurrence of key replaced by value
 * (escaped too; NULL for nothing). */
void etsim_sbuf_json_template(etsim_sbuf *b, const char *tmpl, const char *key, const char *value,
                              etsim_json_mode mode);
/* etsim_sbuf_json_string written to fp. */
void etsim_json_write_string(FILE *fp, const char *s);

#endif
