/* sal_parse.c -- search-and-learn's Qwen-math answer extraction and
 * strip_string (see sal_parse.h). The regular expressions of the Python are
 * matched by hand, keeping their exact semantics: Python's \w / \W / \d are
 * Unicode-aware, re.sub never re-uses the characters a match consumed, and
 * the unit names are regex patterns (their '.' matches any character). */
#include "sim/eval/sal_parse.h"

#include <string.h>

#include "sim/eval/normalize.h"

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
