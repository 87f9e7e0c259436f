/* tree.c -- the per-problem node arena (see tree.h). Growth doubles each
 * array; nodes, strings and embeddings each live in one allocation. */
#include "sim/core/tree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void etsim_tree_init(etsim_tree *t, int32_t emb_dim) {
    memset(t, 0, sizeof *t);
    t->emb_dim = emb_dim;
}

static void problem_free(etsim_problem *p) {
    free(p->id);
    free(p->question);
    free(p->answer);
    free(p->subject);
    memset(p, 0, sizeof *p);
}

void etsim_tree_reset(etsim_tree *t) {
    for (int32_t i = 0; i < t->n_nodes; i++) free(t->nodes[i].kids);
    problem_free(&t->prob);
    t->n_nodes = 0;
    t->str_len = 0;
    t->emb_rows = 0;
}

void etsim_tree_free(etsim_tree *t) {
    etsim_tree_reset(t);
    free(t->nodes);
    free(t->strpool);
    free(t->emb);
    int32_t dim = t->emb_dim;
    memset(t, 0, sizeof *t);
    t->emb_dim = dim;
}

void etsim_problem_set(etsim_problem *p, const char *id, const char *question,
                       const char *answer, const char *subject, int32_t level) {
    free(p->id);
    free(p->question);
    free(p->answer);
    free(p->subject);
    p->id = etsim_strdup(id);
    p->question = etsim_strdup(question);
    p->answer = etsim_strdup(answer);
    p->subject = etsim_strdup(subject);
    p->level = level;
}

uint64_t etsim_child_key(uint64_t parent_key, int32_t ordinal) {
    return etsim_mix64(parent_key * 0x100000001b3ULL ^ (uint64_t)(uint32_t)ordinal ^
                       0x5bd1e995ULL);
}

static int32_t new_node(etsim_tree *t) {
    etsim_grow((void **)&t->nodes, &t->cap_nodes, (int64_t)t->n_nodes + 1,
               sizeof *t->nodes);
    int32_t id = t->n_nodes++;
    etsim_node *n = &t->nodes[id];
    memset(n, 0, sizeof *n);
    n->parent = -1;
    n->score = NAN;
    n->text_off = -1;
    n->answer_off = -1;
    n->emb_row = -1;
    n->src = -1;
    n->tag = -1;
    return id;
}

int32_t etsim_tree_add_root(etsim_tree *t, int32_t prompt_tokens) {
    int32_t id = new_node(t);
    etsim_node *n = &t->nodes[id];
    n->step_tokens = prompt_tokens;
    n->cum_tokens = prompt_tokens;
    n->score = 1.0f;
    n->key = etsim_mix64(0x726f6f74ULL ^ (uint64_t)(uint32_t)t->prob.index);
    t->prob.prompt_tokens = prompt_tokens;
    return id;
}

int32_t etsim_tree_add_child(etsim_tree *t, int32_t parent, int32_t step_tokens) {
    int32_t id = new_node(t);
    etsim_node *p = &t->nodes[parent];
    etsim_node *n = &t->nodes[id];
    n->parent = parent;
    n->ordinal = p->n_kids;
    n->depth = p->depth + 1;
    n->step_tokens = step_tokens;
    n->cum_tokens = p->cum_tokens + step_tokens;
    n->key = etsim_child_key(p->key, n->ordinal);
    n->tag = p->tag;
    if (p->n_kids == p->cap_kids) {
        p->cap_kids = p->cap_kids ? p->cap_kids * 2 : 4;
        p->kids = etsim_realloc(p->kids, (size_t)p->cap_kids * sizeof *p->kids);
    }
    p->kids[p->n_kids++] = id;
    return id;
}

static int64_t pool_add(etsim_tree *t, const char *s) {
    size_t n = strlen(s) + 1;
    etsim_grow((void **)&t->strpool, &t->str_cap, t->str_len + (int64_t)n, 1);
    int64_t off = t->str_len;
    memcpy(t->strpool + off, s, n);
    t->str_len += (int64_t)n;
    return off;
}

void etsim_tree_set_text(etsim_tree *t, int32_t node, const char *text) {
    if (!text) return;
    int64_t off = pool_add(t, text);
    t->nodes[node].text_off = off;
    t->nodes[node].text_hash = etsim_hash_str(text);
}

void etsim_tree_set_answer(etsim_tree *t, int32_t node, const char *answer) {
    if (!answer) return;
    t->nodes[node].answer_off = pool_add(t, answer);
}

void etsim_tree_set_embedding(etsim_tree *t, int32_t node, const float *v) {
    if (!v || t->emb_dim <= 0) return;
    int32_t row = t->nodes[node].emb_row;
    if (row < 0) {
        etsim_grow((void **)&t->emb, &t->emb_cap,
                   ((int64_t)t->emb_rows + 1) * t->emb_dim, sizeof *t->emb);
        row = t->emb_rows++;
        t->nodes[node].emb_row = row;
    }
    memcpy(t->emb + (int64_t)row * t->emb_dim, v, (size_t)t->emb_dim * sizeof *v);
}

void etsim_tree_set_score(etsim_tree *t, int32_t node, float score) {
    t->nodes[node].score = score;
    t->nodes[node].flags |= ETSIM_NODE_SCORED;
}
