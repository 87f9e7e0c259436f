/* synthetic.c -- the synthetic oracle's generative model (see synthetic.h
 * and README.md for the model and its parameters).
 *
 * Problem p: difficulty z ~ N(0,1) sets the per-step error logit; further
 * draws set the prompt length, the median step length, a PRM offset, the
 * ground truth and the problem's frequent wrong answers. These are pure
 * functions of (seed, p) and are recomputed when needed (a thread-local
 * one-entry cache makes that free): the oracle itself holds no mutable
 * state, so threads may work on different trees at once.
 *
 * Child i of node n (expand()): with a depth-dependent probability it
 * repeats the meaning of an earlier sibling j (chosen uniformly, so clusters
 * grow rich-get-richer as in a Chinese restaurant process) and copies the
 * cluster's hidden state: same track, same leaf flag, same answer; its PRM
 * score and length are jittered and its embedding is the cluster centroid
 * plus fresh noise (an exact duplicate copies text, score, length and
 * embedding outright). Otherwise it is a fresh step: the track may turn
 * wrong (or, rarely, recover), the step may end the solution, its length is
 * lognormal, and its PRM logit is a track-dependent mean plus AR(1) noise
 * along the path. All randomness comes from etsim_rng_make(seed, p,
 * n->key, i, purpose).
 *
 * Steps also converge across different parents: a fresh non-final step may
 * be one of the problem's few common steps at that depth and track (e.g.
 * the same intermediate result reached by different partial solutions).
 * Such cousins share a cluster centroid (and, when exact, text, length
 * and embedding), which is what ETS's semantic coverage term can exploit.
 *
 * Hidden state per node, packed into node->aux:
 *   bits  0..15  PRM noise residual, fixed point (1/1024 logit units)
 *   bit   16     wrong track
 *   bits 17..22  steps since the error (saturating at 63)
 *   bit   23     its common step comes from the pool every track shares
 *   bits 24..28  wrong-answer index (TAIL = a rare, per-leaf answer)
 *   bit   29     exact duplicate of its sibling cluster representative
 *   bit   30     exact copy of its common step
 *   bits 31..38  common step: 0 none, k+1 = the k-th common step
 *   bits 39..62  ordinal of the sibling cluster representative
 *   bit   63     the error is subtle: the PRM never notices it */
#include "sim/synthetic/synthetic.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    PURPOSE_PROBLEM = 1,
    PURPOSE_CHILD = 2,
    PURPOSE_CENTROID = 3,
    PURPOSE_NOISE = 4,
    PURPOSE_ANSWER = 5,
    PURPOSE_SHARED = 6,
};

#define WRONG_TAIL 31u
#define REP_BITS 24
#define REP_LIMIT ((1 << REP_BITS) - 1) /* children past this never duplicate */

typedef struct synth_impl {
    etsim_synth_profile prof;
    uint64_t uid;             /* distinguishes oracles in the problem cache  */
    uint64_t seed;
    double zipf_cdf[ETSIM_SYNTH_MAX_WRONG];
    double *shared_cdf;       /* Zipf over the common steps                 */
    float noise_half_width;   /* per-dim uniform noise in [-a, a]           */
} synth_impl;

/* Per-problem quantities, recomputed from (seed, problem). */
typedef struct synth_problem {
    int32_t index;
    double z;                 /* difficulty, N(0,1); larger = harder        */
    double err_logit;
    double leaf_off;
    double tok_mu;            /* log median step tokens                     */
    double prm_off;
    double gap_scale;
    int32_t prompt_tokens;
    int64_t truth;
    int64_t wrong_step;       /* spacing of the frequent wrong answers      */
    uint64_t wrong_signs;
    int32_t subject;          /* -1 none                                    */
    int32_t level;            /* 1..5 from difficulty quantile              */
} synth_problem;

/* ---- hidden state ---------------------------------------------------------- */
typedef struct hstate {
    float resid;              /* always a multiple of 1/1024                */
    int wrong;
    int since;
    unsigned widx;
    int exact;                /* exact copy of the sibling representative   */
    int sexact;               /* exact copy of the common step              */
    int shared;               /* common step index + 1, 0 none              */
    int subtle;               /* on a wrong track: the PRM never notices     */
    int any_track;            /* common step from the pool all tracks share  */
    int32_t rep;
} hstate;

#define RESID_SCALE 1024.0f
static float quantize_resid(double r) {
    double q = r * RESID_SCALE;
    q = q > 32767 ? 32767 : q < -32767 ? -32767 : q;
    return (float)lround(q) / RESID_SCALE;
}

static uint64_t pack(const hstate *s) {
    int32_t q = (int32_t)lroundf(s->resid * RESID_SCALE);
    return (uint64_t)(uint16_t)(int16_t)q | (uint64_t)(s->wrong ? 1 : 0) << 16 |
           (uint64_t)(s->since > 63 ? 63 : s->since) << 17 |
           (uint64_t)(s->any_track ? 1 : 0) << 23 | (uint64_t)(s->widx & 31u) << 24 |
           (uint64_t)(s->exact ? 1 : 0) << 29 | (uint64_t)(s->sexact ? 1 : 0) << 30 |
           (uint64_t)(s->shared & 255) << 31 | (uint64_t)((uint32_t)s->rep & REP_LIMIT) << 39 |
           (uint64_t)(s->subtle ? 1 : 0) << 63;
}

static hstate unpack(uint64_t a) {
    hstate s;
    s.resid = (float)(int16_t)(uint16_t)(a & 0xffff) / RESID_SCALE;
    s.wrong = (int)(a >> 16 & 1);
    s.since = (int)(a >> 17 & 63);
    s.any_track = (int)(a >> 23 & 1);
    s.widx = (unsigned)(a >> 24 & 31);
    s.exact = (int)(a >> 29 & 1);
    s.sexact = (int)(a >> 30 & 1);
    s.shared = (int)(a >> 31 & 255);
    s.rep = (int32_t)(a >> 39 & REP_LIMIT);
    s.subtle = (int)(a >> 63 & 1);
    return s;
}

int etsim_synth_node_correct(const etsim_tree *t, int32_t node) {
    return !unpack(t->nodes[node].aux).wrong;
}
int32_t etsim_synth_node_cluster(const etsim_tree *t, int32_t node) {
    return t->nodes[node].parent < 0 ? 0 : unpack(t->nodes[node].aux).rep;
}
int etsim_synth_node_exact_dup(const etsim_tree *t, int32_t node) {
    return t->nodes[node].parent < 0 ? 0 : unpack(t->nodes[node].aux).exact;
}
int etsim_synth_node_common(const etsim_tree *t, int32_t node, int *exact) {
    hstate s = t->nodes[node].parent < 0 ? (hstate){0} : unpack(t->nodes[node].aux);
    if (exact) *exact = s.shared ? s.sexact : 0;
    return s.shared;
}

/* ---- small math ------------------------------------------------------------- */
static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
static double logit_clamped(double p) {
    if (p <= 0) return -INFINITY;
    if (p >= 1) return INFINITY;
    return log(p / (1 - p));
}
static double phi_cdf(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }

/* ---- problems ---------------------------------------------------------------- */
static void problem_compute(const synth_impl *im, int32_t index, synth_problem *pr) {
    const etsim_synth_profile *P = &im->prof;
    etsim_rng r = etsim_rng_make(im->seed, (uint64_t)index, 0, 0, PURPOSE_PROBLEM);
    pr->index = index;
    pr->z = etsim_rng_normal(&r);
    pr->err_logit = P->error_logit_mean + P->error_logit_sd * pr->z;
    pr->leaf_off = P->leaf_problem_sd * etsim_rng_normal(&r) - P->leaf_difficulty_slope * pr->z;
    pr->tok_mu = log(P->step_tokens_median) + P->step_tokens_problem_sd * etsim_rng_normal(&r);
    pr->prm_off = P->prm_problem_sd * etsim_rng_normal(&r);
    double g = exp(-P->prm_gap_difficulty * pr->z);
    pr->gap_scale = g < 0.1 ? 0.1 : g > 10 ? 10 : g;
    double pt = exp(log(P->prompt_tokens_median) + P->prompt_tokens_sigma * etsim_rng_normal(&r));
    pr->prompt_tokens = pt < 1 ? 1 : pt > 1e6 ? 1000000 : (int32_t)lround(pt);
    pr->truth = (int64_t)(etsim_rng_uniform(&r) * ((double)P->answer_max + 1));
    if (pr->truth > P->answer_max) pr->truth = P->answer_max;
    /* Frequent wrong answers: truth +- (k+1) * step, distinct by construction. */
    int64_t max_step = P->answer_max / 10 > 9 ? 9 : P->answer_max / 10 < 1 ? 1 : P->answer_max / 10;
    pr->wrong_step = 1 + (int64_t)(etsim_rng_uniform(&r) * (double)max_step);
    pr->wrong_signs = etsim_rng_u64(&r);
    pr->subject = P->n_subjects > 0
                      ? (int32_t)(etsim_rng_uniform(&r) * P->n_subjects) % P->n_subjects
                      : -1;
    /* The level is the quintile of difficulty, seen through noise when
     * level_noise_sd > 0 (drawn only then: other profiles keep their
     * streams); dividing by the combined sd keeps the quintiles equal. */
    double level_score = pr->z;
    if (P->level_noise_sd > 0)
        level_score = (pr->z + P->level_noise_sd * etsim_rng_normal(&r)) /
                      sqrt(1 + P->level_noise_sd * P->level_noise_sd);
    int lvl = 1 + (int)(5.0 * phi_cdf(level_score));
    pr->level = lvl > 5 ? 5 : lvl;
}

static const synth_problem *problem_get(const synth_impl *im, int32_t index) {
    /* One entry per thread: expand() calls come in long runs for one
     * problem, so this avoids recomputing a dozen draws per call. */
    static _Thread_local synth_problem cache;
    static _Thread_local uint64_t cache_uid;
    if (cache_uid != im->uid || cache.index != index) {
        problem_compute(im, index, &cache);
        cache_uid = im->uid;
    }
    return &cache;
}

static int64_t wrong_value(const synth_problem *pr, unsigned k) {
    int64_t mag = (int64_t)(k + 1) * pr->wrong_step;
    int neg = (int)(pr->wrong_signs >> (k & 63) & 1);
    if (neg && pr->truth - mag < 0) neg = 0;
    return neg ? pr->truth - mag : pr->truth + mag;
}

/* A rare wrong answer, drawn per leaf: magnitudes beyond every frequent one. */
static int64_t tail_value(const synth_impl *im, const synth_problem *pr, uint64_t leaf_key) {
    etsim_rng r = etsim_rng_make(im->seed, (uint64_t)pr->index, leaf_key, 0, PURPOSE_ANSWER);
    int64_t span = 10 * (int64_t)im->prof.answer_max + 10;
    int64_t mag = ((int64_t)im->prof.wrong_answers + 1) * pr->wrong_step +
                  (int64_t)(etsim_rng_uniform(&r) * (double)span);
    return etsim_rng_uniform(&r) < 0.5 && pr->truth - mag >= 0 ? pr->truth - mag : pr->truth + mag;
}

static unsigned draw_wrong_index(const synth_impl *im, etsim_rng *r) {
    double u = etsim_rng_uniform(r);
    if (u < im->prof.wrong_answer_tail) return WRONG_TAIL;
    double v = etsim_rng_uniform(r);
    for (int32_t k = 0; k < im->prof.wrong_answers; k++)
        if (v < im->zipf_cdf[k]) return (unsigned)k;
    return (unsigned)(im->prof.wrong_answers - 1);
}

/* ---- PRM -------------------------------------------------------------------- */
static double prm_logit(const synth_impl *im, const synth_problem *pr, const hstate *s,
                        int32_t depth, int leaf) {
    const etsim_synth_profile *P = &im->prof;
    double mid = 0.5 * (P->prm_mean_correct + P->prm_mean_wrong);
    double m = P->prm_mean_correct;
    if (s->wrong && !s->subtle)
        m = P->prm_mean_wrong +
            (P->prm_mean_correct - P->prm_mean_wrong) * pow(P->prm_detect_lag, s->since + 1);
    double dev = (m - mid) * pr->gap_scale * (leaf ? P->prm_leaf_sharpen : 1.0);
    return mid + dev + P->prm_depth_drift * (depth - 1) + pr->prm_off + s->resid;
}

/* ---- embeddings ---------------------------------------------------------------- */
/* Centroid of a cluster: 16-bit uniform lanes of the counter RNG, unit
 * length. Not Gaussian, but in 64+ dimensions two such vectors are as
 * nearly orthogonal as Gaussian ones (cosine ~ N(0, 1/d)). */
static void make_embedding(const synth_impl *im, uint64_t problem, uint64_t rep_key,
                           uint64_t own_key, float *v) {
    int32_t d = im->prof.emb_dim;
    etsim_rng rc = etsim_rng_make(im->seed, problem, rep_key, 0, PURPOSE_CENTROID);
    float norm = 0;
    for (int32_t i = 0; i < d; i += 4) {
        uint64_t x = etsim_rng_u64(&rc);
        for (int32_t k = 0; k < 4 && i + k < d; k++) {
            float c = (float)(int32_t)((x >> (16 * k)) & 0xffff) * (1.0f / 32768.0f) - 1.0f;
            v[i + k] = c;
            norm += c * c;
        }
    }
    float inv = norm > 0 ? 1.0f / sqrtf(norm) : 0.0f;
    float a = im->noise_half_width;
    etsim_rng rn = etsim_rng_make(im->seed, problem, own_key, 0, PURPOSE_NOISE);
    float norm2 = 0;
    for (int32_t i = 0; i < d; i += 4) {
        uint64_t x = etsim_rng_u64(&rn);
        for (int32_t k = 0; k < 4 && i + k < d; k++) {
            float u = (float)(int32_t)((x >> (16 * k)) & 0xffff) * (1.0f / 32768.0f) - 1.0f;
            float e = v[i + k] * inv + a * u;
            v[i + k] = e;
            norm2 += e * e;
        }
    }
    float inv2 = norm2 > 0 ? 1.0f / sqrtf(norm2) : 0.0f;
    for (int32_t i = 0; i < d; i++) v[i] *= inv2;
}

/* ---- texts -------------------------------------------------------------------- */
static void answer_text(const char *fmt, const char *ans, int32_t variant, char *buf, size_t n) {
    char tag[24] = "";
    if (variant > 0) snprintf(tag, sizeof tag, "[v%d] ", variant);
    if (!strcmp(fmt, "boxed"))
        snprintf(buf, n, "%sThe final answer is $\\boxed{%s}$.", tag, ans);
    else if (!strcmp(fmt, "sal"))
        snprintf(buf, n, "%sTherefore, the final answer is: $\\boxed{%s}$", tag, ans);
    else
        snprintf(buf, n, "%sThe answer is: %s", tag, ans);
}

/* ---- children ------------------------------------------------------------------ */
/* Round to whole tokens, at least 1; reaching the cap means the step was
 * cut there (*capped). */
static int clamp_tokens(double x, int32_t cap, int *capped) {
    *capped = 0;
    if (!(x >= 1)) return 1;
    if (x >= cap || lround(x) >= cap) {
        *capped = 1;
        return cap;
    }
    return (int)lround(x);
}

/* Centroid key of a common step: shared by every node of the problem at
 * that depth and track class that takes common step k (the centroid RNG
 * adds seed and problem). Class 0 is the correct track, 1 + w the wrong
 * track leading to wrong answer w, and 63 the pool all tracks share. */
static uint64_t common_key(int32_t depth, const hstate *s) {
    uint64_t cls = s->any_track ? 63u : s->wrong ? 1u + s->widx : 0u;
    return etsim_mix64(0x636f6d6d6f6eULL ^ (uint64_t)(uint32_t)depth << 40 ^ cls << 16 ^
                       (uint64_t)(uint32_t)s->shared);
}

static unsigned draw_common(const synth_impl *im, etsim_rng *r) {
    double v = etsim_rng_uniform(r);
    for (int32_t k = 0; k < im->prof.common_steps; k++)
        if (v < im->shared_cdf[k]) return (unsigned)k;
    return (unsigned)(im->prof.common_steps - 1);
}

uint64_t etsim_synth_node_cluster_key(const etsim_tree *t, int32_t node) {
    const etsim_node *n = &t->nodes[node];
    if (n->parent < 0) return n->key;
    hstate s = unpack(n->aux);
    if (s.shared) return common_key(n->depth, &s);
    return t->nodes[t->nodes[n->parent].kids[s.rep]].key;
}

static void make_child(const synth_impl *im, const synth_problem *pr, etsim_tree *t,
                       int32_t parent, float *embuf) {
    const etsim_synth_profile *P = &im->prof;
    const etsim_node *pn = &t->nodes[parent];
    int32_t i = pn->n_kids;
    int32_t depth = pn->depth + 1;
    uint64_t pkey = pn->key;
    uint64_t prob = (uint64_t)pr->index;
    int parent_is_root = pn->parent < 0;
    hstate ps = parent_is_root ? (hstate){0} : unpack(pn->aux);
    etsim_rng r = etsim_rng_make(im->seed, prob, pkey, (uint64_t)i, PURPOSE_CHILD);

    double dup_p = 0;
    if (i > 0 && i < REP_LIMIT && P->dup_rate > 0)
        dup_p = P->dup_rate >= 1 ? 1 : sigmoid(logit_clamped(P->dup_rate) + P->dup_depth_slope * (depth - 1));
    double u_dup = etsim_rng_uniform(&r);
    double u_pick = etsim_rng_uniform(&r);
    double u_exact = etsim_rng_uniform(&r);
    int unscored = etsim_rng_uniform(&r) < P->unscored_rate;

    hstate s = {0};
    int leaf = 0, capped = 0, tokens;
    char ans[48] = "";
    int32_t rep_id = -1;  /* sibling representative when a sibling duplicate */
    int copy_rep = 0;     /* exact sibling duplicate: copy text/score/embedding */

    if (u_dup < dup_p) {
        /* Repeat the meaning of sibling j's cluster. */
        int32_t j = (int32_t)(u_pick * i);
        if (j >= i) j = i - 1;
        int32_t jid = pn->kids[j];
        int32_t rep = t->nodes[jid].ordinal == 0 ? 0 : unpack(t->nodes[jid].aux).rep;
        rep_id = pn->kids[rep];
        const etsim_node *rn = &t->nodes[rep_id];
        hstate rs = unpack(rn->aux);
        s = rs;
        s.rep = rep;
        s.exact = copy_rep = u_exact < P->exact_dup_frac;
        leaf = (rn->flags & ETSIM_NODE_LEAF) != 0;
        if (copy_rep) {
            tokens = rn->step_tokens;
            capped = (rn->flags & ETSIM_NODE_MAXLEN) != 0;
        } else {
            s.sexact = 0; /* a variant of the common step, not its exact text */
            tokens = clamp_tokens(rn->step_tokens * exp(P->dup_tokens_jitter * etsim_rng_normal(&r)),
                                  P->max_step_tokens, &capped);
            if (capped) leaf = 0;
            s.resid = quantize_resid(rs.resid + P->prm_dup_noise_sd * etsim_rng_normal(&r));
        }
        const char *ra = etsim_tree_answer(t, rep_id);
        if (leaf && ra) snprintf(ans, sizeof ans, "%s", ra);
        else if (leaf) leaf = 0; /* representative lost its leaf status to a cap */
    } else {
        s = ps;
        s.exact = s.sexact = 0;
        s.shared = 0;
        s.any_track = 0;
        s.rep = i < REP_LIMIT ? i : REP_LIMIT;
        double e = sigmoid(pr->err_logit + P->error_depth_slope * (depth - 1));
        if (!s.wrong) {
            if (etsim_rng_uniform(&r) < e) {
                s.wrong = 1;
                s.since = 0;
                s.widx = draw_wrong_index(im, &r);
                /* drawn only when enabled: profiles without subtle errors
                 * keep the random streams (and trees) they always had */
                s.subtle = P->prm_subtle_rate > 0 && etsim_rng_uniform(&r) < P->prm_subtle_rate;
            }
        } else if (etsim_rng_uniform(&r) < P->recover_prob * (1 - e)) {
            /* Noticing and fixing a mistake takes the skill the problem
             * demands: recovery scales with the chance of a correct step. */
            s.wrong = 0;
            s.since = 0;
            s.widx = 0;
            s.subtle = 0;
        } else {
            s.since = s.since < 63 ? s.since + 1 : 63;
            if (etsim_rng_uniform(&r) < P->wrong_answer_redraw) s.widx = draw_wrong_index(im, &r);
        }
        double leaf_logit = P->leaf_logit_base + P->leaf_depth_slope * (depth - 1) + pr->leaf_off +
                            (s.wrong ? P->leaf_wrong_offset : 0);
        leaf = etsim_rng_uniform(&r) < sigmoid(leaf_logit);
        if (!leaf && etsim_rng_uniform(&r) < P->common_step_rate) {
            s.shared = 1 + (int)draw_common(im, &r);
            s.sexact = etsim_rng_uniform(&r) < P->exact_dup_frac;
            /* drawn only when enabled, as the subtle flag above */
            s.any_track = P->common_step_any_track > 0 &&
                          etsim_rng_uniform(&r) < P->common_step_any_track;
        }
        double mu = pr->tok_mu + (leaf ? log(P->leaf_tokens_scale) : 0);
        double zt = etsim_rng_normal(&r);
        if (s.sexact) {
            /* the same text has the same length wherever it occurs */
            etsim_rng rs = etsim_rng_make(im->seed, prob, common_key(depth, &s), 0, PURPOSE_SHARED);
            zt = etsim_rng_normal(&rs);
        }
        tokens = clamp_tokens(exp(mu + P->step_tokens_sigma * zt), P->max_step_tokens, &capped);
        if (capped) leaf = 0; /* cut off before the answer */
        double z = etsim_rng_normal(&r);
        s.resid = quantize_resid(parent_is_root ? P->prm_noise_sd * z
                                                : P->prm_rho * ps.resid +
                                                      sqrt(1 - P->prm_rho * P->prm_rho) * P->prm_noise_sd * z);
        if (leaf) {
            int64_t v = !s.wrong ? pr->truth
                        : s.widx == WRONG_TAIL
                            ? tail_value(im, pr, etsim_child_key(pkey, i))
                            : wrong_value(pr, s.widx < (unsigned)P->wrong_answers ? s.widx
                                                                                 : (unsigned)P->wrong_answers - 1);
            snprintf(ans, sizeof ans, "%lld", (long long)v);
        }
    }
    double logit = prm_logit(im, pr, &s, depth, leaf);

    /* Copy what we need from the representative before the arrays grow. */
    uint64_t rep_key = rep_id >= 0 ? t->nodes[rep_id].key : 0;
    uint64_t rep_hash = rep_id >= 0 ? t->nodes[rep_id].text_hash : 0;
    int have_emb = P->emb_dim > 0;
    int copy_emb = have_emb && copy_rep && t->nodes[rep_id].emb_row >= 0;
    if (copy_emb) memcpy(embuf, etsim_tree_embedding(t, rep_id), (size_t)P->emb_dim * sizeof *embuf);
    char text[160];
    text[0] = 0;
    if (P->step_text && copy_rep && etsim_tree_text(t, rep_id))
        snprintf(text, sizeof text, "%s", etsim_tree_text(t, rep_id));

    int32_t id = etsim_tree_add_child(t, parent, tokens);
    etsim_node *n = &t->nodes[id];
    uint64_t own_key = n->key;
    if (rep_id < 0) rep_key = own_key;
    uint64_t ckey = s.shared ? common_key(depth, &s) : rep_key; /* centroid */
    n->aux = pack(&s);
    if (leaf) n->flags |= ETSIM_NODE_LEAF;
    if (capped) n->flags |= ETSIM_NODE_MAXLEN;
    if (!unscored) {
        /* Exact duplicates share the representative's prefix and text, so
         * the PRM gives exactly its score. */
        float sc = (copy_rep && (t->nodes[rep_id].flags & ETSIM_NODE_SCORED))
                       ? t->nodes[rep_id].score
                       : (float)sigmoid(logit);
        etsim_tree_set_score(t, id, sc);
    }
    if (leaf) etsim_tree_set_answer(t, id, ans);
    if (have_emb) {
        /* An exact common step has one text, hence one embedding. */
        if (!copy_emb) make_embedding(im, prob, ckey, s.sexact ? ckey : own_key, embuf);
        etsim_tree_set_embedding(t, id, embuf);
    }
    uint64_t variant = copy_rep ? 0 : rep_id >= 0 ? (uint64_t)i : s.shared && !s.sexact ? own_key >> 32 : 0;
    if (P->step_text) {
        if (!text[0]) {
            if (leaf)
                answer_text(P->answer_format, ans, (int32_t)(variant & 0x7fffffff), text, sizeof text);
            else if (variant)
                snprintf(text, sizeof text, "Step %d: %s %08llx (variant %llx)", depth,
                         s.shared ? "result" : "idea", (unsigned long long)(ckey >> 32),
                         (unsigned long long)variant);
            else
                snprintf(text, sizeof text, "Step %d: %s %08llx", depth, s.shared ? "result" : "idea",
                         (unsigned long long)(ckey >> 32));
        }
        etsim_tree_set_text(t, id, text);
    } else {
        /* No text, but the hash still says which steps are identical. */
        t->nodes[id].text_hash = copy_rep ? rep_hash
                                 : s.sexact ? etsim_mix64(ckey ^ 0x74657874ULL)
                                            : etsim_mix64(own_key ^ 0x74657874ULL ^ variant);
    }
}

/* ---- vtable -------------------------------------------------------------------- */
static int synth_open_problem(etsim_oracle *o, int32_t problem, etsim_tree *t, etsim_err *err) {
    const synth_impl *im = o->impl;
    if (problem < 0 || problem >= im->prof.n_problems)
        return etsim_errf(err, "synthetic:%s: problem %d out of range (profile has %d problems)",
                          im->prof.name, problem, im->prof.n_problems);
    if (t->n_nodes != 0)
        return etsim_errf(err, "synthetic:%s: problem %d: tree is not empty", im->prof.name, problem);
    const synth_problem *pr = problem_get(im, problem);
    char id[320];
    char answer[32];
    snprintf(id, sizeof id, "synthetic/%s/%04d", im->prof.dataset, problem);
    snprintf(answer, sizeof answer, "%lld", (long long)pr->truth);
    t->emb_dim = im->prof.emb_dim; /* empty tree: safe to (re)set */
    t->prob.index = problem;
    etsim_problem_set(&t->prob, id, NULL, answer,
                      pr->subject >= 0 ? im->prof.subjects[pr->subject] : NULL, pr->level);
    etsim_tree_add_root(t, pr->prompt_tokens);
    return 0;
}

static int synth_expand(etsim_oracle *o, etsim_tree *t, int32_t node, int32_t want,
                        etsim_err *err) {
    const synth_impl *im = o->impl;
    if (node < 0 || node >= t->n_nodes)
        return etsim_errf(err, "synthetic:%s: problem %d: node %d does not exist", im->prof.name,
                          t->prob.index, node);
    if (want < 0)
        return etsim_errf(err, "synthetic:%s: problem %d: node %d: negative child count %d",
                          im->prof.name, t->prob.index, node, want);
    /* A finished solution has no next step (the engine never asks). */
    if (t->nodes[node].flags & ETSIM_NODE_LEAF) return 0;
    if (t->nodes[node].n_kids >= want) return want;
    const synth_problem *pr = problem_get(im, t->prob.index);
    float stackbuf[256];
    float *embuf = im->prof.emb_dim <= 256 ? stackbuf : etsim_malloc((size_t)im->prof.emb_dim * sizeof(float));
    while (t->nodes[node].n_kids < want) make_child(im, pr, t, node, embuf);
    if (embuf != stackbuf) free(embuf);
    return want;
}

static void synth_close(etsim_oracle *o) {
    if (!o) return;
    synth_impl *im = o->impl;
    if (im) {
        etsim_synth_profile_free(&im->prof);
        free(im->shared_cdf);
        free(im);
    }
    etsim_meta_free(&o->meta);
    free(o);
}

static const etsim_oracle_vtab SYNTH_VT = {
    .name = "synthetic",
    .open = synth_open_problem,
    .expand = synth_expand,
    .close = synth_close,
};

etsim_oracle *etsim_synth_open(const etsim_synth_profile *p, etsim_err *err) {
    static atomic_uint_fast64_t next_uid = 1;
    synth_impl *im = etsim_calloc(1, sizeof *im);
    etsim_synth_profile_copy(&im->prof, p);
    im->uid = atomic_fetch_add(&next_uid, 1);
    im->seed = (uint64_t)p->seed;
    double total = 0;
    for (int32_t k = 0; k < p->wrong_answers; k++) total += pow(k + 1, -p->wrong_answer_skew);
    double acc = 0;
    for (int32_t k = 0; k < p->wrong_answers; k++) {
        acc += pow(k + 1, -p->wrong_answer_skew) / total;
        im->zipf_cdf[k] = acc;
    }
    im->zipf_cdf[p->wrong_answers - 1] = 1.0;
    im->shared_cdf = etsim_malloc((size_t)p->common_steps * sizeof *im->shared_cdf);
    total = 0;
    for (int32_t k = 0; k < p->common_steps; k++) total += pow(k + 1, -p->common_step_skew);
    acc = 0;
    for (int32_t k = 0; k < p->common_steps; k++) {
        acc += pow(k + 1, -p->common_step_skew) / total;
        im->shared_cdf[k] = acc;
    }
    im->shared_cdf[p->common_steps - 1] = 1.0;
    /* Two members of a cluster differ by two independent noises of
     * variance s^2 per dimension: cosine distance ~ s^2 * d. Uniform noise
     * on [-a, a] has variance a^2 / 3. */
    if (p->emb_dim > 0)
        im->noise_half_width = (float)sqrt(3.0 * p->cluster_cos_dist / p->emb_dim);

    etsim_oracle *o = etsim_calloc(1, sizeof *o);
    o->vt = &SYNTH_VT;
    o->impl = im;
    char model[320];
    snprintf(model, sizeof model, "synthetic:%s", p->name ? p->name : "default");
    o->meta.dataset = etsim_strdup(p->dataset);
    o->meta.policy_model = etsim_strdup(model);
    o->meta.prm_model = etsim_strdup(model);
    o->meta.embed_model = p->emb_dim > 0 ? etsim_strdup(model) : NULL;
    o->meta.tokenizer = etsim_strdup(model);
    o->meta.step_delimiter = etsim_strdup(p->step_delimiter);
    o->meta.answer_format = etsim_strdup(p->answer_format);
    o->meta.embed_encoding = NULL; /* nothing stored: floats as generated */
    o->meta.settings_json = etsim_synth_profile_to_json(p);
    o->meta.emb_dim = p->emb_dim;
    o->meta.tokens_estimated = 0;
    o->meta.n_problems = p->n_problems;
    (void)err;
    return o;
}

static etsim_oracle *synth_kind_open(const char *spec, etsim_err *err) {
    etsim_synth_profile p;
    if (etsim_synth_profile_load(spec, &p, err)) return NULL;
    etsim_oracle *o = etsim_synth_open(&p, err);
    etsim_synth_profile_free(&p);
    return o;
}

/* A spec ending in .json is a profile file; others name shipped profiles. */
static int synth_spec_is_path(const char *spec) {
    size_t n = strlen(spec);
    return n >= 5 && !strcmp(spec + n - 5, ".json");
}

const etsim_oracle_kind etsim_oracle_kind_synthetic = {
    .abi = ETSIM_ORACLE_ABI,
    .name = "synthetic",
    .help = "deterministic generative model; spec = built-in profile name or JSON profile path",
    .open = synth_kind_open,
    .default_spec = "default",
    .spec_is_path = synth_spec_is_path,
};
