/* extract.c -- answer extraction profiles (see extract.h). The two regular
 * expressions of the reference are matched by hand: both are anchored on a
 * literal prefix, so a scan for the prefix plus a small matcher is exact. */
#include "sim/eval/extract.h"

#include <string.h>

#include "sim/eval/normalize.h"
#include "sim/eval/sal_parse.h"

int etsim_extract_profile_parse(const char *s) {
    static const char *const names[] = {"shepherd", "gsm8k", "boxed", "sal"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, names[i])) return i;
    return -1;
}
const char *etsim_extract_profile_name(etsim_extract_profile p) {
    static const char *const names[] = {"shepherd", "gsm8k", "boxed", "sal"};
    return (unsigned)p < 4 ? names[p] : "?";
}

static const char *drop_commas(etsim_arena *a, const char *s, etsim_grader_mode mode) {
    if (mode == ETSIM_GRADER_CLEAN) return etsim_norm_strip_thousands(a, s);
    return etsim_py_replace(a, s, ",", "");
}

#define KI " \xd0\xba\xd0\xb8" /* " ки", the Math-Shepherd step tag */

static const char *extract_shepherd(etsim_arena *a, const char *text, etsim_grader_mode mode) {
    static const char pfx[] = "The answer is:";
    for (const char *p = etsim_strfind(text, pfx); p; p = etsim_strfind(p + 1, pfx)) {
        const char *body = p + sizeof pfx - 1;
        const char *eol = strchr(body, '\n');
        if (!eol) eol = body + strlen(body);
        /* greedy (.+): the last " ки" on the line with at least one char before it */
        const char *best = NULL;
        for (const char *k = etsim_strfind(body, KI); k && k < eol; k = etsim_strfind(k + 1, KI))
            if (k > body && k + strlen(KI) <= eol) best = k;
        if (best) {
            const char *m = etsim_arena_strndup(a, body, (size_t)(best - body));
            return drop_commas(a, etsim_py_strip(a, m), mode);
        }
    }
    return ETSIM_INVALID_ANSWER;
}

static const char *extract_gsm8k(etsim_arena *a, const char *text, etsim_grader_mode mode) {
    static const char pfx[] = "The answer is: ";
    for (const char *p = etsim_strfind(text, pfx); p; p = etsim_strfind(p + 1, pfx)) {
        const char *q = p + sizeof pfx - 1, *st = q;
        if (*q == '-') q++;
        const char *d = q;
        while ((*q >= '0' && *q <= '9') || *q == '.' || *q == ',') q++;
        if (q > d) return drop_commas(a, etsim_py_strip(a, etsim_arena_strndup(a, st, (size_t)(q - st))), mode);
    }
    return ETSIM_INVALID_ANSWER;
}

static const char *rfind(const char *s, const char *sub) {
    const char *last = NULL;
    for (const char *p = etsim_strfind(s, sub); p; p = etsim_strfind(p + 1, sub)) last = p;
    return last;
}

const char *etsim_extract_last_boxed(etsim_arena *a, const char *text) {
    const char *idx = rfind(text, "\\boxed");
    size_t kw = 6;
    if (!idx) {
        idx = rfind(text, "\\fbox");
        kw = 5;
    }
    if (!idx) return NULL;
    if (kw == 6 && idx[6] == ' ') { /* "\boxed 5$": up to the next '$' */
        const char *st = idx + 7, *end = strchr(st, '$');
        return etsim_arena_strndup(a, st, end ? (size_t)(end - st) : strlen(st));
    }
    int depth = 0;
    const char *open = NULL;
    for (const char *p = idx; *p; p++) {
        if (*p == '{') {
            if (depth++ == 0) open = p;
        } else if (*p == '}') {
            if (depth == 0) continue;
            if (--depth == 0) return etsim_arena_strndup(a, open + 1, (size_t)(p - open - 1));
        }
    }
    return NULL; /* no braces, or unbalanced */
}

const char *etsim_extract_answer(etsim_arena *a, const char *text, etsim_extract_profile p,
                                 etsim_grader_mode mode) {
    if (!text) return ETSIM_INVALID_ANSWER;
    switch (p) {
    case ETSIM_EXTRACT_SHEPHERD: return extract_shepherd(a, text, mode);
    case ETSIM_EXTRACT_GSM8K: return extract_gsm8k(a, text, mode);
    case ETSIM_EXTRACT_BOXED: {
        const char *b = etsim_extract_last_boxed(a, text);
        return b ? b : ETSIM_INVALID_ANSWER;
    }
    case ETSIM_EXTRACT_SAL: return etsim_sal_extract_answer(a, text);
    }
    return ETSIM_INVALID_ANSWER;
}
