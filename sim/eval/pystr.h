/* pystr.h -- the string toolkit the answer graders are built from: a bump
 * arena (sim/core/arena.h) that owns every intermediate string of one
 * grading call, a string builder inside it, and small
 * functions with the exact semantics of the Python string operations the
 * reference graders use (str.replace, str.strip, str.split counts,
 * str.lower, float(), int(), str(int(x))).
 *
 * Why an arena: the grader builds a dozen short-lived strings per answer;
 * allocating them from one block that is reset after each call keeps
 * grading at well under a microsecond of allocator time per answer and
 * makes every early return leak-free.
 *
 * Strings are NUL-terminated UTF-8. "Character" below means a Unicode code
 * point where the Python reference indexes characters (s[0], s[-1]).
 *
 * U+0000 inside a string (JSON "\u0000", which Python keeps as an ordinary
 * character) is carried as the two bytes C0 80, the "modified UTF-8" form
 * Java uses for the same purpose: a C string can hold it, it never matches
 * an ASCII pattern byte, and etsim_utf8_decode reads it as code point 0, so
 * every function here treats it as Python treats "\x00" (not a space, not
 * a word character, not a digit, never part of a number). The JSON Lines
 * reader (jsonl.h) decodes "\u0000" this way; etsim_sb_put_cp(0) writes it;
 * etsim_json_nul_to_escape undoes it for output meant for Python. */
#ifndef ETSIM_EVAL_PYSTR_H
#define ETSIM_EVAL_PYSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/core/arena.h"

/* A growable output buffer inside the arena (the last allocation may
 * grow in place). */
typedef struct etsim_sb {
    etsim_arena *a;
    char *p;
    size_t len, cap;
} etsim_sb;
void etsim_sb_init(etsim_sb *b, etsim_arena *a, size_t hint);
void etsim_sb_putn(etsim_sb *b, const char *s, size_t n);
void etsim_sb_puts(etsim_sb *b, const char *s);
void etsim_sb_putc(etsim_sb *b, char c);
void etsim_sb_put_cp(etsim_sb *b, uint32_t cp); /* UTF-8 encode (0 as C0 80) */
char *etsim_sb_str(etsim_sb *b);                /* NUL-terminated result */

/* strstr tuned for the short strings answers are (a plain byte loop beats
 * the vectorised libc routine's set-up cost below ~100 bytes). */
static inline const char *etsim_strfind(const char *h, const char *n) {
    char c = n[0];
    if (!c) return h;
    for (; *h; h++) {
        if (*h != c) continue;
        size_t i = 1;
        while (n[i] && h[i] == n[i]) i++;
        if (!n[i]) return h;
    }
    return 0;
}

/* ---- Python str semantics --------------------------------------------- */
/* s.replace(from, to); returns s itself when `from` does not occur. */
const char *etsim_py_replace(etsim_arena *a, const char *s, const char *from, const char *to);
bool etsim_py_contains(const char *s, const char *sub);
/* len(s.split(sep)) == count(sep) + 1 */
size_t etsim_py_count(const char *s, const char *sub);
/* s.strip() / lstrip / rstrip with Python's Unicode whitespace set. */
const char *etsim_py_strip(etsim_arena *a, const char *s);
const char *etsim_py_rstrip_chars(etsim_arena *a, const char *s, const char *chars);
bool etsim_py_isspace_at(const char *s, size_t *len); /* whitespace char at s? */
/* s.lower(): every character by the generated table, "İ" -> "i̇", and
 * the final-sigma rule (word-final "Σ" -> "ς"; "cased" as far as Latin,
 * Greek and Cyrillic letters go). */
const char *etsim_py_lower(etsim_arena *a, const char *s);

/* UTF-8 helpers: decode one code point (invalid bytes decode as themselves,
 * one byte each, so nothing is ever skipped; C0 80 is U+0000), its length,
 * and the start of the last code point. */
uint32_t etsim_utf8_decode(const char *s, size_t *len);
size_t etsim_utf8_len(const char *s);          /* length of the first char */
size_t etsim_utf8_last(const char *s, size_t n); /* offset of last char     */
size_t etsim_utf8_count(const char *s);        /* number of code points    */

/* Python's character classes for one code point, exact for the Unicode
 * version of the generated table (py_unicode_table.c, from Python's
 * unicodedata by tools/gen_py_unicode_table.py). */
bool etsim_py_isalpha(uint32_t cp);      /* str.isalpha                     */
bool etsim_py_isdecimal_cp(uint32_t cp); /* str.isdecimal, re \d (cat. Nd)  */
int etsim_py_decimal(uint32_t cp);       /* its value 0..9, or -1           */
bool etsim_py_isdigit_cp(uint32_t cp);   /* str.isdigit (also "²", "①")     */
bool etsim_py_isalnum(uint32_t cp);      /* str.isalnum                     */
bool etsim_py_isword(uint32_t cp);       /* re \w: isalnum or '_'          */

/* the generated tables */
typedef struct etsim_uc_range {
    uint32_t lo, hi; /* inclusive */
} etsim_uc_range;
extern const char etsim_uc_unidata_version[];
extern const uint32_t etsim_uc_decimal_zero[];
extern const size_t etsim_uc_decimal_zero_n;
extern const etsim_uc_range etsim_uc_digit[], etsim_uc_alpha[], etsim_uc_alnum[];
extern const size_t etsim_uc_digit_n, etsim_uc_alpha_n, etsim_uc_alnum_n;
extern const etsim_uc_range etsim_uc_lower[]; /* pairs {character, its lower case} */
extern const size_t etsim_uc_lower_n;

/* float(s): true and *out on success, with Python's grammar (surrounding
 * whitespace, sign, digits with single underscores, '.', exponent, inf,
 * infinity, nan; case-insensitive). Decimal digits of every script count
 * as their ASCII digit ("６.0", "٣"), as CPython maps them first. */
bool etsim_py_float(const char *s, double *out);
/* int(s) then str(): true when s parses as int(s) does (base 10, any
 * script's decimal digits); *canon gets str() of it: ASCII digits, sign,
 * no leading zeros. */
bool etsim_py_int_canon(etsim_arena *a, const char *s, const char **canon);
/* str(int(x)) for a finite double x, exact (x is truncated toward zero,
 * as int() does; huge values print all their digits). */
const char *etsim_py_int_of_double(etsim_arena *a, double x);
/* str(x) for a Python float (repr: shortest round-trip). */
const char *etsim_py_float_repr(etsim_arena *a, double x);

#endif
