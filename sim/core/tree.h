/* tree.h -- the search tree of one problem: the data every oracle fills and
 * every consumer (engine, trace writer, cost model) reads.
 *
 * A tree is an arena of nodes in creation order; node 0 is the root (the
 * prompt). Children are materialised lazily and always in ordinal order: a
 * node's kids[] holds its first n_kids children, so "the i-th child of a
 * node" means the same node whichever selector asked first. Strings live in
 * one pool and embeddings in one float matrix; nodes refer to them by
 * offset, so a tree is a handful of allocations however large it grows.
 *
 * `key` is a stable identity of the node's position (a hash of its parent's
 * key and its ordinal); generative oracles key their RNG with it so a node
 * gets the same content whatever order the tree was explored in. */
#ifndef ETSIM_TREE_H
#define ETSIM_TREE_H

#include <stdint.h>
#include "sim/core/util.h"

enum {
    ETSIM_NODE_LEAF = 1u << 0,      /* the step ends the solution (answer)  */
    ETSIM_NODE_SCORED = 1u << 1,    /* the PRM returned a score             */
    ETSIM_NODE_MAXLEN = 1u << 2,    /* step stopped at max step tokens      */
    ETSIM_NODE_RESAMPLED = 1u << 3, /* a clone of a recorded sibling (--on-missing resample) */
};

typedef struct etsim_node {
    int32_t parent;       /* -1 for the root                               */
    int32_t ordinal;      /* index among its siblings                      */
    int32_t depth;        /* root 0                                        */
    int32_t step_tokens;  /* tokens of this step (root: prompt tokens)     */
    int32_t cum_tokens;   /* root..this inclusive, prompt included         */
    uint32_t flags;       /* ETSIM_NODE_*                                  */
    float score;          /* PRM score of this step; NaN when unscored     */
    uint64_t key;         /* stable position key, see above                */
    uint64_t text_hash;   /* etsim_hash_str of the step text (0 if unknown) */
    int64_t text_off;     /* step text in the string pool, -1 if absent    */
    int64_t answer_off;   /* final answer (leaves), -1 if absent           */
    int32_t emb_row;      /* row in the embedding matrix, -1 if absent     */
    int32_t src;          /* resampled clones: the node copied, else -1    */
    int32_t tag;          /* selector tag (DVTS subtree), inherited; -1    */
    int32_t n_kids;       /* children materialised so far                  */
    int32_t cap_kids;
    int32_t *kids;        /* node ids of children 0..n_kids-1              */
    uint64_t aux;         /* private to the oracle that made the node      */
} etsim_node;

/* What we know about the problem itself. Strings are owned by the tree. */
typedef struct etsim_problem {
    int32_t index;        /* position in the problem set (0-based)         */
    char *id;             /* dataset id (e.g. "test/algebra/1.json")       */
    char *question;       /* may be NULL                                   */
    char *answer;         /* ground-truth answer, may be NULL              */
    char *subject;        /* MATH500 subject, may be NULL                  */
    int32_t level;        /* MATH500 level, 0 if unknown                   */
    int32_t prompt_tokens;
} etsim_problem;

typedef struct etsim_tree {
    etsim_problem prob;
    etsim_node *nodes;
    int32_t n_nodes;
    int64_t cap_nodes;
    char *strpool;        /* NUL-terminated strings back to back           */
    int64_t str_len, str_cap;
    float *emb;           /* emb_rows x emb_dim                            */
    int32_t emb_dim;
    int32_t emb_rows;
    int64_t emb_cap;
} etsim_tree;

void etsim_tree_init(etsim_tree *t, int32_t emb_dim);
void etsim_tree_free(etsim_tree *t);   /* frees everything, t reusable after init */
void etsim_tree_reset(etsim_tree *t);  /* empties but keeps capacity and emb_dim   */

/* Set problem strings (copied; NULL allowed). */
void etsim_problem_set(etsim_problem *p, const char *id, const char *question,
                       const char *answer, const char *subject, int32_t level);

/* Add the root: prompt_tokens tokens, score 1.0 (as the reference), key
 * derived from the problem index. Returns 0. Tree must be empty. */
int32_t etsim_tree_add_root(etsim_tree *t, int32_t prompt_tokens);

/* Append the next child of `parent` (ordinal = parent's n_kids). Fills
 * parent, ordinal, depth, cum_tokens, key; everything else is the caller's
 * (score NaN, flags 0, no text/answer/embedding). Returns the new node id. */
int32_t etsim_tree_add_child(etsim_tree *t, int32_t parent, int32_t step_tokens);

/* Attach data to a node (copied). Text also sets text_hash. */
void etsim_tree_set_text(etsim_tree *t, int32_t node, const char *text);
void etsim_tree_set_answer(etsim_tree *t, int32_t node, const char *answer);
void etsim_tree_set_embedding(etsim_tree *t, int32_t node, const float *v); /* emb_dim floats */
void etsim_tree_set_score(etsim_tree *t, int32_t node, float score); /* sets SCORED */

static inline const char *etsim_tree_text(const etsim_tree *t, int32_t node) {
    int64_t off = t->nodes[node].text_off;
    return off < 0 ? NULL : t->strpool + off;
}
static inline const char *etsim_tree_answer(const etsim_tree *t, int32_t node) {
    int64_t off = t->nodes[node].answer_off;
    return off < 0 ? NULL : t->strpool + off;
}
static inline const float *etsim_tree_embedding(const etsim_tree *t, int32_t node) {
    int32_t row = t->nodes[node].emb_row;
    return row < 0 ? NULL : t->emb + (int64_t)row * t->emb_dim;
}

/* Key of child `ordinal` of a node with key `parent_key`. */
uint64_t etsim_child_key(uint64_t parent_key, int32_t ordinal);

#endif
