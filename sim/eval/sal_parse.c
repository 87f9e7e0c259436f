/* sal_parse.c -- search-and-learn's Qwen-math answer extraction,
 * strip_string and the word2number it calls (see sal_parse.h). The regular expressions of the Python are
 * matched by hand, keeping their exact semantics: Python's \w / \W / \d are
 * Unicode-aware, re.sub never re-uses the characters a match consumed, and
 * the unit names are regex patterns (their '.' matches any character). */
#include "sim/eval/sal_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/eval/normalize.h"

/* ---- word2number ------------------------------------------------------------ */
/* etsim_sal_word_to_num: word2number's word_to_num as strip_string calls it
 * (a str.isdigit() string becomes int(s), so "01" -> "1" and "６" -> "6";
 * number words anywhere among the whitespace-separated tokens become their
 * value; anything it rejects leaves the string unchanged). */
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
    /* `if number_sentence.isdigit(): return int(number_sentence)`: str.isdigit
     * (any script's digits, also "²"); int() then takes only decimal digits
     * ("６" -> 6) and raises on the others, which leaves the text as it was */
    bool digits = *t != 0;
    for (const char *p = t; *p && digits;) {
        size_t l;
        digits = etsim_py_isdigit_cp(etsim_utf8_decode(p, &l));
        p += l;
    }
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

/* units mainly from MathQA, as the reference lists them (then each + "s") */
static const char *const unit_texts[] = {
    "east", "degree", "mph", "kmph", "ft", "m sqaure", " m east", "sq m", "deg", "mile", "q .", "monkey",
    "prime", "ratio", "profit of rs", "rd", "o", "gm", "p . m", "lb", "tile", "per", "dm", "lt", "gain",
    "ab", "way", "west", "a .", "b .", "c .", "d .", "e .", "f .", "g .", "h .", "t", "a", "h",
    "no change", "men", "soldier", "pie", "bc", "excess", "st", "inches", "noon", "percent", "by", "gal",
    "kmh", "c", "acre", "rise", "a . m", "th", "\xcf\x80 r 2", "sq", "mark", "l", "toy", "coin", "sq . m",
    "gallon", "\xc2\xb0 f", "profit", "minw", "yr", "women", "feet", "am", "pm", "hr", "cu cm", "square",
    "v \xc3\xa2 \xe2\x82\xac \xe2\x84\xa2", "are", "rupee", "rounds", "cubic", "cc", "mtr", "s", "ohm",
    "number", "kmph", "day", "hour", "minute", "min", "second", "man", "woman", "sec", "cube", "mt",
    "sq inch", "mp", "\xe2\x88\x8f cm \xc2\xb3", "hectare", "more", "sec", "unit", "cu . m", "cm 2",
    "rs .", "rs", "kg", "g", "month", "km", "m", "cm", "mm", "apple", "liter", "loss", "yard", "pure",
    "year", "increase", "decrease", "d", "less", "Surface", "litre", "pi sq m", "s .", "metre", "meter",
    "inch",
};
#define N_UNITS ((int)(sizeof unit_texts / sizeof unit_texts[0]))

/* re's \w for str patterns at s (Unicode letters and numbers, '_') */
static bool is_word_at(const char *s, size_t *l) { return etsim_py_isword(etsim_utf8_decode(s, l)); }

/* does the unit pattern (plus optional "s") match at p? returns its length */
static size_t unit_match(const char *p, const char *unit, bool plural) {
    const char *q = p;
    for (const char *u = unit; *u; u++) {
        if (!*q) return 0;
        if (*u == '.') { /* regex '.': any character but newline */
            if (*q == '\n') return 0;
            q += etsim_utf8_len(q);
        } else {
            if (*q != *u) return 0;
            q++;
        }
    }
    if (plural) {
        if (*q != 's') return 0;
        q++;
    }
    return (size_t)(q - p);
}

/* re.sub(r"(^|\W)" + unit + r"($|\W)", r"\1\2", s) */
static const char *remove_unit(etsim_arena *a, const char *s, const char *unit, bool plural) {
    etsim_sb b;
    bool changed = false;
    etsim_sb_init(&b, a, strlen(s) + 1);
    size_t i = 0, n = strlen(s), l;
    while (i <= n) {
        /* group 1: ^ (empty, only at 0) first, then one \W char */
        size_t starts[2];
        int ns = 0;
        if (i == 0) starts[ns++] = 0;
        if (i < n && !is_word_at(s + i, &l)) starts[ns++] = l;
        bool hit = false;
        for (int k = 0; k < ns && !hit; k++) {
            size_t um = unit_match(s + i + starts[k], unit, plural);
            if (!um) continue;
            size_t e = i + starts[k] + um, tl = 0;
            if (e < n) {
                if (is_word_at(s + e, &tl)) continue; /* neither $ nor \W */
            }
            etsim_sb_putn(&b, s + i, starts[k]); /* \1 */
            etsim_sb_putn(&b, s + e, tl);        /* \2 */
            i = e + tl;
            hit = changed = true;
            if (tl == 0 && e >= n) i = n + 1;
        }
        if (hit) continue;
        if (i >= n) break;
        size_t cl = etsim_utf8_len(s + i);
        etsim_sb_putn(&b, s + i, cl);
        i += cl;
    }
    return changed ? etsim_sb_str(&b) : s;
}

/* re.sub(head + ".*?" + tail, repl) where repl is "" or the inner text */
static const char *sub_lazy(etsim_arena *a, const char *s, const char *head, bool keep_inner, bool at_end) {
    size_t hl = strlen(head);
    const char *p = etsim_strfind(s, head);
    if (!p) return s;
    if (at_end) { /* head.*?}$ : from the first head whose tail is the final '}' */
        size_t n = strlen(s);
        if (n == 0 || s[n - 1] != '}' || (size_t)(p - s) + hl > n - 1) return s;
        return etsim_arena_strndup(a, s, (size_t)(p - s));
    }
    etsim_sb b;
    etsim_sb_init(&b, a, strlen(s) + 1);
    const char *from = s;
    while (p) {
        const char *close = strchr(p + hl, '}');
        if (!close) break;
        etsim_sb_putn(&b, from, (size_t)(p - from));
        if (keep_inner) etsim_sb_putn(&b, p + hl, (size_t)(close - p - hl));
        from = close + 1;
        p = etsim_strfind(from, head);
    }
    etsim_sb_puts(&b, from);
    return etsim_sb_str(&b);
}

/* re.sub(r"(\d+)\.0*([^\d])", r"\1\2") and re.sub(r"(\d+)\.0*$", r"\1") */
static const char *drop_point_zeros(etsim_arena *a, const char *s, bool at_end) {
    etsim_sb b;
    etsim_sb_init(&b, a, strlen(s) + 1);
    size_t i = 0, n = strlen(s), l;
    bool changed = false;
    while (i < n) {
        if (etsim_py_isdecimal_cp(etsim_utf8_decode(s + i, &l))) {
            size_t j = i;
            while (j < n && etsim_py_isdecimal_cp(etsim_utf8_decode(s + j, &l))) j += l;
            if (s[j] == '.') {
                size_t k = j + 1;
                while (s[k] == '0') k++;
                if (at_end ? k == n : (k < n && !etsim_py_isdecimal_cp(etsim_utf8_decode(s + k, &l)))) {
                    size_t tl = at_end ? 0 : l;
                    etsim_sb_putn(&b, s + i, j - i);
                    etsim_sb_putn(&b, s + k, tl);
                    i = k + tl;
                    changed = true;
                    continue;
                }
            }
            etsim_sb_putn(&b, s + i, j - i); /* no match starts inside this run either */
            i = j;
            continue;
        }
        size_t cl = etsim_utf8_len(s + i);
        etsim_sb_putn(&b, s + i, cl);
        i += cl;
    }
    return changed ? etsim_sb_str(&b) : s;
}

/* re.sub(r"\\sqrt(\w+)", r"\\sqrt{\1}") */
static const char *fix_sqrt(etsim_arena *a, const char *s) {
    const char *p = etsim_strfind(s, "\\sqrt");
    if (!p) return s;
    etsim_sb b;
    etsim_sb_init(&b, a, strlen(s) + 8);
    const char *from = s;
    while (p) {
        const char *q = p + 5;
        size_t l;
        while (*q && is_word_at(q, &l)) q += l;
        etsim_sb_putn(&b, from, (size_t)(p - from));
        if (q > p + 5) {
            etsim_sb_puts(&b, "\\sqrt{");
            etsim_sb_putn(&b, p + 5, (size_t)(q - p - 5));
            etsim_sb_putc(&b, '}');
        } else {
            etsim_sb_puts(&b, "\\sqrt");
        }
        from = q;
        p = etsim_strfind(from, "\\sqrt");
    }
    etsim_sb_puts(&b, from);
    return etsim_sb_str(&b);
}

const char *etsim_norm_fix_fracs(etsim_arena *a, const char *s, bool empty_raises);

static const char *fix_a_slash_b(etsim_arena *a, const char *s) {
    if (etsim_py_count(s, "/") != 1) return s;
    const char *slash = strchr(s, '/');
    const char *x = etsim_arena_strndup(a, s, (size_t)(slash - s)), *y = slash + 1;
    const char *cx = x, *cy = y;
    if (!etsim_strfind(x, "sqrt") && !etsim_py_int_canon(a, x, &cx)) return s;
    if (!etsim_strfind(y, "sqrt") && !etsim_py_int_canon(a, y, &cy)) return s;
    size_t lx = strlen(cx);
    if (strncmp(s, cx, lx) || s[lx] != '/' || strcmp(s + lx + 1, cy)) return s;
    etsim_sb b;
    etsim_sb_init(&b, a, strlen(s) + 16);
    etsim_sb_puts(&b, "\\frac{");
    etsim_sb_puts(&b, cx);
    etsim_sb_puts(&b, "}{");
    etsim_sb_puts(&b, cy);
    etsim_sb_putc(&b, '}');
    return etsim_sb_str(&b);
}

const char *etsim_sal_strip_string(etsim_arena *a, const char *s) {
    s = etsim_py_strip(a, s);
    s = etsim_py_replace(a, s, "\n", "");
    s = etsim_py_rstrip_chars(a, s, ".");
    s = etsim_py_replace(a, s, "\\!", "");
    { /* \begin{array}{...} -> \begin{pmatrix}; \end{array} -> \end{pmatrix} */
        const char *p = etsim_strfind(s, "\\begin{array}{");
        while (p) {
            const char *close = strchr(p + 14, '}');
            if (!close) break;
            size_t off = (size_t)(p - s);
            etsim_sb b;
            etsim_sb_init(&b, a, strlen(s) + 8);
            etsim_sb_putn(&b, s, off);
            etsim_sb_puts(&b, "\\begin{pmatrix}");
            etsim_sb_puts(&b, close + 1);
            s = etsim_sb_str(&b);
            p = etsim_strfind(s + off + 15, "\\begin{array}{");
        }
    }
    s = etsim_py_replace(a, s, "\\end{array}", "\\end{pmatrix}");
    s = etsim_py_replace(a, s, "bmatrix", "pmatrix");
    s = etsim_py_replace(a, s, "tfrac", "frac");
    s = etsim_py_replace(a, s, "dfrac", "frac");
    s = etsim_py_replace(a, s, "\\neq", "\\ne");
    s = etsim_py_replace(a, s, "\\leq", "\\le");
    s = etsim_py_replace(a, s, "\\geq", "\\ge");
    s = etsim_py_replace(a, s, "\\left", "");
    s = etsim_py_replace(a, s, "\\right", "");
    s = etsim_py_replace(a, s, "\\{", "{");
    s = etsim_py_replace(a, s, "\\}", "}");
    { /* a trailing \text{...} is a unit unless it is all there is */
        const char *t = etsim_py_strip(a, sub_lazy(a, s, "\\text{", false, true));
        if (*t && strcmp(t, s)) s = t;
    }
    for (int round = 0; round < 2; round++)
        for (int pl = 0; pl < 2; pl++)
            for (int u = 0; u < N_UNITS; u++) {
                const char *t = remove_unit(a, s, unit_texts[u], pl == 1);
                if (*t) s = t;
            }
    s = etsim_py_replace(a, s, "^{\\circ}", "");
    s = etsim_py_replace(a, s, "^\\circ", "");
    s = etsim_py_replace(a, s, "\\$", "");
    s = etsim_py_replace(a, s, "$", "");
    s = etsim_py_replace(a, s, "\\(", "");
    s = etsim_py_replace(a, s, "\\)", "");
    s = etsim_sal_word_to_num(a, s);
    s = sub_lazy(a, s, "\\text{", true, false);
    static const char *const keys[] = {"x=", "y=", "z=", "x\\in", "y\\in", "z\\in", "x\\to", "y\\to", "z\\to"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) s = etsim_py_replace(a, s, keys[k], "");
    s = etsim_py_replace(a, s, "\\emptyset", "{}");
    s = etsim_py_replace(a, s, "(-\\infty,\\infty)", "\\mathbb{R}");
    s = etsim_py_replace(a, s, "\\%", "");
    s = etsim_py_replace(a, s, "%", "");
    s = etsim_py_replace(a, s, " .", " 0.");
    s = etsim_py_replace(a, s, "{.", "{0.");
    s = etsim_py_replace(a, s, "infinity", "\\infty");
    if (!etsim_strfind(s, "\\infty")) s = etsim_py_replace(a, s, "inf", "\\infty");
    s = etsim_py_replace(a, s, "+\\inity", "\\infty");
    s = etsim_py_replace(a, s, "and", "");
    s = etsim_py_replace(a, s, "\\mathbf", "");
    s = sub_lazy(a, s, "\\mbox{", false, false);
    if (strchr(s, 'j') && !strchr(s, 'i')) s = etsim_py_replace(a, s, "j", "i");
    s = drop_point_zeros(a, s, false);
    s = drop_point_zeros(a, s, true);
    if (!*s) return s;
    if (s[0] == '.') s = etsim_arena_concat(a, "0", s);
    if (etsim_py_count(s, "=") == 1) {
        const char *eq = strchr(s, '=');
        if (etsim_utf8_count(etsim_arena_strndup(a, s, (size_t)(eq - s))) <= 2) s = eq + 1;
    }
    s = fix_sqrt(a, s);
    s = etsim_py_replace(a, s, " ", "");
    s = etsim_norm_fix_fracs(a, s, false);
    return fix_a_slash_b(a, s);
}

static const char *rfind(const char *s, const char *sub) {
    const char *last = NULL;
    for (const char *p = etsim_strfind(s, sub); p; p = etsim_strfind(p + 1, sub)) last = p;
    return last;
}

/* the last number, pattern -?\d*\.?\d+ over the text with commas removed */
static const char *last_number(etsim_arena *a, const char *s) {
    const char *best = NULL;
    size_t bl = 0, n = strlen(s), i = 0, l;
    while (i < n) {
        size_t st = i, j = i;
        if (s[j] == '-') j++;
        size_t d1 = j;
        while (j < n && etsim_py_isdecimal_cp(etsim_utf8_decode(s + j, &l))) j += l;
        size_t e = 0;
        if (s[j] == '.' && j + 1 < n && etsim_py_isdecimal_cp(etsim_utf8_decode(s + j + 1, &l))) {
            size_t k = j + 1;
            while (k < n && etsim_py_isdecimal_cp(etsim_utf8_decode(s + k, &l))) k += l;
            e = k;
        } else if (j > d1) {
            e = j;
        }
        if (e) {
            best = s + st;
            bl = e - st;
            i = e;
        } else {
            i += etsim_utf8_len(s + i);
        }
    }
    return best ? etsim_arena_strndup(a, best, bl) : "";
}

const char *etsim_sal_extract_answer(etsim_arena *a, const char *pred) {
    pred = etsim_py_replace(a, pred, "\xd0\xba\xd0\xb8", "");
    const char *ans;
    const char *fa = etsim_strfind(pred, "final answer is $");
    if (fa && etsim_strfind(pred, "$. I hope")) {
        const char *t = fa + strlen("final answer is $");
        const char *h = etsim_strfind(t, "$. I hope");
        ans = etsim_py_strip(a, h ? etsim_arena_strndup(a, t, (size_t)(h - t)) : t);
    } else if (etsim_strfind(pred, "boxed")) {
        const char *t = rfind(pred, "boxed") + 5;
        if (!*t) {
            ans = "";
        } else if (*t == '{') {
            int stack = 1;
            const char *q = t + 1;
            while (*q) {
                if (*q == '{') stack++;
                else if (*q == '}' && --stack == 0) break;
                q++;
            }
            ans = etsim_arena_strndup(a, t + 1, (size_t)(q - t - 1));
        } else {
            const char *d = strchr(t, '$');
            ans = etsim_py_strip(a, d ? etsim_arena_strndup(a, t, (size_t)(d - t)) : t);
        }
    } else if (etsim_strfind(pred, "he answer is")) {
        ans = etsim_py_strip(a, rfind(pred, "he answer is") + 12);
    } else if (etsim_strfind(pred, "final answer is")) {
        ans = etsim_py_strip(a, rfind(pred, "final answer is") + 15);
    } else if (etsim_strfind(pred, "\xe7\xad\x94\xe6\xa1\x88\xe6\x98\xaf")) { /* 答案是 */
        const char *t = etsim_py_strip(a, etsim_strfind(pred, "\xe7\xad\x94\xe6\xa1\x88\xe6\x98\xaf") + 9);
        const char *pp = etsim_strfind(t, "\n\n");
        ans = etsim_py_strip(a, pp ? etsim_arena_strndup(a, t, (size_t)(pp - t)) : t);
    } else {
        ans = last_number(a, etsim_py_replace(a, pred, ",", ""));
    }
    { /* re.sub(r"\n\s*", "", ans) */
        etsim_sb b;
        etsim_sb_init(&b, a, strlen(ans) + 1);
        for (const char *p = ans; *p;) {
            if (*p == '\n') {
                p++;
                size_t l;
                while (*p && etsim_py_isspace_at(p, &l)) p += l;
                continue;
            }
            etsim_sb_putc(&b, *p++);
        }
        ans = etsim_sb_str(&b);
    }
    if (*ans == ':') ans++;
    size_t n = strlen(ans);
    if (n && ans[n - 1] == '.') ans = etsim_arena_strndup(a, ans, --n);
    if (n && ans[n - 1] == '/') ans = etsim_arena_strndup(a, ans, --n);
    return etsim_sal_strip_string(a, ans);
}
