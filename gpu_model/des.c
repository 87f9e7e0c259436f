/* des.c -- the discrete-event serving simulation (see des.h).
 *
 * State per server: a FIFO of waiting requests, the admitted requests in
 * prefill (in admission order, chunked under the per-iteration budget), a
 * heap of decoding requests keyed by the iteration at which they finish,
 * and the KV pool. Work per iteration is O(1) plus the requests that start
 * or finish in it: a decoding request's progress is implied by the
 * server's iteration counter, and the sums the roofline needs (context
 * lengths, tokens still to allocate) are kept incrementally. Per request
 * the cost is O(path length + log n), so a run is O(events log events).
 *
 * Global events (iteration ends, kicks, embedder ends, selection ends) sit
 * in a min-heap keyed by (time, sequence). */
#include "gpu_model/des.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_model/kv_radix.h"
#include "gpu_model/roofline.h"

void etsim_des_config_defaults(etsim_des_config *c) {
    memset(c, 0, sizeof *c);
    c->policy.pool_tokens = ETSIM_KV_UNLIMITED;
    c->policy.max_running = 4096;
    c->policy.max_prefill_tokens = 8192;
    c->prm = c->policy;
    c->inflight = 8;
    c->batching = ETSIM_BATCH_SEPARATE;
    c->decode_steps = 10;
    c->sharing = 0.0;
    c->reserve_ratio = 1.0;
    c->select_s = 1e-3;
    c->select_per_cand_s = 2e-6;
    c->select_pair_s = 20e-9;
    c->embed_batch = 64;
    c->series_max = 512;
}

/* ---- types ------------------------------------------------------------- */

enum { POLICY = 0, PRM = 1 };
enum { PH_WAIT = 0, PH_PREFILL, PH_DECODE };
enum { EV_ITER_END = 0, EV_KICK, EV_EMBED_END, EV_SELECT_DONE, EV_START };

typedef struct req {
    int32_t slot, node;
    int32_t g;               /* policy: tokens to generate                 */
    int32_t gen;             /* tokens generated when the phase began      */
    int64_t pf_rem, pf_pos;  /* prefill tokens left; context before them   */
    int64_t it_enter;        /* decode: server iteration count on entry    */
    int64_t admit_seq;
    int64_t chunk;           /* prefill tokens in the running iteration    */
    int32_t hpos;            /* position in the decode heap, -1 if none    */
    int32_t next_free;
    uint8_t phase;
} req;

typedef struct event {
    double t;
    int64_t seq;
    int32_t kind, arg;
} event;

typedef struct server {
    int id;
    const etsim_des_server_cfg *cfg;
    etsim_kvpool pool;
    int32_t *wq;             /* ring buffer of waiting requests            */
    int64_t wq_head, wq_len, wq_cap;
    int32_t *pf;             /* prefilling requests, admission order       */
    int64_t n_pf, cap_pf;
    int32_t *dh;             /* decode heap, (done iteration, admit_seq)   */
    int64_t n_dh, cap_dh;
    int64_t it;              /* completed iterations that decoded           */
    int busy, kick_pending;
    int64_t n_running;
    int64_t fut_tokens;      /* KV tokens running requests will still add  */
    int64_t dec_base;        /* sum of parent path lengths, decoding       */
    int64_t dec_goff;        /* sum of (gen - it_enter), decoding          */
    int64_t cur_decode;      /* decoding requests in the running iteration */
    int32_t decode_left;     /* SEPARATE: decode iterations left in this run */
    int32_t *ej;             /* PRM GPU: slots waiting for the embedder    */
    int64_t n_ej, cap_ej;
    int32_t *ej_run;
    int64_t n_ej_run, cap_ej_run;
    /* occupancy integration */
    double occ_t, acc_used, acc_ref, acc_unsh;
    int64_t cur_used, cur_ref, cur_unsh;
    int64_t pend_n, pend_stride;
    etsim_des_point pend;
    etsim_des_server_stats st;
} server;

typedef struct slot {
    int32_t tr;              /* trace index, -1 when free                  */
    int32_t round, pending;
} slot;

typedef struct sim {
    const etsim_des_config *cfg;
    const etsim_cost_trace *traces;
    int32_t n_traces, next_trace, n_slots;
    slot *slots;
    server sv[2];
    req *rq;
    int64_t n_rq, cap_rq;
    int32_t free_rq;
    event *ev;
    int64_t n_ev, cap_ev, ev_seq, admit_seq;
    double now;
    etsim_des_result *out;
    etsim_err *err;
    int failed;
} sim;

/* ---- event heap ---------------------------------------------------------- */

static int ev_less(const event *a, const event *b) {
    return a->t != b->t ? a->t < b->t : a->seq < b->seq;
}

static void ev_push(sim *s, double t, int32_t kind, int32_t arg) {
    etsim_grow((void **)&s->ev, &s->cap_ev, s->n_ev + 1, sizeof *s->ev);
    event e = {t, s->ev_seq++, kind, arg};
    int64_t i = s->n_ev++;
    while (i > 0 && ev_less(&e, &s->ev[(i - 1) / 2])) {
        s->ev[i] = s->ev[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->ev[i] = e;
}

static event ev_pop(sim *s) {
    event top = s->ev[0], e = s->ev[--s->n_ev];
    int64_t i = 0, n = s->n_ev;
    for (;;) {
        int64_t l = 2 * i + 1, m = i;
        const event *best = &e;
        if (l < n && ev_less(&s->ev[l], best)) m = l, best = &s->ev[l];
        if (l + 1 < n && ev_less(&s->ev[l + 1], best)) m = l + 1;
        if (m == i) break;
        s->ev[i] = s->ev[m];
        i = m;
    }
    if (n) s->ev[i] = e;
    return top;
}

/* ---- requests and the decode heap --------------------------------------- */

static int32_t req_new(sim *s, int32_t slot_i, int32_t node) {
    int32_t id;
    if (s->free_rq >= 0) {
        id = s->free_rq;
        s->free_rq = s->rq[id].next_free;
    } else {
        etsim_grow((void **)&s->rq, &s->cap_rq, s->n_rq + 1, sizeof *s->rq);
        id = (int32_t)s->n_rq++;
    }
    memset(&s->rq[id], 0, sizeof s->rq[id]);
    s->rq[id].slot = slot_i;
    s->rq[id].node = node;
    s->rq[id].hpos = -1;
    return id;
}

static void req_free(sim *s, int32_t id) {
    s->rq[id].next_free = s->free_rq;
    s->free_rq = id;
}

static int64_t done_it(const req *r) { return r->it_enter + (r->g - r->gen); }

static int dh_less(const sim *s, int32_t a, int32_t b) {
    int64_t da = done_it(&s->rq[a]), db = done_it(&s->rq[b]);
    return da != db ? da < db : s->rq[a].admit_seq < s->rq[b].admit_seq;
}

static void dh_set(sim *s, server *v, int64_t i, int32_t id) {
    v->dh[i] = id;
    s->rq[id].hpos = (int32_t)i;
}

static void dh_fix(sim *s, server *v, int64_t i) {
    int32_t id = v->dh[i];
    while (i > 0 && dh_less(s, id, v->dh[(i - 1) / 2])) {
        dh_set(s, v, i, v->dh[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    for (;;) {
        int64_t l = 2 * i + 1, m = i;
        int32_t best = id;
        if (l < v->n_dh && dh_less(s, v->dh[l], best)) m = l, best = v->dh[l];
        if (l + 1 < v->n_dh && dh_less(s, v->dh[l + 1], best)) m = l + 1;
        if (m == i) break;
        dh_set(s, v, i, v->dh[m]);
        i = m;
    }
    dh_set(s, v, i, id);
}

static void dh_push(sim *s, server *v, int32_t id) {
    etsim_grow((void **)&v->dh, &v->cap_dh, v->n_dh + 1, sizeof *v->dh);
    dh_set(s, v, v->n_dh++, id);
    dh_fix(s, v, v->n_dh - 1);
}

static void dh_remove(sim *s, server *v, int32_t id) {
    int64_t i = s->rq[id].hpos;
    s->rq[id].hpos = -1;
    int32_t last = v->dh[--v->n_dh];
    if (i < v->n_dh) {
        dh_set(s, v, i, last);
        dh_fix(s, v, i);
    }
}

/* ---- occupancy ----------------------------------------------------------- */

static void series_add(server *v, const etsim_des_point *p, int32_t max) {
    etsim_des_server_stats *st = &v->st;
    if (st->n_series == max) { /* halve: merge neighbours, keep maxima */
        for (int32_t i = 0; i < max / 2; i++) {
            etsim_des_point a = st->series[2 * i], b = st->series[2 * i + 1];
            a.used = a.used > b.used ? a.used : b.used;
            a.referenced = a.referenced > b.referenced ? a.referenced : b.referenced;
            a.unshared = a.unshared > b.unshared ? a.unshared : b.unshared;
            st->series[i] = a;
        }
        st->n_series = max / 2;
        v->pend_stride *= 2;
    }
    st->series[st->n_series++] = *p;
}

/* Integrate the current occupancy up to `now`, then switch to new values. */
static void occ_set(sim *s, server *v, int64_t used, int64_t ref, int64_t unsh) {
    double dt = s->now - v->occ_t;
    v->acc_used += (double)v->cur_used * dt;
    v->acc_ref += (double)v->cur_ref * dt;
    v->acc_unsh += (double)v->cur_unsh * dt;
    v->occ_t = s->now;
    v->cur_used = used;
    v->cur_ref = ref;
    v->cur_unsh = unsh;
    etsim_des_server_stats *st = &v->st;
    if (used > st->used_peak) st->used_peak = used;
    if (ref > st->referenced_peak) st->referenced_peak = ref;
    if (unsh > st->unshared_peak) st->unshared_peak = unsh;
    etsim_des_point p = {s->now, used, ref, unsh};
    if (v->pend_n == 0) v->pend = p;
    else {
        if (used > v->pend.used) v->pend.used = used;
        if (ref > v->pend.referenced) v->pend.referenced = ref;
        if (unsh > v->pend.unshared) v->pend.unshared = unsh;
    }
    if (++v->pend_n >= v->pend_stride) {
        series_add(v, &v->pend, s->cfg->series_max);
        v->pend_n = 0;
    }
}

/* Tokens the running requests would hold with no prefix sharing. */
static int64_t unshared_now(const sim *s, const server *v, int64_t extra_decode) {
    int64_t u = v->dec_base + v->dec_goff + v->n_dh * v->it + extra_decode;
    for (int64_t i = 0; i < v->n_pf; i++) {
        const req *r = &s->rq[v->pf[i]];
        u += r->pf_pos + r->pf_rem;
    }
    return u;
}

static void occ_sample(sim *s, server *v, int64_t extra_decode) {
    occ_set(s, v, v->pool.used, v->pool.used - v->pool.unref, unshared_now(s, v, extra_decode));
}

/* ---- problem flow ------------------------------------------------------- */

static void kick(sim *s, server *v) {
    if (v->busy || v->kick_pending) return;
    v->kick_pending = 1;
    ev_push(s, s->now, EV_KICK, v->id);
}

static void schedule_select(sim *s, int32_t k) {
    const etsim_cost_trace *tr = &s->traces[s->slots[k].tr];
    int32_t r = s->slots[k].round;
    double n = tr->round_cand[r];
    double host = s->cfg->select_s + s->cfg->select_per_cand_s * n +
                  (tr->round_embed[r] ? s->cfg->select_pair_s * n * n : 0.0);
    s->out->host_select_s += host;
    ev_push(s, s->now + host, EV_SELECT_DONE, k);
}

static void wq_push(server *v, int32_t id, int front) {
    if (v->wq_len == v->wq_cap) { /* grow the ring, unrolling it */
        int64_t cap = v->wq_cap ? v->wq_cap * 2 : 64;
        int32_t *nq = etsim_malloc((size_t)cap * sizeof *nq);
        for (int64_t i = 0; i < v->wq_len; i++) nq[i] = v->wq[(v->wq_head + i) % v->wq_cap];
        free(v->wq);
        v->wq = nq;
        v->wq_cap = cap;
        v->wq_head = 0;
    }
    if (front) {
        v->wq_head = (v->wq_head + v->wq_cap - 1) % v->wq_cap;
        v->wq[v->wq_head] = id;
    } else {
        v->wq[(v->wq_head + v->wq_len) % v->wq_cap] = id;
    }
    v->wq_len++;
}

static void round_begin_or_finish(sim *s, int32_t k) {
    slot *sl = &s->slots[k];
    const etsim_cost_trace *tr = &s->traces[sl->tr];
    etsim_des_problem_stats *ps = &s->out->problems[sl->tr];
    if (sl->round >= tr->n_rounds) { /* problem done */
        ps->end_s = s->now;
        ps->rounds = tr->n_rounds;
        if (s->now > s->out->makespan_s) s->out->makespan_s = s->now;
        for (int i = 0; i < 2; i++) {
            etsim_kvpool_detach(&s->sv[i].pool, k);
            occ_sample(s, &s->sv[i], s->sv[i].busy ? s->sv[i].cur_decode : 0);
        }
        sl->tr = -1;
        /* an event, not a call: a run of empty problems must not recurse */
        if (s->next_trace < s->n_traces) ev_push(s, s->now, EV_START, k);
        return;
    }
    if (tr->round_embed[sl->round] && s->cfg->embedder) {
        server *v = &s->sv[PRM];
        etsim_grow((void **)&v->ej, &v->cap_ej, v->n_ej + 1, sizeof *v->ej);
        v->ej[v->n_ej++] = k;
        kick(s, v);
        return;
    }
    schedule_select(s, k);
}

static void slot_start(sim *s, int32_t k) {
    slot *sl = &s->slots[k];
    if (s->next_trace >= s->n_traces) return; /* two slots freed at once */
    sl->tr = s->next_trace++;
    sl->round = 0;
    sl->pending = 0;
    const etsim_cost_trace *tr = &s->traces[sl->tr];
    s->out->problems[sl->tr].problem = tr->problem;
    s->out->problems[sl->tr].start_s = s->now;
    for (int i = 0; i < 2; i++) etsim_kvpool_attach(&s->sv[i].pool, k, tr);
    round_begin_or_finish(s, k);
}

static void on_select_done(sim *s, int32_t k) {
    slot *sl = &s->slots[k];
    const etsim_cost_trace *tr = &s->traces[sl->tr];
    int32_t lo = tr->round_off[sl->round], hi = tr->round_off[sl->round + 1];
    if (lo == hi) { /* the selection forked nothing */
        sl->round++;
        round_begin_or_finish(s, k);
        return;
    }
    server *v = &s->sv[POLICY];
    for (int32_t c = lo; c < hi; c++) {
        int32_t id = req_new(s, k, c);
        s->rq[id].g = tr->tokens[c] > 0 ? tr->tokens[c] : 1;
        wq_push(v, id, 0);
    }
    sl->pending = hi - lo;
    kick(s, v);
}

/* ---- admission, completion, retraction -------------------------------- */

static int64_t prefill_budget_left(const sim *s, const server *v) {
    int64_t used = 0;
    for (int64_t i = 0; i < v->n_pf; i++) used += s->rq[v->pf[i]].chunk;
    return v->cfg->max_prefill_tokens - used;
}

static void pf_push(server *v, int32_t id) {
    etsim_grow((void **)&v->pf, &v->cap_pf, v->n_pf + 1, sizeof *v->pf);
    v->pf[v->n_pf++] = id;
}

static void decode_enter(sim *s, server *v, int32_t id) {
    req *r = &s->rq[id];
    const etsim_cost_trace *tr = &s->traces[s->slots[r->slot].tr];
    r->phase = PH_DECODE;
    r->it_enter = v->it;
    v->dec_base += tr->cum[tr->parent[r->node]];
    v->dec_goff += r->gen - r->it_enter;
    dh_push(s, v, id);
}

static void decode_leave(sim *s, server *v, int32_t id) {
    req *r = &s->rq[id];
    const etsim_cost_trace *tr = &s->traces[s->slots[r->slot].tr];
    v->dec_base -= tr->cum[tr->parent[r->node]];
    v->dec_goff -= r->gen - r->it_enter;
    dh_remove(s, v, id);
}

/* Try to admit the request; 0 if it did not fit (nothing changed). */
static int try_admit(sim *s, server *v, int32_t id, int64_t budget) {
    req *r = &s->rq[id];
    const etsim_cost_trace *tr = &s->traces[s->slots[r->slot].tr];
    etsim_des_problem_stats *ps = &s->out->problems[s->slots[r->slot].tr];
    int32_t path_end = v->id == POLICY ? tr->parent[r->node] : r->node;
    etsim_kvpath kp;
    etsim_kvpool_scan(&v->pool, r->slot, path_end, &kp);
    int64_t refill = v->id == POLICY ? r->gen : 0; /* retracted: own tokens again */
    int need_prefill = v->id == PRM || kp.missing + refill > 0;
    int64_t alloc_now = kp.missing + refill + (v->id == POLICY && need_prefill ? 1 : 0);
    int64_t future = v->id == POLICY ? r->g - r->gen - (need_prefill ? 1 : 0) : 0;
    double ratio = s->cfg->reserve_ratio;
    double room = (double)(v->pool.cap - v->pool.used + v->pool.unref - kp.cached_unref) -
                  ratio * (double)v->fut_tokens;
    if (room < (double)alloc_now + ratio * (double)future) return 0;
    if (etsim_kvpool_acquire(&v->pool, r->slot, path_end, s->now) < 0) return 0;
    if (v->id == POLICY) {
        etsim_kvpool_open(&v->pool, r->slot, r->node);
        if (etsim_kvpool_make_room(&v->pool, alloc_now - kp.missing) < 0) {
            etsim_errf(s->err, "internal: policy KV pool accounting (problem %d, node %d)",
                       tr->problem, r->node);
            s->failed = 1;
            return 0;
        }
        etsim_kvpool_grow(&v->pool, alloc_now - kp.missing);
        ps->recomputed_policy += kp.recompute + refill;
    } else {
        ps->recomputed_prm += kp.recompute;
    }
    v->st.recomputed_tokens += kp.recompute + refill;
    v->fut_tokens += future;
    v->n_running++;
    r->admit_seq = ++s->admit_seq;
    if (need_prefill) {
        r->phase = PH_PREFILL;
        r->pf_rem = kp.missing + refill > 0 ? kp.missing + refill : 1;
        r->pf_pos = (int64_t)tr->cum[path_end] + refill - (kp.missing + refill);
        if (r->pf_pos < 0) r->pf_pos = 0;
        r->chunk = r->pf_rem < budget ? r->pf_rem : budget;
        pf_push(v, id);
    } else {
        r->chunk = 0;
        decode_enter(s, v, id);
    }
    return 1;
}

/* Retract the latest-admitted decoding request: it loses its own KV and
 * goes back to the front of the queue, keeping what it generated. */
static void retract_one(sim *s, server *v) {
    int32_t pick = v->dh[0];
    for (int64_t i = 1; i < v->n_dh; i++)
        if (s->rq[v->dh[i]].admit_seq > s->rq[pick].admit_seq) pick = v->dh[i];
    req *r = &s->rq[pick];
    const etsim_cost_trace *tr = &s->traces[s->slots[r->slot].tr];
    int32_t gen_now = (int32_t)(r->gen + (v->it - r->it_enter));
    decode_leave(s, v, pick);
    etsim_kvpool_drop(&v->pool, r->slot, r->node, gen_now);
    etsim_kvpool_release(&v->pool, r->slot, tr->parent[r->node], s->now);
    v->fut_tokens -= r->g - gen_now;
    v->n_running--;
    r->gen = gen_now;
    r->phase = PH_WAIT;
    wq_push(v, pick, 1);
    v->st.retractions++;
}

static void complete(sim *s, server *v, int32_t id) {
    req *r = &s->rq[id];
    int32_t k = r->slot, node = r->node;
    const etsim_cost_trace *tr = &s->traces[s->slots[k].tr];
    etsim_des_problem_stats *ps = &s->out->problems[s->slots[k].tr];
    v->n_running--;
    if (v->id == POLICY) {
        etsim_kvpool_close(&v->pool, k, node, r->g, s->now);
        etsim_kvpool_release(&v->pool, k, tr->parent[node], s->now);
        ps->generated_tokens += tr->tokens[node];
        s->out->generated_tokens += tr->tokens[node];
        req_free(s, id);
        int32_t nid = req_new(s, k, node); /* the same fork, now for the PRM */
        wq_push(&s->sv[PRM], nid, 0);
        kick(s, &s->sv[PRM]);
        return;
    }
    etsim_kvpool_release(&v->pool, k, node, s->now);
    ps->scored_tokens += tr->tokens[node];
    s->out->scored_tokens += tr->tokens[node];
    req_free(s, id);
    if (--s->slots[k].pending == 0) {
        s->slots[k].round++;
        round_begin_or_finish(s, k);
    }
}

/* ---- iterations ---------------------------------------------------------- */

static double embed_time(const sim *s, double n_seq, double tokens) {
    const etsim_model_profile *m = s->cfg->embedder;
    const etsim_gpu_profile *g = s->cfg->prm.gpu;
    if (n_seq <= 0) return 0;
    double len = tokens / n_seq;
    if (m->max_positions && len > m->max_positions) len = m->max_positions;
    double B = s->cfg->embed_batch, full = floor(n_seq / B), rest = n_seq - full * B;
    double t = 0;
    for (int pass = 0; pass < 2; pass++) {
        double nb = pass ? rest : B, count = pass ? (rest > 0) : full;
        if (count <= 0) continue;
        etsim_iter_shape sh = {0};
        sh.prefill_reqs = nb;
        sh.prefill_tokens = nb * len;
        sh.prefill_pairs = nb * len * len; /* bidirectional */
        etsim_iter_terms it;
        etsim_roofline_iter(m, g, &sh, 0.0, &it);
        t += count * it.total_s;
    }
    return t;
}

static void start_embed(sim *s, server *v) {
    double n = 0, tok = 0;
    etsim_grow((void **)&v->ej_run, &v->cap_ej_run, v->n_ej, sizeof *v->ej_run);
    for (int64_t i = 0; i < v->n_ej; i++) {
        const slot *sl = &s->slots[v->ej[i]];
        const etsim_cost_trace *tr = &s->traces[sl->tr];
        n += tr->round_cand[sl->round];
        tok += (double)tr->round_cand_tokens[sl->round];
        v->ej_run[i] = v->ej[i];
    }
    v->n_ej_run = v->n_ej;
    v->n_ej = 0;
    double dur = embed_time(s, n, tok);
    v->busy = 1;
    v->st.embed_s += dur;
    v->st.busy_s += dur;
    v->st.embed_calls++;
    ev_push(s, s->now + dur, EV_EMBED_END, v->id);
}

static void server_start(sim *s, server *v) {
    if (v->busy || s->failed) return;
    if (v->n_ej) {
        start_embed(s, v);
        return;
    }
    etsim_batching mode = s->cfg->batching;
    /* SEPARATE: inside a run of decode iterations nothing is admitted */
    int in_run = mode == ETSIM_BATCH_SEPARATE && v->decode_left > 0 && v->n_dh;
    int64_t budget = in_run ? 0 : prefill_budget_left(s, v);
    if (mode == ETSIM_BATCH_CHUNKED) budget -= v->n_dh; /* decodes share the budget */
    for (int64_t i = 0; i < v->n_pf; i++) { /* chunks for those mid-prefill */
        req *r = &s->rq[v->pf[i]];
        if (r->chunk == 0 && budget > 0) {
            r->chunk = r->pf_rem < budget ? r->pf_rem : budget;
            budget -= r->chunk;
        }
    }
    int pool_wait = 0;
    while (v->wq_len && v->n_running < v->cfg->max_running && budget > 0) {
        int32_t id = v->wq[v->wq_head];
        if (!try_admit(s, v, id, budget)) {
            pool_wait = 1;
            break;
        }
        v->wq_head = (v->wq_head + 1) % v->wq_cap;
        v->wq_len--;
        if (s->rq[id].phase == PH_PREFILL) budget -= s->rq[id].chunk;
    }
    if (s->failed) return;
    int prefill_now = 0;
    for (int64_t i = 0; i < v->n_pf && !prefill_now; i++) prefill_now = s->rq[v->pf[i]].chunk > 0;
    int decode_now = !(mode == ETSIM_BATCH_SEPARATE && prefill_now);
    if (mode == ETSIM_BATCH_SEPARATE && decode_now && v->n_dh) {
        if (!in_run) v->decode_left = s->cfg->decode_steps;
        v->decode_left--;
    }
    while (decode_now && v->n_dh && etsim_kvpool_make_room(&v->pool, v->n_dh) < 0)
        retract_one(s, v);

    int64_t D = decode_now ? v->n_dh : 0;
    etsim_iter_shape sh = {0};
    sh.decode_reqs = (double)D;
    sh.decode_ctx_sum = (double)(v->dec_base + v->dec_goff + D * v->it);
    sh.decode_ctx_union = (double)(v->pool.used - v->pool.unref);
    sh.logits = (double)D;
    for (int64_t i = 0; i < v->n_pf; i++) {
        const req *r = &s->rq[v->pf[i]];
        if (!r->chunk) continue;
        double c = (double)r->chunk, pos = (double)r->pf_pos;
        sh.prefill_reqs += 1;
        sh.prefill_tokens += c;
        sh.prefill_pairs += c * (pos + (c + 1) / 2);
        sh.prefill_causal_pairs += c * (c + 1) / 2;
        sh.prefill_ctx_tokens += pos;
        if (r->chunk == r->pf_rem) sh.logits += 1;
    }
    if (D == 0 && sh.prefill_reqs == 0) {
        if (v->wq_len && v->n_running == 0) {
            const req *r = &s->rq[v->wq[v->wq_head]];
            etsim_errf(s->err, "%s KV pool of %lld tokens cannot admit problem %d node %d",
                       v->id == POLICY ? "policy" : "PRM", (long long)v->pool.cap,
                       s->traces[s->slots[r->slot].tr].problem, r->node);
            s->failed = 1;
        }
        occ_sample(s, v, 0);
        return;
    }
    etsim_kvpool_grow(&v->pool, D);
    v->fut_tokens -= D;
    v->cur_decode = D;
    etsim_iter_terms t;
    etsim_roofline_iter(v->cfg->model, v->cfg->gpu, &sh, s->cfg->sharing, &t);
    etsim_des_server_stats *st = &v->st;
    int64_t reqs = D + (int64_t)sh.prefill_reqs;
    int b = 0;
    while (b + 1 < ETSIM_DES_HIST && (reqs >> (b + 1))) b++;
    st->batch_hist[b]++;
    st->batch_sum += (double)reqs;
    if (reqs > st->batch_max) st->batch_max = reqs;
    st->iterations++;
    st->busy_s += t.total_s;
    st->linear_s += t.linear_s;
    st->attention_s += t.attention_s;
    st->overhead_s += t.overhead_s;
    st->linear_flops += t.linear_flops;
    st->attention_flops += t.attention_flops;
    st->compute_s += t.compute_s;
    if (pool_wait) st->pool_wait_s += t.total_s;
    st->decode_tokens += D;
    st->prefill_tokens += (int64_t)sh.prefill_tokens;
    occ_sample(s, v, D);
    v->busy = 1;
    ev_push(s, s->now + t.total_s, EV_ITER_END, v->id);
}

static void on_iter_end(sim *s, server *v) {
    v->busy = 0;
    if (v->cur_decode) v->it++; /* counts decode iterations: a request's progress */
    int64_t k = 0;
    for (int64_t i = 0; i < v->n_pf; i++) {
        int32_t id = v->pf[i];
        req *r = &s->rq[id];
        r->pf_rem -= r->chunk;
        r->pf_pos += r->chunk;
        r->chunk = 0;
        if (r->pf_rem > 0) {
            v->pf[k++] = id;
            continue;
        }
        if (v->id == PRM) {
            complete(s, v, id);
            continue;
        }
        r->gen += 1; /* the prefill produced the first (next) token */
        if (r->gen >= r->g) complete(s, v, id);
        else decode_enter(s, v, id);
    }
    v->n_pf = k;
    while (v->n_dh && done_it(&s->rq[v->dh[0]]) <= v->it) {
        int32_t id = v->dh[0];
        decode_leave(s, v, id);
        complete(s, v, id);
    }
    v->cur_decode = 0;
    server_start(s, v);
}

/* ---- driver -------------------------------------------------------------- */

static int check_fits(const etsim_des_config *cfg, const etsim_cost_trace *tr, int32_t n,
                      etsim_err *err) {
    for (int32_t p = 0; p < n; p++)
        for (int32_t c = 1; c < tr[p].n_nodes; c++) {
            const etsim_cost_trace *t = &tr[p];
            int64_t pol = (int64_t)t->cum[t->parent[c]] + (t->tokens[c] > 0 ? t->tokens[c] : 1);
            int64_t prm = t->cum[c];
            int bad_pol = pol > cfg->policy.pool_tokens;
            if (bad_pol || prm > cfg->prm.pool_tokens)
                return etsim_errf(err, "KV pool too small for one request: problem %d node %d "
                                  "needs %lld tokens, the %s pool holds %lld", t->problem, c,
                                  (long long)(bad_pol ? pol : prm), bad_pol ? "policy" : "PRM",
                                  (long long)(bad_pol ? cfg->policy.pool_tokens
                                                      : cfg->prm.pool_tokens));
        }
    return 0;
}

static void server_finish(sim *s, server *v) {
    occ_sample(s, v, 0);
    etsim_des_server_stats *st = &v->st;
    if (v->pend_n) series_add(v, &v->pend, s->cfg->series_max);
    double T = s->out->makespan_s;
    if (T > 0) {
        st->used_mean = v->acc_used / T;
        st->referenced_mean = v->acc_ref / T;
        st->unshared_mean = v->acc_unsh / T;
    }
    st->pool_tokens = v->pool.cap;
    st->evictions = v->pool.evictions;
    st->evicted_tokens = v->pool.evicted_tokens;
}

int etsim_des_run(const etsim_des_config *cfg, const etsim_cost_trace *traces, int32_t n,
                  etsim_des_result *out, etsim_err *err) {
    memset(out, 0, sizeof *out);
    if (cfg->inflight < 1 || cfg->series_max < 2 || cfg->embed_batch < 1 ||
        !(cfg->sharing >= 0 && cfg->sharing <= 1) ||
        !(cfg->reserve_ratio > 0 && cfg->reserve_ratio <= 1) ||
        cfg->policy.max_running < 1 || cfg->prm.max_running < 1 ||
        cfg->policy.max_prefill_tokens < 1 || cfg->prm.max_prefill_tokens < 1 ||
        cfg->batching < ETSIM_BATCH_SEPARATE || cfg->batching > ETSIM_BATCH_MIXED ||
        cfg->decode_steps < 1 ||
        cfg->policy.pool_tokens < 1 || cfg->prm.pool_tokens < 1)
        return etsim_errf(err, "cost model: invalid simulation settings");
    if (check_fits(cfg, traces, n, err) < 0) return -1;
    sim s;
    memset(&s, 0, sizeof s);
    s.cfg = cfg;
    s.traces = traces;
    s.n_traces = n;
    s.n_slots = cfg->inflight < n ? cfg->inflight : n;
    s.free_rq = -1;
    s.out = out;
    s.err = err;
    out->n_problems = n;
    out->problems = etsim_calloc((size_t)(n > 0 ? n : 1), sizeof *out->problems);
    s.slots = etsim_calloc((size_t)(s.n_slots > 0 ? s.n_slots : 1), sizeof *s.slots);
    for (int i = 0; i < 2; i++) {
        server *v = &s.sv[i];
        v->id = i;
        v->cfg = i == POLICY ? &cfg->policy : &cfg->prm;
        etsim_kvpool_init(&v->pool, v->cfg->pool_tokens, s.n_slots);
        v->pend_stride = 1;
        v->st.series = etsim_malloc((size_t)cfg->series_max * sizeof *v->st.series);
    }
    for (int32_t k = 0; k < s.n_slots; k++) s.slots[k].tr = -1;
    for (int32_t k = 0; k < s.n_slots; k++) ev_push(&s, 0.0, EV_START, k);
    while (s.n_ev && !s.failed) {
        event e = ev_pop(&s);
        s.now = e.t;
        server *v = e.kind <= EV_EMBED_END ? &s.sv[e.arg] : NULL;
        switch (e.kind) {
        case EV_ITER_END: on_iter_end(&s, v); break;
        case EV_KICK:
            v->kick_pending = 0;
            server_start(&s, v);
            break;
        case EV_EMBED_END:
            v->busy = 0;
            for (int64_t i = 0; i < v->n_ej_run; i++) schedule_select(&s, v->ej_run[i]);
            v->n_ej_run = 0;
            server_start(&s, v);
            break;
        case EV_START: slot_start(&s, e.arg); break;
        default: on_select_done(&s, e.arg); break;
        }
    }
    int rc = 0;
    if (!s.failed && s.next_trace < n) {
        etsim_errf(err, "internal: simulation stalled with %d problems left", n - s.next_trace);
        s.failed = 1;
    }
    for (int32_t k = 0; !s.failed && k < s.n_slots; k++)
        if (s.slots[k].tr >= 0) {
            etsim_errf(err, "internal: simulation stalled in problem %d",
                       traces[s.slots[k].tr].problem);
            s.failed = 1;
        }
    for (int i = 0; i < 2; i++) {
        if (!s.failed) server_finish(&s, &s.sv[i]);
        out->policy = i == POLICY ? s.sv[i].st : out->policy;
        out->prm = i == PRM ? s.sv[i].st : out->prm;
        etsim_kvpool_free(&s.sv[i].pool);
        free(s.sv[i].wq);
        free(s.sv[i].pf);
        free(s.sv[i].dh);
        free(s.sv[i].ej);
        free(s.sv[i].ej_run);
    }
    free(s.slots);
    free(s.rq);
    free(s.ev);
    if (s.failed) {
        etsim_des_result_free(out);
        rc = -1;
    }
    return rc;
}

void etsim_des_result_free(etsim_des_result *r) {
    free(r->problems);
    free(r->policy.series);
    free(r->prm.series);
    memset(r, 0, sizeof *r);
}
