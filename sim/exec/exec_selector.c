/* exec_selector.c -- the "exec:COMMAND" selector adapter (exec_selector.h).
 *
 * An adapter is an etsim_selector (first member, so select() recovers it
 * from cfg->sel) plus the command and the parameters its handshake
 * declared. Adapters are made on first lookup and live until exit.
 *
 * Processes: each worker thread keeps its own child per adapter in a
 * pthread key; the key's destructor closes the pipes and reaps the child
 * (SIGKILL after 1 s). Children are spawned with posix_spawn under one
 * mutex with every pipe end close-on-exec, so no child inherits another
 * child's pipe (which would hide EOF). SIGPIPE is ignored once the first
 * child starts, so a crashed child is an error, not a dead etsim.
 *
 * A lookup whose handshake fails still returns an adapter: its validate()
 * reports the handshake error, which every caller runs before any work. */
#include "sim/exec/exec_selector.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "selectors/registry.h"
#include "sim/core/json.h"

extern char **environ;

typedef struct exec_adapter {
    etsim_selector base;        /* first: cfg->sel points here            */
    char *name;                 /* "exec:COMMAND"                          */
    const char *command;        /* after "exec:"                           */
    etsim_param_def params[ETSIM_SEL_MAX_PARAMS + 1];
    char *summary;
    char error[sizeof(((etsim_err *)0)->msg)]; /* handshake failure, "" ok  */
    struct exec_adapter *next;
} exec_adapter;

typedef struct exec_proc {
    const exec_adapter *ad;
    pid_t pid;
    int to_child, from_child;
    etsim_sbuf in;              /* bytes read, not yet consumed           */
    struct exec_proc *next;
} exec_proc;

static int exec_select(const etsim_sel_config *cfg, const etsim_sel_input *in, etsim_sel_output *out,
                       etsim_err *err);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* adapters, spawning */
static exec_adapter *adapters;
static pthread_key_t proc_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

/* Seconds an external selector may take per answer (the CLI sets it from
 * ETSIM_EXEC_TIMEOUT_S; the library reads no environment). */
static double exec_timeout_s = ETSIM_EXEC_TIMEOUT_DEFAULT_S;

void etsim_exec_set_timeout(double seconds) {
    exec_timeout_s = seconds > 0 ? seconds : ETSIM_EXEC_TIMEOUT_DEFAULT_S;
}

static double timeout_s(void) { return exec_timeout_s; }

/* Round trips timed when profiling (etsim_exec_profile_enable): a list and
 * not a running sum, since the figure wanted is a median (one slow answer,
 * a page-in or a garbage collection, moves a mean). */
static int prof_on;
static pthread_mutex_t prof_lock = PTHREAD_MUTEX_INITIALIZER;
static double *prof_s;
static int64_t prof_n, prof_cap;

void etsim_exec_profile_enable(void) { prof_on = 1; }

static void prof_add(double seconds) {
    pthread_mutex_lock(&prof_lock);
    etsim_grow((void **)&prof_s, &prof_cap, prof_n + 1, sizeof *prof_s);
    prof_s[prof_n++] = seconds;
    pthread_mutex_unlock(&prof_lock);
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

void etsim_exec_profile_report(FILE *fp) {
    if (!prof_on || !prof_n) return;
    double sum = 0;
    for (int64_t i = 0; i < prof_n; i++) sum += prof_s[i];
    qsort(prof_s, (size_t)prof_n, sizeof *prof_s, cmp_double);
    double med = prof_n % 2 ? prof_s[prof_n / 2] : (prof_s[prof_n / 2 - 1] + prof_s[prof_n / 2]) / 2;
    fprintf(fp, "etsim-exec: selections %lld median_ms %.3f p10_ms %.3f p90_ms %.3f mean_ms %.3f\n",
            (long long)prof_n, med * 1e3, prof_s[prof_n / 10] * 1e3, prof_s[prof_n * 9 / 10] * 1e3,
            sum / (double)prof_n * 1e3);
}

/* ---- one child process --------------------------------------------------- */

static void proc_close(exec_proc *p) {
    if (p->to_child >= 0) close(p->to_child);
    if (p->from_child >= 0) close(p->from_child);
    if (p->pid > 0) {
        int st;
        for (int i = 0; i < 100 && waitpid(p->pid, &st, WNOHANG) == 0; i++) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
            if (i == 99) {
                kill(p->pid, SIGKILL);
                waitpid(p->pid, &st, 0);
            }
        }
    }
    etsim_sbuf_free(&p->in);
    free(p);
}

static void procs_destroy(void *head) {
    for (exec_proc *p = head, *n; p; p = n) {
        n = p->next;
        proc_close(p);
    }
}

static void make_key(void) {
    pthread_key_create(&proc_key, procs_destroy);
    signal(SIGPIPE, SIG_IGN);
}

/* How the child ended, for messages ("exited with status 3"). */
static void child_status(exec_proc *p, char *out, size_t n) {
    int st;
    pid_t r = 0;
    for (int i = 0; i < 50 && (r = waitpid(p->pid, &st, WNOHANG)) == 0; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (r == p->pid) {
        p->pid = -1;
        if (WIFEXITED(st)) snprintf(out, n, "exited with status %d", WEXITSTATUS(st));
        else if (WIFSIGNALED(st)) snprintf(out, n, "was killed by signal %d", WTERMSIG(st));
        else snprintf(out, n, "ended");
    } else {
        snprintf(out, n, "closed its output");
    }
}

static int proc_spawn(const exec_adapter *ad, exec_proc **out, etsim_err *err) {
    int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, rc = -1;
    posix_spawn_file_actions_t fa;
    int have_fa = 0;
    exec_proc *p = etsim_calloc(1, sizeof *p);
    p->ad = ad;
    p->to_child = p->from_child = -1;
    pthread_mutex_lock(&lock);
    if (pipe(in_pipe) < 0 || pipe(out_pipe) < 0) {
        etsim_errf(err, "%s: pipe: %s", ad->name, strerror(errno));
        goto done;
    }
    for (int k = 0; k < 2; k++) {
        fcntl(in_pipe[k], F_SETFD, FD_CLOEXEC);
        fcntl(out_pipe[k], F_SETFD, FD_CLOEXEC);
    }
    posix_spawn_file_actions_init(&fa);
    have_fa = 1;
    posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    char *argv[] = {"/bin/sh", "-c", (char *)ad->command, NULL};
    int e = posix_spawn(&p->pid, "/bin/sh", &fa, NULL, argv, environ);
    if (e) {
        p->pid = -1;
        etsim_errf(err, "%s: cannot start: %s", ad->name, strerror(e));
        goto done;
    }
    p->to_child = in_pipe[1];
    p->from_child = out_pipe[0];
    in_pipe[1] = out_pipe[0] = -1;
    rc = 0;
done:
    if (have_fa) posix_spawn_file_actions_destroy(&fa);
    for (int k = 0; k < 2; k++) {
        if (in_pipe[k] >= 0) close(in_pipe[k]);
        if (out_pipe[k] >= 0) close(out_pipe[k]);
    }
    pthread_mutex_unlock(&lock);
    if (rc < 0) {
        proc_close(p);
        return -1;
    }
    *out = p;
    return 0;
}

static int proc_write(exec_proc *p, const char *data, size_t n, etsim_err *err) {
    while (n > 0) {
        ssize_t w = write(p->to_child, data, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            char why[64];
            child_status(p, why, sizeof why);
            return etsim_errf(err, "%s: the process %s (writing the instance: %s)", p->ad->name, why,
                              strerror(errno));
        }
        data += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One line (without '\n', NUL-terminated, valid until the next call). */
static int proc_read_line(exec_proc *p, const char **line, size_t *line_len, const char *what,
                          etsim_err *err) {
    /* drop the line consumed last time (its '\n' was made a NUL) */
    etsim_sbuf *in = &p->in;
    char *nl = in->len ? memchr(in->data, '\0', (size_t)in->len) : NULL;
    if (nl) {
        size_t used = (size_t)(nl - in->data) + 1;
        memmove(in->data, in->data + used, (size_t)in->len - used);
        in->len -= (int64_t)used;
        in->data[in->len] = '\0';
    }
    const double limit = timeout_s(), start = etsim_now_s();
    for (;;) {
        char *end = in->len ? memchr(in->data, '\n', (size_t)in->len) : NULL;
        if (end) {
            *end = '\0';
            *line = in->data;
            *line_len = (size_t)(end - in->data);
            return 0;
        }
        double left = limit - (etsim_now_s() - start);
        if (left <= 0)
            return etsim_errf(err, "%s: no %s within %g s (timeout: ETSIM_EXEC_TIMEOUT_S)", p->ad->name, what, limit);
        struct pollfd pfd = {p->from_child, POLLIN, 0};
        int r = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) continue;
        char *room = etsim_sbuf_reserve(in, 65536);
        ssize_t n = read(p->from_child, room, 65536);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            char why[64];
            child_status(p, why, sizeof why);
            return etsim_errf(err, "%s: the process %s before sending a %s", p->ad->name, why, what);
        }
        if (memchr(room, '\0', (size_t)n))
            return etsim_errf(err, "%s: NUL byte in the %s", p->ad->name, what);
        etsim_sbuf_added(in, (size_t)n);
    }
}

/* Send the handshake, read and check the answer; *reply (caller frees) */
static int proc_handshake(exec_proc *p, cJSON **reply, etsim_err *err) {
    static const char hello[] = "{\"etsim_select\":1}\n";
    const char *line;
    size_t n;
    if (proc_write(p, hello, sizeof hello - 1, err) < 0 ||
        proc_read_line(p, &line, &n, "handshake", err) < 0)
        return -1;
    cJSON *j = etsim_json_parse(line, n, NULL, err);
    if (!j) return etsim_err_prefix(err, "%s: handshake", p->ad->name);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "etsim_select");
    if (!cJSON_IsNumber(v) || v->valuedouble != ETSIM_EXEC_PROTOCOL) {
        cJSON_Delete(j);
        return etsim_errf(err, "%s: handshake: field etsim_select: protocol %s, etsim speaks %d", p->ad->name,
                          cJSON_IsNumber(v) ? "another version" : "missing", ETSIM_EXEC_PROTOCOL);
    }
    *reply = j;
    return 0;
}

/* ---- the adapter ---------------------------------------------------------- */

static int adapter_failed(const etsim_sel_config *cfg, etsim_err *err) {
    const exec_adapter *ad = (const exec_adapter *)cfg->sel;
    return etsim_errf(err, "%s", ad->error);
}

static int parse_params(exec_adapter *ad, const cJSON *reply, etsim_err *err) {
    const cJSON *ps = cJSON_GetObjectItemCaseSensitive(reply, "params"), *p;
    if (!ps || cJSON_IsNull(ps)) return 0;
    if (!cJSON_IsArray(ps) || cJSON_GetArraySize(ps) > ETSIM_SEL_MAX_PARAMS)
        return etsim_errf(err, "%s: handshake: field params: expected an array of at most %d", ad->name,
                          ETSIM_SEL_MAX_PARAMS);
    int k = 0;
    cJSON_ArrayForEach(p, ps) {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(p, "name");
        const cJSON *def = cJSON_GetObjectItemCaseSensitive(p, "default");
        const cJSON *mn = cJSON_GetObjectItemCaseSensitive(p, "min");
        const cJSON *mx = cJSON_GetObjectItemCaseSensitive(p, "max");
        if (!cJSON_IsString(nm) || !cJSON_IsNumber(def))
            return etsim_errf(err, "%s: handshake: params[%d]: name (string) and default (number) required",
                              ad->name, k);
        etsim_param_def *d = &ad->params[k++];
        d->name = etsim_strdup(nm->valuestring);
        d->def = def->valuedouble;
        d->min = cJSON_IsNumber(mn) ? mn->valuedouble : -HUGE_VAL;
        d->max = cJSON_IsNumber(mx) ? mx->valuedouble : HUGE_VAL;
        d->help = "declared by the external selector";
        d->integer = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "integer"));
    }
    return 0;
}

static const etsim_selector *exec_open(const char *name) {
    pthread_once(&key_once, make_key);
    pthread_mutex_lock(&lock);
    exec_adapter *ad = adapters;
    while (ad && strcmp(ad->name, name)) ad = ad->next;
    pthread_mutex_unlock(&lock);
    if (ad) return &ad->base;
    ad = etsim_calloc(1, sizeof *ad);
    ad->name = etsim_strdup(name);
    ad->command = ad->name + strlen("exec:");
    ad->base.abi = ETSIM_SELECTOR_ABI;
    ad->base.name = ad->name;
    ad->base.params = ad->params;
    ad->base.select = exec_select;
    etsim_err err = {{0}};
    exec_proc *p = NULL;
    cJSON *reply = NULL;
    if (!ad->command[0]) {
        etsim_errf(&err, "%s: no command after exec:", name);
    } else if (proc_spawn(ad, &p, &err) == 0 && proc_handshake(p, &reply, &err) == 0 &&
               parse_params(ad, reply, &err) == 0) {
        const char *nm = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(reply, "name"));
        size_t len = strlen(ad->command) + (nm ? strlen(nm) : 0) + 64;
        ad->summary = etsim_malloc(len);
        snprintf(ad->summary, len, "external selector %s (%s)", nm ? nm : "", ad->command);
        ad->base.summary = ad->summary;
    }
    if (err.msg[0]) {
        snprintf(ad->error, sizeof ad->error, "%s", err.msg);
        ad->base.validate = adapter_failed;
        ad->base.summary = ad->error;
    }
    cJSON_Delete(reply);
    if (p) proc_close(p);
    pthread_mutex_lock(&lock);
    ad->next = adapters;
    adapters = ad;
    pthread_mutex_unlock(&lock);
    return &ad->base;
}

void etsim_exec_selector_install(void) { etsim_selector_register_prefix("exec:", exec_open); }

/* This thread's process for ad (spawned and greeted on first use). */
static exec_proc *thread_proc(const exec_adapter *ad, etsim_err *err) {
    exec_proc *head = pthread_getspecific(proc_key), *p = head;
    while (p && p->ad != ad) p = p->next;
    if (p) return p;
    cJSON *reply = NULL;
    if (proc_spawn(ad, &p, err) < 0) return NULL;
    if (proc_handshake(p, &reply, err) < 0) {
        proc_close(p);
        return NULL;
    }
    cJSON_Delete(reply);
    p->next = head;
    pthread_setspecific(proc_key, p);
    return p;
}

static void drop_thread_proc(exec_proc *dead) {
    exec_proc *head = pthread_getspecific(proc_key), **pp = &head;
    while (*pp && *pp != dead) pp = &(*pp)->next;
    if (*pp) *pp = dead->next;
    pthread_setspecific(proc_key, head);
    proc_close(dead);
}

/* %.17g (round-trips), not etsim_sbuf_double's shortest form: that tries
 * up to twelve precisions per number, and an instance carries a score per
 * node on every selection. Every value here is finite: the engine refuses
 * a candidate with a non-finite score and each node here was a candidate
 * (or is the root), and the config parser refuses non-finite parameters. */
static void put_double(etsim_sbuf *b, double v) {
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.17g", v);
    etsim_sbuf_puts(b, tmp);
}

static void write_instance(etsim_sbuf *b, const exec_adapter *ad, const etsim_sel_config *cfg,
                           const etsim_sel_input *in) {
    etsim_sbuf_puts(b, "{\"selector\":");
    etsim_sbuf_json_string(b, ad->name);
    etsim_sbuf_puts(b, ",\"width\":");
    etsim_sbuf_int(b, in->width);
    etsim_sbuf_puts(b, ",\"initial_width\":");
    etsim_sbuf_int(b, in->initial_width);
    etsim_sbuf_puts(b, ",\"depth\":");
    etsim_sbuf_int(b, in->depth);
    etsim_sbuf_puts(b, ",\"params\":{");
    for (int k = 0; ad->params[k].name; k++) {
        if (k) etsim_sbuf_putc(b, ',');
        etsim_sbuf_json_string(b, ad->params[k].name);
        etsim_sbuf_putc(b, ':');
        put_double(b, cfg->v[k]);
    }
    etsim_sbuf_puts(b, "},\"nodes\":[");
    for (int32_t i = 0; i < in->n_nodes; i++) {
        const etsim_sel_node *nd = &in->nodes[i];
        etsim_sbuf_puts(b, i ? ",{\"id\":" : "{\"id\":");
        etsim_sbuf_int(b, i);
        etsim_sbuf_puts(b, ",\"parent\":");
        if (nd->parent < 0) etsim_sbuf_puts(b, "null");
        else etsim_sbuf_int(b, nd->parent);
        etsim_sbuf_puts(b, ",\"tokens\":");
        etsim_sbuf_int(b, nd->step_tokens);
        etsim_sbuf_puts(b, ",\"score\":");
        put_double(b, nd->score);
        if (nd->tag >= 0) {
            etsim_sbuf_puts(b, ",\"subtree\":");
            etsim_sbuf_int(b, nd->tag);
        }
        if (nd->text) {
            etsim_sbuf_puts(b, ",\"text\":");
            etsim_sbuf_json_string(b, nd->text);
        }
        if (nd->embedding && in->emb_dim > 0) {
            etsim_sbuf_puts(b, ",\"embedding\":[");
            for (int32_t k = 0; k < in->emb_dim; k++) {
                char tmp[32];
                if (k) etsim_sbuf_putc(b, ',');
                snprintf(tmp, sizeof tmp, "%.9g", (double)nd->embedding[k]);
                etsim_sbuf_puts(b, tmp);
            }
            etsim_sbuf_putc(b, ']');
        }
        etsim_sbuf_putc(b, '}');
    }
    etsim_sbuf_puts(b, "],\"candidates\":[");
    for (int32_t i = 0; i < in->n_cand; i++) {
        if (i) etsim_sbuf_putc(b, ',');
        etsim_sbuf_int(b, in->cand[i]);
    }
    etsim_sbuf_puts(b, "]}\n");
}

/* node id -> candidate index, -1 when the id is not a candidate */
static int32_t cand_of(const etsim_sel_input *in, const int32_t *pos, double id) {
    if (!(id >= 0 && id < in->n_nodes) || id != floor(id)) return -1;
    return pos[(int32_t)id];
}

static int int_in(const cJSON *v, double min, double max, int32_t *out) {
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < min ||
        v->valuedouble > max)
        return 0;
    *out = (int32_t)v->valuedouble;
    return 1;
}

static int read_decision(const exec_adapter *ad, const etsim_sel_input *in, const cJSON *d,
                         etsim_sel_output *out, etsim_err *err) {
    int rc = -1;
    int32_t *pos = etsim_malloc((size_t)in->n_nodes * sizeof *pos);
    int64_t *given = etsim_calloc((size_t)in->n_cand + 1, sizeof *given);
    for (int32_t i = 0; i < in->n_nodes; i++) pos[i] = -1;
    for (int32_t i = 0; i < in->n_cand; i++) pos[in->cand[i]] = i;
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(d, "counts");
    const cJSON *exps = cJSON_GetObjectItemCaseSensitive(d, "expansions"), *v;
    int64_t total = 0;
    if (!cJSON_IsObject(d)) {
        etsim_errf(err, "%s: decision: expected a JSON object", ad->name);
        goto done;
    }
    if (!counts && !exps) {
        etsim_errf(err, "%s: decision: neither counts nor expansions", ad->name);
        goto done;
    }
    if (counts && (!cJSON_IsArray(counts) || cJSON_GetArraySize(counts) != in->n_cand)) {
        etsim_errf(err, "%s: decision: field counts: expected %d integers (one per candidate)", ad->name,
                   in->n_cand);
        goto done;
    }
    if (exps) {
        if (!cJSON_IsArray(exps)) {
            etsim_errf(err, "%s: decision: field expansions: expected [[id, count], ...]", ad->name);
            goto done;
        }
        int e = 0;
        cJSON_ArrayForEach(v, exps) {
            int32_t count, ci;
            const cJSON *id = cJSON_GetArrayItem(v, 0);
            if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2 || !cJSON_IsNumber(id) ||
                !int_in(cJSON_GetArrayItem(v, 1), 0, INT32_MAX, &count)) {
                etsim_errf(err, "%s: decision: field expansions[%d]: expected [id, count >= 0]", ad->name, e);
                goto done;
            }
            if ((ci = cand_of(in, pos, id->valuedouble)) < 0) {
                etsim_errf(err, "%s: decision: field expansions[%d]: node %g is not a candidate", ad->name, e,
                           id->valuedouble);
                goto done;
            }
            given[ci] += count;
            total += count;
            e++;
        }
    }
    if (counts) {
        int32_t i = 0;
        int64_t sum = 0;
        cJSON_ArrayForEach(v, counts) {
            int32_t c;
            if (!int_in(v, 0, INT32_MAX, &c)) {
                etsim_errf(err, "%s: decision: field counts[%d]: not an integer >= 0", ad->name, i);
                goto done;
            }
            if (exps && c != given[i]) {
                etsim_errf(err, "%s: decision: counts[%d] = %d but the expansions give candidate %d %lld children",
                           ad->name, i, c, in->cand[i], (long long)given[i]);
                goto done;
            }
            sum += c;
            i++;
        }
        total = sum;
    }
    if (total > in->width) {
        etsim_errf(err, "%s: decision: %lld children over-allocate the remaining width %d", ad->name,
                   (long long)total, in->width);
        goto done;
    }
    if (exps) {
        cJSON_ArrayForEach(v, exps)
            etsim_sel_expand(out, cand_of(in, pos, cJSON_GetArrayItem(v, 0)->valuedouble),
                             (int32_t)cJSON_GetArrayItem(v, 1)->valuedouble);
    } else {
        int32_t i = 0;
        cJSON_ArrayForEach(v, counts) etsim_sel_expand(out, i++, (int32_t)v->valuedouble);
    }
    /* optional ETS report */
    const cJSON *kept = cJSON_GetObjectItemCaseSensitive(d, "kept");
    const cJSON *clusters = cJSON_GetObjectItemCaseSensitive(d, "clusters");
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(d, "objective");
    if (cJSON_IsArray(kept)) {
        memset(out->kept, 0, (size_t)in->n_cand);
        cJSON_ArrayForEach(v, kept) {
            int32_t ci = cJSON_IsNumber(v) ? cand_of(in, pos, v->valuedouble) : -1;
            if (ci < 0) {
                etsim_errf(err, "%s: decision: field kept: %s is not a candidate", ad->name,
                           cJSON_IsNumber(v) ? "an id" : "an entry");
                goto done;
            }
            out->kept[ci] = 1;
        }
        out->has_kept = 1;
    }
    if (cJSON_IsArray(clusters)) {
        if (cJSON_GetArraySize(clusters) != in->n_cand) {
            etsim_errf(err, "%s: decision: field clusters: expected %d integers", ad->name, in->n_cand);
            goto done;
        }
        int32_t i = 0;
        cJSON_ArrayForEach(v, clusters) {
            if (!int_in(v, -1, INT32_MAX, &out->cluster[i])) {
                etsim_errf(err, "%s: decision: field clusters[%d]: not an integer >= -1", ad->name, i);
                goto done;
            }
            i++;
        }
        out->has_clusters = 1;
    }
    if (cJSON_IsNumber(obj)) {
        out->objective = obj->valuedouble;
        out->has_objective = 1;
    }
    rc = 0;
done:
    free(pos);
    free(given);
    return rc;
}

static int exec_select(const etsim_sel_config *cfg, const etsim_sel_input *in, etsim_sel_output *out,
                       etsim_err *err) {
    const exec_adapter *ad = (const exec_adapter *)cfg->sel;
    if (ad->error[0]) return etsim_errf(err, "%s", ad->error);
    exec_proc *p = thread_proc(ad, err);
    if (!p) {
        size_t k = strlen(ad->name);
        if (!strncmp(err->msg, ad->name, k) && !strncmp(err->msg + k, ": ", 2))
            memmove(err->msg, err->msg + k + 2, strlen(err->msg + k + 2) + 1);
        return -1;
    }
    etsim_sbuf b = {0};
    cJSON *d = NULL;
    const char *line;
    size_t n;
    int rc = -1;
    double t0 = prof_on ? etsim_now_s() : 0;
    write_instance(&b, ad, cfg, in);
    if (proc_write(p, b.data, (size_t)b.len, err) < 0 || proc_read_line(p, &line, &n, "decision", err) < 0)
        goto done;
    if (!(d = etsim_json_parse(line, n, NULL, err))) {
        etsim_err_prefix(err, "%s: malformed decision line", ad->name);
        goto done;
    }
    rc = read_decision(ad, in, d, out, err);
    if (prof_on && rc == 0) prof_add(etsim_now_s() - t0);
done:
    if (rc < 0) {
        drop_thread_proc(p); /* its state is unknown now */
        /* the engine names the selector itself ("depth 2: selector exec:...") */
        size_t k = strlen(ad->name);
        if (!strncmp(err->msg, ad->name, k) && !strncmp(err->msg + k, ": ", 2))
            memmove(err->msg, err->msg + k + 2, strlen(err->msg + k + 2) + 1);
    }
    cJSON_Delete(d);
    etsim_sbuf_free(&b);
    return rc;
}
