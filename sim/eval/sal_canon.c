/* sal_canon.c -- the piece of search-and-learn's answer handling that is
 * not plain string rewriting: etsim_sal_canonical, the grouping key of its
 * votes (sympy canonical forms there, a numeric evaluation here; see
 * sal_parse.h for the exact contract). It sits on sal_parse.c (its
 * fallback is strip_string), never the other way round. */
#include <complex.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/eval/sal_parse.h"

/* ---- numeric canonical form -------------------------------------------------- */
typedef struct ev {
    const char *p;
    bool ok;
    int depth;
} ev;

typedef double complex cval;
static cval ev_sum(ev *e);

static bool ev_eat(ev *e, const char *tok) {
    size_t n = strlen(tok);
    if (strncmp(e->p, tok, n)) return false;
    if (isalpha((unsigned char)tok[n - 1]) && isalpha((unsigned char)e->p[n])) return false;
    e->p += n;
    return true;
}

/* a braced argument {expr}, or a single digit / macro-free char */
static cval ev_group(ev *e) {
    if (ev_eat(e, "{")) {
        cval v = ev_sum(e);
        if (!ev_eat(e, "}")) e->ok = false;
        return v;
    }
    if (isdigit((unsigned char)*e->p)) return *e->p++ - '0';
    e->ok = false;
    return 0;
}

static cval ev_atom(ev *e) {
    if (++e->depth > 100) { e->ok = false; return 0; }
    cval v = 0;
    const char *p = e->p;
    if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
        const char *q = p;
        while (isdigit((unsigned char)*q)) q++;
        if (*q == '.' && isdigit((unsigned char)q[1])) { /* NUMBER: "5." is 5 then a "." */
            q++;
            while (isdigit((unsigned char)*q)) q++;
        }
        char num[64];
        size_t nl = (size_t)(q - p) < sizeof num - 1 ? (size_t)(q - p) : sizeof num - 1;
        memcpy(num, p, nl);
        num[nl] = 0;
        v = strtod(num, NULL);
        e->p = q;
    } else if (ev_eat(e, "(")) {
        v = ev_sum(e);
        if (!ev_eat(e, ")")) e->ok = false;
    } else if (*p == 'i' && !isalpha((unsigned char)p[1])) { /* the imaginary unit, as sympy reads it */
        e->p++;
        v = I;
    } else if (*p == '{') {
        v = ev_group(e);
    } else if (ev_eat(e, "\\frac")) {
        cval x = ev_group(e), y = ev_group(e);
        v = x / y;
    } else if (ev_eat(e, "\\sqrt")) {
        cval root = 2;
        if (ev_eat(e, "[")) {
            root = ev_sum(e);
            if (!ev_eat(e, "]")) e->ok = false;
        }
        cval x = ev_group(e);
        v = root == 2 ? csqrt(x) : cpow(x, 1 / root);
    } else if (ev_eat(e, "\\pi")) {
        v = M_PI;
    } else {
        static const struct { const char *name; cval (*f)(cval); } fns[] = {
            {"\\sin", csin}, {"\\cos", ccos}, {"\\tan", ctan}, {"\\ln", clog}, {"\\log", clog}, {"\\exp", cexp}};
        size_t i;
        for (i = 0; i < sizeof fns / sizeof fns[0]; i++)
            if (ev_eat(e, fns[i].name)) break;
        if (i == sizeof fns / sizeof fns[0]) {
            e->ok = false; /* a variable, a set, text: not a constant */
            e->depth--;
            return 0;
        }
        v = fns[i].f(ev_atom(e));
    }
    while (e->ok && ev_eat(e, "^")) {
        if (*e->p == '(') { /* "4^(3/2)": latex2sympy does not read this as a power */
            e->ok = false;
            break;
        }
        cval x = ev_group(e);
        v = cpow(v, x);
    }
    e->depth--;
    return v;
}

static bool ev_starts_atom(const ev *e) {
    char c = *e->p;
    return isdigit((unsigned char)c) || c == '(' || c == '{' || (c == '.' && isdigit((unsigned char)e->p[1])) ||
           (c == '\\' && e->p[1] != '\\') || (c == 'i' && !isalpha((unsigned char)e->p[1]));
}

static cval ev_term(ev *e) {
    cval v = ev_atom(e);
    while (e->ok) {
        if (ev_eat(e, "*") || ev_eat(e, "\\cdot") || ev_eat(e, "\\times")) v *= ev_atom(e);
        else if (ev_eat(e, "/") || ev_eat(e, "\\div")) v /= ev_atom(e);
        else if (ev_starts_atom(e) && strncmp(e->p, "\\right", 6)) v *= ev_atom(e); /* implicit */
        else break;
    }
    return v;
}

static cval ev_sum(ev *e) {
    double sign = 1;
    while (*e->p == '+' || *e->p == '-') sign *= *e->p++ == '-' ? -1 : 1;
    cval v = sign * ev_term(e);
    while (e->ok && (*e->p == '+' || *e->p == '-')) {
        double s = *e->p++ == '-' ? -1 : 1;
        while (*e->p == '+' || *e->p == '-') s *= *e->p++ == '-' ? -1 : 1;
        v += s * ev_term(e);
    }
    return v;
}

/* latex2sympy's grammar has no end-of-input rule: where the expression
 * could end and the next token cannot continue it -- a subscript on a
 * number ("4333_6", "42210_{5}": NUMBER takes no subscript), a stray
 * ")", "]", "}", "&", "'", "." or "\\\\" -- ANTLR stops and the rest is
 * ignored ("4333_6" -> 4333, "2+4333_6" -> 4335, "7)+1" -> 7,
 * "\\sqrt{5}.Therefore" -> sqrt(5)). Inside brackets the same tokens are
 * syntax errors (the evaluator fails there). */
static bool ev_stop_at(const char *p) {
    char c = *p;
    return c == '_' || c == ')' || c == ']' || c == '}' || c == '&' || c == '\'' || c == '.' ||
           (c == '\\' && p[1] == '\\');
}

static bool ev_const(const char *s, cval *out) {
    ev e = {s, true, 0};
    if (!*s) return false;
    cval v = ev_sum(&e);
    if (!e.ok || (*e.p && !ev_stop_at(e.p)) || !isfinite(creal(v)) || !isfinite(cimag(v))) return false;
    *out = v;
    return true;
}

static void num_key(char *buf, size_t n, cval v) {
    double re = creal(v), im = cimag(v);
    if (fabs(im) <= 1e-12 * fmax(1, fabs(re))) im = 0;
    if (re == 0) re = 0; /* -0 */
    if (im == 0) snprintf(buf, n, "%.10g", re);
    else snprintf(buf, n, "%.10g%+.10gi", re, im);
}

/* A matrix of constants, as latex2sympy reads \begin{pmatrix} (also
 * matrix; strip_string already turned bmatrix and array into pmatrix):
 * rows split at "\\" (a trailing one is allowed), cells at "&", every
 * row as long as the first. Keyed "mat:RxC:" + the cells' values, so
 * "16/49" and "\frac{16}{49}" cells agree, as the simplified sympy
 * Matrix does. NULL when it is not such a matrix. */
static const char *matrix_key(etsim_arena *a, const char *s) {
    static const char *const kinds[] = {"pmatrix", "matrix"};
    for (size_t k = 0; k < 2; k++) {
        char open[32], close[32];
        snprintf(open, sizeof open, "\\begin{%s}", kinds[k]);
        snprintf(close, sizeof close, "\\end{%s}", kinds[k]);
        size_t lo = strlen(open), lc = strlen(close), n = strlen(s);
        if (n < lo + lc || strncmp(s, open, lo) || strcmp(s + n - lc, close)) continue;
        const char *body = etsim_arena_strndup(a, s + lo, n - lo - lc);
        etsim_sb key;
        etsim_sb_init(&key, a, 64);
        int rows = 0, cols = -1, c = 0;
        const char *cell = body;
        int depth = 0;
        char vbuf[80];
        for (const char *p = body;; p++) {
            bool row_end = depth == 0 && p[0] == '\\' && p[1] == '\\';
            bool col_end = depth == 0 && *p == '&';
            bool end = !*p;
            if (*p == '{') depth++;
            if (*p == '}') depth--;
            if (!(row_end || col_end || end)) continue;
            if (end && c == 0 && p == cell && rows > 0) break; /* trailing "\\" */
            cval v;
            if (!ev_const(etsim_arena_strndup(a, cell, (size_t)(p - cell)), &v)) return NULL;
            num_key(vbuf, sizeof vbuf, v);
            etsim_sb_puts(&key, c ? "&" : rows ? ";" : "");
            etsim_sb_puts(&key, vbuf);
            c++;
            if (row_end || end) {
                if (cols >= 0 && c != cols) return NULL; /* ragged: sympy raises */
                cols = c;
                c = 0;
                rows++;
            }
            if (end) break;
            if (row_end) p++;
            cell = p + 1;
        }
        snprintf(vbuf, sizeof vbuf, "mat:%dx%d:", rows, cols);
        return etsim_arena_concat(a, vbuf, etsim_sb_str(&key));
    }
    return NULL;
}

const char *etsim_sal_canonical(etsim_arena *a, const char *answer) {
    cval v, w;
    char buf[96];
    if (ev_const(answer, &v)) {
        num_key(buf, sizeof buf, v);
        return etsim_arena_concat(a, "num:", buf);
    }
    const char *mk = matrix_key(a, answer);
    if (mk) return mk;
    const char *eq = strchr(answer, '=');
    if (eq && !strchr(eq + 1, '=')) {
        const char *lhs = etsim_arena_strndup(a, answer, (size_t)(eq - answer));
        if (ev_const(lhs, &v) && ev_const(eq + 1, &w)) {
            bool same = cabs(v - w) <= 1e-9 * fmax(1, fmax(cabs(v), cabs(w)));
            return same ? "bool:True" : "bool:False";
        }
    }
    /* the fallback is strip_string(answer), compared as a string with the
     * other answers' latex() forms: an integer there ("６" -> "6" by its
     * word2number step) equals latex() of that integer */
    const char *st = etsim_sal_strip_string(a, answer);
    const char *d = st + (*st == '-');
    bool integer = (*d >= '1' && *d <= '9') || (d[0] == '0' && !d[1] && d == st);
    for (const char *p = d; integer && *p; p++) integer = *p >= '0' && *p <= '9';
    if (integer) {
        num_key(buf, sizeof buf, strtod(st, NULL));
        return etsim_arena_concat(a, "num:", buf);
    }
    return etsim_arena_concat(a, "str:", st);
}
