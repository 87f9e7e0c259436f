/* ets_states.c -- the ETS selection ILP with few scattered clusters, solved
 * exactly by a dynamic programme over the tree whose states are the sets of
 * scattered clusters covered (ets_exact.c calls it at a branch-and-bound
 * node once at most ETSIM_STATES_MAX_BITS such clusters are left open).
 *
 * Why: in real steps almost every cluster is sibling-local (ets_exact.c
 * solves those inside the tree programme), and the few that are not are
 * large (the same step text under many parents). Their Lagrangian bound is
 * loose, and branching on them one member at a time took thousands of
 * nodes; carrying their coverage as a bit mask is exact and small. With
 * multipliers (in->mu) the other open clusters stay relaxed, each member
 * worth mu_k more, and the programme solves ets_exact.c's hybrid
 * relaxation instead: a bound, and the node's answer when it violates no
 * relaxed row.
 *
 * How. Each subtree gets a table: for every mask S of open clusters, its
 * best non-empty selection covering exactly S among them, in the order of
 * ilp.h's tie rule (value, then preference weight W, then lexicographic in
 * rank order), plus whether the empty selection is allowed (no member
 * fixed to 1 below). A candidate is one entry; a sibling-local cluster is
 * one entry (its best non-empty choice plus v, as in ets_exact.c); a branch
 * node merges its children's tables pairwise (masks OR, values and W add,
 * selections are disjoint so their union's lexicographic rank is decided
 * part by part), adds its own cost u, and at the lowest common ancestor of
 * a cluster's free members folds that cluster's bit into the value (+v).
 * The root's table then has the single mask 0: the answer. Optimal
 * substructure holds because for fixed masks the order is a lexicographic
 * product of the parts' orders (values and W add; a tie in both is decided
 * by the first differing rank, which lies in one part).
 *
 * Selections are kept as bitsets in rank order (rank 0 is the top bit of
 * word 0), so "lexicographically greater" is "numerically greater" and a
 * union is an OR. Values equal within dtie are equal (ets_exact.c's near-
 * tie check makes that exact); a comparison between the rounding bound and
 * dtie makes the answer untrusted and the caller goes on without it, as
 * does running past the work budget. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "selectors/ets_states.h"

/* A selection is a set id: -1 the empty set, else a node of c->sets,
 * either one candidate or the union of two disjoint non-empty sets. A
 * merge then costs one node per winning entry (none when one side is
 * empty), where bitsets cost a copy of N bits per entry and level; the
 * bits are written out only for a tie on (value, W) and for the answer. */
typedef struct set_node {
    int32_t left, right; /* right < 0: the single candidate of rank left */
} set_node;

typedef struct ent {
    uint32_t mask;
    int32_t set;
    double val;
    int64_t w;
} ent;

/* A table is a run of entries in the arena c->ents (offsets, since the
 * arena grows); a child's table is dead once merged into its parent's. */
typedef struct table {
    int32_t off, n;
    int can_empty;
} table;

typedef struct ctx {
    const etsim_states_in *in;
    int32_t words;
    set_node *sets;
    int32_t n_sets, sets_cap;
    ent *ents;
    size_t n_ents, ents_cap;
    int32_t *slot;      /* [2^bits] entry of the output being built, or -1 */
    uint32_t *touched;
    int32_t *stack;     /* set expansion, sets_cap deep at most */
    int32_t stack_cap;
    int64_t ops;
    int uncertain, over;
    int pruned;         /* bound pruning dropped an entry */
    uint64_t *tmp;      /* 2 bitsets for tie comparisons */
} ctx;

static int32_t set_new(ctx *c, int32_t left, int32_t right) {
    if (c->n_sets == c->sets_cap) {
        c->sets_cap = 2 * c->sets_cap + 256;
        c->sets = etsim_realloc(c->sets, (size_t)c->sets_cap * sizeof *c->sets);
    }
    c->sets[c->n_sets] = (set_node){left, right};
    return c->n_sets++;
}

static int32_t set_one(ctx *c, int32_t rank) {
    return set_new(c, rank, -1);
}

static int32_t set_union(ctx *c, int32_t a, int32_t b) {
    return a < 0 ? b : b < 0 ? a : set_new(c, a, b);
}

/* The set's bits in rank order (rank 0 the top bit of word 0), so that
 * "lexicographically greater" is "numerically greater". */
static void set_bits(ctx *c, int32_t id, uint64_t *dst) {
    memset(dst, 0, (size_t)c->words * sizeof *dst);
    if (id < 0) return;
    if (c->stack_cap < c->n_sets) {
        c->stack_cap = c->sets_cap;
        c->stack = etsim_realloc(c->stack, (size_t)c->stack_cap * sizeof *c->stack);
    }
    int32_t depth = 0; /* each node is pushed once: parts are disjoint */
    c->stack[depth++] = id;
    while (depth > 0) {
        const set_node *n = &c->sets[c->stack[--depth]];
        if (n->right < 0) {
            dst[n->left / 64] |= (uint64_t)1 << (63 - n->left % 64);
        } else {
            c->stack[depth++] = n->left;
            c->stack[depth++] = n->right;
        }
    }
}

static int lex_cmp(const uint64_t *a, const uint64_t *b, int32_t words) {
    for (int32_t q = 0; q < words; q++)
        if (a[q] != b[q]) return a[q] > b[q] ? 1 : -1;
    return 0;
}

/* > 0 when (va, wa) beats (vb, wb), < 0 when it loses, 0 on a tie. */
static int cmp_vw(ctx *c, double va, int64_t wa, double vb, int64_t wb) {
    double d = fabs(va - vb);
    if (d > c->in->noise && d <= c->in->dtie) c->uncertain = 1;
    if (va > vb + c->in->dtie) return 1;
    if (va < vb - c->in->dtie) return -1;
    return (wa > wb) - (wa < wb);
}

/* Room for n more entries in the arena. */
static void ents_reserve(ctx *c, size_t n) {
    if (c->n_ents + n <= c->ents_cap) return;
    c->ents_cap = 2 * c->ents_cap + n + 256;
    c->ents = etsim_realloc(c->ents, c->ents_cap * sizeof *c->ents);
}

/* A one-entry table. */
static table table_one(ctx *c, uint32_t mask, int32_t set, double val, int64_t w, int can_empty) {
    ents_reserve(c, 1);
    c->ents[c->n_ents] = (ent){mask, set, val, w};
    return (table){(int32_t)c->n_ents++, 1, can_empty};
}

/* Merge output being built: candidate (mask, val, w) made of the sets sa
 * and sb; the union is made only for the winners, in collect. */
typedef struct cand_ent {
    double val;
    int64_t w;
    int32_t sa, sb;
} cand_ent;

static void offer_ent(ctx *c, cand_ent *out, uint32_t *n_touched, uint32_t mask, double val,
                      int64_t w, int32_t sa, int32_t sb) {
    int32_t s = c->slot[mask];
    if (s < 0) {
        c->slot[mask] = (int32_t)mask;
        c->touched[(*n_touched)++] = mask;
        out[mask] = (cand_ent){val, w, sa, sb};
        return;
    }
    cand_ent *o = &out[mask];
    int r = cmp_vw(c, val, w, o->val, o->w);
    if (r == 0) {
        int32_t mine = set_union(c, sa, sb), theirs = set_union(c, o->sa, o->sb);
        set_bits(c, mine, c->tmp);
        set_bits(c, theirs, c->tmp + c->words);
        r = lex_cmp(c->tmp, c->tmp + c->words, c->words);
    }
    if (r > 0) *o = (cand_ent){val, w, sa, sb};
}

/* Turn the touched slots into a table, resetting the slots. */
static table collect(ctx *c, cand_ent *out, uint32_t n_touched, int can_empty) {
    ents_reserve(c, n_touched);
    table t = {(int32_t)c->n_ents, (int32_t)n_touched, can_empty};
    ent *e = c->ents + c->n_ents;
    for (uint32_t q = 0; q < n_touched; q++) {
        uint32_t mask = c->touched[q];
        cand_ent *o = &out[mask];
        e[q] = (ent){mask, set_union(c, o->sa, o->sb), o->val, o->w};
        c->slot[mask] = -1;
    }
    c->n_ents += n_touched;
    return t;
}

static table merge(ctx *c, cand_ent *out, table a, table b) {
    uint32_t n_touched = 0;
    /* refuse a merge that would pass the budget before doing it */
    c->ops += (int64_t)(a.n + 1) * (b.n + 1);
    if (c->ops > c->in->op_limit) c->over = 1;
    if (!c->over && a.n == 0 && a.can_empty) return b; /* what the loops give */
    if (!c->over && b.n == 0 && b.can_empty) return a;
    for (int32_t i = -1; i < a.n && !c->over; i++) {
        if (i < 0 && !a.can_empty) continue;
        const ent *ea = i >= 0 ? &c->ents[a.off + i] : NULL;
        for (int32_t j = -1; j < b.n; j++) {
            if (j < 0 && (i < 0 || !b.can_empty)) continue;
            const ent *eb = j >= 0 ? &c->ents[b.off + j] : NULL;
            uint32_t mask = (ea ? ea->mask : 0) | (eb ? eb->mask : 0);
            double val = (ea ? ea->val : 0.0) + (eb ? eb->val : 0.0);
            int64_t w = (ea ? ea->w : 0) + (eb ? eb->w : 0);
            offer_ent(c, out, &n_touched, mask, val, w, ea ? ea->set : -1, eb ? eb->set : -1);
        }
    }
    return collect(c, out, n_touched, a.can_empty && b.can_empty);
}

/* Leaves that enter a table as one entry: a parent's leaves without a
 * state bit, or a sibling-local cluster's members (plus v). Its best
 * non-empty choice (ets_exact.c's rule): every leaf forced or worth >=
 * -dtie, or if none is, the single best; the empty choice too unless one
 * is forced. base starts the value (v for a cluster). */
typedef struct group_acc {
    double val, one_val;
    int64_t w;
    int32_t set, one, n_in;
    int forced;
} group_acc;

static void group_add(ctx *c, group_acc *g, int32_t i, double worth) {
    const etsim_states_in *in = c->in;
    int32_t N = in->m->n_cand;
    int forced = in->fix[i] == ETSIM_FIX_ONE;
    double d = fabs(worth);
    if (d > in->noise && d <= in->dtie) c->uncertain = 1;
    if (forced || worth >= -in->dtie) {
        g->set = set_union(c, g->set, set_one(c, in->rank[i]));
        g->forced |= forced;
        g->n_in++;
        g->val += worth;
        g->w += N - in->rank[i];
        return;
    }
    /* the best single leaf: value, then W, then rank (the smaller wins) */
    int r = g->one < 0 ? 1 : cmp_vw(c, worth, N - in->rank[i], g->one_val, N - in->rank[g->one]);
    if (r > 0 || (r == 0 && in->rank[i] < in->rank[g->one])) {
        g->one = i;
        g->one_val = worth;
    }
}

static void group_init(group_acc *g, double base) {
    *g = (group_acc){.val = base, .set = -1, .one = -1};
}

/* Merge the group's entry into table *t; nothing when it has no leaf. */
static void group_merge(ctx *c, cand_ent *out, group_acc *g, table *t) {
    if (g->n_in == 0 && g->one < 0) return;
    if (g->n_in == 0) { /* the single best */
        g->set = set_one(c, c->in->rank[g->one]);
        g->val += g->one_val;
        g->w = c->in->m->n_cand - c->in->rank[g->one];
    }
    *t = merge(c, out, *t, table_one(c, 0, g->set, g->val, g->w, !g->forced));
}

int etsim_states_solve(const etsim_states_in *in, uint8_t *x, double *root_val, int64_t *root_w,
                       int64_t *ops) {
    const etsim_ilp_model *m = in->m;
    int32_t N = m->n_cand, M = m->n_branch, K = m->n_clusters;
    if (in->n_bits > ETSIM_STATES_MAX_BITS) return 0;
    ctx c;
    memset(&c, 0, sizeof c);
    c.in = in;
    c.words = (N + 63) / 64;
    size_t n_masks = (size_t)1 << in->n_bits;
    c.slot = etsim_malloc(n_masks * sizeof *c.slot);
    for (size_t q = 0; q < n_masks; q++) c.slot[q] = -1;
    c.touched = etsim_malloc(n_masks * sizeof *c.touched);
    c.tmp = etsim_malloc(2 * (size_t)c.words * sizeof *c.tmp);
    cand_ent *out = etsim_malloc(n_masks * sizeof *out);
    table *tab = etsim_calloc((size_t)M, sizeof *tab);
    uint32_t *resolve = etsim_calloc((size_t)M, sizeof *resolve);
    int rc = 0;
    for (int32_t j = 0; j < M; j++) tab[j].can_empty = 1;
    for (int32_t k = 0; k < K; k++)
        if (in->bit_of[k] >= 0) resolve[in->lca[k]] |= (uint32_t)1 << in->bit_of[k];
    /* Bound pruning. A full selection's value, split at branch node j
     * after its fold: its part in j's subtree (an entry: val, mask S of
     * the covered bits not yet folded), plus everything outside. Outside,
     * the clusters with a bit are relaxed by mu: a bit covered inside adds
     * v and its outside members at most mu_k each (counted in outside[j],
     * the pass's value with members worth a + mu), one not covered inside
     * at most (v - mu_k) + mu_k n_out; bits folded at or below j have no
     * member outside. So the value is at most val + outside[j] + sum over
     * unfolded bits (v - mu_k) + sum over S of mu_k: bits_total -
     * bits_below[j] is that sum over unfolded bits. */
    double bits_total = 0.0, *bits_below = NULL, bit_mu[32] = {0};
    if (in->outside) {
        bits_below = etsim_calloc((size_t)M, sizeof *bits_below);
        for (int32_t k = 0; k < K; k++) {
            if (in->bit_of[k] < 0) continue;
            bit_mu[in->bit_of[k]] = in->mu[k];
            bits_below[in->lca[k]] += in->v - in->mu[k];
            bits_total += in->v - in->mu[k];
        }
        for (int32_t j = M - 1; j > 0; j--)
            if (m->branch_parent[j] >= 0) bits_below[m->branch_parent[j]] += bits_below[j];
    }
    /* Leaves and sibling-local groups into their parents' tables. A leaf
     * with a state bit is merged on its own; those without one are merged
     * per parent as one group entry (merging them one by one gives every
     * entry exactly the group's choice: adding a leaf worth >= -dtie wins
     * on value or on W, and adding the same set to every entry keeps
     * their order). */
    group_acc *grp = etsim_malloc((size_t)M * sizeof *grp);
    for (int32_t j = 0; j < M; j++) group_init(&grp[j], 0.0);
    for (int32_t i = 0; i < N && !c.over; i++) {
        if (in->fix[i] == ETSIM_FIX_ZERO || (K > 0 && in->grp_parent[m->cluster[i]] >= 0)) continue;
        int32_t b = K > 0 ? in->bit_of[m->cluster[i]] : -1;
        double worth = in->a[i] + (b < 0 && in->mu ? in->mu[m->cluster[i]] : 0.0);
        int32_t p = m->cand_parent[i];
        if (b < 0) {
            group_add(&c, &grp[p], i, worth);
            continue;
        }
        table t = table_one(&c, (uint32_t)1 << b, set_one(&c, in->rank[i]), worth,
                            (int64_t)(N - in->rank[i]), in->fix[i] != ETSIM_FIX_ONE);
        tab[p] = merge(&c, out, tab[p], t);
    }
    for (int32_t p = 0; p < M && !c.over; p++) group_merge(&c, out, &grp[p], &tab[p]);
    free(grp);
    for (int32_t k = 0; k < K && !c.over; k++) {
        int32_t p = in->grp_parent[k];
        if (p < 0) continue;
        group_acc g; /* the cluster's best non-empty choice, worth v more */
        group_init(&g, in->v);
        for (int32_t q = in->cl_start[k]; q < in->cl_start[k + 1]; q++) {
            int32_t i = in->cl_mem[q];
            if (in->fix[i] != ETSIM_FIX_ZERO) group_add(&c, &g, i, in->a[i]);
        }
        group_merge(&c, out, &g, &tab[p]);
    }
    /* Branch nodes bottom up (children have larger indices). */
    for (int32_t j = M - 1; j >= 0 && !c.over; j--) {
        table r = tab[j];
        tab[j] = (table){0, 0, 1};
        if (resolve[j]) { /* fold: entries that differ only in the folded bits meet */
            uint32_t n_touched = 0;
            for (int32_t q = 0; q < r.n; q++) {
                const ent *e = &c.ents[r.off + q];
                uint32_t fold = e->mask & resolve[j];
                offer_ent(&c, out, &n_touched, e->mask & ~resolve[j],
                          e->val + in->u + in->v * (double)__builtin_popcount(fold), e->w,
                          e->set, -1);
            }
            r = collect(&c, out, n_touched, r.can_empty);
        } else { /* masks stay distinct: only the cost u, in place */
            for (int32_t q = 0; q < r.n; q++) c.ents[r.off + q].val += in->u;
        }
        ent *re = c.ents + r.off;
        if (in->outside) { /* bound pruning, in place (the bound: see bits_below) */
            int32_t kept = 0;
            double base = in->outside[j] + bits_total - bits_below[j];
            for (int32_t q = 0; q < r.n; q++) {
                double ub = re[q].val + base;
                for (uint32_t b = re[q].mask; b; b &= b - 1) ub += bit_mu[__builtin_ctz(b)];
                if (ub < in->prune_below) continue;
                re[kept++] = re[q];
            }
            c.pruned |= kept < r.n;
            r.n = kept;
        }
        if (j == 0) {
            if (r.n == 1 && !c.uncertain) {
                set_bits(&c, re[0].set, c.tmp);
                for (int32_t i = 0; i < N; i++)
                    x[i] = (uint8_t)((c.tmp[in->rank[i] / 64] >> (63 - in->rank[i] % 64)) & 1);
                *root_val = re[0].val;
                *root_w = re[0].w;
                rc = 1;
            } else if (r.n == 0 && !c.uncertain) {
                rc = c.pruned ? 2 : -1; /* below the bound, or nothing may be kept */
            }
            break;
        }
        if (r.n == 0 && !r.can_empty) { /* a forced subtree with nothing keepable */
            rc = c.uncertain ? 0 : c.pruned ? 2 : -1;
            c.over = 1;
            break;
        }
        int32_t p = m->branch_parent[j];
        tab[p] = merge(&c, out, tab[p], r);
    }
    free(tab);
    free(bits_below);
    free(resolve);
    free(out);
    free(c.slot);
    free(c.touched);
    free(c.tmp);
    free(c.sets);
    free(c.ents);
    free(c.stack);
    *ops = c.ops;
    if (c.over && rc == 0) return 0;
    return rc;
}
