/* normalize.c -- the mathd and PRM800K normalisation passes (see
 * normalize.h). Each step below names the Python line it reproduces; the
 * order of steps is the reference's and matters (e.g. "\text{ " units are
 * cut before "\%" is removed). */
#include "sim/eval/normalize.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "sim/eval/latex2text.h"

/* ---- byte sets: skip a rewrite rule whose pattern cannot occur ------------- */
/* Most rules do not apply to most answers; a 256-bit set of the bytes an
 * answer contains (kept a superset as rules add text) rejects them without
 * scanning. This is what keeps grading well above a million pairs/s. */
typedef struct byteset {
    uint64_t m[4];
} byteset;

static void bs_add(byteset *b, const char *s) {
    for (; *s; s++) b->m[(unsigned char)*s >> 6] |= 1ull << ((unsigned char)*s & 63);
}
static bool bs_has_all(const byteset *b, const char *s) {
    for (; *s; s++)
        if (!(b->m[(unsigned char)*s >> 6] & (1ull << ((unsigned char)*s & 63)))) return false;
    return true;
}
static const char *rep(etsim_arena *a, const char *s, const char *from, const char *to, byteset *b) {
    if (!bs_has_all(b, from)) return s;
    const char *r = etsim_py_replace(a, s, from, to);
    if (r != s) bs_add(b, to);
    return r;
}

/* ---- shared ------------------------------------------------------------------ */
const char *etsim_norm_text_unwrap(etsim_arena *a, const char *s) {
    /* re.search("^\\text\{(?P<text>.+?)\}$", s): the shortest non-empty
     * newline-free body whose closing brace ends the string (or precedes a
     * final "\n", which Python's $ also accepts). */
    static const char pfx[] = "\\text{";
    if (strncmp(s, pfx, 6)) return NULL;
    size_t n = strlen(s);
    const char *body = s + 6;
    size_t k = 0, chars = 0;
    while (body[k] && body[k] != '\n') {
        if (body[k] == '}' && chars >= 1) {
            size_t rest = n - (6 + k + 1);
            if (rest == 0 || (rest == 1 && body[k + 1] == '\n')) return etsim_arena_strndup(a, body, k);
        }
        k += etsim_utf8_len(body + k);
        chars++;
    }
    return NULL;
}

const char *etsim_norm_strip_thousands(etsim_arena *a, const char *expr) {
    /* re.sub("(\d)(,)(\d\d\d)($|\D)", "\1\3\4") until nothing changes */
    if (!strchr(expr, ',')) return expr;
    for (;;) {
        etsim_sb b;
        etsim_sb_init(&b, a, strlen(expr) + 1);
        bool changed = false;
        const char *p = expr;
        while (*p) {
            size_t l0, l1, l2, l3;
            uint32_t c0 = etsim_utf8_decode(p, &l0);
            if (etsim_py_isdecimal_cp(c0) && p[l0] == ',') {
                const char *d = p + l0 + 1;
                uint32_t d1 = *d ? etsim_utf8_decode(d, &l1) : 0;
                uint32_t d2 = d1 && etsim_py_isdecimal_cp(d1) && d[l1] ? etsim_utf8_decode(d + l1, &l2) : 0;
                uint32_t d3 = d2 && etsim_py_isdecimal_cp(d2) && d[l1 + l2] ? etsim_utf8_decode(d + l1 + l2, &l3) : 0;
                if (d3 && etsim_py_isdecimal_cp(d3)) {
                    const char *after = d + l1 + l2 + l3;
                    size_t la = 0;
                    bool ok = !*after || (after[0] == '\n' && !after[1]);
                    if (*after && !ok) {
                        uint32_t c4 = etsim_utf8_decode(after, &la);
                        ok = !etsim_py_isdecimal_cp(c4);
                    } else {
                        la = 0; /* $ matched empty */
                    }
                    if (ok) {
                        etsim_sb_putn(&b, p, l0);
                        etsim_sb_putn(&b, d, l1 + l2 + l3 + la);
                        p = after + la;
                        changed = true;
                        continue;
                    }
                }
            }
            etsim_sb_putn(&b, p, l0);
            p += l0;
        }
        if (!changed) return expr;
        expr = etsim_sb_str(&b);
    }
}

static bool near_int(double x) {
    if (!isfinite(x)) return false; /* round(inf) / round(nan) raise: caught as False */
    return fabs(x - nearbyint(x)) <= 1e-7;
}

bool etsim_norm_str_is_int(etsim_arena *a, const char *x) {
    double v;
    if (!etsim_py_float(etsim_norm_strip_thousands(a, x), &v)) return false;
    return near_int(v);
}

/* ---- mathd pass ------------------------------------------------------------------ */
/* Each helper returns NULL where the Python raises. */
static const char *mathd_fix_sqrt(etsim_arena *a, const char *s) {
    if (!etsim_strfind(s, "\\sqrt")) return s;
    etsim_sb b;
    etsim_sb_init(&b, a, strlen(s) + 16);
    const char *p = etsim_strfind(s, "\\sqrt");
    etsim_sb_putn(&b, s, (size_t)(p - s));
    while (p) {
        const char *piece = p + 5;
        const char *next = etsim_strfind(piece, "\\sqrt");
        size_t plen = next ? (size_t)(next - piece) : strlen(piece);
        if (plen == 0) return NULL; /* split[0] of an empty piece: IndexError */
        if (piece[0] != '{') {
            size_t l = etsim_utf8_len(piece);
            etsim_sb_puts(&b, "\\sqrt{");
            etsim_sb_putn(&b, piece, l);
            etsim_sb_putc(&b, '}');
            etsim_sb_putn(&b, piece + l, plen - l);
        } else {
            etsim_sb_puts(&b, "\\sqrt");
            etsim_sb_putn(&b, piece, plen);
        }
        p = next;
    }
    return etsim_sb_str(&b);
}

/* _fix_fracs; `empty_raises`: the mathd copy indexes substr[0] unguarded */
const char *etsim_norm_fix_fracs(etsim_arena *a, const char *s, bool empty_raises);
const char *etsim_norm_fix_fracs(etsim_arena *a, const char *s, bool empty_raises) {
    const char *p = etsim_strfind(s, "\\frac");
    if (!p) return s;
    etsim_sb b;
    etsim_sb_init(&b, a, strlen(s) + 16);
    etsim_sb_putn(&b, s, (size_t)(p - s));
    while (p) {
        const char *sub = p + 5;
        const char *next = etsim_strfind(sub, "\\frac");
        size_t n = next ? (size_t)(next - sub) : strlen(sub);
        etsim_sb_puts(&b, "\\frac");
        if (n == 0 && empty_raises) return NULL;
        if (n > 0 && sub[0] == '{') {
            etsim_sb_putn(&b, sub, n);
        } else {
            size_t la = n ? etsim_utf8_len(sub) : 0;
            if (n == 0 || la >= n) return s; /* fewer than two chars: original string */
            size_t lb = etsim_utf8_len(sub + la);
            if (sub[la] != '{') {
                etsim_sb_putc(&b, '{');
                etsim_sb_putn(&b, sub, la);
                etsim_sb_puts(&b, "}{");
                etsim_sb_putn(&b, sub + la, lb);
                etsim_sb_putc(&b, '}');
            } else {
                etsim_sb_putc(&b, '{');
                etsim_sb_putn(&b, sub, la);
                etsim_sb_putc(&b, '}');
                etsim_sb_putn(&b, sub + la, lb);
            }
            etsim_sb_putn(&b, sub + la + lb, n - la - lb);
        }
        p = next;
    }
    return etsim_sb_str(&b);
}

static const char *mathd_fix_a_slash_b(etsim_arena *a, const char *s) {
    if (etsim_py_count(s, "/") != 1) return s;
    const char *slash = strchr(s, '/');
    const char *x = etsim_arena_strndup(a, s, (size_t)(slash - s));
    const char *ca, *cb;
    if (!etsim_py_int_canon(a, x, &ca) || !etsim_py_int_canon(a, slash + 1, &cb)) return s;
    size_t la = strlen(ca);
    if (strncmp(s, ca, la) || s[la] != '/' || strcmp(s + la + 1, cb)) return s;
    etsim_sb b;
    etsim_sb_init(&b, a, strlen(s) + 16);
    etsim_sb_puts(&b, "\\frac{");
    etsim_sb_puts(&b, ca);
    etsim_sb_puts(&b, "}{");
    etsim_sb_puts(&b, cb);
    etsim_sb_putc(&b, '}');
    return etsim_sb_str(&b);
}

static const char *mathd_strip_string(etsim_arena *a, const char *s) {
    byteset bs = {{0}};
    bs_add(&bs, s);
    s = rep(a, s, "\n", "", &bs);
    if (strchr(s, '\\')) { /* the backslash rules (skipped when there is none) */
        s = rep(a, s, "\\!", "", &bs);
        s = rep(a, s, "\\\\", "\\", &bs);
    }
    if (etsim_strfind(s, "frac")) {
        s = rep(a, s, "tfrac", "frac", &bs);
        s = rep(a, s, "dfrac", "frac", &bs);
    }
    if (strchr(s, '\\')) {
        s = rep(a, s, "\\left", "", &bs);
        s = rep(a, s, "\\right", "", &bs);
        s = rep(a, s, "^{\\circ}", "", &bs);
        s = rep(a, s, "^\\circ", "", &bs);
        s = rep(a, s, "\\$", "", &bs);
    }
    /* _remove_right_units: "\text{ " only ever introduces units */
    size_t nu = etsim_py_count(s, "\\text{ ");
    if (nu > 1) return NULL; /* assert len(splits) == 2 */
    if (nu == 1) s = etsim_arena_strndup(a, s, (size_t)(etsim_strfind(s, "\\text{ ") - s));
    s = rep(a, s, "\\%", "", &bs);
    s = rep(a, s, " .", " 0.", &bs);
    s = rep(a, s, "{.", "{0.", &bs);
    if (!*s) return s;
    if (s[0] == '.') s = etsim_arena_concat(a, "0", s);
    if (etsim_py_count(s, "=") == 1) {
        const char *eq = strchr(s, '=');
        char *lhs = etsim_arena_strndup(a, s, (size_t)(eq - s));
        if (etsim_utf8_count(lhs) <= 2) s = eq + 1;
    }
    s = mathd_fix_sqrt(a, s);
    if (!s) return NULL;
    s = rep(a, s, " ", "", &bs);
    s = etsim_norm_fix_fracs(a, s, true);
    if (!s) return NULL;
    if (!strcmp(s, "0.5")) s = "\\frac{1}{2}";
    return mathd_fix_a_slash_b(a, s);
}

const char *etsim_norm_mathd(etsim_arena *a, const char *answer) {
    if (!answer) return NULL;
    answer = etsim_py_strip(a, answer);
    const char *in = etsim_norm_text_unwrap(a, answer);
    if (in) answer = etsim_py_strip(a, in);
    const char *r = mathd_strip_string(a, answer);
    return r ? r : answer;
}

/* ---- PRM800K pass -------------------------------------------------------------- */
static const char *remove_units(etsim_arena *a, const char *s, const byteset *bs) {
    static const char *const units[] = {"degree", "cm", "centimeter", "meter", "mile", "second",
                                        "minute", "hour", "day", "week", "month", "year",
                                        "foot", "feet", "inch", "yard"};
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        if (!bs_has_all(bs, units[u])) continue;
        const char *hit = etsim_strfind(s, units[u]);
        if (!hit) continue;
        size_t ul = strlen(units[u]);
        etsim_sb b;
        etsim_sb_init(&b, a, strlen(s) + 1);
        const char *p = s;
        while (hit) {
            etsim_sb_putn(&b, p, (size_t)(hit - p));
            const char *q = hit + ul;
            if (q[0] == 'e' && q[1] == 's') q += 2; /* (es)? */
            if (q[0] == 's') q++;                   /* (s)?  */
            while (*q == ' ') q++;                  /*  *    */
            if (q[0] == '^' && q[1] >= '0' && q[1] <= '9') { /* (\^[0-9]+)? */
                q++;
                while (*q >= '0' && *q <= '9') q++;
            }
            p = q;
            hit = etsim_strfind(p, units[u]);
        }
        etsim_sb_puts(&b, p);
        s = etsim_sb_str(&b);
    }
    return s;
}

/* `pat` at p: literal prefix, then spaces; returns the end or NULL */
static const char *remove_pattern(etsim_arena *a, const char *s, const char *head, const char *tail) {
    /* remove every `head` + ' '* + `tail` (tail may be "") */
    const char *hit = etsim_strfind(s, head);
    if (!hit) return s;
    size_t hl = strlen(head), tl = strlen(tail);
    etsim_sb b;
    etsim_sb_init(&b, a, strlen(s) + 1);
    const char *p = s;
    while (hit) {
        const char *q = hit + hl;
        while (*q == ' ') q++;
        if (!strncmp(q, tail, tl)) {
            etsim_sb_putn(&b, p, (size_t)(hit - p));
            p = q + tl;
            hit = etsim_strfind(p, head);
        } else {
            hit = etsim_strfind(hit + 1, head);
        }
    }
    etsim_sb_puts(&b, p);
    return etsim_sb_str(&b);
}

static const char *join_minus(etsim_arena *a, const char *s) {
    /* re.sub("- *", "-") */
    if (!etsim_strfind(s, "- ")) return s;
    etsim_sb b;
    etsim_sb_init(&b, a, strlen(s) + 1);
    for (const char *p = s; *p;) {
        etsim_sb_putc(&b, *p);
        if (*p++ == '-')
            while (*p == ' ') p++;
    }
    return etsim_sb_str(&b);
}

static const char *mixed_numbers(etsim_arena *a, const char *s) {
    /* re.sub("([0-9]) +([0-9])", "\1+\2"): matches do not overlap */
    if (!strchr(s, ' ')) return s;
    etsim_sb b;
    etsim_sb_init(&b, a, strlen(s) + 8);
    const char *p = s;
    bool changed = false;
    while (*p) {
        if (*p >= '0' && *p <= '9' && p[1] == ' ') {
            const char *q = p + 1;
            while (*q == ' ') q++;
            if (*q >= '0' && *q <= '9') {
                etsim_sb_putc(&b, *p);
                etsim_sb_putc(&b, '+');
                etsim_sb_putc(&b, *q);
                p = q + 1;
                changed = true;
                continue;
            }
        }
        etsim_sb_putc(&b, *p++);
    }
    return changed ? etsim_sb_str(&b) : s;
}

static const char *parse_latex(etsim_arena *a, const char *e) {
    e = etsim_py_replace(a, e, "\\tfrac", "\\frac");
    e = etsim_py_replace(a, e, "\\dfrac", "\\frac");
    e = etsim_py_replace(a, e, "\\frac", " \\frac"); /* play nice with mixed numbers */
    e = etsim_latex_to_text(a, e);
    if (!e) return NULL;
    e = etsim_py_replace(a, e, "\xe2\x88\x9a", "sqrt"); /* √ */
    e = etsim_py_replace(a, e, "\xcf\x80", "pi");       /* π */
    e = etsim_py_replace(a, e, "\xe2\x88\x9e", "inf");  /* ∞ */
    e = etsim_py_replace(a, e, "\xe2\x88\xaa", "U");    /* ∪ */
    e = etsim_py_replace(a, e, "\xc2\xb7", "*");        /* · */
    e = etsim_py_replace(a, e, "\xc3\x97", "*");        /* × */
    return etsim_py_strip(a, e);
}

const char *etsim_norm_prm(etsim_arena *a, const char *e) {
    if (!e) return NULL;
    const char *in = etsim_norm_text_unwrap(a, e);
    if (in) e = in;
    byteset bs = {{0}};
    bs_add(&bs, e);
    e = rep(a, e, "\\%", "%", &bs);
    e = rep(a, e, "\\$", "$", &bs);
    e = rep(a, e, "$", "", &bs);
    e = rep(a, e, "%", "", &bs);
    e = rep(a, e, " or ", " , ", &bs);
    e = rep(a, e, " and ", " , ", &bs);
    e = rep(a, e, "million", "*10^6", &bs);
    e = rep(a, e, "billion", "*10^9", &bs);
    e = rep(a, e, "trillion", "*10^12", &bs);
    e = remove_units(a, e, &bs);
    e = remove_pattern(a, e, "^", "\\circ");
    size_t n = strlen(e);
    if (n >= 2 && e[0] == '{' && e[n - 1] == '}') e = etsim_arena_strndup(a, e + 1, n - 2);
    e = remove_pattern(a, e, ",\\!", "");
    double v;
    if (etsim_py_float(e, &v) && near_int(v)) e = etsim_py_int_of_double(a, nearbyint(v));
    if (strchr(e, '\\')) {
        const char *t = parse_latex(a, e);
        if (t) e = t;
    }
    e = join_minus(a, e);
    e = mixed_numbers(a, e);
    e = etsim_py_replace(a, e, " ", "");
    e = etsim_py_replace(a, e, "{", "");
    e = etsim_py_replace(a, e, "}", "");
    e = etsim_py_lower(a, e);
    if (etsim_norm_str_is_int(a, e)) {
        double x;
        if (etsim_py_float(etsim_py_replace(a, e, ",", ""), &x) && isfinite(x)) e = etsim_py_int_of_double(a, x);
    }
    return e;
}
