/* engine.h -- the search loop of the ETS authors' harness (rebase.py),
 * run against any oracle with any selector, one problem at a time.
 *
 * Per depth d (starting at the root, d = 0):
 *   1. every node of depth d that is a leaf, or whose cumulative tokens
 *      reached max_tokens, is retired: remaining width -= 1 (a node retired
 *      by length gives no answer);
 *   2. stop if remaining width <= 0 or no candidates remain;
 *   3. the selector gets (candidates in insertion order, scores, remaining
 *      width, depth) and returns expansions; the KV metric adds the unique
 *      tokens of the union of root-to-candidate paths of ALL candidates;
 *   4. each expansion forks `count` children (+1 model call and the step's
 *      tokens per child); a child without a PRM score is dropped (its
 *      tokens still count) -- the rest become depth d+1's candidates in
 *      fork order;
 *   5. stop after max_expansions selections (25).
 *
 * A problem that ends without any scored leaf is counted by the limit that
 * ended it (counters no_leaf_*): max_expansions when the cap stopped a
 * search that still had live candidates, else max_tokens when a path was
 * retired by length; otherwise (children unscored or not recorded) only
 * no_leaf counts it.
 *
 * The result keeps the problem's tree (the generated part is what the
 * result file, the evaluator and the cost model read) until freed. */
#ifndef ETSIM_ENGINE_H
#define ETSIM_ENGINE_H

#include "sim/engine/oracle.h"
#include "sim/engine/selector.h"

typedef enum {
    ETSIM_MISSING_ERROR = 0,    /* fewer recorded children than asked: error */
    ETSIM_MISSING_TRUNCATE,     /* use only the recorded ones               */
    ETSIM_MISSING_RESAMPLE,     /* clone recorded siblings, fixed order     */
} etsim_missing_policy;

typedef enum {
    ETSIM_ROOT_PROMPT = 0,      /* root = the prompt's real token count     */
    ETSIM_ROOT_REFERENCE,       /* root = 2 tokens, as rebase.py counts it  */
} etsim_root_tokens_mode;

typedef enum {
    ETSIM_KV_UNION = 0,         /* unique tokens of the candidates' paths    */
    ETSIM_KV_REFERENCE,         /* rebase.py get_kv_size: a candidate the
                                 * reference lists k times counts its own
                                 * tokens k times (DVTS's cycled depth 1)    */
} etsim_kv_metric;

typedef struct etsim_search_config {
    int32_t width;              /* N > 0                                    */
    int32_t max_tokens;         /* retire at cum_tokens >= this (1024)      */
    int32_t max_expansions;     /* selections per problem (25)              */
    etsim_missing_policy on_missing;
    etsim_root_tokens_mode root_tokens;
    etsim_kv_metric kv_metric;
    etsim_sel_config sel;       /* selector and its resolved parameters     */
} etsim_search_config;

void etsim_search_config_init(etsim_search_config *c, const etsim_selector *sel,
                              int32_t width);
/* Apply "key=value": engine keys (max_tokens, max_expansions, root_tokens
 * = prompt|reference, kv_metric = union|reference, on_missing =
 * error|truncate|resample) or the
 * selector's parameters. Unknown keys are an error. */
int etsim_search_config_set(etsim_search_config *c, const char *key,
                            const char *value, etsim_err *err);

/* One selection step, as logged. Arrays index into the result's pools. */
typedef struct etsim_depth_log {
    int32_t depth;
    int32_t width;              /* remaining width B given to the selector  */
    int32_t n_cand;
    int64_t cand_off;           /* into res->log_nodes / log_counts ...     */
    int64_t exp_off;            /* into res->exp_cand / exp_count           */
    int32_t n_exp;
    int64_t kv_tokens;          /* ETS metric at this selection             */
    int has_kept, has_clusters, has_objective;
    double objective;
} etsim_depth_log;

typedef struct etsim_counters {
    int64_t model_calls;        /* +1 per child generated                   */
    int64_t tokens_generated;   /* step tokens of every child generated     */
    int64_t kv_tokens;          /* ETS KV metric, summed over selections    */
    int64_t selections;
    int64_t nodes_generated;
    int64_t dropped_unscored;   /* children without a PRM score            */
    int64_t retired_leaf;
    int64_t retired_length;
    int64_t missing_children;   /* requested beyond what the oracle had     */
    int64_t resampled_children; /* clones made under --on-missing resample  */
    /* Problems (0 or 1 per problem) that ended without any scored leaf: in
     * all, and those ended by max_expansions / by max_tokens (see above). */
    int64_t no_leaf;
    int64_t no_leaf_max_expansions;
    int64_t no_leaf_max_tokens;
} etsim_counters;

void etsim_counters_add(etsim_counters *acc, const etsim_counters *c);

typedef struct etsim_problem_result {
    etsim_tree tree;            /* the problem's tree (owned)               */
    int32_t *gen_order;         /* node ids in generation order, root first */
    int32_t n_gen;
    int32_t *leaves;            /* retired leaf node ids, retirement order  */
    int32_t n_leaves;
    etsim_depth_log *logs;
    int32_t n_logs;
    int32_t *log_nodes;         /* candidate node ids, per log               */
    double *log_scores;
    int32_t *log_counts;        /* total children per candidate             */
    int32_t *log_tags;
    uint8_t *log_kept;
    int32_t *log_cluster;
    int32_t *exp_cand;          /* expansions: node id and count             */
    int32_t *exp_count;
    int64_t cap_log_nodes, n_log_nodes, cap_exp, n_exp_total;
    int64_t cap_logs, cap_leaves, cap_gen;
    etsim_counters c;
} etsim_problem_result;

void etsim_problem_result_init(etsim_problem_result *r, int32_t emb_dim);
void etsim_problem_result_free(etsim_problem_result *r);

/* Run the search for problem `problem` of the oracle. On error, err names
 * the problem (and node) and the result is left in a freeable state.
 * A thin loop over the resumable search below: begin; while step needs
 * children, ask the oracle for each; finish. A result whose tree already
 * holds nodes is searched again over that tree (covering runs). */
int etsim_search_problem(etsim_oracle *o, const etsim_search_config *cfg,
                         int32_t problem, etsim_problem_result *res, etsim_err *err);

/* ---- the resumable search ---------------------------------------------------
 *
 * The search as a state machine that stops when it needs children the tree
 * does not hold, the way zstd's streaming API stops for more input:
 *
 *     etsim_search *s = etsim_search_begin(o, cfg, problem, res, NULL, 0, &err);
 *     while ((rc = etsim_search_step(s, &need, &n_need, &err)) == ETSIM_SEARCH_NEED_CHILDREN)
 *         for (i = 0; i < n_need; i++)      make need[i].node's first need[i].want
 *             need[i].have = ...;          children exist; have = how many now
 *     rc == ETSIM_SEARCH_DONE ? etsim_search_finish(s, &err) : etsim_search_abandon(s);
 *
 * The engine never calls the oracle after begin: whoever drives the search
 * supplies the children (an oracle's expand, or a batch of requests to live
 * servers shared by many searches) and answers each need with how many of
 * the first `want` children exist (fewer only when the source has no more;
 * the --on-missing policy then applies, as with an oracle's short answer).
 * Between steps the tree may grow anywhere (other searches over the same
 * tree add children), but existing children never change: child i of a node
 * is the same whoever asked for it. What a selector marks on nodes (DVTS's
 * subtree tags) belongs to the search, not to the tree.
 *
 * Needs come one at a time by default, exactly where the search loop would
 * ask an oracle, so a driver answering each with the oracle's expand
 * reproduces etsim_search_problem's tree (node ids included) for any
 * oracle. With ETSIM_SEARCH_BATCH a step returns every need of the
 * current selection at once (merged per node, in fork order), so that a
 * driver can send them together; needs are then computed before any
 * resampled clone of that selection exists, which may ask an oracle that
 * runs short for children the one-at-a-time order would have cloned
 * instead (the live oracle never runs short). Each selection is made once:
 * a search resumed after its needs were answered continues where it
 * stopped. One exception: a root whose token count changes between steps
 * (a live server reports the prompt's length with its first reply, after
 * the first selection asked for the root's children) makes the search
 * start over with the true count; only its first selection is redone. */
typedef struct etsim_search etsim_search;

typedef struct etsim_search_need {
    int32_t node;           /* the node whose first `want` children must exist */
    int32_t want;
    int32_t have;           /* set by the driver: how many exist (0..want)   */
} etsim_search_need;

enum {
    ETSIM_SEARCH_DONE = 0,
    ETSIM_SEARCH_NEED_CHILDREN = 1,
};

#define ETSIM_SEARCH_BATCH 1u /* step returns every need of a selection at once */

/* Start a search of problem `problem`. The tree searched is `tree` when
 * given (several searches share it; res's own tree stays empty), else
 * res->tree: when that is empty the oracle opens the problem into it (o
 * may be NULL when the tree already holds the root). res gets the logs
 * and counters (its previous logs are dropped). NULL with err on error. */
etsim_search *etsim_search_begin(etsim_oracle *o, const etsim_search_config *cfg,
                                 int32_t problem, etsim_problem_result *res, etsim_tree *tree,
                                 unsigned flags, etsim_err *err);
/* Advance as far as the tree allows. Returns ETSIM_SEARCH_NEED_CHILDREN
 * with (*need)[0..*n_need) to answer before the next step (the array
 * belongs to the search and stays valid until then), ETSIM_SEARCH_DONE,
 * or -1 with err naming the problem (and node). After DONE or -1 further
 * steps return the same. */
int etsim_search_step(etsim_search *s, etsim_search_need **need, int32_t *n_need,
                      etsim_err *err);
/* Complete the result of a search whose step returned DONE (its answers,
 * the no-leaf counters) and free the search; -1 with err (and the search
 * freed) when it was not done. */
int etsim_search_finish(etsim_search *s, etsim_err *err);
/* The work a search has done so far: selector calls (a selection redone
 * after a restart counts twice) and, of those, calls whose output has an
 * objective (ILP selectors: one ILP solve each). */
void etsim_search_work(const etsim_search *s, int64_t *selections, int64_t *ilp_solves);
/* Free a search without completing its result (NULL ok). */
void etsim_search_abandon(etsim_search *s);

/* The ETS KV metric for a set of candidate nodes: unique step tokens of the
 * union of their root paths (root counted as root_tokens). */
int64_t etsim_kv_union_tokens(const etsim_tree *t, const int32_t *nodes, int32_t n,
                              int32_t root_tokens, uint8_t *scratch_mark);

#endif
