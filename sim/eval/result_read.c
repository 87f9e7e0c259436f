/* result_read.c -- streaming reader of replay results and ETS answers.json
 * (see result_read.h).
 *
 * How it works: a byte cursor over a 1 MiB read buffer walks the document
 * structure (objects, arrays, strings) itself. A value the reader needs is
 * captured -- its bytes copied into a scratch buffer while the cursor
 * passes over them -- and parsed with cJSON; a value it does not need
 * (decisions, node tokens and scores) is only scanned. Strings and arrays
 * of one problem go into an arena that is reset for the next problem. */
#include "sim/eval/result_read.h"
#include "sim/eval/jsonl.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define RR_BUF ((size_t)1 << 20)

enum { ST_HEADER = 0, ST_FIRST, ST_MORE, ST_DONE };

struct etsim_rr_impl {
    FILE *fp;
    int own_fp;
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
};

/* ---- byte cursor ----------------------------------------------------------- */
static int refill(etsim_rr_impl *m) {
    if (m->eof) return 0;
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

static int read_int_array(pctx *p, const cJSON *a, int32_t **out, int32_t *n_out, etsim_err *err) {
    etsim_rr_impl *m = p->r->impl;
    if (!cJSON_IsArray(a)) return pfail(p, err, "is not an array");
    int n = cJSON_GetArraySize(a), i = 0;
    int32_t *v = etsim_arena_alloc(&m->arena, sizeof *v * (size_t)(n ? n : 1));
    for (const cJSON *x = a->child; x; x = x->next, i++) {
        if (!cJSON_IsNumber(x) || x->valuedouble != floor(x->valuedouble) || x->valuedouble < -1 ||
            x->valuedouble >= n)
            return pfail(p, err, "element %d is not a node id in -1..%d", i, n - 1);
        v[i] = (int32_t)x->valuedouble;
    }
    *out = v;
    *n_out = n;
    return 0;
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

/* nodes: {"parent": [...], "text": [...], ...}; the rest is skipped */
static int read_nodes(pctx *p, etsim_err *err) {
    etsim_result_reader *r = p->r;
    etsim_rr_impl *m = r->impl;
    etsim_rr_problem *cur = &m->cur;
    skip_ws(m);
    if (peekc(m) != '{') return pfail(p, err, "is not an object");
    nextc(m);
    int first = 1, rc, n_text = -1;
    while ((rc = obj_next(r, &first, err)) == 1) {
        int want_parent = key_is(m, "parent"), want_text = key_is(m, "text");
        if (scan_value(r, want_parent || want_text ? &m->val : NULL, err)) return -1;
        if (!want_parent && !want_text) continue;
        cJSON *v = parse_val(r, err);
        if (!v) return -1;
        pctx q = {r, want_parent ? "nodes.parent" : "nodes.text"};
        int bad = want_parent ? read_int_array(&q, v, &cur->parent, &cur->n_nodes, err)
                              : read_texts(&q, v, &cur->text, &n_text, err);
        cJSON_Delete(v);
        if (bad) return -1;
    }
    if (rc < 0) return -1;
    if (cur->text) {
        pctx q = {r, "nodes.text"};
        if (!cur->parent) {
            q.field = "nodes.parent";
            return pfail(&q, err, "missing (needed with nodes.text)");
        }
        if (n_text != cur->n_nodes)
            return pfail(&q, err, "has %d entries but nodes.parent has %d", n_text, cur->n_nodes);
    }
    if (cur->parent) {
        pctx q = {r, "nodes.parent"};
        for (int32_t k = 0; k < cur->n_nodes; k++)
            if (k == 0 ? cur->parent[0] != -1 : (cur->parent[k] < 0 || cur->parent[k] >= k))
                return pfail(&q, err, "element %d: parent %d is not an earlier node", k, cur->parent[k]);
    }
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

/* One problem object of a result file or answers.json. */
static int read_problem(etsim_result_reader *r, etsim_err *err) {
    etsim_rr_impl *m = r->impl;
    etsim_rr_problem *cur = &m->cur;
    int answers = r->format == ETSIM_RR_ANSWERS;
    pctx p = {r, "(problem)"};
    skip_ws(m);
    if (peekc(m) != '{') return pfail(&p, err, "is not an object");
    nextc(m);
    int first = 1, rc, have_index = 0, have_gt = 0, have_leaves = 0;
    const char *gt_key = answers ? "ground_truth_answer" : "answer";
    const char *idx_key = answers ? "id" : "index";
    const char *leaves_key = answers ? "model_answer" : "leaves";
    while ((rc = obj_next(r, &first, err)) == 1) {
        const char *k = m->key.data;
        if (!answers && key_is(m, "nodes")) {
            p.field = "nodes";
            if (m->flags & ETSIM_RR_NODES) {
                if (read_nodes(&p, err)) return -1;
            } else if (scan_value(r, NULL, err)) {
                return -1;
            }
            continue;
        }
        const scalar_key *sk = NULL;
        for (const scalar_key *t = answers ? answers_keys : result_keys; t->name && !sk; t++)
            if (!strcmp(k, t->name)) sk = t;
        int want = sk || !strcmp(k, leaves_key) || (!answers && !strcmp(k, "counters"));
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
    p.field = have_index ? have_gt ? leaves_key : gt_key : idx_key;
    if (!have_index || !have_gt || !have_leaves) return pfail(&p, err, "missing");
    if (!answers) {
        if (cur->text) cur->question = cur->text[0];
        if (cur->has_counters) cur->total_tokens = cur->counters.tokens_generated;
        for (int32_t i = 0; i < cur->n_leaves; i++) {
            int32_t v = cur->leaves[i].node;
            if (cur->n_nodes && (v < 1 || v >= cur->n_nodes)) {
                char field[64];
                snprintf(field, sizeof field, "leaves[%d].node", i);
                p.field = field;
                return pfail(&p, err, "%d is not a generated node (1..%d)", v, cur->n_nodes - 1);
            }
        }
    }
    return 0;
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
    m->buf = etsim_malloc(RR_BUF);
    skip_ws(m);
    int c = peekc(m);
    if (c == '{') {
        r->format = ETSIM_RR_RESULT;
        return read_header(r, err);
    }
    if (c == '[') {
        r->format = ETSIM_RR_ANSWERS;
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
        free(m->buf);
        free(m->stack);
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
