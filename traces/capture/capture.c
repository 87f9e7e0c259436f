/* capture.c -- the covering capture driver (see capture.h).
 *
 * How it works. Up to problems_in_flight problems are worked on at once,
 * each in its own tree shared by every configuration. A problem advances
 * in rounds: each unfinished configuration runs a search pass over the
 * tree; with the live oracle in deferred mode a pass stops once it has
 * announced the expansions of its current depth (live.h), and a pass that
 * announced nothing saw only real children, so its result is final and
 * the configuration is done. The announced expansions of every
 * configuration are merged (child i of a node is shared: one request
 * serves every configuration that wants it) and sent; when the replies of
 * a problem are in, its children are added and the next round runs. So
 * every configuration's requests of a depth, across all problems in
 * flight, are on the wire together.
 *
 * Finished problems are written in problem order, each as one flushed
 * frame, and their counters journalled in <out>.capture.jsonl (the journal
 * line first: a kill between the two leaves a journal line for a problem
 * that is redone, and the journal's last line per problem wins). With
 * another oracle (the synthetic model) passes never defer and the same
 * driver computes the union tree synchronously.
 *
 * Crash safety. The whole run holds <out>.lock (sim/core/lock.h): a second
 * capture or resume of the same trace stops, naming the holder. At the end
 * the partial file (all frames, no index) is renamed <out>.tmp.<pid>.partial
 * and copied, with the summed counters in its header, into a new temporary
 * file that is renamed onto <out>; only then are the partial file and the
 * journal removed. So at every moment a kill leaves either a complete
 * <out> or a partial file holding every finished problem, and --resume
 * takes, of all <out>.tmp.* files, the one with the most problems: a kill
 * during the final copy keeps everything. A partial file without a
 * readable header (killed before its first problem) holds nothing to keep:
 * resume starts afresh. A complete <out> with the same settings means the
 * kill came after the rename: resume only tidies up. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "traces/capture/capture_internal.h"
#include "sim/core/lock.h"
#include "sim/engine/result.h"
#include "sim/eval/score.h"
#include "traces/trace.h"

enum { SLOT_FREE = 0, SLOT_WORKING, SLOT_READY };

typedef struct slot {
    int state;
    int32_t problem;
    etsim_problem_result res;
    uint8_t *done;                 /* per configuration                     */
    int64_t *own;                  /* per configuration: nodes of its search */
    etsim_problem_result *logs;    /* per configuration, with results_dir   */
    int waiting;                   /* jobs submitted, not yet committed     */
    int32_t rounds;
} slot;

typedef struct driver {
    const etsim_capture_opts *opts;
    cap_config cfg;
    etsim_oracle *o;
    int live;
    etsim_meta meta;
    etsim_trace_writer *w;
    FILE *journal;
    char *journal_path;
    etsim_result_writer *rw;       /* per configuration, or NULL           */
    etsim_eval_summary *rw_accuracy; /* each writer's "accuracy" section    */
    int n_rw;
    slot *slots;
    int32_t window;
    int32_t start, end;            /* problems [start, end) to do this run */
    int32_t next_start, next_write;
    etsim_capture_report *rep;
    double t0, last_progress;
    etsim_lock lock;               /* <out>.lock, held for the whole run     */
    char **stale;                  /* partial files to remove once resumed  */
    int n_stale;
} driver;

/* The crash-safety test hooks (etsim_capture_opts.test_kill_at/stop_at). */
static int hook_matches(const char *spec, const char *point, int64_t k) {
    if (!spec) return 0;
    size_t n = strlen(point);
    if (strncmp(spec, point, n) != 0 || (spec[n] != 0 && spec[n] != ':')) return 0;
    return spec[n] != ':' || strtoll(spec + n + 1, NULL, 10) == k;
}

static void kill_point(const driver *D, const char *point, int64_t k) {
    if (hook_matches(D->opts->test_stop_at, point, k)) raise(SIGSTOP);
    if (hook_matches(D->opts->test_kill_at, point, k)) raise(SIGKILL);
}

/* ---- per-problem work ------------------------------------------------------------ */

static void *dup_arr(const void *src, int64_t n, size_t el) {
    if (n <= 0 || !src) return NULL;
    void *d = etsim_malloc((size_t)n * el);
    memcpy(d, src, (size_t)n * el);
    return d;
}

/* Copy a result's logs (not its tree): the next pass over the shared tree
 * overwrites them. */
static void logs_copy(etsim_problem_result *d, const etsim_problem_result *s) {
    memset(d, 0, sizeof *d);
    d->n_gen = s->n_gen;
    d->gen_order = dup_arr(s->gen_order, s->n_gen, sizeof *s->gen_order);
    d->n_leaves = s->n_leaves;
    d->leaves = dup_arr(s->leaves, s->n_leaves, sizeof *s->leaves);
    d->n_logs = s->n_logs;
    d->logs = dup_arr(s->logs, s->n_logs, sizeof *s->logs);
    int64_t n = s->n_log_nodes, e = s->n_exp_total;
    d->n_log_nodes = n;
    d->log_nodes = dup_arr(s->log_nodes, n, sizeof *s->log_nodes);
    d->log_scores = dup_arr(s->log_scores, n, sizeof *s->log_scores);
    d->log_counts = dup_arr(s->log_counts, n, sizeof *s->log_counts);
    d->log_tags = dup_arr(s->log_tags, n, sizeof *s->log_tags);
    d->log_kept = dup_arr(s->log_kept, n, sizeof *s->log_kept);
    d->log_cluster = dup_arr(s->log_cluster, n, sizeof *s->log_cluster);
    d->n_exp_total = e;
    d->exp_cand = dup_arr(s->exp_cand, e, sizeof *s->exp_cand);
    d->exp_count = dup_arr(s->exp_count, e, sizeof *s->exp_count);
    d->c = s->c;
}

static void logs_free(etsim_problem_result *d) {
    free(d->gen_order);
    free(d->leaves);
    free(d->logs);
    free(d->log_nodes);
    free(d->log_scores);
    free(d->log_counts);
    free(d->log_tags);
    free(d->log_kept);
    free(d->log_cluster);
    free(d->exp_cand);
    free(d->exp_count);
    memset(d, 0, sizeof *d);
}

static void slot_clear(driver *D, slot *s) {
    if (D->live && s->res.tree.n_nodes > 0) etsim_live_detach(D->o, &s->res.tree);
    etsim_problem_result_free(&s->res);
    if (s->logs)
        for (int c = 0; c < D->cfg.n_sels; c++) logs_free(&s->logs[c]);
    free(s->logs);
    free(s->done);
    free(s->own);
    memset(s, 0, sizeof *s);
}

/* One round: a pass per unfinished configuration, then send what they
 * announced. */
static int round_run(driver *D, slot *s, etsim_err *err) {
    int all = 1;
    for (int c = 0; c < D->cfg.n_sels; c++) {
        if (s->done[c]) continue;
        etsim_err e = {{0}};
        if (D->live) etsim_live_begin_pass(D->o, &s->res.tree);
        int rc = etsim_search_problem(D->o, &D->cfg.sels[c].cfg, s->problem, &s->res, &e);
        int deferred = D->live ? etsim_live_end_pass(D->o, &s->res.tree) : 0;
        if (deferred > 0) {
            all = 0;
            continue;
        }
        if (rc < 0) {
            *err = e;
            return etsim_err_prefix(err, "configuration %s", D->cfg.sels[c].name);
        }
        s->done[c] = 1;
        s->own[c] = s->res.n_gen;
        if (s->logs) logs_copy(&s->logs[c], &s->res);
    }
    if (all) {
        s->state = SLOT_READY;
        return 0;
    }
    if (etsim_live_submit(D->o, &s->res.tree) == 0)
        return etsim_errf(err, "problem %d: a search waits for children nobody asked for",
                          s->problem);
    s->waiting = 1;
    if (++s->rounds > 1000000)
        return etsim_errf(err, "problem %d: no progress after %d rounds", s->problem, s->rounds);
    return 0;
}

static int slot_start(driver *D, slot *s, int32_t problem, etsim_err *err) {
    memset(s, 0, sizeof *s);
    s->state = SLOT_WORKING;
    s->problem = problem;
    s->done = etsim_calloc((size_t)D->cfg.n_sels, 1);
    s->own = etsim_calloc((size_t)D->cfg.n_sels, sizeof *s->own);
    if (D->n_rw) s->logs = etsim_calloc((size_t)D->cfg.n_sels, sizeof *s->logs);
    etsim_problem_result_init(&s->res, D->o->meta.emb_dim);
    s->res.tree.prob.index = problem;
    if (etsim_oracle_problem_open(D->o, problem, &s->res.tree, err) < 0)
        return etsim_err_prefix(err, "problem %d", problem);
    if (D->live) etsim_live_attach(D->o, &s->res.tree);
    return round_run(D, s, err);
}

static int slot_write(driver *D, slot *s, etsim_err *err) {
    etsim_tree *t = &s->res.tree;
    etsim_live_counts pc;
    memset(&pc, 0, sizeof pc);
    if (D->live) etsim_live_problem_counts(D->o, t, &pc);
    char *cj = etsim_live_counts_json(&pc);
    fprintf(D->journal, "{\"problem\":%d,\"nodes\":%d,\"counts\":%s}\n", s->problem, t->n_nodes, cj);
    free(cj);
    if (fflush(D->journal) != 0)
        return etsim_errf(err, "%s: write failed: %s", D->journal_path, strerror(errno));
    if (etsim_trace_writer_add(D->w, t, err) < 0) return -1;
    kill_point(D, "frame", D->rep->written + 1);
    for (int c = 0; c < D->n_rw; c++) {
        etsim_problem_result view = s->logs[c];
        view.tree = s->res.tree;
        if (etsim_result_writer_add(&D->rw[c], &view, err) < 0) return -1;
    }
    D->rep->written++;
    D->rep->union_nodes += t->n_nodes;
    for (int c = 0; c < D->cfg.n_sels; c++) D->rep->config_nodes[c] += s->own[c];
    slot_clear(D, s);
    return 0;
}

/* ---- progress ------------------------------------------------------------------------ */

static void report_progress(driver *D, int force) {
    double now = etsim_now_s();
    if (!D->opts->progress || (!force && now - D->last_progress < 0.2)) return;
    D->last_progress = now;
    etsim_capture_progress p;
    memset(&p, 0, sizeof p);
    p.total = D->end - D->cfg.first;
    p.resumed = D->rep->resumed;
    p.done = D->rep->resumed + D->rep->written;
    p.elapsed_s = now - D->t0;
    if (D->live) {
        etsim_http_stats hs;
        etsim_live_counts lc;
        etsim_http_get_stats(etsim_live_http(D->o), &hs);
        etsim_live_get_counts(D->o, &lc);
        p.requests = hs.requests;
        p.tokens = lc.tokens;
    }
    if (p.elapsed_s > 0) {
        p.req_per_s = (double)p.requests / p.elapsed_s;
        p.tok_per_s = (double)p.tokens / p.elapsed_s;
    }
    int32_t done_here = D->rep->written;
    p.eta_s = done_here > 0 ? p.elapsed_s / done_here * (p.total - p.done) : -1;
    D->opts->progress(D->opts->progress_ctx, &p);
}

/* ---- journal and the final header ---------------------------------------------------------- */

/* Sum the journalled counters of problems [first, end) (last entry wins). */
static char *journal_sum(driver *D, etsim_err *err) {
    size_t len;
    char *text = etsim_read_file(D->journal_path, &len, err);
    if (!text) return NULL;
    int32_t n = D->end - D->cfg.first;
    cJSON **last = etsim_calloc((size_t)n, sizeof *last);
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        cJSON *j = cJSON_Parse(l);
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "problem");
        if (!cJSON_IsNumber(p) || p->valuedouble < D->cfg.first || p->valuedouble >= D->end) {
            cJSON_Delete(j);
            continue;
        }
        int32_t k = (int32_t)p->valuedouble - D->cfg.first;
        cJSON_Delete(last[k]);
        last[k] = j;
    }
    cJSON *sum = cJSON_CreateObject();
    for (int32_t k = 0; k < n; k++) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(last[k], "counts");
        const cJSON *f;
        cJSON_ArrayForEach(f, c) {
            if (!cJSON_IsNumber(f)) continue;
            cJSON *acc = cJSON_GetObjectItemCaseSensitive(sum, f->string);
            if (acc) cJSON_SetNumberValue(acc, acc->valuedouble + f->valuedouble);
            else cJSON_AddNumberToObject(sum, f->string, f->valuedouble);
        }
        cJSON_Delete(last[k]);
    }
    free(last);
    free(text);
    char *s = cJSON_PrintUnformatted(sum);
    cJSON_Delete(sum);
    return s;
}

/* The writer's temporary file, renamed "<out>.tmp.<pid>.partial" out of
 * the way of the next writer, and the writer dropped (every frame is
 * flushed already). Returns the new name, or NULL if the rename failed
 * (the file is then gone with the writer). */
static char *detach_partial(driver *D, const char *out) {
    if (!D->w) return NULL;
    size_t n = strlen(out) + 64;
    char *tmp = etsim_malloc(n), *keep = etsim_malloc(n);
    snprintf(tmp, n, "%s.tmp.%ld", out, (long)getpid());
    snprintf(keep, n, "%s.tmp.%ld.partial", out, (long)getpid());
    int ok = rename(tmp, keep) == 0;
    etsim_trace_writer_abort(D->w);
    D->w = NULL;
    free(tmp);
    if (ok) return keep;
    free(keep);
    return NULL;
}

/* Copy the partial file, with the counters in its header, into a new
 * trace renamed onto out (atomic: a kill leaves the partial file whole),
 * then remove the partial file. */
static int finalize(driver *D, const char *out, const char *partial, etsim_err *err) {
    char *counts = journal_sum(D, err);
    if (!counts) return -1;
    etsim_trace *tr = etsim_trace_open_ex(partial, ETSIM_TRACE_SCAN, 0, err);
    etsim_trace_writer *w = NULL;
    etsim_trace_scratch *sc = NULL;
    etsim_tree t;
    etsim_meta m;
    int rc = -1;
    memset(&m, 0, sizeof m);
    etsim_tree_init(&t, 0);
    if (!tr) goto done;
    if (etsim_trace_n_problems(tr) != D->end - D->cfg.first) {
        etsim_errf(err, "%s: holds %d problems, expected %d", partial, etsim_trace_n_problems(tr),
                   D->end - D->cfg.first);
        goto done;
    }
    etsim_meta_copy(&m, etsim_trace_meta(tr));
    free(m.settings_json);
    m.settings_json = cap_settings_json(&D->cfg, counts);
    m.n_problems = D->end - D->cfg.first;
    w = etsim_trace_writer_open(out, &m, D->cfg.zstd_level, err);
    if (!w) goto done;
    sc = etsim_trace_scratch_new();
    for (int32_t k = 0; k < etsim_trace_n_problems(tr); k++) {
        if (etsim_trace_load(tr, k, &t, sc, err) < 0 || etsim_trace_writer_add(w, &t, err) < 0)
            goto done;
        kill_point(D, "rewrite", k + 1);
    }
    rc = etsim_trace_writer_finish(w, err);
    w = NULL;
    if (rc == 0) {
        kill_point(D, "renamed", 0);
        unlink(partial);
    }
done:
    etsim_trace_writer_abort(w);
    etsim_trace_scratch_free(sc);
    etsim_tree_free(&t);
    etsim_meta_free(&m);
    etsim_trace_close(tr);
    free(counts);
    return rc;
}

/* Keep the partial trace for --resume. */
static void keep_partial(driver *D, const char *out) {
    char *keep = detach_partial(D, out);
    D->rep->partial_kept = keep != NULL;
    free(keep);
}

/* ---- resume: which file to continue ------------------------------------------------------ */

static void free_paths(char **paths, int n) {
    for (int i = 0; i < n; i++) free(paths[i]);
    free(paths);
}

static int settings_have_counts(const char *settings_json) {
    cJSON *o = settings_json ? cJSON_Parse(settings_json) : NULL;
    int has = cJSON_GetObjectItemCaseSensitive(o, "counts") != NULL;
    cJSON_Delete(o);
    return has;
}

static void remove_stale(driver *D) {
    for (int i = 0; i < D->n_stale; i++) unlink(D->stale[i]);
    free_paths(D->stale, D->n_stale);
    D->stale = NULL;
    D->n_stale = 0;
}

/* --resume after a kill that came once the final trace was in place: out
 * is complete, finalised and of these settings. Tidy up; 1 if so. */
static int already_complete(driver *D, const char *out) {
    etsim_err e;
    etsim_trace *tr = etsim_trace_open(out, &e);
    if (!tr) return 0;
    const etsim_meta *m = etsim_trace_meta(tr);
    int32_t n = etsim_trace_n_problems(tr);
    int done = m->settings_json && cap_settings_hash(m->settings_json) == D->cfg.hash &&
               settings_have_counts(m->settings_json) &&
               (D->cfg.end < 0 || n == D->cfg.end - D->cfg.first);
    etsim_trace_close(tr);
    if (!done) return 0;
    char **paths;
    int np = etsim_atomic_list_tmp(out, &paths);
    for (int i = 0; i < np; i++) {
        etsim_trace *p = etsim_trace_open_ex(paths[i], ETSIM_TRACE_SCAN, 0, &e);
        /* a partial file of other settings is not ours to remove */
        int other = p && cap_settings_hash(etsim_trace_meta(p)->settings_json) != D->cfg.hash;
        etsim_trace_close(p);
        if (!other) unlink(paths[i]);
    }
    free_paths(paths, np);
    unlink(D->journal_path);
    D->rep->resumed = n;
    D->rep->already_complete = 1;
    return 1;
}

/* Pick the partial file to resume: of those with these settings, the one
 * holding the most problems (the newest on a tie). The others of these
 * settings, and those without a readable header (nothing finished in
 * them), are noted for removal once the chosen one is open. Returns its
 * path; NULL with *other_settings set when only partial files of other
 * settings hold problems, NULL otherwise when none holds anything. */
static char *choose_partial(driver *D, const char *out, uint64_t *other_settings) {
    char **paths;
    int n = etsim_atomic_list_tmp(out, &paths);
    int best = -1;
    int32_t best_n = -1;
    double best_t = -1;
    *other_settings = 0;
    int *mine = etsim_calloc((size_t)(n ? n : 1), sizeof *mine);
    for (int i = 0; i < n; i++) {
        etsim_err e;
        etsim_trace *tr = etsim_trace_open_ex(paths[i], ETSIM_TRACE_SCAN, 0, &e);
        if (!tr) {
            mine[i] = 1; /* no header: holds nothing */
            continue;
        }
        uint64_t h = cap_settings_hash(etsim_trace_meta(tr)->settings_json);
        int32_t k = etsim_trace_n_problems(tr);
        etsim_trace_close(tr);
        if (h != D->cfg.hash) {
            if (!*other_settings) *other_settings = h;
            continue;
        }
        mine[i] = 1;
        struct stat st;
        double mt = stat(paths[i], &st) == 0 ? st.st_mtim.tv_sec + st.st_mtim.tv_nsec * 1e-9 : -1;
        if (k > best_n || (k == best_n && mt > best_t)) {
            best = i;
            best_n = k;
            best_t = mt;
        }
    }
    char *chosen = NULL;
    for (int i = 0; i < n; i++) {
        if (i == best) {
            chosen = paths[i];
        } else if (mine[i]) {
            D->stale = etsim_realloc(D->stale, (size_t)(D->n_stale + 1) * sizeof *D->stale);
            D->stale[D->n_stale++] = paths[i];
        } else {
            free(paths[i]);
        }
    }
    free(paths);
    free(mine);
    if (chosen) *other_settings = 0;
    return chosen;
}

/* Cut a journal back to its last complete line (a kill can tear the last
 * one; the next line appended would otherwise join it). */
static int trim_journal(const char *path, etsim_err *err) {
    size_t len;
    etsim_err e;
    char *text = etsim_read_file(path, &len, &e);
    if (!text) return 0; /* none yet: appending creates it */
    size_t keep = len;
    while (keep > 0 && text[keep - 1] != '\n') keep--;
    free(text);
    if (keep < len && truncate(path, (off_t)keep) != 0)
        return etsim_errf(err, "%s: cannot drop a torn last line: %s", path, strerror(errno));
    return 0;
}

/* ---- the run ---------------------------------------------------------------------------- */

/* A stand-in oracle's embeddings are rounded through the trace encoding as
 * they are made, as the live oracle does, so that the decisions taken
 * here are exactly those an offline replay of the trace takes. */
typedef struct rounding {
    etsim_oracle *inner;
    int enc;
} rounding;

static int rounding_open(etsim_oracle *o, int32_t problem, etsim_tree *t, etsim_err *err) {
    rounding *r = o->impl;
    return r->inner->vt->open(r->inner, problem, t, err);
}

static int rounding_expand(etsim_oracle *o, etsim_tree *t, int32_t node, int32_t want,
                           etsim_err *err) {
    rounding *r = o->impl;
    int32_t before = t->n_nodes;
    int rc = r->inner->vt->expand(r->inner, t, node, want, err);
    if (rc < 0 || t->emb_dim <= 0) return rc;
    size_t rb = etsim_trace_emb_row_bytes(r->enc, t->emb_dim);
    unsigned char *buf = etsim_malloc(rb ? rb : 1);
    for (int32_t i = before; i < t->n_nodes; i++) {
        int32_t row = t->nodes[i].emb_row;
        if (row < 0) continue;
        float *v = t->emb + (int64_t)row * t->emb_dim;
        etsim_trace_emb_encode(r->enc, v, 1, t->emb_dim, buf);
        etsim_trace_emb_decode(r->enc, buf, 1, t->emb_dim, v);
    }
    free(buf);
    return rc;
}

static void rounding_close(etsim_oracle *o) {
    rounding *r = o->impl;
    etsim_oracle_close(r->inner);
    etsim_meta_free(&o->meta);
    free(r);
    free(o);
}

static const etsim_oracle_vtab rounding_vtab = {
    .name = "rounding",
    .open = rounding_open,
    .expand = rounding_expand,
    .close = rounding_close,
};

static int open_oracle(driver *D, etsim_err *err) {
    if (D->opts->synthetic) {
        etsim_oracle *inner = etsim_oracle_open("synthetic", D->opts->synthetic, err);
        if (!inner) return -1;
        rounding *r = etsim_calloc(1, sizeof *r);
        r->inner = inner;
        r->enc = inner->meta.embed_encoding ? etsim_trace_emb_encoding(inner->meta.embed_encoding)
                                            : ETSIM_EMB_F16;
        if (r->enc < 0) r->enc = ETSIM_EMB_F16;
        D->o = etsim_calloc(1, sizeof *D->o);
        D->o->vt = &rounding_vtab;
        D->o->impl = r;
        etsim_meta_copy(&D->o->meta, &inner->meta);
        return 0;
    }
    D->o = etsim_live_open(&D->cfg.live, D->cfg.dataset, err);
    if (!D->o) return -1;
    D->live = 1;
    return 0;
}

static void build_meta(driver *D) {
    etsim_meta_copy(&D->meta, &D->o->meta);
    if (D->cfg.dataset_name) {
        free(D->meta.dataset);
        D->meta.dataset = etsim_strdup(D->cfg.dataset_name);
    }
    if (!D->meta.answer_format || D->live) {
        free(D->meta.answer_format);
        D->meta.answer_format = etsim_strdup(D->cfg.answer_format);
    }
    free(D->meta.settings_json);
    D->meta.settings_json = cap_settings_json(&D->cfg, NULL);
    D->meta.n_problems = D->end - D->cfg.first;
}

static int open_writer(driver *D, const char *out, etsim_err *err) {
    D->start = D->cfg.first;
    char *partial = NULL;
    uint64_t other = 0;
    if (D->opts->resume) {
        partial = choose_partial(D, out, &other);
        if (!partial && other)
            return etsim_errf(err, "%s: the interrupted capture used different settings "
                              "(config hash %016llx, now %016llx); start afresh without --resume",
                              out, (unsigned long long)other, (unsigned long long)D->cfg.hash);
        if (!partial) {
            /* Killed before its first problem (a partial file without a
             * header, only the journal or the lock record of a dead
             * capture, or nothing at all: killed while starting): nothing
             * to keep, start afresh. */
            int traces = D->n_stale || access(D->journal_path, F_OK) == 0 || D->lock.previous;
            D->rep->restarted = traces ? 1 : 2;
            remove_stale(D);
        }
    }
    if (partial) {
        etsim_meta old;
        D->w = etsim_trace_writer_resume(out, partial, &old, D->cfg.zstd_level, err);
        free(partial);
        if (!D->w) return -1;
        etsim_meta_free(&old);
        remove_stale(D);
        if (trim_journal(D->journal_path, err) < 0) return -1;
        int32_t last = etsim_trace_writer_last_index(D->w);
        if (last >= D->end)
            return etsim_errf(err, "%s: holds problem %d, outside the range [%d, %d)", out, last,
                              D->cfg.first, D->end);
        if (last >= D->start) D->start = last + 1;
        D->rep->resumed = etsim_trace_writer_count(D->w);
        D->journal = fopen(D->journal_path, "a");
    } else {
        D->w = etsim_trace_writer_open(out, &D->meta, D->cfg.zstd_level, err);
        if (!D->w) return -1;
        D->journal = fopen(D->journal_path, "w");
        kill_point(D, "start", 0);
    }
    if (!D->journal)
        return etsim_errf(err, "%s: cannot open: %s", D->journal_path, strerror(errno));
    return 0;
}

static int open_results(driver *D, etsim_err *err) {
    const char *dir = D->opts->results_dir;
    if (!dir) return 0;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return etsim_errf(err, "%s: cannot create: %s", dir, strerror(errno));
    D->rw = etsim_calloc((size_t)D->cfg.n_sels, sizeof *D->rw);
    D->rw_accuracy = etsim_calloc((size_t)D->cfg.n_sels, sizeof *D->rw_accuracy);
    for (int c = 0; c < D->cfg.n_sels; c++) {
        size_t n = strlen(dir) + strlen(D->cfg.sels[c].name) + 16;
        char *path = etsim_malloc(n);
        snprintf(path, n, "%s/%s.json", dir, D->cfg.sels[c].name);
        etsim_eval_summary_init(&D->rw_accuracy[c], D->meta.answer_format);
        int rc = etsim_result_writer_open(&D->rw[c], path, 0, &D->cfg.sels[c].cfg,
                                          D->live ? "live" : "synthetic",
                                          D->live ? D->opts->config_path : D->opts->synthetic,
                                          &D->meta, &D->rw_accuracy[c].hook, err);
        free(path);
        if (rc < 0) {
            etsim_eval_summary_free(&D->rw_accuracy[c]);
            return -1;
        }
        D->n_rw = c + 1;
    }
    return 0;
}

static int main_loop(driver *D, etsim_err *err) {
    D->next_start = D->next_write = D->start;
    while (D->next_write < D->end) {
        if (D->opts->stop && *D->opts->stop) return 1;
        while (D->next_start < D->end && D->next_start < D->next_write + D->window) {
            slot *s = &D->slots[(D->next_start - D->start) % D->window];
            if (slot_start(D, s, D->next_start, err) < 0) return -1;
            D->next_start++;
        }
        slot *head;
        while (D->next_write < D->end &&
               (head = &D->slots[(D->next_write - D->start) % D->window])->state == SLOT_READY) {
            if (slot_write(D, head, err) < 0) return -1;
            D->next_write++;
            report_progress(D, 0);
        }
        if (D->next_write >= D->end || !D->live) continue;
        if (etsim_live_poll(D->o, 20, err) < 0) return -1;
        for (int32_t i = 0; i < D->window; i++) {
            slot *s = &D->slots[i];
            if (s->state != SLOT_WORKING || !s->waiting ||
                etsim_live_outstanding(D->o, &s->res.tree) > 0)
                continue;
            s->waiting = 0;
            if (etsim_live_commit(D->o, &s->res.tree, err) < 0 || round_run(D, s, err) < 0)
                return -1;
        }
        report_progress(D, 0);
    }
    return 0;
}

void etsim_capture_report_free(etsim_capture_report *r) {
    for (int i = 0; i < r->n_configs; i++) free(r->config_names[i]);
    free(r->config_names);
    free(r->config_nodes);
    free(r->out);
    memset(r, 0, sizeof *r);
}

int etsim_capture_run(const etsim_capture_opts *opts, etsim_capture_report *rep,
                      etsim_err *err) {
    driver D;
    memset(&D, 0, sizeof D);
    memset(rep, 0, sizeof *rep);
    D.opts = opts;
    D.rep = rep;
    D.t0 = etsim_now_s();
    int rc = -1;
    if (cap_config_load(opts->config_path, opts->synthetic, &D.cfg, err) < 0) return -1;
    if (opts->shard_n) cap_config_shard(&D.cfg, opts->shard_i, opts->shard_n);
    const char *out = opts->out ? opts->out : D.cfg.out;
    if (!out) {
        etsim_errf(err, "%s: no output: give \"out\" or --out", opts->config_path);
        cap_config_free(&D.cfg);
        return -1;
    }
    rep->out = etsim_strdup(out);
    size_t jn = strlen(out) + 32;
    D.journal_path = etsim_malloc(jn);
    snprintf(D.journal_path, jn, "%s.capture.jsonl", out);
    rep->n_configs = D.cfg.n_sels;
    rep->config_names = etsim_calloc((size_t)D.cfg.n_sels, sizeof *rep->config_names);
    rep->config_nodes = etsim_calloc((size_t)D.cfg.n_sels, sizeof *rep->config_nodes);
    for (int c = 0; c < D.cfg.n_sels; c++) rep->config_names[c] = etsim_strdup(D.cfg.sels[c].name);
    {
        char *lock_path = etsim_malloc(jn);
        snprintf(lock_path, jn, "%s.lock", out);
        int locked = etsim_lock_take(&D.lock, lock_path, "etsim capture", err);
        free(lock_path);
        if (locked < 0) goto done;
    }
    if (opts->resume && already_complete(&D, out)) {
        rc = 0;
        goto done;
    }
    if (open_oracle(&D, err) < 0) goto done;
    D.end = D.cfg.end < 0 ? D.o->meta.n_problems : D.cfg.end;
    if (D.end > D.o->meta.n_problems) {
        etsim_errf(err, "%s: key problems: range ends at %d but there are %d problems",
                   opts->config_path, D.end, D.o->meta.n_problems);
        goto done;
    }
    if (D.cfg.shard_n && D.cfg.end < 0) cap_shard_range(D.cfg.shard_i, D.cfg.shard_n, &D.cfg.first, &D.end);
    build_meta(&D);
    if (open_writer(&D, out, err) < 0) goto done;
    if (open_results(&D, err) < 0) goto done;
    D.window = D.cfg.in_flight;
    D.slots = etsim_calloc((size_t)D.window, sizeof *D.slots);
    rc = main_loop(&D, err);
    report_progress(&D, 1);
    if (rc == 0) {
        char *partial = detach_partial(&D, out);
        if (!partial) {
            etsim_errf(err, "%s.tmp.%ld: cannot rename for the final copy: %s", out,
                       (long)getpid(), strerror(errno));
            rc = -1;
            goto done;
        }
        rc = finalize(&D, out, partial, err);
        free(partial);
        if (rc < 0) {
            rep->partial_kept = 1;
            goto done;
        }
        for (int c = 0; c < D.n_rw; c++)
            if (etsim_result_writer_commit(&D.rw[c], err) < 0) rc = -1;
        D.n_rw = 0;
        fclose(D.journal);
        D.journal = NULL;
        if (rc == 0) unlink(D.journal_path);
    }
done:
    if (D.w) keep_partial(&D, out);
    for (int c = 0; c < D.n_rw; c++) etsim_result_writer_abort(&D.rw[c]);
    free(D.rw);
    if (D.rw_accuracy)
        for (int c = 0; c < D.cfg.n_sels; c++) etsim_eval_summary_free(&D.rw_accuracy[c]);
    free(D.rw_accuracy);
    if (D.journal) fclose(D.journal);
    if (D.slots)
        for (int32_t i = 0; i < D.window; i++)
            if (D.slots[i].state != SLOT_FREE) slot_clear(&D, &D.slots[i]);
    free(D.slots);
    if (D.o && D.live) {
        etsim_live_get_counts(D.o, &rep->counts);
        etsim_http_get_stats(etsim_live_http(D.o), &rep->http);
    }
    etsim_oracle_close(D.o);
    etsim_meta_free(&D.meta);
    free(D.journal_path);
    free_paths(D.stale, D.n_stale);
    etsim_lock_release(&D.lock);
    cap_config_free(&D.cfg);
    rep->seconds = etsim_now_s() - D.t0;
    return rc;
}
