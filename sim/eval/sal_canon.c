/* sal_canon.c -- two pieces of search-and-learn's answer handling that are
 * not plain string rewriting:
 *
 *  - etsim_sal_word_to_num: word2number's word_to_num as strip_string calls
 *    it (a digit-only string becomes int(s), so "01" -> "1"; number words
 *    anywhere among the whitespace-separated tokens become their value;
 *    anything it rejects leaves the string unchanged).
 *  - etsim_sal_canonical: the grouping key of search-and-learn's votes
 *    (sympy canonical forms there, a numeric evaluation here; see
 *    sal_parse.h for the exact contract). */
#include <complex.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/eval/sal_parse.h"

/* ---- word2number ------------------------------------------------------------ */
static const struct { const char *w; long v; } numwords[] = {
    {"zero", 0}, {"one", 1}, {"two", 2}, {"three", 3}, {"four", 4}, {"five", 5}, {"six", 6},
    {"seven", 7}, {"eight", 8}, {"nine", 9}, {"ten", 10}, {"eleven", 11}, {"twelve", 12},
    {"thirteen", 13}, {"fourteen", 14}, {"fifteen", 15}, {"sixteen", 16}, {"seventeen", 17},
    {"eighteen", 18}, {"nineteen", 19}, {"twenty", 20}, {"thirty", 30}, {"forty", 40}, {"fifty", 50},
    {"sixty", 60}, {"seventy", 70}, {"eighty", 80}, {"ninety", 90}, {"hundred", 100},
    {"thousand", 1000}, {"million", 1000000}, {"billion", 1000000000}, {"point", -1},
};
#define N_NUMWORDS ((int)(sizeof numwords / sizeof numwords[0]))

static int word_index(const char *w, size_t n) {
    for (int i = 0; i < N_NUMWORDS; i++)
        if (strlen(numwords[i].w) == n && !memcmp(numwords[i].w, w, n)) return i;
    return -1;
}

/* number_formation(); false where the Python raises (empty list) */
static bool formation(const long *v, int n, long *out) {
    if (n <= 0) return false;
    if (n >= 4) *out = v[0] * v[1] + v[2] + v[3];
    else if (n == 3) *out = v[0] * v[1] + v[2];
    else if (n == 2) *out = (v[0] == 100 || v[1] == 100) ? v[0] * v[1] : v[0] + v[1];
    else *out = v[0];
    return true;
}

const char *etsim_sal_word_to_num(etsim_arena *a, const char *s) {
    const char *t = etsim_py_lower(a, etsim_py_replace(a, s, "-", " "));
    bool digits = *t != 0;
    for (const char *p = t; *p; p++)
        if (!isdigit((unsigned char)*p)) digits = false;
    if (digits) {
        const char *c;
        return etsim_py_int_canon(a, t, &c) ? c : s;
    }
    long v[64];
    int n = 0, npoint = 0, nth = 0, nmi = 0, nbi = 0, point_at = -1;
    int idx[64];
    for (const char *p = t; *p;) {
        size_t l;
        while (*p && etsim_py_isspace_at(p, &l)) p += l;
        const char *w = p;
        while (*p && !etsim_py_isspace_at(p, &l)) p += etsim_utf8_len(p);
        if (p == w) break;
        int k = word_index(w, (size_t)(p - w));
        if (k < 0) continue;
        if (n == 64) return s;
        idx[n] = k;
        v[n++] = numwords[k].v;
        if (numwords[k].v == -1) npoint++, point_at = n - 1;
        if (numwords[k].v == 1000) nth++;
        if (numwords[k].v == 1000000) nmi++;
        if (numwords[k].v == 1000000000) nbi++;
    }
    if (n == 0 || nth > 1 || nmi > 1 || nbi > 1 || npoint > 1) return s;
    int nint = npoint ? point_at : n; /* words before "point" */
    int bi = -1, mi = -1, th = -1;
    for (int i = 0; i < nint; i++) {
        if (v[i] == 1000000000) bi = i;
        if (v[i] == 1000000) mi = i;
        if (v[i] == 1000) th = i;
    }
    if ((th > -1 && (th < mi || th < bi)) || (mi > -1 && mi < bi)) return s;
    long total = 0, m;
    if (nint == 1) {
        total = v[0];
    } else if (nint > 1) {
        if (bi > -1) {
            if (!formation(v, bi, &m)) return s;
            total += m * 1000000000L;
        }
        if (mi > -1) {
            if (!(bi > -1 ? formation(v + bi + 1, mi - bi - 1, &m) : formation(v, mi, &m))) return s;
            total += m * 1000000L;
        }
        if (th > -1) {
            bool ok = mi > -1 ? formation(v + mi + 1, th - mi - 1, &m)
                      : bi > -1 ? formation(v + bi + 1, th - bi - 1, &m)
                                : formation(v, th, &m);
            if (!ok) return s;
            total += m * 1000L;
        }
        int from = th > -1 && th != nint - 1   ? th + 1
                   : mi > -1 && mi != nint - 1 ? mi + 1
                   : bi > -1 && bi != nint - 1 ? bi + 1
                   : (th == -1 && mi == -1 && bi == -1) ? 0
                                                         : -1;
        if (from >= 0) {
            if (!formation(v + from, nint - from, &m)) return s;
            total += m;
        }
    }
    char buf[96];
    if (npoint && point_at + 1 < n) { /* decimal words: "0." + digits, as a float */
        char dec[80] = "0.";
        size_t dl = 2;
        for (int i = point_at + 1; i < n && dl < sizeof dec - 2; i++) {
            if (v[i] > 9 || v[i] < 0 || idx[i] > 9) { snprintf(buf, sizeof buf, "%ld", total); return etsim_arena_strdup(a, buf); }
            dec[dl++] = (char)('0' + v[i]);
        }
        dec[dl] = 0;
        return etsim_py_float_repr(a, (double)total + strtod(dec, NULL));
    }
    snprintf(buf, sizeof buf, "%ld", total);
    return etsim_arena_strdup(a, buf);
}

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
        if (*q == '.') {
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
    return isdigit((unsigned char)c) || c == '(' || c == '{' || c == '.' || c == '\\' ||
           (c == 'i' && !isalpha((unsigned char)e->p[1]));
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

static bool ev_const(const char *s, cval *out) {
    ev e = {s, true, 0};
    if (!*s) return false;
    cval v = ev_sum(&e);
    if (!e.ok || *e.p || !isfinite(creal(v)) || !isfinite(cimag(v))) return false;
    *out = v;
    return true;
}

const char *etsim_sal_canonical(etsim_arena *a, const char *answer) {
    cval v, w;
    char buf[96];
    if (ev_const(answer, &v)) {
        double re = creal(v), im = cimag(v);
        if (fabs(im) <= 1e-12 * fmax(1, fabs(re))) im = 0;
        if (re == 0) re = 0; /* -0 */
        if (im == 0) snprintf(buf, sizeof buf, "num:%.10g", re);
        else snprintf(buf, sizeof buf, "num:%.10g%+.10gi", re, im);
        return etsim_arena_strdup(a, buf);
    }
    const char *eq = strchr(answer, '=');
    if (eq && !strchr(eq + 1, '=')) {
        const char *lhs = etsim_arena_strndup(a, answer, (size_t)(eq - answer));
        if (ev_const(lhs, &v) && ev_const(eq + 1, &w)) {
            bool same = cabs(v - w) <= 1e-9 * fmax(1, fmax(cabs(v), cabs(w)));
            return same ? "bool:True" : "bool:False";
        }
    }
    return etsim_arena_concat(a, "str:", etsim_sal_strip_string(a, answer));
}
