/* sweep.c -- the sweep runner: output directory checks, resume from the
 * log, the tasks (run on sim/core/pool.h), per-config summaries, the canonical summary file and
 * shard merging (see sweep.h for the directory layout and guarantees).
 *
 * Determinism: a problem line is a pure function of (config, problem);
 * a summary line is recomputed from the problem lines in problem order;
 * summary.jsonl is written in (config hash, problem) order from the log.
 * So nothing that reaches summary.jsonl depends on thread timing, on how
 * the work was split, or on where it was interrupted.
 *
 * Locking: one mutex guards the log, the unit table and the task list.
 * Searches, line formatting and summaries (which may run the GPU
 * simulation) happen outside it. Between processes, DIR/sweep.lock
 * (sim/core/lock.h) is held from the directory checks to the end, so a second
 * sweep or merge into the same directory, --force included, stops naming
 * the holder instead of deleting the first one's files under it. */
#include "sim/sweep/sweep.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/core/json.h"
#include "sim/core/lock.h"
#include "sim/core/pool.h"
#include "sim/sweep/grid.h"
#include "sim/sweep/log.h"
#include "sim/sweep/metrics.h"

typedef struct cfg_state {
    int64_t unit0;            /* canonical index of the config's first unit */
    int32_t present;          /* problem lines in the log                  */
    int64_t sum_off;          /* its summary line, -1 when absent          */
    int32_t sum_len;
    int finalizing;
} cfg_state;

typedef struct task {
    int32_t source, problem;  /* compute task; source -1 = finalize task  */
    int32_t cfg;              /* finalize task: the config                */
    int32_t n_cfg;
    int32_t *cfgs;            /* compute task: configs to run, by hash     */
} task;

typedef struct run {
    etsim_sweep_grid g;
    const etsim_sweep_opts *opt;
    etsim_sweep_stats *st;
    cfg_state *cs;
    int64_t *off;             /* per unit: line offset, -1 absent          */
    int32_t *len;
    etsim_sweep_log log;
    etsim_lock dir_lock;      /* DIR/sweep.lock, held for the whole run     */
    pthread_mutex_t lock;
    task *tasks;              /* compute tasks, then finalize tasks queued  */
    int64_t n_tasks, cap_tasks;             /* as configs complete        */
    int64_t round0;           /* the running round's first task            */
    int failed;
    etsim_err err;
    etsim_progress prog;
} run;

static int in_shard(const etsim_sweep_opts *o, int64_t u) {
    return o->shard_n <= 1 || u % o->shard_n == o->shard_i - 1;
}

int etsim_sweep_parse_shard(const char *s, int *i, int *n, etsim_err *err) {
    char *end;
    long a = strtol(s, &end, 10);
    if (end == s || *end != '/') goto bad;
    const char *b = end + 1;
    long c = strtol(b, &end, 10);
    if (end == b || *end || c < 1 || c > 1000000 || a < 1 || a > c) goto bad;
    *i = (int)a;
    *n = (int)c;
    return 0;
bad:
    return etsim_errf(err, "--shard '%s': expected i/n with 1 <= i <= n", s);
}

static char *join(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *s = etsim_malloc(n);
    snprintf(s, n, "%s/%s", dir, name);
    return s;
}

/* ---- the log's existing lines ------------------------------------------------------ */

static int unit_of(const run *r, int32_t ci, int32_t p, int64_t *u) {
    const etsim_sweep_config *cf = &r->g.configs[ci];
    if (p < cf->first || p >= cf->first + cf->count) return -1;
    *u = r->cs[ci].unit0 + (p - cf->first);
    return 0;
}

/* Lines present twice must be identical (merging overlapping shards). */
static int same_line(const run *r, int64_t off_a, size_t len_a, const char *b, size_t len_b,
                     etsim_err *err) {
    if (len_a != len_b) return 0;
    char *a = etsim_malloc(len_a);
    int rc = etsim_sweep_log_read(&r->log, off_a, len_a, a, err);
    int same = rc == 0 && memcmp(a, b, len_a) == 0;
    free(a);
    return rc < 0 ? -1 : same;
}

static int on_line(void *ctx, const char *cfg, int32_t p, int64_t off, size_t len,
                   int64_t lineno, etsim_err *err) {
    run *r = ctx;
    (void)lineno;
    int32_t ci = etsim_sweep_grid_find(&r->g, cfg);
    if (ci < 0) return etsim_errf(err, "config %s is not in this grid", cfg);
    if (p < 0) {
        r->cs[ci].sum_off = off;
        r->cs[ci].sum_len = (int32_t)len;
        return 0;
    }
    int64_t u;
    if (unit_of(r, ci, p, &u) < 0)
        return etsim_errf(err, "config %s: problem %d outside its range", cfg, p);
    if (r->off[u] >= 0) return 0; /* a duplicate written by an older run */
    r->off[u] = off;
    r->len[u] = (int32_t)len;
    r->cs[ci].present++;
    return 0;
}

/* ---- output directory ------------------------------------------------------------- */

typedef struct dir_info {
    char *grid_hash, *shard, *grid_text, *base_dir;
} dir_info;

static void dir_info_free(dir_info *d) {
    free(d->grid_hash);
    free(d->shard);
    free(d->grid_text);
    free(d->base_dir);
    memset(d, 0, sizeof *d);
}

/* Read DIR/grid.json; returns 1 if present, 0 if absent, -1 on error. */
static int read_dir_info(const char *dir, dir_info *d, etsim_err *err) {
    memset(d, 0, sizeof *d);
    char *path = join(dir, "grid.json");
    if (access(path, F_OK) != 0) {
        free(path);
        return 0;
    }
    size_t len;
    char *text = etsim_read_file(path, &len, err);
    int rc = -1;
    cJSON *j = text ? etsim_json_parse(text, len, path, err) : NULL;
    if (!j) goto out;
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "grid_hash");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "shard");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "grid_text");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(j, "base_dir");
    if (!cJSON_IsString(h) || !cJSON_IsString(s) || !cJSON_IsString(t)) {
        etsim_errf(err, "%s: not an etsim sweep grid description", path);
        goto out;
    }
    d->grid_hash = etsim_strdup(h->valuestring);
    d->shard = etsim_strdup(s->valuestring);
    d->grid_text = etsim_strdup(t->valuestring);
    d->base_dir = cJSON_IsString(b) ? etsim_strdup(b->valuestring) : NULL;
    rc = 1;
out:
    cJSON_Delete(j);
    free(text);
    free(path);
    return rc;
}

static int file_nonempty(const char *dir, const char *name) {
    char *path = join(dir, name);
    struct stat st;
    int r = stat(path, &st) == 0 && st.st_size > 0;
    free(path);
    return r;
}

static int remove_file(const char *dir, const char *name, etsim_err *err) {
    char *path = join(dir, name);
    int rc = 0;
    if (unlink(path) < 0 && errno != ENOENT) rc = etsim_errf(err, "%s: %s", path, strerror(errno));
    free(path);
    return rc;
}

/* Check that dir may receive this grid/shard; write grid.json. */
static int prepare_dir(run *r, const char *shard, const char *grid_text, const char *base_dir,
                       etsim_err *err) {
    const char *dir = r->opt->out_dir;
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return etsim_errf(err, "%s: %s", dir, strerror(errno));
    char *lock_path = join(dir, "sweep.lock");
    int locked = etsim_lock_take(&r->dir_lock, lock_path, "etsim sweep", err);
    free(lock_path);
    if (locked < 0) return -1;
    dir_info d;
    int have = read_dir_info(dir, &d, err);
    if (have < 0) return -1;
    int has_results = file_nonempty(dir, "results.jsonl");
    if (have) {
        int same = !strcmp(d.grid_hash, r->g.hash) && !strcmp(d.shard, shard);
        if (!same && !r->opt->force) {
            etsim_errf(err, "%s holds results of a different grid or shard (grid %s shard %s; "
                            "this is grid %s shard %s): use --force to replace them",
                       dir, d.grid_hash, d.shard, r->g.hash, shard);
            dir_info_free(&d);
            return -1;
        }
        if (same && has_results && !r->opt->resume && !r->opt->force) {
            dir_info_free(&d);
            return etsim_errf(err, "%s already holds results of this grid: --resume continues "
                                   "them, --force starts over", dir);
        }
        dir_info_free(&d);
    } else if (has_results && !r->opt->force) {
        return etsim_errf(err, "%s has a results.jsonl but no grid.json: use --force to "
                               "replace it", dir);
    }
    if (r->opt->force) {
        if (remove_file(dir, "results.jsonl", err) < 0 ||
            remove_file(dir, "summary.jsonl", err) < 0)
            return -1;
    }
    char *desc = etsim_sweep_grid_describe(&r->g, shard, grid_text, base_dir ? base_dir : "");
    char *path = join(dir, "grid.json");
    etsim_atomic_file af;
    int rc = etsim_atomic_open(&af, path, err);
    if (rc == 0) {
        fputs(desc, af.fp);
        rc = etsim_atomic_commit(&af, err);
    }
    free(path);
    free(desc);
    return rc;
}

/* ---- tasks ---------------------------------------------------------------------------- */

static void push_task(run *r, const task *t) {
    etsim_grow((void **)&r->tasks, &r->cap_tasks, r->n_tasks + 1, sizeof *r->tasks);
    r->tasks[r->n_tasks++] = *t;
}

static int64_t plan_tasks(run *r) {
    int64_t todo = 0;
    const etsim_sweep_grid *g = &r->g;
    int32_t *list = etsim_malloc((size_t)(g->n_configs > 0 ? g->n_configs : 1) * sizeof *list);
    for (int32_t s = 0; s < g->n_sources; s++) {
        int32_t lo = INT32_MAX, hi = -1;
        for (int32_t c = 0; c < g->n_configs; c++)
            if (g->configs[c].source == s) {
                if (g->configs[c].first < lo) lo = g->configs[c].first;
                if (g->configs[c].first + g->configs[c].count > hi)
                    hi = g->configs[c].first + g->configs[c].count;
            }
        for (int32_t p = lo; p < hi; p++) {
            int32_t n = 0;
            for (int32_t c = 0; c < g->n_configs; c++) {
                int64_t u;
                if (g->configs[c].source != s || unit_of(r, c, p, &u) < 0) continue;
                if (!in_shard(r->opt, u) || r->off[u] >= 0) continue;
                list[n++] = c;
            }
            if (!n) continue;
            task t = {s, p, -1, n, etsim_malloc((size_t)n * sizeof *list)};
            memcpy(t.cfgs, list, (size_t)n * sizeof *list);
            push_task(r, &t);
            todo += n;
        }
    }
    /* configs complete at start but without a summary line */
    for (int32_t c = 0; c < g->n_configs; c++)
        if (r->cs[c].present == g->configs[c].count && r->cs[c].sum_off < 0) {
            r->cs[c].finalizing = 1;
            task t = {-1, -1, c, 0, NULL};
            push_task(r, &t);
        }
    free(list);
    return todo;
}

static void set_failed(run *r, const etsim_err *e) {
    if (!r->failed) {
        r->failed = 1;
        r->err = *e;
    }
}

/* Summarise config ci from its lines (outside the lock) and append. */
static int finalize(run *r, int32_t ci, etsim_err *err) {
    const etsim_sweep_config *cf = &r->g.configs[ci];
    etsim_sweep_summarizer *s = etsim_sweep_summarizer_new(&r->g, cf);
    etsim_sbuf lb = {0}; /* one problem line at a time */
    size_t len = 0;
    int rc = -1;
    for (int32_t k = 0; k < cf->count; k++) {
        int64_t u = r->cs[ci].unit0 + k;
        size_t n = (size_t)r->len[u];
        char *buf = etsim_sbuf_reserve(&lb, n);
        if (etsim_sweep_log_read(&r->log, r->off[u], n, buf, err) < 0) goto out;
        if (etsim_sweep_summarizer_add(s, buf, n, err) < 0) goto out;
    }
    char *line = etsim_sweep_summarizer_finish(s, &len, err);
    if (!line) goto out;
    pthread_mutex_lock(&r->lock);
    int64_t off;
    rc = etsim_sweep_log_append(&r->log, line, len, &off, err);
    if (rc == 0) {
        r->cs[ci].sum_off = off;
        r->cs[ci].sum_len = (int32_t)len;
        r->st->configs_summarised++;
    }
    pthread_mutex_unlock(&r->lock);
    free(line);
out:
    etsim_sbuf_free(&lb);
    etsim_sweep_summarizer_free(s);
    return rc;
}

/* Record a finished unit; returns 1 when its config just became complete. */
static int record_line(run *r, int32_t ci, int32_t p, const char *line, size_t len,
                       etsim_err *err) {
    int64_t u = -1, off;
    if (unit_of(r, ci, p, &u) < 0) return etsim_errf(err, "internal: problem %d not in config", p);
    pthread_mutex_lock(&r->lock);
    int rc = etsim_sweep_log_append(&r->log, line, len, &off, err);
    int complete = 0;
    if (rc == 0) {
        r->off[u] = off;
        r->len[u] = (int32_t)len;
        r->st->units_run++;
        cfg_state *cs = &r->cs[ci];
        if (++cs->present == r->g.configs[ci].count && cs->sum_off < 0 && !cs->finalizing) {
            cs->finalizing = 1;
            complete = 1;
        }
    }
    pthread_mutex_unlock(&r->lock);
    etsim_progress_add(&r->prog, 1);
    return rc < 0 ? -1 : complete;
}

static int run_task(run *r, const task *t, etsim_err *err) {
    if (t->source < 0) return finalize(r, t->cfg, err);
    const etsim_sweep_source *src = &r->g.sources[t->source];
    etsim_problem_result shared, own;
    etsim_problem_result_init(&shared, src->oracle->meta.emb_dim);
    etsim_problem_result_init(&own, src->oracle->meta.emb_dim);
    int rc = 0;
    for (int32_t k = 0; k < t->n_cfg && rc == 0; k++) {
        int32_t ci = t->cfgs[k];
        const etsim_sweep_config *cf = &r->g.configs[ci];
        pthread_mutex_lock(&r->lock);
        int stop = r->failed;
        pthread_mutex_unlock(&r->lock);
        if (stop) break;
        etsim_problem_result *res = &shared;
        if (cf->search.on_missing == ETSIM_MISSING_RESAMPLE) {
            etsim_problem_result_free(&own);
            etsim_problem_result_init(&own, src->oracle->meta.emb_dim);
            res = &own;
        }
        if (etsim_search_problem(src->oracle, &cf->search, t->problem, res, err) < 0) {
            etsim_err_prefix(err, "config %s (%s width %d on %s)", cf->hash, cf->search.sel.sel->name,
                             cf->search.width, src->label);
            rc = -1;
            break;
        }
        size_t len;
        char *line = etsim_sweep_problem_line(&r->g, cf, res, &len, err);
        if (!line) {
            rc = -1;
            break;
        }
        int done = record_line(r, ci, t->problem, line, len, err);
        free(line);
        if (done < 0) rc = -1;
        else if (done) { /* summarise it on whichever worker is free next */
            task f = {-1, -1, ci, 0, NULL};
            pthread_mutex_lock(&r->lock);
            push_task(r, &f);
            pthread_mutex_unlock(&r->lock);
        }
    }
    etsim_problem_result_free(&shared);
    etsim_problem_result_free(&own);
    return rc;
}

/* Task round0 + item of the running round, a pool item. */
static int task_item(void *arg, int64_t item, int thread) {
    (void)thread;
    run *r = arg;
    pthread_mutex_lock(&r->lock);
    task t = r->tasks[r->round0 + item]; /* by value: queueing may move the array */
    int stop = r->failed;
    pthread_mutex_unlock(&r->lock);
    if (stop) return -1;
    etsim_err e = {{0}};
    if (run_task(r, &t, &e) == 0) return 0;
    pthread_mutex_lock(&r->lock);
    set_failed(r, &e);
    pthread_mutex_unlock(&r->lock);
    return -1;
}

/* Run the queued tasks on the pool in rounds: the tasks planned (compute
 * tasks, and summaries of configs complete already), then the summaries
 * of the configs that round completed. A config's summary (which may run
 * the GPU simulation over all its problems, seconds) can start only once
 * its last problem landed; queued as a round of their own, the summaries
 * spread over the workers instead of trailing on the one that finished
 * the source. */
static void run_tasks(run *r, int threads) {
    r->round0 = 0;
    while (!r->failed && r->round0 < r->n_tasks) {
        int64_t end = r->n_tasks; /* no thread runs between rounds */
        etsim_pool_run(end - r->round0, threads, task_item, r);
        r->round0 = end;
    }
}

/* ---- summary.jsonl -------------------------------------------------------------------- */

static int write_summary(run *r, etsim_err *err) {
    const etsim_sweep_grid *g = &r->g;
    char *path = join(r->opt->out_dir, "summary.jsonl");
    etsim_atomic_file af;
    if (etsim_atomic_open(&af, path, err) < 0) {
        free(path);
        return -1;
    }
    free(path);
    int64_t present = 0;
    for (int32_t c = 0; c < g->n_configs; c++) present += r->cs[c].present;
    fprintf(af.fp, "{\"etsim_sweep_summary\":1,\"grid_hash\":\"%s\",\"configs\":%d,"
                   "\"units\":%lld,\"units_total\":%lld}\n",
            g->hash, g->n_configs, (long long)present, (long long)g->n_units);
    etsim_sbuf lb = {0}; /* one line at a time */
    for (int32_t c = 0; c < g->n_configs; c++) {
        const cfg_state *cs = &r->cs[c];
        if (!cs->present) continue;
        fprintf(af.fp, "{\"cfg\":\"%s\",\"config\":%s}\n", g->configs[c].hash, g->configs[c].canon);
        for (int32_t k = 0; k <= g->configs[c].count; k++) {
            int64_t off;
            size_t n;
            if (k < g->configs[c].count) {
                int64_t u = cs->unit0 + k;
                if (r->off[u] < 0) continue;
                off = r->off[u];
                n = (size_t)r->len[u];
            } else {
                if (cs->sum_off < 0) continue;
                off = cs->sum_off;
                n = (size_t)cs->sum_len;
            }
            char *buf = etsim_sbuf_reserve(&lb, n);
            if (etsim_sweep_log_read(&r->log, off, n, buf, err) < 0) {
                etsim_sbuf_free(&lb);
                etsim_atomic_abort(&af);
                return -1;
            }
            fwrite(buf, 1, n, af.fp);
        }
    }
    etsim_sbuf_free(&lb);
    return etsim_atomic_commit(&af, err);
}

/* ---- driver ---------------------------------------------------------------------------- */

static void run_free(run *r) {
    for (int64_t i = 0; i < r->n_tasks; i++) free(r->tasks[i].cfgs);
    free(r->tasks);
    free(r->cs);
    free(r->off);
    free(r->len);
    if (r->log.path) etsim_sweep_log_close(&r->log, NULL);
    etsim_lock_release(&r->dir_lock);
    etsim_sweep_grid_free(&r->g);
    pthread_mutex_destroy(&r->lock);
}

/* Set up state, open the log; the grid is parsed already. */
static int run_open(run *r, const etsim_sweep_opts *opt, etsim_sweep_stats *st, etsim_err *err) {
    r->opt = opt;
    r->st = st;
    pthread_mutex_init(&r->lock, NULL);
    const etsim_sweep_grid *g = &r->g;
    r->cs = etsim_calloc((size_t)(g->n_configs > 0 ? g->n_configs : 1), sizeof *r->cs);
    r->off = etsim_malloc((size_t)(g->n_units > 0 ? g->n_units : 1) * sizeof *r->off);
    r->len = etsim_calloc((size_t)(g->n_units > 0 ? g->n_units : 1), sizeof *r->len);
    for (int64_t u = 0; u < g->n_units; u++) r->off[u] = -1;
    int64_t u0 = 0;
    for (int32_t c = 0; c < g->n_configs; c++) {
        r->cs[c].unit0 = u0;
        r->cs[c].sum_off = -1;
        u0 += g->configs[c].count;
    }
    st->configs = g->n_configs;
    for (int64_t u = 0; u < g->n_units; u++) st->units += in_shard(opt, u);
    char *path = join(opt->out_dir, "results.jsonl");
    int rc = etsim_sweep_log_open(&r->log, path, on_line, r, &st->torn_bytes, err);
    if (rc == 0 && st->torn_bytes)
        etsim_notice_say(&opt->notice, "%s: dropped a torn last line (%lld bytes) left by an interrupted run", path,
                         (long long)st->torn_bytes);
    free(path);
    return rc;
}

/* Run the tasks (compute when allowed), then summary.jsonl if complete. */
static int run_work(run *r, int compute, etsim_err *err) {
    const etsim_sweep_opts *opt = r->opt;
    etsim_sweep_stats *st = r->st;
    double t0 = etsim_now_s();
    for (int64_t u = 0; u < r->g.n_units; u++) st->units_present += in_shard(opt, u) && r->off[u] >= 0;
    int64_t todo = plan_tasks(r);
    if (!compute && todo) {
        /* merge: keep only the finalize tasks */
        int64_t k = 0;
        for (int64_t i = 0; i < r->n_tasks; i++) {
            if (r->tasks[i].source >= 0) free(r->tasks[i].cfgs);
            else r->tasks[k++] = r->tasks[i];
        }
        r->n_tasks = k;
        todo = 0;
    }
    etsim_progress_start(&r->prog, "sweep units", todo, todo ? opt->progress : NULL,
                         opt->progress_ctx);
    run_tasks(r, opt->threads);
    etsim_progress_finish(&r->prog);
    etsim_err serr = {{0}};
    int sync_rc = etsim_sweep_log_sync(&r->log, &serr);
    st->seconds = etsim_now_s() - t0;
    if (r->failed) {
        *err = r->err;
        return -1;
    }
    if (sync_rc < 0) {
        *err = serr;
        return -1;
    }
    int64_t present = 0;
    for (int64_t u = 0; u < r->g.n_units; u++) present += in_shard(opt, u) && r->off[u] >= 0;
    st->complete = present == st->units;
    if (st->complete && write_summary(r, err) < 0) return -1;
    return 0;
}

static void shard_name(const etsim_sweep_opts *o, char *buf, size_t n) {
    if (o->shard_n <= 1) snprintf(buf, n, "1/1");
    else snprintf(buf, n, "%d/%d", o->shard_i, o->shard_n);
}

int etsim_sweep_run(const char *grid_text, size_t len, const char *origin, const char *base_dir,
                    const etsim_sweep_opts *opt, etsim_sweep_stats *st, etsim_err *err) {
    run r;
    memset(&r, 0, sizeof r);
    memset(st, 0, sizeof *st);
    if (etsim_sweep_grid_parse(grid_text, len, origin, base_dir, &r.g, err) < 0) return -1;
    char shard[64];
    shard_name(opt, shard, sizeof shard);
    char *abs_base = base_dir ? realpath(base_dir, NULL) : getcwd(NULL, 0);
    int rc = -1;
    char *text = etsim_malloc(len + 1);
    memcpy(text, grid_text, len);
    text[len] = 0;
    r.opt = opt;
    if (prepare_dir(&r, shard, text, abs_base ? abs_base : base_dir, err) < 0) {
        memset(&r.log, 0, sizeof r.log);
        r.log.fd = -1;
        etsim_lock_release(&r.dir_lock);
        etsim_sweep_grid_free(&r.g);
        goto out;
    }
    if (run_open(&r, opt, st, err) == 0) rc = run_work(&r, 1, err);
    run_free(&r);
out:
    free(text);
    free(abs_base);
    return rc;
}

int etsim_sweep_run_file(const char *grid_path, const etsim_sweep_opts *opt,
                         etsim_sweep_stats *st, etsim_err *err) {
    size_t len;
    char *text = etsim_read_file(grid_path, &len, err);
    if (!text) return -1;
    char *dir = etsim_strdup(grid_path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    int rc = etsim_sweep_run(text, len, grid_path, slash ? dir : ".", opt, st, err);
    free(dir);
    free(text);
    return rc;
}

/* ---- merge ------------------------------------------------------------------------------ */

typedef struct merge_ctx {
    run *r;
    const char *shard_path;
    int64_t copied;
} merge_ctx;

static int on_shard_line(void *ctx, const char *cfg, int32_t p, int64_t off, size_t len,
                         int64_t lineno, etsim_err *err) {
    merge_ctx *m = ctx;
    run *r = m->r;
    (void)lineno;
    if (p < 0) return 0; /* summaries are recomputed */
    int32_t ci = etsim_sweep_grid_find(&r->g, cfg);
    int64_t u;
    if (ci < 0 || unit_of(r, ci, p, &u) < 0)
        return etsim_errf(err, "config %s problem %d is not in this grid", cfg, p);
    /* the line itself: read it back from the shard file */
    char *buf = etsim_malloc(len);
    FILE *fp = fopen(m->shard_path, "rb");
    int rc = -1;
    if (!fp || fseeko(fp, (off_t)off, SEEK_SET) != 0 || fread(buf, 1, len, fp) != len) {
        etsim_errf(err, "cannot read back offset %lld", (long long)off);
        goto out;
    }
    if (r->off[u] >= 0) {
        int same = same_line(r, r->off[u], (size_t)r->len[u], buf, len, err);
        if (same < 0) goto out;
        if (!same) {
            etsim_errf(err, "config %s problem %d differs from the same unit in another shard",
                       cfg, p);
            goto out;
        }
        rc = 0;
        goto out;
    }
    int64_t noff;
    if (etsim_sweep_log_append(&r->log, buf, len, &noff, err) < 0) goto out;
    r->off[u] = noff;
    r->len[u] = (int32_t)len;
    r->cs[ci].present++;
    m->copied++;
    rc = 0;
out:
    if (fp) fclose(fp);
    free(buf);
    return rc;
}

int etsim_sweep_merge(const char *const *shard_dirs, int n, const etsim_sweep_opts *opt,
                      etsim_sweep_stats *st, etsim_err *err) {
    memset(st, 0, sizeof *st);
    if (n < 1) return etsim_errf(err, "merge: no shard directories given");
    dir_info first;
    int have = read_dir_info(shard_dirs[0], &first, err);
    if (have <= 0) {
        if (have == 0) etsim_errf(err, "%s: no grid.json (not a sweep directory)", shard_dirs[0]);
        return -1;
    }
    for (int i = 1; i < n; i++) {
        dir_info d;
        int h = read_dir_info(shard_dirs[i], &d, err);
        if (h <= 0) {
            if (h == 0) etsim_errf(err, "%s: no grid.json (not a sweep directory)", shard_dirs[i]);
            dir_info_free(&first);
            return -1;
        }
        int same = !strcmp(d.grid_hash, first.grid_hash);
        if (!same)
            etsim_errf(err, "%s belongs to grid %s, %s to grid %s: shards of different grids",
                       shard_dirs[i], d.grid_hash, shard_dirs[0], first.grid_hash);
        dir_info_free(&d);
        if (!same) {
            dir_info_free(&first);
            return -1;
        }
    }
    run r;
    memset(&r, 0, sizeof r);
    r.log.fd = -1;
    int rc = -1;
    etsim_sweep_opts o = *opt;
    o.shard_i = o.shard_n = 0;
    if (etsim_sweep_grid_parse(first.grid_text, strlen(first.grid_text), shard_dirs[0],
                               first.base_dir && first.base_dir[0] ? first.base_dir : NULL, &r.g,
                               err) < 0)
        goto out_info;
    if (strcmp(r.g.hash, first.grid_hash)) {
        etsim_errf(err, "%s: the grid parses to hash %s, not the recorded %s (sources changed?)",
                   shard_dirs[0], r.g.hash, first.grid_hash);
        etsim_sweep_grid_free(&r.g);
        goto out_info;
    }
    r.opt = &o;
    if (prepare_dir(&r, "1/1", first.grid_text, first.base_dir ? first.base_dir : "", err) < 0) {
        etsim_lock_release(&r.dir_lock);
        etsim_sweep_grid_free(&r.g);
        goto out_info;
    }
    if (run_open(&r, &o, st, err) < 0) goto out_run;
    for (int i = 0; i < n; i++) {
        char *path = join(shard_dirs[i], "results.jsonl");
        merge_ctx m = {&r, path, 0};
        int64_t torn = 0;
        int src = etsim_sweep_log_scan_file(path, on_shard_line, &m, &torn, err);
        if (src == 0 && torn)
            etsim_notice_say(&opt->notice, "%s: skipped a torn last line (%lld bytes)", path, (long long)torn);
        free(path);
        if (src < 0) goto out_run;
    }
    if (etsim_sweep_log_sync(&r.log, err) < 0) goto out_run;
    rc = run_work(&r, 0, err);
out_run:
    run_free(&r);
out_info:
    dir_info_free(&first);
    return rc;
}
