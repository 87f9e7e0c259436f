/* grader.c -- PRM800K grade_answer() with sympy off (see grader.h).
 * The normalisations are in normalize.c; this file holds the final
 * comparison (split_tuple, _is_frac and the element loop). */
#include "sim/eval/grader.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sim/eval/normalize.h"
#include "sim/core/util.h"

int etsim_grader_mode_parse(const char *s) {
    if (!strcmp(s, "reference")) return ETSIM_GRADER_REFERENCE;
    if (!strcmp(s, "clean")) return ETSIM_GRADER_CLEAN;
    return -1;
}
const char *etsim_grader_mode_name(etsim_grader_mode m) { return m == ETSIM_GRADER_CLEAN ? "clean" : "reference"; }

/* _is_frac: re.search(r"^-?[0-9]+.?/0*[1-9][0-9]*.?$") -- '.' is any char
 * but newline, '$' also matches before a final newline. Backtracking over
 * the optional '.'s is spelled out. */
static bool is_frac_tail(const char *p) {
    /* 0*[1-9][0-9]*.?$ */
    while (*p == '0') p++;
    if (!(*p >= '1' && *p <= '9')) {
        /* zeros consumed greedily; backtrack: the last zero cannot be [1-9] */
        return false;
    }
    p++;
    while (*p >= '0' && *p <= '9') p++;
    if (!*p || (p[0] == '\n' && !p[1])) return true;
    if (*p != '\n') {
        size_t l = etsim_utf8_len(p);
        p += l;
        if (!*p || (p[0] == '\n' && !p[1])) return true;
    }
    return false;
}
static bool is_frac(const char *s) {
    const char *p = s;
    if (*p == '-') p++;
    if (!(*p >= '0' && *p <= '9')) return false;
    while (*p >= '0' && *p <= '9') p++;
    /* after the digits: either '/' directly, or one non-newline char then '/'.
     * (a digit as the '.' char is covered by the greedy run giving one back:
     * "12/3" reads [0-9]+ = "1", . = "2" too, same outcome) */
    if (*p == '/' && is_frac_tail(p + 1)) return true;
    if (*p && *p != '\n') {
        size_t l = etsim_utf8_len(p);
        if (p[l] == '/' && is_frac_tail(p + l + 1)) return true;
    }
    return false;
}

typedef struct elems {
    const char **v;
    int n;
} elems;

static bool is_tuple_char(char c) { return c == '(' || c == ')' || c == '[' || c == ']'; }

static elems split_tuple(etsim_arena *a, const char *expr) {
    elems e = {0};
    expr = etsim_norm_strip_thousands(a, expr);
    size_t n = strlen(expr);
    if (n == 0) return e;
    bool inner_clean = true;
    for (size_t i = 1; i + 1 < n; i++)
        if (is_tuple_char(expr[i])) inner_clean = false;
    if (etsim_utf8_count(expr) > 2 && is_tuple_char(expr[0]) && is_tuple_char(expr[n - 1]) && inner_clean) {
        int cnt = (int)etsim_py_count(expr, ",") + 1;
        e.v = etsim_arena_alloc(a, sizeof(char *) * (size_t)cnt);
        const char *p = expr + 1, *end = expr + n - 1;
        while (e.n < cnt) {
            const char *c = memchr(p, ',', (size_t)(end - p));
            if (!c) c = end;
            e.v[e.n++] = etsim_py_strip(a, etsim_arena_strndup(a, p, (size_t)(c - p)));
            p = c + 1;
        }
    } else {
        e.v = etsim_arena_alloc(a, sizeof(char *));
        e.v[0] = expr;
        e.n = 1;
    }
    return e;
}

void etsim_grade_prepare(etsim_arena *a, const char *answer, etsim_prepared *out) {
    out->raw = answer;
    out->mathd = answer ? etsim_norm_mathd(a, answer) : NULL;
    out->prm = answer ? etsim_norm_prm(a, answer) : NULL;
}

static size_t last_char_off(const char *s) { return etsim_utf8_last(s, strlen(s)); }

bool etsim_grade_prepared(etsim_arena *a, const etsim_prepared *given, const etsim_prepared *gt,
                          etsim_grader_mode mode) {
    if (!given->raw || !gt->raw) return false;
    if (!strcmp(gt->mathd, given->mathd)) return true; /* at least as lenient as mathd */
    const char *gtn = gt->prm, *gn = given->prm;
    if (!strcmp(gtn, gn)) return true;
    if (!*gn) return false;
    elems ge = split_tuple(a, gtn), ae = split_tuple(a, gn);
    if (ge.n > 1) {
        /* first and last characters (code points) must match: same brackets */
        size_t l1 = etsim_utf8_len(gtn), l2 = etsim_utf8_len(gn);
        size_t z1 = last_char_off(gtn), z2 = last_char_off(gn);
        if (l1 != l2 || memcmp(gtn, gn, l1) || strcmp(gtn + z1, gn + z2)) return false;
    }
    if (ge.n != ae.n) return false;
    bool ok = false;
    for (int i = 0; i < ge.n; i++) {
        const char *x = ge.v[i], *y = ae.v[i];
        if (is_frac(x) && is_frac(y)) ok = !strcmp(x, y); /* unreduced != reduced */
        else if (etsim_norm_str_is_int(a, x) != etsim_norm_str_is_int(a, y)) ok = false;
        else ok = mode == ETSIM_GRADER_CLEAN && !strcmp(x, y); /* sympy off */
        if (!ok) break;
    }
    return ok;
}

/* Each thread grades in its own arena, found through a pthread key whose
 * destructor frees it when the thread exits: no driver has to know that
 * the grader keeps per-thread scratch. */
static pthread_key_t arena_key;
static pthread_once_t arena_key_once = PTHREAD_ONCE_INIT;

static void arena_destroy(void *p) {
    etsim_arena_free(p);
    free(p);
}

static void arena_key_create(void) { pthread_key_create(&arena_key, arena_destroy); }

static etsim_arena *thread_arena(void) {
    pthread_once(&arena_key_once, arena_key_create);
    etsim_arena *a = pthread_getspecific(arena_key);
    if (!a) {
        a = etsim_calloc(1, sizeof *a);
        etsim_arena_init(a);
        pthread_setspecific(arena_key, a);
    }
    return a;
}

bool etsim_grade(const char *given, const char *gt, etsim_grader_mode mode) {
    etsim_arena *arena = thread_arena();
    etsim_prepared g, t;
    etsim_grade_prepare(arena, given, &g);
    etsim_grade_prepare(arena, gt, &t);
    bool r = etsim_grade_prepared(arena, &g, &t, mode);
    etsim_arena_reset(arena);
    return r;
}

void etsim_grade_thread_cleanup(void) {
    pthread_once(&arena_key_once, arena_key_create);
    etsim_arena *a = pthread_getspecific(arena_key);
    if (!a) return;
    pthread_setspecific(arena_key, NULL);
    arena_destroy(a);
}
