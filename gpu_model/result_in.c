/* result_in.c -- result file -> cost traces (see result_in.h).
 *
 * A small scanner reads only what the cost model needs and steps over the
 * rest with skip_value(), which crosses any JSON value by counting
 * brackets outside strings (no recursion, so no stack to exhaust). The
 * fields read are parsed strictly; the fields skipped are not validated
 * (they do not matter here). From a problem the cost model needs
 * nodes.parent and nodes.tokens (generation order, root first) and, per
 * decision, the number of candidates, their step tokens and whether the
 * selector logged clusters (then it ran the embedder). */
#include "gpu_model/result_in.h"

#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    return p;
}

/* Past the string starting at p ('"'), or NULL if unterminated. */
static const char *skip_string(const char *p, const char *end) {
    for (p++; p < end; p++) {
        if (*p == '\\') p++;
        else if (*p == '"') return p + 1;
    }
    return NULL;
}

/* Past the value starting at p, or NULL. Brackets are only counted: a
 * value skipped this way is one whose content is never used. */
static const char *skip_value(const char *p, const char *end) {
    int64_t depth = 0;
    while (p < end) {
        char c = *p;
        if (c == '"') {
            p = skip_string(p, end);
            if (!p) return NULL;
            if (!depth) return p;
            continue;
        }
        if (c == '{' || c == '[') depth++;
        else if (c == '}' || c == ']') {
            if (!depth) return p; /* closes the container around a scalar */
            if (--depth == 0) return p + 1;
        } else if (!depth && (c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t'))
            return p;
        p++;
    }
    return depth ? NULL : p;
}

/* ---- a minimal scanner for the fields the cost model reads ------------ */

typedef struct scan {
    const char *text, *p, *end;
    const char *name;        /* file name for errors */
    int32_t problem;
    etsim_err *err;
} scan;

static int fail(scan *s, const char *what) {
    if (s->problem >= 0)
        return etsim_errf(s->err, "%s: problem %d: %s (byte %ld)", s->name, s->problem, what,
                          (long)(s->p - s->text));
    return etsim_errf(s->err, "%s: %s (byte %ld)", s->name, what, (long)(s->p - s->text));
}

static int expect(scan *s, char c) {
    s->p = ws(s->p, s->end);
    if (s->p >= s->end || *s->p != c) return -1;
    s->p++;
    return 0;
}

/* An integer in [-1, 2^31); no fraction or exponent (the writer never
 * produces them). */
static int parse_int(scan *s, int32_t *out) {
    const char *p = ws(s->p, s->end);
    int neg = 0;
    int64_t v = 0;
    if (p < s->end && *p == '-') neg = 1, p++;
    const char *digits = p;
    while (p < s->end && *p >= '0' && *p <= '9' && p - digits < 11) v = v * 10 + (*p++ - '0');
    if (p == digits || (p < s->end && ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' ||
                                      *p == 'E')))
        return -1;
    v = neg ? -v : v;
    if (v < -1 || v > INT32_MAX) return -1;
    *out = (int32_t)v;
    s->p = p;
    return 0;
}

/* [int, ...] into a growable array. */
static int parse_int_array(scan *s, int32_t **v, int64_t *cap, int32_t *n) {
    *n = 0;
    if (expect(s, '[') < 0) return -1;
    s->p = ws(s->p, s->end);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return 0;
    }
    for (;;) {
        int32_t x;
        if (*n == INT32_MAX || parse_int(s, &x) < 0) return -1;
        etsim_grow((void **)v, cap, (int64_t)*n + 1, sizeof **v);
        (*v)[(*n)++] = x;
        s->p = ws(s->p, s->end);
        if (s->p >= s->end) return -1;
        if (*s->p == ']') {
            s->p++;
            return 0;
        }
        if (*s->p++ != ',') return -1;
    }
}

/* Iterate an object's keys: sets key and klen and stops at the value.
 * Returns 1 for a key, 0 at the closing brace, -1 on a syntax error. */
static int next_key(scan *s, int *first, const char **key, size_t *klen) {
    s->p = ws(s->p, s->end);
    if (s->p >= s->end) return -1;
    if (*s->p == '}') {
        s->p++;
        return 0;
    }
    if (!*first) {
        if (*s->p != ',') return -1;
        s->p = ws(s->p + 1, s->end);
    }
    *first = 0;
    if (s->p >= s->end || *s->p != '"') return -1;
    const char *e = skip_string(s->p, s->end);
    if (!e) return -1;
    *key = s->p + 1;
    *klen = (size_t)(e - 1 - *key);
    s->p = e;
    return expect(s, ':') < 0 ? -1 : 1;
}

static int key_is(const char *k, size_t n, const char *want) {
    return n == strlen(want) && !memcmp(k, want, n);
}

static int skip(scan *s) {
    const char *e = skip_value(ws(s->p, s->end), s->end);
    if (!e || e == ws(s->p, s->end)) return -1;
    s->p = e;
    return 0;
}

typedef struct problem_buf {
    int32_t *parent, *tokens, *cand, *cand_n;
    int64_t cap_parent, cap_tokens, cap_cand, cap_dec, cap_dec_tok, cap_dec_emb;
    int64_t *cand_tok;
    uint8_t *embed;
    int32_t n_parent, n_tokens, n_dec;
} problem_buf;

static int parse_decisions(scan *s, problem_buf *b) {
    b->n_dec = 0;
    if (expect(s, '[') < 0) return fail(s, "'decisions' is not an array");
    s->p = ws(s->p, s->end);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return 0;
    }
    for (;;) {
        if (expect(s, '{') < 0) return fail(s, "a decision is not an object");
        int first = 1, rc, have_cand = 0;
        const char *k;
        size_t kl;
        int32_t d = b->n_dec, nc = 0;
        etsim_grow((void **)&b->cand_n, &b->cap_dec, (int64_t)d + 1, sizeof *b->cand_n);
        etsim_grow((void **)&b->cand_tok, &b->cap_dec_tok, (int64_t)d + 1, sizeof *b->cand_tok);
        etsim_grow((void **)&b->embed, &b->cap_dec_emb, (int64_t)d + 1, 1);
        b->embed[d] = 0;
        while ((rc = next_key(s, &first, &k, &kl)) > 0) {
            if (key_is(k, kl, "candidates")) {
                if (parse_int_array(s, &b->cand, &b->cap_cand, &nc) < 0)
                    return fail(s, "bad decision 'candidates'");
                have_cand = 1;
            } else {
                if (key_is(k, kl, "clusters")) b->embed[d] = 1;
                if (skip(s) < 0) return fail(s, "malformed decision");
            }
        }
        if (rc < 0 || !have_cand) return fail(s, "malformed decision (no 'candidates')");
        int64_t sum = 0;
        for (int32_t i = 0; i < nc; i++) {
            if (b->cand[i] < 0 || b->cand[i] >= b->n_tokens)
                return fail(s, "decision candidate out of range");
            sum += b->tokens[b->cand[i]];
        }
        b->cand_n[d] = nc;
        b->cand_tok[d] = sum;
        b->n_dec++;
        s->p = ws(s->p, s->end);
        if (s->p >= s->end) return fail(s, "truncated decisions");
        if (*s->p == ']') {
            s->p++;
            return 0;
        }
        if (*s->p++ != ',') return fail(s, "expected ',' between decisions");
    }
}

/* One problem object; "nodes" must precede "decisions" (the writer's order)
 * so candidates can be checked against the node count at once. */
static int one_problem(scan *s, problem_buf *b, etsim_cost_traces *set) {
    int first = 1, rc, have_idx = 0, have_nodes = 0, have_dec = 0;
    const char *k;
    size_t kl;
    int32_t index = -1;
    if (expect(s, '{') < 0) return fail(s, "a problem is not an object");
    while ((rc = next_key(s, &first, &k, &kl)) > 0) {
        if (key_is(k, kl, "index")) {
            if (parse_int(s, &index) < 0 || index < 0) return fail(s, "bad 'index'");
            s->problem = index;
            have_idx = 1;
        } else if (key_is(k, kl, "nodes")) {
            int f2 = 1, r2;
            if (expect(s, '{') < 0) return fail(s, "'nodes' is not an object");
            while ((r2 = next_key(s, &f2, &k, &kl)) > 0) {
                if (key_is(k, kl, "parent")) {
                    if (parse_int_array(s, &b->parent, &b->cap_parent, &b->n_parent) < 0)
                        return fail(s, "bad nodes.parent");
                } else if (key_is(k, kl, "tokens")) {
                    if (parse_int_array(s, &b->tokens, &b->cap_tokens, &b->n_tokens) < 0)
                        return fail(s, "bad nodes.tokens");
                    have_nodes = 1;
                } else if (skip(s) < 0) {
                    return fail(s, "malformed 'nodes'");
                }
            }
            if (r2 < 0) return fail(s, "malformed 'nodes'");
        } else if (key_is(k, kl, "decisions")) {
            if (!have_nodes) return fail(s, "'decisions' before 'nodes'");
            if (parse_decisions(s, b) < 0) return -1;
            have_dec = 1;
        } else if (skip(s) < 0) {
            return fail(s, "malformed problem");
        }
    }
    if (rc < 0) return fail(s, "malformed problem");
    if (!have_idx || !have_nodes || !have_dec)
        return fail(s, "missing 'index', 'nodes' or 'decisions'");
    if (b->n_parent != b->n_tokens)
        return fail(s, "nodes.parent and nodes.tokens differ in length");
    etsim_grow((void **)&set->v, &set->cap, (int64_t)set->n + 1, sizeof *set->v);
    if (etsim_cost_trace_build(&set->v[set->n], index, b->n_parent, b->parent, b->tokens,
                               b->n_dec, b->cand_n, b->cand_tok, b->embed, s->err) < 0)
        return etsim_err_prefix(s->err, "%s", s->name);
    set->n++;
    return 0;
}

int etsim_cost_traces_parse_result(const char *text, size_t len, const char *name,
                                   etsim_cost_traces *set, etsim_err *err) {
    const char *p = ws(text, text + len), *end = text + len;
    int seen_version = 0, seen_problems = 0;
    if (p >= end || *p != '{') return etsim_errf(err, "%s: not a JSON object", name);
    p = ws(p + 1, end);
    while (p < end && *p != '}') {
        if (*p != '"') return etsim_errf(err, "%s: expected a key at byte %ld", name, (long)(p - text));
        const char *ks = p + 1, *ke = skip_string(p, end);
        if (!ke) return etsim_errf(err, "%s: unterminated key", name);
        size_t klen = (size_t)(ke - 1 - ks);
        p = ws(ke, end);
        if (p >= end || *p != ':') return etsim_errf(err, "%s: expected ':' at byte %ld", name, (long)(p - text));
        p = ws(p + 1, end);
        if (klen == 12 && !memcmp(ks, "etsim_result", 12)) {
            const char *ve = skip_value(p, end);
            if (!ve || ve - p != 1 || *p != '1')
                return etsim_errf(err, "%s: unsupported etsim_result version (want 1)", name);
            seen_version = 1;
            p = ve;
        } else if (klen == 8 && !memcmp(ks, "problems", 8)) {
            if (*p != '[') return etsim_errf(err, "%s: 'problems' is not an array", name);
            seen_problems = 1;
            p = ws(p + 1, end);
            problem_buf b;
            memset(&b, 0, sizeof b);
            int rc = 0;
            for (int32_t k = 0; p < end && *p != ']'; k++) {
                scan sc = {text, p, end, name, -1, err};
                if (one_problem(&sc, &b, set) < 0) {
                    if (sc.problem < 0) etsim_err_prefix(err, "problems[%d]", k);
                    rc = -1;
                    break;
                }
                p = ws(sc.p, end);
                if (p < end && *p == ',') p = ws(p + 1, end);
                else if (p >= end || *p != ']') {
                    rc = etsim_errf(err, "%s: problems[%d]: expected ',' or ']'", name, k);
                    break;
                }
            }
            free(b.parent);
            free(b.tokens);
            free(b.cand);
            free(b.cand_n);
            free(b.cand_tok);
            free(b.embed);
            if (rc < 0) return -1;
            if (p >= end) return etsim_errf(err, "%s: 'problems' is truncated", name);
            p++;
        } else {
            const char *ve = skip_value(p, end);
            if (!ve || ve == p) return etsim_errf(err, "%s: malformed value at byte %ld", name, (long)(p - text));
            p = ve;
        }
        p = ws(p, end);
        if (p < end && *p == ',') p = ws(p + 1, end);
        else if (p >= end || *p != '}') return etsim_errf(err, "%s: truncated or malformed", name);
    }
    if (p >= end) return etsim_errf(err, "%s: truncated (no closing brace)", name);
    if (!seen_version) return etsim_errf(err, "%s: not an etsim result (no \"etsim_result\")", name);
    if (!seen_problems) return etsim_errf(err, "%s: no \"problems\" array", name);
    return 0;
}

int etsim_cost_traces_read_result(const char *path, etsim_cost_traces *set, etsim_err *err) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return etsim_errf(err, "%s: cannot open", path);
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
        close(fd);
        return etsim_errf(err, "%s: not a regular, non-empty file", path);
    }
    size_t len = (size_t)st.st_size;
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return etsim_errf(err, "%s: cannot map the file", path);
    int rc = etsim_cost_traces_parse_result(map, len, path, set, err);
    munmap(map, len);
    return rc;
}
