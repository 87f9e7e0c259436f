/* result_read.c -- the one streaming reader of replay results (and ETS
 * answers.json), with a field mask (see result_read.h).
 *
 * How it works: a byte cursor over a 1 MiB read buffer (or the caller's
 * memory) walks the document structure (objects, arrays, strings) itself.
 * Integer arrays (nodes.parent, nodes.tokens, decision candidates) are
 * parsed by the cursor into growable arrays reused from problem to
 * problem; another value the mask wants is captured -- its bytes copied
 * into a scratch buffer while the cursor passes over them -- and parsed
 * with cJSON; a value the mask does not want is only scanned. Strings and
 * small arrays of one problem go into an arena reset for the next one.
 *
 * Why one file of ~900 lines: the byte cursor, the scanner and the field
 * readers share the cursor's state; split, the cursor would become an API
 * of its own with one user. */
#include "sim/engine/result_read.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/arena.h"
#include "sim/core/json.h"

#define RR_BUF ((size_t)1 << 20)

enum { ST_HEADER = 0, ST_FIRST, ST_MORE, ST_DONE };

struct etsim_rr_impl {
    FILE *fp;
    int own_fp;
    int in_memory;        /* buf is the caller's text: nothing to refill */
    char *buf;
    size_t pos, len;
    int eof, ioerr;
    long line;
    etsim_sbuf *cap;      /* capture target while a value is captured */
    size_t cap_from;
    int flags;
    int state;
    etsim_sbuf val, key;
    char *stack;          /* open brackets while scanning a value */
    int64_t cap_stack;
    etsim_arena arena;
    etsim_rr_problem cur;
    /* integer arrays of the current problem, reused (cur points here) */
    int32_t *parent, *tokens, *cand;
    int64_t *cand_off;
    uint8_t *clustered;
    int64_t cap_parent, cap_tokens, cap_cand, cap_dec, cap_dec_off;
};

/* ---- byte cursor ----------------------------------------------------------- */
static int refill(etsim_rr_impl *m) {
    if (m->eof) return 0;
    if (m->in_memory) {
        m->eof = 1;
        return 0;
    }
    if (m->cap && m->pos > m->cap_from) etsim_sbuf_put(m->cap, m->buf + m->cap_from, m->pos - m->cap_from);
    m->cap_from = 0;
    m->pos = 0;
    m->len = fread(m->buf, 1, RR_BUF, m->fp);
    if (m->len == 0) {
        m->eof = 1;
        m->ioerr = ferror(m->fp);
        return 0;
    }
    return 1;
}
static inline int peekc(etsim_rr_impl *m) {
    if (m->pos >= m->len && !refill(m)) return -1;
    return (unsigned char)m->buf[m->pos];
}
static inline int nextc(etsim_rr_impl *m) {
    int c = peekc(m);
    if (c >= 0) {
        m->pos++;
        if (c == '\n') m->line++;
    }
    return c;
}
static void skip_ws(etsim_rr_impl *m) {
    for (int c = peekc(m); c == ' ' || c == '\t' || c == '\n' || c == '\r'; c = peekc(m)) nextc(m);
}

static int malformed(const etsim_result_reader *r, etsim_err *err, const char *what) {
    const etsim_rr_impl *m = r->impl;
    if (m->ioerr) return etsim_errf(err, "%s: read error", r->path);
    return etsim_errf(err, "%s:%ld: malformed JSON (%s)", r->path, m->line, what);
}

/* after the opening quote */
static int scan_string(etsim_result_reader *r, etsim_sbuf *raw, etsim_err *err) {
    etsim_rr_impl *m = r->impl;
    for (;;) {
        /* fast path: run to the next quote, backslash or control byte in the buffer */
        size_t i = m->pos;
        while (i < m->len) {
            unsigned char ch = (unsigned char)m->buf[i];
            if (ch == '"' || ch == '\\' || ch < 0x20) break;
            i++;
        }
        if (raw) etsim_sbuf_put(raw, m->buf + m->pos, i - m->pos);
        m->pos = i;
        /* the buffer ended inside the string: refill and scan on (the next
         * byte may be any string byte, not only a quote or a backslash) */
        if (i == m->len && peekc(m) >= 0) continue;
        int c = nextc(m);
        if (c < 0) return malformed(r, err, "unterminated string");
        if (c == '"') return 0;
        if (c < 0x20) return malformed(r, err, "control character in a string");
        int e = nextc(m); /* backslash: keep the escape as it is */
        if (e < 0) return malformed(r, err, "unterminated string");
        if (raw) {
            etsim_sbuf_putc(raw, '\\');
            etsim_sbuf_putc(raw, (char)e);
        }
    }
}

static int push(etsim_rr_impl *m, int64_t depth, char c) {
    etsim_grow((void **)&m->stack, &m->cap_stack, depth + 1, 1);
    m->stack[depth] = c;
    return 0;
}

/* Scan one value (cursor at its first byte): brackets must balance and
 * strings end; scalars are runs of [A-Za-z0-9+-.] (checked by cJSON when
 * captured). */
static int scan_value_raw(etsim_result_reader *r, etsim_err *err) {
    etsim_rr_impl *m = r->impl;
    int c = nextc(m);
    if (c == '"') return scan_string(r, NULL, err);
    if (c == '{' || c == '[') {
        int64_t depth = 0;
        push(m, depth++, (char)c);
        while (depth) {
            /* fast path over bytes that cannot change the structure */
            while (m->pos < m->len) {
                unsigned char ch = (unsigned char)m->buf[m->pos];
                if (ch == '"' || ch == '{' || ch == '[' || ch == '}' || ch == ']' || ch == '\n') break;
                m->pos++;
            }
            c = nextc(m);
            if (c < 0) return malformed(r, err, "unexpected end of file");
            if (c == '"') {
                if (scan_string(r, NULL, err)) return -1;
            } else if (c == '{' || c == '[') {
                push(m, depth++, (char)c);
            } else if (c == '}' || c == ']') {
                if (m->stack[depth - 1] != (c == '}' ? '{' : '[')) return malformed(r, err, "mismatched bracket");
                depth--;
            }
        }
        return 0;
    }
    if (c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) {
        for (c = peekc(m); (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           c == '+' || c == '-' || c == '.';
             c = peekc(m))
            nextc(m);
        return 0;
    }
    return malformed(r, err, c < 0 ? "unexpected end of file" : "expected a value");
}

/* Scan a value, copying its bytes into `cap` when not NULL. */
static int scan_value(etsim_result_reader *r, etsim_sbuf *cap, etsim_err *err) {
    etsim_rr_impl *m = r->impl;
    skip_ws(m);
    if (cap) {
        cap->len = 0;
        m->cap = cap;
        m->cap_from = m->pos;
    }
    int rc = scan_value_raw(r, err);
    if (cap) {
        if (m->pos > m->cap_from) etsim_sbuf_put(cap, m->buf + m->cap_from, m->pos - m->cap_from);
        m->cap = NULL;
        if (!cap->data) etsim_sbuf_put(cap, "", 0);
    }
    return rc;
}

/* Inside an object: 1 with the raw key in m->key and the cursor after ':',
 * 0 after the closing '}', -1 on error. */
static int obj_next(etsim_result_reader *r, int *first, etsim_err *err) {
    etsim_rr_impl *m = r->impl;
    skip_ws(m);
    int c = peekc(m);
    if (c == '}') {
        nextc(m);
        return 0;
    }
    if (!*first) {
        if (c != ',') return malformed(r, err, c < 0 ? "unexpected end of file" : "expected ',' or '}'");
        nextc(m);
        skip_ws(m);
        c = peekc(m);
    }
    *first = 0;
    if (c != '"') return malformed(r, err, "expected a key");
    nextc(m);
    m->key.len = 0;
    if (scan_string(r, &m->key, err)) return -1;
    if (!m->key.data) etsim_sbuf_put(&m->key, "", 0);
    skip_ws(m);
    if (nextc(m) != ':') return malformed(r, err, "expected ':'");
    return 1;
}

/* Inside an array: 1 with the cursor at the next element, 0 after ']'. */
static int arr_next(etsim_result_reader *r, int *first, etsim_err *err) {
    etsim_rr_impl *m = r->impl;
    skip_ws(m);
    int c = peekc(m);
    if (c == ']') {
        nextc(m);
        return 0;
    }
    if (!*first) {
        if (c != ',') return malformed(r, err, c < 0 ? "unexpected end of file" : "expected ',' or ']'");
        nextc(m);
        skip_ws(m);
    }
    *first = 0;
    if (peekc(m) < 0) return malformed(r, err, "unexpected end of file");
    return 1;
}

static int key_is(const etsim_rr_impl *m, const char *k) { return !strcmp(m->key.data, k); }

/* Parse the captured value with cJSON; a \u0000 inside a string is kept
 * (as C0 80, see jsonl.h) instead of ending the string there. */
static cJSON *parse_val(etsim_result_reader *r, etsim_err *err) {
    etsim_rr_impl *m = r->impl;
    size_t n = etsim_json_decode_nul_escapes(m->val.data, (size_t)m->val.len);
    cJSON *v = cJSON_ParseWithLength(m->val.data, n);
    if (!v) malformed(r, err, "bad value");
    return v;
}

/* ---- problem fields ------------------------------------------------------------ */
typedef struct pctx {
    etsim_result_reader *r;
    const char *field; /* field being read, for messages */
} pctx;

static int pfail(pctx *p, etsim_err *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int pfail(pctx *p, etsim_err *err, const char *fmt, ...) {
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    const etsim_rr_problem *cur = &p->r->impl->cur;
    return etsim_errf(err, "%s:%ld: problem %d: field \"%s\" %s", p->r->path, cur->line, cur->pos, p->field, what);
}

static const char *arena_copy(etsim_rr_impl *m, const char *s) { return s ? etsim_arena_strdup(&m->arena, s) : NULL; }

static int get_int(pctx *p, const cJSON *v, int64_t lo, int64_t hi, int64_t *out, etsim_err *err) {
    if (!cJSON_IsNumber(v)) return pfail(p, err, "is not a number");
    double d = v->valuedouble;
    if (!(d == floor(d)) || d < (double)lo || d > (double)hi)
        return pfail(p, err, "is not an integer in %lld..%lld", (long long)lo, (long long)hi);
    *out = (int64_t)d;
    return 0;
}

/* a string or null (-> NULL) */
static int get_str(pctx *p, const cJSON *v, const char **out, etsim_err *err) {
    if (cJSON_IsNull(v)) {
        *out = NULL;
        return 0;
    }
    if (!cJSON_IsString(v)) return pfail(p, err, "is not a string or null");
    *out = arena_copy(p->r->impl, v->valuestring);
    return 0;
}

static int read_counters(pctx *p, const cJSON *o, etsim_counters *c, etsim_err *err) {
    if (!cJSON_IsObject(o)) return pfail(p, err, "is not an object");
    const struct { const char *name; int64_t *v; int required; } f[] = {
        {"model_calls", &c->model_calls, 1},       {"tokens_generated", &c->tokens_generated, 1},
        {"kv_tokens", &c->kv_tokens, 1},           {"selections", &c->selections, 0},
        {"nodes_generated", &c->nodes_generated, 0}, {"dropped_unscored", &c->dropped_unscored, 0},
        {"retired_leaf", &c->retired_leaf, 0},     {"retired_length", &c->retired_length, 0},
        {"missing_children", &c->missing_children, 0},
        {"resampled_children", &c->resampled_children, 0},
    };
    char name[64];
    for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, f[k].name);
        snprintf(name, sizeof name, "counters.%s", f[k].name);
        pctx q = {p->r, name};
        if (!v) {
            if (f[k].required) return pfail(&q, err, "missing");
            continue;
        }
        if (get_int(&q, v, 0, (int64_t)1 << 53, f[k].v, err)) return -1;
    }
    return 0;
}

/* leaves (result) / model_answer (answers.json) */
static int read_leaves(pctx *p, const cJSON *arr, const char *name, etsim_err *err) {
    etsim_rr_impl *m = p->r->impl;
    etsim_rr_problem *cur = &m->cur;
    int answers = p->r->format == ETSIM_RR_ANSWERS;
    char fname[96];
    if (!cJSON_IsArray(arr)) return pfail(p, err, "is not an array");
    int n = cJSON_GetArraySize(arr);
    cur->leaves = etsim_arena_alloc(&m->arena, sizeof *cur->leaves * (size_t)(n ? n : 1));
    cur->n_leaves = n;
    int i = 0;
    for (const cJSON *l = arr->child; l; l = l->next, i++) {
        etsim_rr_leaf *lf = &cur->leaves[i];
        memset(lf, 0, sizeof *lf);
        lf->node = -1;
        lf->tokens = -1;
        pctx q = {p->r, fname};
        snprintf(fname, sizeof fname, "%s[%d]", name, i);
        if (!cJSON_IsObject(l)) return pfail(&q, err, "is not an object");
        int64_t v = 0;
        const cJSON *x;
        if (!answers) {
            snprintf(fname, sizeof fname, "%s[%d].node", name, i);
            x = cJSON_GetObjectItemCaseSensitive(l, "node");
            if (!x) return pfail(&q, err, "missing");
            if (get_int(&q, x, 0, INT32_MAX, &v, err)) return -1;
            lf->node = (int32_t)v;
            snprintf(fname, sizeof fname, "%s[%d].answer", name, i);
            x = cJSON_GetObjectItemCaseSensitive(l, "answer");
            if (x && get_str(&q, x, &lf->answer, err)) return -1;
            snprintf(fname, sizeof fname, "%s[%d].tokens", name, i);
            x = cJSON_GetObjectItemCaseSensitive(l, "tokens");
            if (x) {
                if (get_int(&q, x, 0, (int64_t)1 << 53, &v, err)) return -1;
                lf->tokens = v;
            }
        } else {
            snprintf(fname, sizeof fname, "%s[%d].text", name, i);
            x = cJSON_GetObjectItemCaseSensitive(l, "text");
            if (!x) return pfail(&q, err, "missing");
            if (get_str(&q, x, &lf->text, err)) return -1;
        }
        snprintf(fname, sizeof fname, "%s[%d].step_scores", name, i);
        x = cJSON_GetObjectItemCaseSensitive(l, "step_scores");
        if (!x) return pfail(&q, err, "missing");
        if (!cJSON_IsArray(x)) return pfail(&q, err, "is not an array");
        int ns = cJSON_GetArraySize(x), j = 0;
        lf->scores = etsim_arena_alloc(&m->arena, sizeof *lf->scores * (size_t)(ns ? ns : 1));
        lf->n_scores = ns;
        for (const cJSON *s = x->child; s; s = s->next, j++) {
            if (cJSON_IsNull(s)) {
                lf->scores[j] = NAN;
            } else if (cJSON_IsNumber(s)) {
                /* result files hold float32 PRM scores written so that they
                 * read back as the same float: restore that exact value so a
                 * file scores exactly like the in-process result */
                lf->scores[j] = answers ? s->valuedouble : (double)(float)s->valuedouble;
            } else {
                snprintf(fname, sizeof fname, "%s[%d].step_scores[%d]", name, i, j);
                return pfail(&q, err, "is not a number or null");
            }
        }
    }
    return 0;
}

/* One element of an integer array: 1 with *out, 0 when it is some other
 * value (scanned past), -1 on malformed JSON. A plain run of digits is
 * converted here; a number with a fraction or exponent goes through
 * strtod, as cJSON would read it, and counts when it is integral. */
static int scan_int(etsim_result_reader *r, int64_t *out, etsim_err *err) {
    etsim_rr_impl *m = r->impl;
    int c = peekc(m);
    if (c != '-' && !(c >= '0' && c <= '9')) return scan_value(r, NULL, err) ? -1 : 0;
    char tok[48];
    size_t n = 0;
    int64_t v = 0;
    int neg = c == '-', digits = 0;
    if (neg) tok[n++] = (char)nextc(m);
    for (c = peekc(m); c >= '0' && c <= '9'; c = peekc(m), digits++) {
        if (n < sizeof tok - 1) tok[n++] = (char)c;
        if (digits < 18) v = v * 10 + (c - '0');
        nextc(m);
    }
    if (digits && digits <= 18 && c != '.' && c != 'e' && c != 'E') {
        *out = neg ? -v : v;
        return 1;
    }
    for (; (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'; c = peekc(m)) {
        if (n < sizeof tok - 1) tok[n++] = (char)c;
        nextc(m);
    }
    if (n >= sizeof tok - 1) return 0; /* a number this long is no node id or count */
    tok[n] = 0;
    char *end;
    double d = strtod(tok, &end);
    if (!digits || *end) return malformed(r, err, "bad number");
    if (d != floor(d) || fabs(d) > (double)(INT64_C(1) << 53)) return 0;
    *out = (int64_t)d;
    return 1;
}

/* A JSON array of integers, read by the cursor itself (node arrays are
 * the bulk of a problem; cJSON would spend ~64 bytes a number). Element i
 * goes to (*v)[at + i] (grown as needed; *n elements); *bad is the first
 * element that is not an integer in int32 range (-1: none), named by the
 * caller once the array's length is known. */
static int read_ints(pctx *p, int32_t **v, int64_t *cap, int64_t at, int32_t *n, int32_t *bad, etsim_err *err) {
    etsim_result_reader *r = p->r;
    etsim_rr_impl *m = r->impl;
    *n = 0;
    *bad = -1;
    skip_ws(m);
    if (peekc(m) != '[') return pfail(p, err, "is not an array");
    nextc(m);
    int first = 1, rc;
    while ((rc = arr_next(r, &first, err)) == 1) {
        if (*n == INT32_MAX) return pfail(p, err, "has too many elements");
        int64_t x = 0;
        int got = scan_int(r, &x, err);
        if (got < 0) return -1;
        if ((!got || x < INT32_MIN || x > INT32_MAX) && *bad < 0) *bad = *n;
        etsim_grow((void **)v, cap, at + *n + 1, sizeof **v);
        (*v)[at + (*n)++] = got && x >= INT32_MIN && x <= INT32_MAX ? (int32_t)x : INT32_MIN;
    }
    return rc;
}

static int read_texts(pctx *p, const cJSON *a, const char ***out, int32_t *n_out, etsim_err *err) {
    etsim_rr_impl *m = p->r->impl;
    if (!cJSON_IsArray(a)) return pfail(p, err, "is not an array");
    int n = cJSON_GetArraySize(a), i = 0;
    const char **v = etsim_arena_alloc(&m->arena, sizeof *v * (size_t)(n ? n : 1));
    for (const cJSON *x = a->child; x; x = x->next, i++) {
        if (cJSON_IsNull(x)) v[i] = NULL;
        else if (cJSON_IsString(x)) v[i] = arena_copy(m, x->valuestring);
        else return pfail(p, err, "element %d is not a string or null", i);
    }
    *out = v;
    *n_out = n;
    return 0;
}

/* nodes: {"parent": [...], "tokens": [...], "text": [...], ...}: what the
 * mask wants is read, the rest skipped; then parents must form a tree in
 * generation order and the arrays must agree in length. */
static int read_nodes(pctx *p, etsim_err *err) {
    etsim_result_reader *r = p->r;
    etsim_rr_impl *m = r->impl;
    etsim_rr_problem *cur = &m->cur;
    int want_tokens = m->flags & ETSIM_RR_TOKENS, want_text = m->flags & ETSIM_RR_NODES;
    skip_ws(m);
    if (peekc(m) != '{') return pfail(p, err, "is not an object");
    nextc(m);
    int first = 1, rc, n_text = -1, n_tokens = -1;
    while ((rc = obj_next(r, &first, err)) == 1) {
        int32_t bad, n;
        if (key_is(m, "parent")) {
            pctx q = {r, "nodes.parent"};
            if (read_ints(&q, &m->parent, &m->cap_parent, 0, &n, &bad, err)) return -1;
            for (int32_t k = 0; k < n && bad < 0; k++)
                if (m->parent[k] < -1 || m->parent[k] >= n) bad = k;
            if (bad >= 0) return pfail(&q, err, "element %d is not a node id in -1..%d", bad, n - 1);
            cur->parent = m->parent;
            cur->n_nodes = n;
        } else if (want_tokens && key_is(m, "tokens")) {
            pctx q = {r, "nodes.tokens"};
            if (read_ints(&q, &m->tokens, &m->cap_tokens, 0, &n, &bad, err)) return -1;
            for (int32_t k = 0; k < n && bad < 0; k++)
                if (m->tokens[k] < 0) bad = k;
            if (bad >= 0) return pfail(&q, err, "element %d is not a token count in 0..%d", bad, INT32_MAX);
            cur->tokens = m->tokens;
            n_tokens = n;
        } else if (want_text && key_is(m, "text")) {
            if (scan_value(r, &m->val, err)) return -1;
            cJSON *v = parse_val(r, err);
            if (!v) return -1;
            pctx q = {r, "nodes.text"};
            int bad_text = read_texts(&q, v, &cur->text, &n_text, err);
            cJSON_Delete(v);
            if (bad_text) return -1;
        } else if (scan_value(r, NULL, err)) {
            return -1;
        }
    }
    if (rc < 0) return -1;
    pctx q = {r, "nodes.parent"};
    if ((cur->text || cur->tokens) && !cur->parent)
        return pfail(&q, err, "missing (needed with nodes.%s)", cur->text ? "text" : "tokens");
    if (cur->text && n_text != cur->n_nodes) {
        q.field = "nodes.text";
        return pfail(&q, err, "has %d entries but nodes.parent has %d", n_text, cur->n_nodes);
    }
    if (cur->tokens && n_tokens != cur->n_nodes) {
        q.field = "nodes.tokens";
        return pfail(&q, err, "has %d entries but nodes.parent has %d", n_tokens, cur->n_nodes);
    }
    for (int32_t k = 0; cur->parent && k < cur->n_nodes; k++)
        if (k == 0 ? cur->parent[0] != -1 : (cur->parent[k] < 0 || cur->parent[k] >= k))
            return pfail(&q, err, "element %d: parent %d is not an earlier node", k, cur->parent[k]);
    return 0;
}

/* decisions: [{"candidates": [ids], "clusters": ..., ...}, ...]: each
 * decision's candidates are appended to one array (cand_off marks where
 * each begins); whether it logged clusters is noted; the rest skipped. */
static int read_decisions(pctx *p, etsim_err *err) {
    etsim_result_reader *r = p->r;
    etsim_rr_impl *m = r->impl;
    etsim_rr_problem *cur = &m->cur;
    char field[64];
    skip_ws(m);
    if (peekc(m) != '[') return pfail(p, err, "is not an array");
    nextc(m);
    etsim_grow((void **)&m->cand_off, &m->cap_dec_off, 1, sizeof *m->cand_off);
    m->cand_off[0] = 0;
    int first = 1, rc;
    int32_t d = 0;
    while ((rc = arr_next(r, &first, err)) == 1) {
        if (d == INT32_MAX - 1) return pfail(p, err, "has too many elements");
        pctx q = {r, field};
        snprintf(field, sizeof field, "decisions[%d]", d);
        skip_ws(m);
        if (peekc(m) != '{') return pfail(&q, err, "is not an object");
        nextc(m);
        etsim_grow((void **)&m->clustered, &m->cap_dec, (int64_t)d + 1, sizeof *m->clustered);
        etsim_grow((void **)&m->cand_off, &m->cap_dec_off, (int64_t)d + 2, sizeof *m->cand_off);
        m->clustered[d] = 0;
        int f2 = 1, r2, have_cand = 0;
        while ((r2 = obj_next(r, &f2, err)) == 1) {
            if (key_is(m, "candidates")) {
                snprintf(field, sizeof field, "decisions[%d].candidates", d);
                if (have_cand) return pfail(&q, err, "appears twice");
                int32_t n, bad;
                if (read_ints(&q, &m->cand, &m->cap_cand, m->cand_off[d], &n, &bad, err)) return -1;
                if (bad >= 0) return pfail(&q, err, "element %d is not a node id", bad);
                m->cand_off[d + 1] = m->cand_off[d] + n;
                have_cand = 1;
            } else {
                if (key_is(m, "clusters")) m->clustered[d] = 1;
                if (scan_value(r, NULL, err)) return -1;
            }
        }
        if (r2 < 0) return -1;
        snprintf(field, sizeof field, "decisions[%d].candidates", d);
        if (!have_cand) return pfail(&q, err, "missing");
        d++;
    }
    if (rc < 0) return -1;
    cur->n_decisions = d;
    cur->cand_off = m->cand_off;
    cur->candidates = m->cand;
    cur->clustered = m->clustered;
    return 0;
}

/* The scalar fields of a problem, per format. */
enum { SLOT_INDEX, SLOT_GT, SLOT_ID, SLOT_SUBJECT, SLOT_QUESTION, SLOT_LEVEL, SLOT_PROMPT, SLOT_TOTAL };
typedef struct scalar_key {
    const char *name;
    int is_str, slot;
    int64_t lo, hi;
} scalar_key;
static const scalar_key result_keys[] = {
    {"index", 0, SLOT_INDEX, 0, INT32_MAX},       {"answer", 1, SLOT_GT, 0, 0},
    {"id", 1, SLOT_ID, 0, 0},                     {"subject", 1, SLOT_SUBJECT, 0, 0},
    {"level", 0, SLOT_LEVEL, INT32_MIN, INT32_MAX}, {"prompt_tokens", 0, SLOT_PROMPT, 0, INT32_MAX},
    {NULL, 0, 0, 0, 0},
};
static const scalar_key answers_keys[] = {
    {"id", 0, SLOT_INDEX, 0, INT32_MAX},          {"ground_truth_answer", 1, SLOT_GT, 0, 0},
    {"question", 1, SLOT_QUESTION, 0, 0},         {"total_tokens", 0, SLOT_TOTAL, 0, (int64_t)1 << 53},
    {NULL, 0, 0, 0, 0},
};

/* After a problem: what the mask requires is there and node ids name
 * generated nodes (when the nodes were read). */
static int check_problem(pctx *p, int have_decisions, etsim_err *err) {
    etsim_rr_impl *m = p->r->impl;
    etsim_rr_problem *cur = &m->cur;
    char field[64];
    p->field = field;
    if ((m->flags & ETSIM_RR_TOKENS) && !cur->tokens) {
        snprintf(field, sizeof field, "nodes.tokens");
        return pfail(p, err, "missing");
    }
    if ((m->flags & ETSIM_RR_DECISIONS) && !have_decisions) {
        snprintf(field, sizeof field, "decisions");
        return pfail(p, err, "missing");
    }
    if (p->r->format == ETSIM_RR_ANSWERS) return 0;
    if (cur->text) cur->question = cur->text[0];
    if (cur->has_counters) cur->total_tokens = cur->counters.tokens_generated;
    for (int32_t i = 0; i < cur->n_leaves; i++) {
        int32_t v = cur->leaves[i].node;
        if (cur->n_nodes && (v < 1 || v >= cur->n_nodes)) {
            snprintf(field, sizeof field, "leaves[%d].node", i);
            return pfail(p, err, "%d is not a generated node (1..%d)", v, cur->n_nodes - 1);
        }
    }
    for (int32_t d = 0; cur->parent && d < cur->n_decisions; d++)
        for (int64_t k = cur->cand_off[d]; k < cur->cand_off[d + 1]; k++)
            if (cur->candidates[k] < 0 || cur->candidates[k] >= cur->n_nodes) {
                snprintf(field, sizeof field, "decisions[%d].candidates", d);
                return pfail(p, err, "element %d: %d is not a generated node (0..%d)",
                             (int)(k - cur->cand_off[d]), cur->candidates[k], cur->n_nodes - 1);
            }
    return 0;
}

/* One problem object of a result file or answers.json. */
static int read_problem(etsim_result_reader *r, etsim_err *err) {
    etsim_rr_impl *m = r->impl;
    etsim_rr_problem *cur = &m->cur;
    int answers = r->format == ETSIM_RR_ANSWERS, eval = m->flags & ETSIM_RR_LEAVES;
    pctx p = {r, "(problem)"};
    skip_ws(m);
    if (peekc(m) != '{') return pfail(&p, err, "is not an object");
    nextc(m);
    int first = 1, rc, have_index = 0, have_gt = 0, have_leaves = 0, have_decisions = 0;
    const char *gt_key = answers ? "ground_truth_answer" : "answer";
    const char *idx_key = answers ? "id" : "index";
    const char *leaves_key = answers ? "model_answer" : "leaves";
    while ((rc = obj_next(r, &first, err)) == 1) {
        const char *k = m->key.data;
        if (!answers && key_is(m, "nodes")) {
            p.field = "nodes";
            if (m->flags & (ETSIM_RR_NODES | ETSIM_RR_TOKENS)) {
                if (read_nodes(&p, err)) return -1;
            } else if (scan_value(r, NULL, err)) {
                return -1;
            }
            continue;
        }
        if (!answers && key_is(m, "decisions") && (m->flags & ETSIM_RR_DECISIONS)) {
            p.field = "decisions";
            if (read_decisions(&p, err)) return -1;
            have_decisions = 1;
            continue;
        }
        const scalar_key *sk = NULL;
        for (const scalar_key *t = answers ? answers_keys : result_keys; t->name && !sk; t++)
            if (!strcmp(k, t->name) && (eval || t->slot == SLOT_INDEX)) sk = t;
        int want = sk || (eval && (!strcmp(k, leaves_key) || (!answers && !strcmp(k, "counters"))));
        if (scan_value(r, want ? &m->val : NULL, err)) return -1;
        if (!want) continue;
        char field[64];
        snprintf(field, sizeof field, "%s", k);
        p.field = field;
        cJSON *v = parse_val(r, err);
        if (!v) return -1;
        int bad = 0;
        if (sk) {
            const char *s = NULL;
            int64_t iv = 0;
            bad = sk->is_str ? get_str(&p, v, &s, err) : get_int(&p, v, sk->lo, sk->hi, &iv, err);
            if (!bad) {
                switch (sk->slot) {
                case SLOT_INDEX: cur->index = (int32_t)iv, have_index = 1; break;
                case SLOT_GT: cur->answer = s, have_gt = 1; break;
                case SLOT_ID: cur->id = s; break;
                case SLOT_SUBJECT: cur->subject = s; break;
                case SLOT_QUESTION: cur->question = s; break;
                case SLOT_LEVEL: cur->level = (int32_t)iv; break;
                case SLOT_PROMPT: cur->prompt_tokens = (int32_t)iv; break;
                case SLOT_TOTAL: cur->total_tokens = iv; break;
                }
            }
        } else if (!strcmp(k, "counters")) {
            bad = read_counters(&p, v, &cur->counters, err);
            cur->has_counters = !bad;
        } else {
            bad = read_leaves(&p, v, leaves_key, err);
            have_leaves = 1;
        }
        cJSON_Delete(v);
        if (bad) return -1;
    }
    if (rc < 0) return -1;
    p.field = !have_index ? idx_key : !have_gt ? gt_key : leaves_key;
    if (!have_index || (eval && (!have_gt || !have_leaves))) return pfail(&p, err, "missing");
    return check_problem(&p, have_decisions, err);
}

/* ---- header / end ---------------------------------------------------------- */
static char *cfg_str(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? etsim_strdup(v->valuestring) : NULL;
}

static int read_header(etsim_result_reader *r, etsim_err *err) {
    etsim_rr_impl *m = r->impl;
    int first = 1, rc, version = 0;
    nextc(m); /* '{' */
    while ((rc = obj_next(r, &first, err)) == 1) {
        if (key_is(m, "problems")) {
            if (!version)
                return etsim_errf(err, "%s: field \"etsim_result\" missing before \"problems\" (not an etsim result file?)",
                                  r->path);
            skip_ws(m);
            if (nextc(m) != '[') return etsim_errf(err, "%s:%ld: field \"problems\" is not an array", r->path, m->line);
            m->state = ST_FIRST;
            return 0;
        }
        int is_version = key_is(m, "etsim_result"), is_config = key_is(m, "config");
        if (scan_value(r, is_version || is_config ? &m->val : NULL, err)) return -1;
        if (!is_version && !is_config) continue;
        cJSON *v = parse_val(r, err);
        if (!v) return -1;
        if (is_version) {
            int ok = cJSON_IsNumber(v) && v->valuedouble == 1;
            cJSON_Delete(v);
            if (!ok) return etsim_errf(err, "%s: field \"etsim_result\" is not 1 (unsupported result format)", r->path);
            version = 1;
            continue;
        }
        if (!cJSON_IsObject(v)) {
            cJSON_Delete(v);
            return etsim_errf(err, "%s: field \"config\" is not an object", r->path);
        }
        free(r->selector);
        free(r->answer_format);
        free(r->dataset);
        r->selector = cfg_str(v, "selector");
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(v, "width");
        r->width = cJSON_IsNumber(w) && fabs(w->valuedouble) < 1e9 ? (int32_t)w->valuedouble : 0; /* no int overflow */
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(v, "meta");
        r->answer_format = cfg_str(meta, "answer_format");
        r->dataset = cfg_str(meta, "dataset");
        cJSON_Delete(v);
    }
    if (rc < 0) return -1;
    return etsim_errf(err, "%s: field \"%s\" missing", r->path, version ? "problems" : "etsim_result");
}

/* After the problems array: the rest of the object (summary), then EOF. */
static int read_end(etsim_result_reader *r, etsim_err *err) {
    etsim_rr_impl *m = r->impl;
    if (r->format == ETSIM_RR_RESULT) {
        int first = 0, rc;
        while ((rc = obj_next(r, &first, err)) == 1) {
            int is_summary = key_is(m, "summary");
            if (scan_value(r, is_summary ? &m->val : NULL, err)) return -1;
            if (!is_summary) continue;
            cJSON *v = parse_val(r, err);
            if (!v) return -1;
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(v, "problems");
            int ok = !n || (cJSON_IsNumber(n) && n->valuedouble == r->problems_read);
            double got = cJSON_IsNumber(n) ? n->valuedouble : -1;
            cJSON_Delete(v);
            if (!ok)
                return etsim_errf(err, "%s: field \"summary.problems\" is %g but the file holds %d problems",
                                  r->path, got, r->problems_read);
        }
        if (rc < 0) return -1;
    }
    skip_ws(m);
    if (peekc(m) >= 0) return malformed(r, err, "data after the end of the document");
    if (m->ioerr) return etsim_errf(err, "%s: read error", r->path);
    m->state = ST_DONE;
    return 0;
}

/* ---- API ------------------------------------------------------------------------ */
/* Detect the format and read up to the first problem. */
static int reader_start(etsim_result_reader *r, etsim_err *err) {
    etsim_rr_impl *m = r->impl;
    if (!m->in_memory) m->buf = etsim_malloc(RR_BUF);
    skip_ws(m);
    int c = peekc(m);
    if (c == '{') {
        r->format = ETSIM_RR_RESULT;
        return read_header(r, err);
    }
    if (c == '[') {
        r->format = ETSIM_RR_ANSWERS;
        if (!(m->flags & ETSIM_RR_LEAVES))
            return etsim_errf(err, "%s: an ETS answers.json (JSON array), not an etsim result file: it holds no search tree",
                              r->path);
        nextc(m);
        m->state = ST_FIRST;
        return 0;
    }
    if (m->ioerr) return etsim_errf(err, "%s: read error", r->path);
    if (c < 0) return etsim_errf(err, "%s: empty file", r->path);
    return etsim_errf(err, "%s: not an etsim result (JSON object) or ETS answers.json (JSON array)", r->path);
}

static etsim_rr_impl *reader_init(etsim_result_reader *r, const char *name, int flags) {
    memset(r, 0, sizeof *r);
    r->path = name;
    etsim_rr_impl *m = r->impl = etsim_calloc(1, sizeof *m);
    m->flags = flags;
    m->line = 1;
    etsim_arena_init(&m->arena);
    return m;
}

int etsim_result_reader_open_fp(etsim_result_reader *r, FILE *fp, const char *name, int flags, etsim_err *err) {
    etsim_rr_impl *m = reader_init(r, name, flags);
    m->fp = fp;
    if (reader_start(r, err)) {
        etsim_result_reader_close(r);
        return -1;
    }
    return 0;
}

int etsim_result_reader_open_mem(etsim_result_reader *r, const char *text, size_t len, const char *name,
                                 int flags, etsim_err *err) {
    etsim_rr_impl *m = reader_init(r, name, flags);
    m->in_memory = 1;
    m->buf = (char *)text; /* only read: captures copy out of it */
    m->len = len;
    if (reader_start(r, err)) {
        etsim_result_reader_close(r);
        return -1;
    }
    return 0;
}

int etsim_result_reader_open(etsim_result_reader *r, const char *path, int flags, etsim_err *err) {
    if (!strcmp(path, "-")) return etsim_result_reader_open_fp(r, stdin, "<stdin>", flags, err);
    etsim_rr_impl *m = reader_init(r, path, flags);
    m->fp = fopen(path, "rb");
    if (!m->fp) {
        etsim_errf(err, "%s: cannot open: %s", path, strerror(errno));
        etsim_result_reader_close(r);
        return -1;
    }
    m->own_fp = 1;
    if (reader_start(r, err)) {
        etsim_result_reader_close(r);
        return -1;
    }
    return 0;
}

int etsim_result_reader_next(etsim_result_reader *r, etsim_rr_problem **out, etsim_err *err) {
    etsim_rr_impl *m = r->impl;
    *out = NULL;
    if (!m || m->state == ST_DONE) return 0;
    int first = m->state == ST_FIRST;
    int rc = arr_next(r, &first, err);
    if (rc < 0) return -1;
    if (rc == 0) return read_end(r, err) ? -1 : 0;
    m->state = ST_MORE;
    etsim_arena_reset(&m->arena);
    memset(&m->cur, 0, sizeof m->cur);
    m->cur.pos = r->problems_read;
    m->cur.line = m->line;
    m->cur.total_tokens = -1;
    if (read_problem(r, err)) return -1;
    r->problems_read++;
    *out = &m->cur;
    return 1;
}

void etsim_result_reader_close(etsim_result_reader *r) {
    etsim_rr_impl *m = r->impl;
    if (m) {
        if (m->own_fp && m->fp) fclose(m->fp);
        if (!m->in_memory) free(m->buf);
        free(m->stack);
        free(m->parent);
        free(m->tokens);
        free(m->cand);
        free(m->cand_off);
        free(m->clustered);
        etsim_sbuf_free(&m->val);
        etsim_sbuf_free(&m->key);
        etsim_arena_free(&m->arena);
        free(m);
    }
    free(r->selector);
    free(r->answer_format);
    free(r->dataset);
    r->selector = r->answer_format = r->dataset = NULL;
    r->impl = NULL;
}
