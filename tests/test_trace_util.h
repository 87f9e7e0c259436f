/* test_trace_util.h -- helpers shared by the tests/test_trace_*.c suites:
 * a deterministic random tree that exercises every field the trace format
 * stores (odd parents, NaN scores with payloads, explicit text hashes,
 * texts, answers, embeddings), a field-by-field bit-exact comparison, and
 * temporary directories. Include after <cmocka.h>. */
#ifndef TEST_TRACE_UTIL_H
#define TEST_TRACE_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/core/tree.h"
#include "traces/trace.h"

static inline float tt_bits_float(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static inline uint32_t tt_float_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

/* A tree of n nodes for problem `index`; emb_dim 0 = no embeddings. */
__attribute__((unused)) static void tt_make_tree(etsim_tree *t, int32_t index, int32_t n, int32_t dim, int with_text,
                         uint64_t seed) {
    static const char *words[] = {"the", "sum", "of", "x", "equals", "\\frac{1}{2}", "so",
                                  "we", "get", "ки", "\n\n", "2"};
    etsim_rng r = etsim_rng_make(seed, (uint64_t)index, 0, 0, 7);
    char id[64], ans[64];
    snprintf(id, sizeof id, "test/algebra/%d.json", index);
    snprintf(ans, sizeof ans, "%d", index * 3);
    etsim_tree_reset(t);
    t->emb_dim = dim;
    t->prob.index = index;
    etsim_problem_set(&t->prob, id, index % 2 ? "What is x?" : NULL, ans,
                      index % 3 ? "Algebra" : NULL, index % 5 + 1);
    etsim_tree_add_root(t, 20 + index);
    float *v = dim ? calloc((size_t)dim, sizeof *v) : NULL;
    for (int32_t i = 0; i < n; i++) {
        if (i > 0) {
            int32_t lo = i > 20 ? i - 20 : 0;
            int32_t p = lo + (int32_t)(etsim_rng_u64(&r) % (uint64_t)(i - lo));
            etsim_tree_add_child(t, p, (int32_t)(etsim_rng_u64(&r) % 300));
        }
        uint64_t x = etsim_rng_u64(&r);
        if (i > 0) {
            if (x % 7 == 0) {
                t->nodes[i].score = tt_bits_float(0x7fc00001u + (uint32_t)(x >> 40)); /* NaN payload */
            } else {
                etsim_tree_set_score(t, i, (float)etsim_rng_uniform(&r));
            }
            if (x % 5 == 0) t->nodes[i].flags |= ETSIM_NODE_LEAF;
            if (x % 11 == 0) t->nodes[i].flags |= ETSIM_NODE_MAXLEN;
            if (x % 13 == 0) t->nodes[i].flags |= ETSIM_NODE_RESAMPLED;
            if (t->nodes[i].flags & ETSIM_NODE_LEAF) {
                snprintf(ans, sizeof ans, "%llu", (unsigned long long)(x % 4));
                etsim_tree_set_answer(t, i, x % 3 ? ans : "");
            }
        }
        if (with_text && x % 9 != 0) {
            char buf[256];
            size_t len = 0;
            int nw = (int)(x % 12);
            buf[0] = 0;
            for (int w = 0; w < nw; w++)
                len += (size_t)snprintf(buf + len, sizeof buf - len, "%s ",
                                        words[etsim_rng_u64(&r) % 12]);
            etsim_tree_set_text(t, i, buf);
            if (x % 17 == 0) t->nodes[i].text_hash ^= 1; /* hash that differs */
        } else if (x % 4 == 0) {
            t->nodes[i].text_hash = x | 1; /* hash without text */
        }
        if (dim && x % 10 != 0) {
            for (int32_t j = 0; j < dim; j++) v[j] = (float)etsim_rng_normal(&r);
            if (x % 23 == 0) v[0] = tt_bits_float(0x00000001u); /* subnormal */
            etsim_tree_set_embedding(t, i, v);
        }
    }
    free(v);
}

__attribute__((unused)) static void tt_assert_str(const char *a, const char *b) {
    if (!a || !b) {
        assert_true(a == b);
        return;
    }
    assert_string_equal(a, b);
}

/* Every stored field bit-exact; embeddings exact when `emb_exact`, else
 * within `tol` absolute. */
__attribute__((unused)) static void tt_assert_tree_equal(const etsim_tree *a, const etsim_tree *b, int emb_exact,
                                 double tol) {
    assert_int_equal(a->prob.index, b->prob.index);
    tt_assert_str(a->prob.id, b->prob.id);
    tt_assert_str(a->prob.question, b->prob.question);
    tt_assert_str(a->prob.answer, b->prob.answer);
    tt_assert_str(a->prob.subject, b->prob.subject);
    assert_int_equal(a->prob.level, b->prob.level);
    assert_int_equal(a->prob.prompt_tokens, b->prob.prompt_tokens);
    assert_int_equal(a->n_nodes, b->n_nodes);
    assert_int_equal(a->emb_dim, b->emb_dim);
    for (int32_t i = 0; i < a->n_nodes; i++) {
        const etsim_node *x = &a->nodes[i], *y = &b->nodes[i];
        assert_int_equal(x->parent, y->parent);
        assert_int_equal(x->ordinal, y->ordinal);
        assert_int_equal(x->depth, y->depth);
        assert_int_equal(x->step_tokens, y->step_tokens);
        assert_int_equal(x->cum_tokens, y->cum_tokens);
        assert_int_equal(x->flags, y->flags);
        assert_int_equal(tt_float_bits(x->score), tt_float_bits(y->score));
        assert_true(x->key == y->key);
        assert_true(x->text_hash == y->text_hash);
        assert_int_equal(x->n_kids, y->n_kids);
        for (int32_t k = 0; k < x->n_kids; k++) assert_int_equal(x->kids[k], y->kids[k]);
        tt_assert_str(etsim_tree_text(a, i), etsim_tree_text(b, i));
        tt_assert_str(etsim_tree_answer(a, i), etsim_tree_answer(b, i));
        const float *ea = etsim_tree_embedding(a, i), *eb = etsim_tree_embedding(b, i);
        assert_true((ea == NULL) == (eb == NULL));
        for (int32_t j = 0; ea && j < a->emb_dim; j++) {
            if (emb_exact) assert_int_equal(tt_float_bits(ea[j]), tt_float_bits(eb[j]));
            else assert_true(fabs((double)ea[j] - (double)eb[j]) <= tol);
        }
    }
}

/* mkdtemp under $TMPDIR or /tmp; caller frees. */
__attribute__((unused)) static char *tt_tmpdir(void) {
    const char *base = getenv("TMPDIR");
    char buf[512];
    snprintf(buf, sizeof buf, "%s/etsim_trace_test_XXXXXX", base && *base ? base : "/tmp");
    char *d = mkdtemp(buf);
    assert_non_null(d);
    return strdup(d);
}

__attribute__((unused)) static char *tt_path(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

__attribute__((unused)) static void tt_rmdir(char *dir) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

__attribute__((unused)) static etsim_meta tt_meta(int32_t dim, const char *enc) {
    etsim_meta m;
    memset(&m, 0, sizeof m);
    m.dataset = (char *)"math500";
    m.policy_model = (char *)"policy-1b";
    m.prm_model = (char *)"prm-7b";
    m.embed_model = dim ? (char *)"embed" : NULL;
    m.tokenizer = (char *)"tok";
    m.step_delimiter = (char *)"\n\n";
    m.answer_format = (char *)"boxed";
    m.embed_encoding = (char *)enc;
    m.settings_json = (char *)"{\"width\":16,\"temperature\":0.8}";
    m.emb_dim = dim;
    m.tokens_estimated = 1;
    return m;
}

/* Write problems index0, index0+step, ... (n_problems of them). */
__attribute__((unused)) static void tt_write_trace(const char *path, int32_t n_problems, int32_t nodes, int32_t dim,
                           const char *enc, int with_text, uint64_t seed) {
    etsim_err err = {{0}};
    etsim_meta m = tt_meta(dim, enc);
    etsim_trace_writer *w = etsim_trace_writer_open(path, &m, 0, &err);
    if (!w) fail_msg("%s", err.msg);
    etsim_tree t;
    etsim_tree_init(&t, dim);
    for (int32_t k = 0; k < n_problems; k++) {
        tt_make_tree(&t, 2 * k + 1, nodes + k, dim, with_text, seed);
        if (etsim_trace_writer_add(w, &t, &err) < 0) fail_msg("%s", err.msg);
    }
    etsim_tree_free(&t);
    if (etsim_trace_writer_finish(w, &err) < 0) fail_msg("%s", err.msg);
}

__attribute__((unused)) static unsigned char *tt_read_all(const char *path, size_t *len) {
    etsim_err err;
    char *b = etsim_read_file(path, len, &err);
    if (!b) fail_msg("%s", err.msg);
    return (unsigned char *)b;
}

__attribute__((unused)) static void tt_write_all(const char *path, const void *p, size_t n) {
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(p, 1, n, fp), n);
    fclose(fp);
}

/* The message is one line and contains `needle`. */
__attribute__((unused)) static void tt_assert_msg(const etsim_err *err, const char *needle) {
    if (!strstr(err->msg, needle)) fail_msg("error '%s' lacks '%s'", err->msg, needle);
    assert_null(strchr(err->msg, '\n'));
}

#endif
