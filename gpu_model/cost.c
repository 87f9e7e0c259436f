/* cost.c -- configuration, profile and memory resolution, the run that
 * ties the replay KV accounting to the serving simulation, and the report
 * writers (see cost.h). The KV pool of a server is
 *   floor((mem_fraction x HBM - weights - context_bytes) / KV bytes per token)
 * as SGLang sizes it; a model that does not fit is an error saying by how
 * much. */
#include "gpu_model/cost.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/sbuf.h"

void etsim_cost_config_init(etsim_cost_config *c) {
    memset(c, 0, sizeof *c);
    c->gpu = etsim_strdup("h100-nvl");
    c->policy = etsim_strdup("llemma-34b");
    c->prm = etsim_strdup("llemma-34b-prm");
    c->embedder = etsim_strdup("math-bert");
    c->policy_mem_fraction = 0.88;
    c->prm_mem_fraction = 0.85;
    c->context_bytes = 1024.0 * 1024 * 1024;
    c->kv_scale = 1.0;
    c->tp = c->prm_tp = 1;
    etsim_des_config_defaults(&c->des);
}

void etsim_cost_config_free(etsim_cost_config *c) {
    char **s[] = {&c->gpu, &c->prm_gpu, &c->policy, &c->prm, &c->embedder, &c->gpu_file,
                  &c->prm_gpu_file, &c->policy_file, &c->prm_file, &c->embedder_file,
                  &c->gpu_profile, &c->prm_gpu_profile};
    for (size_t i = 0; i < sizeof s / sizeof *s; i++) {
        free(*s[i]);
        *s[i] = NULL;
    }
}

/* ---- option parsing -------------------------------------------------------- */

static int parse_double(const char *key, const char *v, double lo, int lo_excl, double hi,
                        double *out, etsim_err *err) {
    char *end = NULL;
    errno = 0;
    double x = strtod(v, &end);
    if (!*v || *end || errno || !isfinite(x) || (lo_excl ? x <= lo : x < lo) || x > hi)
        return etsim_errf(err, "cost option %s: '%s' is not a number in %s%g, %g]", key, v,
                          lo_excl ? "(" : "[", lo, hi);
    *out = x;
    return 0;
}

static int parse_i64(const char *key, const char *v, int64_t lo, int64_t hi, int64_t *out,
                     etsim_err *err) {
    char *end = NULL;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || errno || x < lo || x > hi)
        return etsim_errf(err, "cost option %s: '%s' is not an integer in [%lld, %lld]", key, v,
                          (long long)lo, (long long)hi);
    *out = x;
    return 0;
}

static int parse_i32(const char *key, const char *v, int32_t lo, int32_t hi, int32_t *out,
                     etsim_err *err) {
    int64_t x = 0;
    if (parse_i64(key, v, lo, hi, &x, err) < 0) return -1;
    *out = (int32_t)x;
    return 0;
}

static int parse_pool(const char *key, const char *v, int64_t *out, etsim_err *err) {
    if (!strcmp(v, "unlimited")) {
        *out = ETSIM_KV_UNLIMITED;
        return 0;
    }
    return parse_i64(key, v, 1, (int64_t)1 << 40, out, err);
}

static void set_str(char **dst, const char *v) {
    free(*dst);
    *dst = etsim_strdup(v);
}

int etsim_cost_config_set(etsim_cost_config *c, const char *key, const char *v,
                          etsim_err *err) {
    struct {
        const char *key;
        char **dst;
    } strs[] = {{"gpu", &c->gpu}, {"prm_gpu", &c->prm_gpu}, {"policy", &c->policy},
                {"prm", &c->prm}, {"embedder", &c->embedder}, {"gpu_file", &c->gpu_file},
                {"prm_gpu_file", &c->prm_gpu_file}, {"policy_file", &c->policy_file},
                {"prm_file", &c->prm_file}, {"embedder_file", &c->embedder_file},
                {"gpu_profile", &c->gpu_profile}, {"prm_gpu_profile", &c->prm_gpu_profile}};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        if (!strcmp(key, strs[i].key)) {
            if (!*v) return etsim_errf(err, "cost option %s: empty value", key);
            set_str(strs[i].dst, v);
            return 0;
        }
    etsim_des_config *d = &c->des;
    if (!strcmp(key, "inflight")) return parse_i32(key, v, 1, 1 << 20, &d->inflight, err);
    if (!strcmp(key, "sharing")) return parse_double(key, v, 0, 0, 1, &d->sharing, err);
    if (!strcmp(key, "reserve_ratio"))
        return parse_double(key, v, 0, 1, 1, &d->reserve_ratio, err);
    if (!strcmp(key, "policy_mem_fraction"))
        return parse_double(key, v, 0, 1, 1, &c->policy_mem_fraction, err);
    if (!strcmp(key, "prm_mem_fraction"))
        return parse_double(key, v, 0, 1, 1, &c->prm_mem_fraction, err);
    if (!strcmp(key, "context_bytes"))
        return parse_double(key, v, 0, 0, 1e15, &c->context_bytes, err);
    if (!strcmp(key, "policy_kv_tokens")) return parse_pool(key, v, &c->policy_kv_tokens, err);
    if (!strcmp(key, "prm_kv_tokens")) return parse_pool(key, v, &c->prm_kv_tokens, err);
    if (!strcmp(key, "kv_tokens")) {
        if (parse_pool(key, v, &c->policy_kv_tokens, err) < 0) return -1;
        c->prm_kv_tokens = c->policy_kv_tokens;
        return 0;
    }
    if (!strcmp(key, "max_running")) {
        if (parse_i32(key, v, 1, 1 << 24, &d->policy.max_running, err) < 0) return -1;
        d->prm.max_running = d->policy.max_running;
        return 0;
    }
    if (!strcmp(key, "max_prefill_tokens")) {
        if (parse_i32(key, v, 1, 1 << 24, &d->policy.max_prefill_tokens, err) < 0) return -1;
        d->prm.max_prefill_tokens = d->policy.max_prefill_tokens;
        return 0;
    }
    if (!strcmp(key, "kv_scale")) return parse_double(key, v, 0, 1, 1e3, &c->kv_scale, err);
    if (!strcmp(key, "tp")) return parse_i32(key, v, 1, 1024, &c->tp, err);
    if (!strcmp(key, "prm_tp")) return parse_i32(key, v, 1, 1024, &c->prm_tp, err);
    if (!strcmp(key, "decode_steps")) return parse_i32(key, v, 1, 1 << 20, &d->decode_steps, err);
    if (!strcmp(key, "batching")) {
        static const char *const names[] = {"separate", "chunked", "mixed"};
        for (int k = 0; k < 3; k++)
            if (!strcmp(v, names[k])) {
                d->batching = (etsim_batching)k;
                return 0;
            }
        return etsim_errf(err, "cost option batching: '%s' is not separate, chunked or mixed", v);
    }
    if (!strcmp(key, "select_s")) return parse_double(key, v, 0, 0, 1e3, &d->select_s, err);
    if (!strcmp(key, "select_per_cand_s"))
        return parse_double(key, v, 0, 0, 1, &d->select_per_cand_s, err);
    if (!strcmp(key, "select_pair_s"))
        return parse_double(key, v, 0, 0, 1, &d->select_pair_s, err);
    if (!strcmp(key, "embed_batch")) return parse_i32(key, v, 1, 1 << 20, &d->embed_batch, err);
    if (!strcmp(key, "series_max")) return parse_i32(key, v, 2, 1 << 20, &d->series_max, err);
    return etsim_errf(err, "unknown cost option '%s' (see gpu_model/README.md)", key);
}

int etsim_cost_config_arg(etsim_cost_config *c, int argc, char **argv, int *i,
                          etsim_err *err) {
    static const struct {
        const char *flag, *key;
    } flags[] = {{"--gpu", "gpu"}, {"--prm-gpu", "prm_gpu"}, {"--policy", "policy"},
                 {"--prm", "prm"}, {"--embedder", "embedder"}, {"--gpu-file", "gpu_file"},
                 {"--prm-gpu-file", "prm_gpu_file"}, {"--policy-file", "policy_file"},
                 {"--prm-file", "prm_file"}, {"--embedder-file", "embedder_file"},
                 {"--inflight", "inflight"}, {"--sharing", "sharing"}, {"--tp", "tp"},
                 {"--prm-tp", "prm_tp"}, {"--batching", "batching"},
                 {"--gpu-profile", "gpu_profile"}, {"--prm-gpu-profile", "prm_gpu_profile"},
                 {"--cost-set", NULL}};
    const char *a = argv[*i];
    for (size_t k = 0; k < sizeof flags / sizeof *flags; k++) {
        if (strcmp(a, flags[k].flag)) continue;
        if (*i + 1 >= argc) return etsim_errf(err, "%s needs a value", a);
        const char *v = argv[++*i];
        if (flags[k].key) return etsim_cost_config_set(c, flags[k].key, v, err) < 0 ? -1 : 1;
        char key[64];
        const char *eq = strchr(v, '=');
        if (!eq || eq == v || (size_t)(eq - v) >= sizeof key)
            return etsim_errf(err, "--cost-set '%s': expected KEY=VALUE", v);
        memcpy(key, v, (size_t)(eq - v));
        key[eq - v] = 0;
        return etsim_cost_config_set(c, key, eq + 1, err) < 0 ? -1 : 1;
    }
    return 0;
}

/* ---- traces --------------------------------------------------------------- */

int etsim_cost_traces_add(etsim_cost_traces *set, const etsim_problem_result *r,
                          etsim_err *err) {
    etsim_grow((void **)&set->v, &set->cap, (int64_t)set->n + 1, sizeof *set->v);
    if (etsim_cost_trace_from_result(&set->v[set->n], r, err) < 0) return -1;
    set->n++;
    return 0;
}

void etsim_cost_traces_free(etsim_cost_traces *set) {
    for (int32_t i = 0; i < set->n; i++) etsim_cost_trace_free(&set->v[i]);
    free(set->v);
    memset(set, 0, sizeof *set);
}

/* ---- resolution ------------------------------------------------------------ */

static int get_gpu(const char *name, const char *file, etsim_gpu_profile *g, etsim_err *err) {
    return file ? etsim_gpu_profile_load(file, g, err) : etsim_gpu_profile_find(name, g, err);
}

static int get_model(const char *name, const char *file, etsim_model_profile *m,
                     etsim_err *err) {
    return file ? etsim_model_profile_load(file, m, err) : etsim_model_profile_find(name, m, err);
}

static int size_pool(etsim_cost_server_setup *s, const char *role, int64_t fixed,
                     double context_bytes, double scale, etsim_err *err) {
    const double GB = 1e9;
    if (s->model.encoder_only)
        return etsim_errf(err, "%s model '%s' is encoder-only and cannot serve generation",
                          role, s->model.name);
    double budget = s->mem_fraction * s->gpu.hbm_bytes;
    /* per GPU: its shard of the weights and of every token's KV */
    double free_b = budget - s->shard.weight_bytes - context_bytes;
    if (free_b <= 0)
        return etsim_errf(err, "%s model '%s' (%.2f GB of weights + %.2f GB context) does not "
                          "fit in %.2f x %.2f GB of GPU '%s': %.2f GB short",
                          role, s->model.name, s->shard.weight_bytes / GB, context_bytes / GB,
                          s->mem_fraction, s->gpu.hbm_bytes / GB, s->gpu.name, -free_b / GB);
    int64_t from_mem = (int64_t)floor(scale * free_b / s->shard.kv_bytes_per_token);
    if (fixed) {
        s->kv_pool_tokens = fixed == ETSIM_KV_UNLIMITED ? fixed : (int64_t)floor(scale * (double)fixed);
        s->pool_from = fixed == ETSIM_KV_UNLIMITED ? "unlimited" : "set";
    } else {
        s->kv_pool_tokens = from_mem;
        s->pool_from = "memory";
    }
    if (s->kv_pool_tokens < 1)
        return etsim_errf(err, "%s KV pool on '%s' holds no token (%.3f GB free)", role,
                          s->gpu.name, free_b / GB);
    return 0;
}

/* The server's TP shard and its measured profile (one shape must match). */
static int shard_server(etsim_cost_server_setup *s, int32_t tp, const char *field,
                        const char *profile_dir, int required, etsim_err *err) {
    if (etsim_model_shard(&s->model, tp, field, &s->shard, err) < 0) return -1;
    s->tp = tp;
    if (tp > 1 && s->gpu.interconnect_bytes_per_s <= 0)
        return etsim_errf(err, "%s: GPU '%s' has no interconnect_bytes_per_s for tensor "
                          "parallelism", field, s->gpu.name);
    if (!profile_dir) return 0;
    s->measured = etsim_calloc(1, sizeof *s->measured);
    if (etsim_measured_load(profile_dir, s->measured, err) < 0) return -1;
    if (!etsim_measured_matches(s->measured, &s->shard)) {
        if (!required) { /* inherited from the policy server: not this model's */
            etsim_measured_free(s->measured);
            free(s->measured);
            s->measured = NULL;
            return 0;
        }
        return etsim_errf(err, "%s: the profile is of a model with %d heads, %d KV heads, hidden "
                          "%d, ffn %d, not of '%s'", profile_dir, s->measured->heads,
                          s->measured->kv_heads, s->measured->hidden, s->measured->ffn,
                          s->model.name);
    }
    s->gpu.measured = s->measured;
    return 0;
}

static int resolve(const etsim_cost_config *c, etsim_cost_report *rep, etsim_err *err) {
    memset(rep, 0, sizeof *rep);
    if (get_gpu(c->gpu, c->gpu_file, &rep->policy.gpu, err) < 0) return -1;
    if (c->prm_gpu || c->prm_gpu_file) {
        if (get_gpu(c->prm_gpu ? c->prm_gpu : c->gpu, c->prm_gpu_file, &rep->prm.gpu, err) < 0)
            return -1;
    } else {
        rep->prm.gpu = rep->policy.gpu;
    }
    if (get_model(c->policy, c->policy_file, &rep->policy.model, err) < 0) return -1;
    if (get_model(c->prm, c->prm_file, &rep->prm.model, err) < 0) return -1;
    if (c->embedder_file || (c->embedder && strcmp(c->embedder, "none"))) {
        if (get_model(c->embedder, c->embedder_file, &rep->embedder, err) < 0) return -1;
        rep->has_embedder = 1;
    }
    rep->policy.mem_fraction = c->policy_mem_fraction;
    rep->prm.mem_fraction = c->prm_mem_fraction;
    rep->context_bytes = c->context_bytes;
    /* the PRM server inherits --gpu-profile when it runs on the same GPU */
    int prm_same_gpu = !c->prm_gpu && !c->prm_gpu_file;
    const char *prm_prof = c->prm_gpu_profile ? c->prm_gpu_profile
                           : prm_same_gpu ? c->gpu_profile : NULL;
    if (shard_server(&rep->policy, c->tp, "tp", c->gpu_profile, 1, err) < 0 ||
        shard_server(&rep->prm, c->prm_tp, "prm_tp", prm_prof, c->prm_gpu_profile != NULL,
                     err) < 0)
        return -1;
    if (size_pool(&rep->policy, "policy", c->policy_kv_tokens, c->context_bytes, c->kv_scale,
                  err) < 0 ||
        size_pool(&rep->prm, "PRM", c->prm_kv_tokens, c->context_bytes, c->kv_scale, err) < 0)
        return -1;
    rep->des = c->des;
    return 0;
}

int etsim_cost_resolve(const etsim_cost_config *c, etsim_cost_report *rep, etsim_err *err) {
    if (resolve(c, rep, err) == 0) return 0;
    etsim_cost_report_free(rep);
    return -1;
}

/* Point the simulation at the profiles inside the report (stable memory). */
static void wire(etsim_cost_report *rep) {
    rep->des.policy.model = &rep->policy.shard;
    rep->des.policy.gpu = &rep->policy.gpu;
    rep->des.policy.pool_tokens = rep->policy.kv_pool_tokens;
    rep->des.prm.model = &rep->prm.shard;
    rep->des.prm.gpu = &rep->prm.gpu;
    rep->des.prm.pool_tokens = rep->prm.kv_pool_tokens;
    rep->des.embedder = rep->has_embedder ? &rep->embedder : NULL;
}

int etsim_cost_run(const etsim_cost_config *c, const etsim_cost_trace *traces, int32_t n,
                   etsim_cost_report *rep, etsim_err *err) {
    if (etsim_cost_resolve(c, rep, err) < 0) return -1;
    wire(rep);
    rep->n_problems = n;
    rep->kv = etsim_calloc((size_t)(n > 0 ? n : 1), sizeof *rep->kv);
    int32_t max_nodes = 1;
    for (int32_t i = 0; i < n; i++)
        if (traces[i].n_nodes > max_nodes) max_nodes = traces[i].n_nodes;
    int32_t *stamp = etsim_malloc((size_t)max_nodes * sizeof *stamp);
    etsim_kv_replay_stats *tot = &rep->kv_total;
    for (int32_t i = 0; i < n; i++) {
        etsim_kv_replay_account(&traces[i], &rep->kv[i], stamp);
        const etsim_kv_replay_stats *k = &rep->kv[i];
        tot->rounds += k->rounds;
        tot->shared_sum += k->shared_sum;
        tot->unshared_sum += k->unshared_sum;
        if (k->shared_peak > tot->shared_peak) tot->shared_peak = k->shared_peak;
        if (k->unshared_peak > tot->unshared_peak) tot->unshared_peak = k->unshared_peak;
    }
    free(stamp);
    if (tot->rounds) {
        tot->shared_mean = (double)tot->shared_sum / tot->rounds;
        tot->unshared_mean = (double)tot->unshared_sum / tot->rounds;
    }
    if (etsim_des_run(&rep->des, traces, n, &rep->sim, err) < 0) {
        etsim_cost_report_free(rep);
        return -1;
    }
    return 0;
}

void etsim_cost_report_free(etsim_cost_report *rep) {
    etsim_des_result_free(&rep->sim);
    etsim_cost_server_setup *sv[2] = {&rep->policy, &rep->prm};
    for (int i = 0; i < 2; i++)
        if (sv[i]->measured) {
            etsim_measured_free(sv[i]->measured);
            free(sv[i]->measured);
        }
    free(rep->kv);
    memset(rep, 0, sizeof *rep);
}

/* ---- JSON ----------------------------------------------------------------- */

static void jd(FILE *fp, const char *key, double v) {
    char buf[40];
    etsim_fmt_double(buf, v);
    fprintf(fp, "\"%s\":%s", key, buf);
}

static void ji(FILE *fp, const char *key, int64_t v) {
    fprintf(fp, "\"%s\":%lld", key, (long long)v);
}

static void js(FILE *fp, const char *key, const char *v) {
    fprintf(fp, "\"%s\":", key);
    etsim_json_write_string(fp, v);
}

static void write_setup(FILE *fp, const etsim_cost_server_setup *s) {
    putc('{', fp);
    js(fp, "model", s->model.name), putc(',', fp);
    js(fp, "gpu", s->gpu.name), putc(',', fp);
    jd(fp, "params", s->model.params), putc(',', fp);
    jd(fp, "weight_bytes", s->model.weight_bytes), putc(',', fp);
    jd(fp, "kv_bytes_per_token", s->model.kv_bytes_per_token), putc(',', fp);
    jd(fp, "mem_fraction", s->mem_fraction), putc(',', fp);
    ji(fp, "tp", s->tp), putc(',', fp);
    fputs("\"measured_profile\":", fp);
    if (s->measured) etsim_json_write_string(fp, s->measured->dir);
    else fputs("null", fp);
    putc(',', fp);
    ji(fp, "kv_pool_tokens", s->kv_pool_tokens == ETSIM_KV_UNLIMITED ? -1 : s->kv_pool_tokens);
    putc(',', fp);
    js(fp, "kv_pool_from", s->pool_from);
    putc('}', fp);
}

static void write_server(FILE *fp, const etsim_des_server_stats *st, double makespan,
                         double kvb) {
    putc('{', fp);
    jd(fp, "busy_s", st->busy_s), putc(',', fp);
    jd(fp, "utilization", makespan > 0 ? st->busy_s / makespan : 0), putc(',', fp);
    ji(fp, "iterations", st->iterations), putc(',', fp);
    fputs("\"time_s\":{", fp);
    jd(fp, "linear", st->linear_s), putc(',', fp);
    jd(fp, "attention", st->attention_s), putc(',', fp);
    jd(fp, "overhead", st->overhead_s), putc(',', fp);
    jd(fp, "embedder", st->embed_s), putc(',', fp);
    jd(fp, "compute_bound", st->compute_s), putc(',', fp);
    jd(fp, "pool_wait", st->pool_wait_s);
    fputs("},\"batch\":{", fp);
    jd(fp, "mean", st->iterations ? st->batch_sum / (double)st->iterations : 0), putc(',', fp);
    ji(fp, "max", st->batch_max);
    fputs(",\"hist\":[", fp);
    int first = 1;
    for (int b = 0; b < ETSIM_DES_HIST; b++) {
        if (!st->batch_hist[b]) continue;
        fprintf(fp, "%s{\"min\":%lld,\"max\":%lld,\"iterations\":%lld}", first ? "" : ",",
                1LL << b, b + 1 < ETSIM_DES_HIST ? (1LL << (b + 1)) - 1 : -1LL,
                (long long)st->batch_hist[b]);
        first = 0;
    }
    fputs("]},\"tokens\":{", fp);
    ji(fp, "decode", st->decode_tokens), putc(',', fp);
    ji(fp, "prefill", st->prefill_tokens), putc(',', fp);
    ji(fp, "recomputed", st->recomputed_tokens);
    fputs("},\"kv\":{", fp);
    ji(fp, "pool_tokens", st->pool_tokens == ETSIM_KV_UNLIMITED ? -1 : st->pool_tokens);
    putc(',', fp);
    jd(fp, "used_mean_tokens", st->used_mean), putc(',', fp);
    ji(fp, "used_peak_tokens", st->used_peak), putc(',', fp);
    jd(fp, "referenced_mean_tokens", st->referenced_mean), putc(',', fp);
    ji(fp, "referenced_peak_tokens", st->referenced_peak), putc(',', fp);
    jd(fp, "referenced_peak_bytes", (double)st->referenced_peak * kvb), putc(',', fp);
    jd(fp, "unshared_mean_tokens", st->unshared_mean), putc(',', fp);
    ji(fp, "unshared_peak_tokens", st->unshared_peak), putc(',', fp);
    jd(fp, "unshared_peak_bytes", (double)st->unshared_peak * kvb), putc(',', fp);
    ji(fp, "evictions", st->evictions), putc(',', fp);
    ji(fp, "evicted_tokens", st->evicted_tokens), putc(',', fp);
    ji(fp, "retractions", st->retractions);
    fputs(",\"series\":{\"columns\":[\"t_s\",\"used\",\"referenced\",\"unshared\"],\"rows\":[", fp);
    for (int32_t i = 0; i < st->n_series; i++) {
        char buf[40];
        etsim_fmt_double(buf, st->series[i].t);
        fprintf(fp, "%s[%s,%lld,%lld,%lld]", i ? "," : "", buf, (long long)st->series[i].used,
                (long long)st->series[i].referenced, (long long)st->series[i].unshared);
    }
    fputs("]}},\"flops\":{", fp);
    jd(fp, "linear", st->linear_flops), putc(',', fp);
    jd(fp, "attention", st->attention_flops);
    fputs("}}", fp);
}

static void write_kv(FILE *fp, const etsim_kv_replay_stats *k, double kvb) {
    fputs("{\"shared\":{", fp);
    jd(fp, "mean_tokens", k->shared_mean), putc(',', fp);
    jd(fp, "peak_tokens", k->shared_peak), putc(',', fp);
    jd(fp, "mean_bytes", k->shared_mean * kvb), putc(',', fp);
    jd(fp, "peak_bytes", k->shared_peak * kvb), putc(',', fp);
    ji(fp, "token_rounds", k->shared_sum);
    fputs("},\"unshared\":{", fp);
    jd(fp, "mean_tokens", k->unshared_mean), putc(',', fp);
    jd(fp, "peak_tokens", k->unshared_peak), putc(',', fp);
    jd(fp, "mean_bytes", k->unshared_mean * kvb), putc(',', fp);
    jd(fp, "peak_bytes", k->unshared_peak * kvb), putc(',', fp);
    ji(fp, "token_rounds", k->unshared_sum);
    fputs("},", fp);
    ji(fp, "rounds", k->rounds);
    putc('}', fp);
}

void etsim_cost_report_write_json(FILE *fp, const etsim_cost_report *rep, int with_problems) {
    const etsim_des_result *r = &rep->sim;
    const etsim_des_config *d = &rep->des;
    double T = r->makespan_s;
    double kvb = rep->policy.model.kv_bytes_per_token;
    fputs("{\"etsim_cost\":1,\"config\":{\"policy\":", fp);
    write_setup(fp, &rep->policy);
    fputs(",\"prm\":", fp);
    write_setup(fp, &rep->prm);
    fputs(",\"embedder\":", fp);
    if (rep->has_embedder) etsim_json_write_string(fp, rep->embedder.name);
    else fputs("null", fp);
    putc(',', fp);
    ji(fp, "inflight", d->inflight), putc(',', fp);
    js(fp, "batching", d->batching == ETSIM_BATCH_SEPARATE ? "separate"
                       : d->batching == ETSIM_BATCH_CHUNKED ? "chunked" : "mixed");
    putc(',', fp);
    ji(fp, "decode_steps", d->decode_steps), putc(',', fp);
    jd(fp, "sharing", d->sharing), putc(',', fp);
    jd(fp, "reserve_ratio", d->reserve_ratio), putc(',', fp);
    ji(fp, "max_running", d->policy.max_running), putc(',', fp);
    ji(fp, "max_prefill_tokens", d->policy.max_prefill_tokens), putc(',', fp);
    jd(fp, "context_bytes", rep->context_bytes), putc(',', fp);
    jd(fp, "select_s", d->select_s), putc(',', fp);
    jd(fp, "select_per_cand_s", d->select_per_cand_s), putc(',', fp);
    jd(fp, "select_pair_s", d->select_pair_s), putc(',', fp);
    ji(fp, "embed_batch", d->embed_batch);
    fputs("},\n", fp);
    ji(fp, "problems", rep->n_problems), putc(',', fp);
    jd(fp, "makespan_s", T);
    putc(',', fp);
    js(fp, "regime", etsim_cost_regime(rep));
    fputs(",\"throughput\":{", fp);
    jd(fp, "problems_per_s", T > 0 ? rep->n_problems / T : 0), putc(',', fp);
    jd(fp, "generated_tokens_per_s", T > 0 ? (double)r->generated_tokens / T : 0);
    fputs("},\"tokens\":{", fp);
    ji(fp, "generated", r->generated_tokens), putc(',', fp);
    ji(fp, "scored", r->scored_tokens), putc(',', fp);
    ji(fp, "policy_recomputed", r->policy.recomputed_tokens), putc(',', fp);
    ji(fp, "prm_recomputed", r->prm.recomputed_tokens);
    double f_gen = 2.0 * rep->policy.model.params * (double)r->generated_tokens;
    double f_score = 2.0 * rep->prm.model.params * (double)r->scored_tokens;
    double f_attn = r->policy.attention_flops + r->prm.attention_flops;
    fputs("},\"flops\":{", fp);
    jd(fp, "generated", f_gen), putc(',', fp);
    jd(fp, "scored", f_score), putc(',', fp);
    jd(fp, "attention", f_attn), putc(',', fp);
    jd(fp, "total", f_gen + f_score + f_attn), putc(',', fp);
    jd(fp, "executed_linear", r->policy.linear_flops + r->prm.linear_flops);
    fputs("},\n\"servers\":{\"policy\":", fp);
    write_server(fp, &r->policy, T, kvb);
    fputs(",\n\"prm\":", fp);
    write_server(fp, &r->prm, T, rep->prm.model.kv_bytes_per_token);
    fputs("},\n", fp);
    jd(fp, "host_select_s", r->host_select_s);
    fputs(",\"kv_replay\":", fp);
    write_kv(fp, &rep->kv_total, kvb);
    if (with_problems) {
        fputs(",\n\"per_problem\":[", fp);
        for (int32_t i = 0; i < rep->n_problems; i++) {
            const etsim_des_problem_stats *p = &r->problems[i];
            fprintf(fp, "%s{", i ? ",\n" : "");
            ji(fp, "index", p->problem), putc(',', fp);
            jd(fp, "start_s", p->start_s), putc(',', fp);
            jd(fp, "end_s", p->end_s), putc(',', fp);
            ji(fp, "rounds", p->rounds), putc(',', fp);
            ji(fp, "generated_tokens", p->generated_tokens), putc(',', fp);
            ji(fp, "scored_tokens", p->scored_tokens), putc(',', fp);
            ji(fp, "recomputed_policy", p->recomputed_policy), putc(',', fp);
            ji(fp, "recomputed_prm", p->recomputed_prm);
            fputs(",\"kv\":", fp);
            write_kv(fp, &rep->kv[i], kvb);
            putc('}', fp);
        }
        putc(']', fp);
    }
    if (rep->write_extra) {
        fputs(",\n", fp);
        rep->write_extra(fp, rep->extra_ctx);
    }
    fputs("}\n", fp);
}

const char *etsim_cost_regime(const etsim_cost_report *rep) {
    const etsim_des_result *r = &rep->sim;
    const etsim_des_server_stats *b = r->policy.busy_s >= r->prm.busy_s ? &r->policy : &r->prm;
    double processed = (double)(r->policy.decode_tokens + r->policy.prefill_tokens +
                                r->prm.decode_tokens + r->prm.prefill_tokens);
    double recomputed = (double)(r->policy.recomputed_tokens + r->prm.recomputed_tokens);
    if (b->pool_wait_s > 0.25 * b->busy_s || recomputed > 0.05 * processed) return "pool-bound";
    return b->compute_s > 0.5 * b->busy_s ? "compute-bound" : "bandwidth-bound";
}

void etsim_cost_report_print_summary(FILE *fp, const etsim_cost_report *rep) {
    const etsim_des_result *r = &rep->sim;
    double T = r->makespan_s;
    fprintf(fp, "cost: %s on %s, PRM %s on %s, %d in flight, sharing %g\n",
            rep->policy.model.name, rep->policy.gpu.name, rep->prm.model.name, rep->prm.gpu.name,
            rep->des.inflight, rep->des.sharing);
    fprintf(fp, "cost: makespan %.3f s, %.4f problems/s, %.1f generated tokens/s, %s\n", T,
            T > 0 ? rep->n_problems / T : 0.0, T > 0 ? (double)r->generated_tokens / T : 0.0,
            etsim_cost_regime(rep));
    const etsim_des_server_stats *sv[2] = {&r->policy, &r->prm};
    const char *nm[2] = {"policy", "prm"};
    for (int i = 0; i < 2; i++)
        fprintf(fp, "cost: %-6s busy %.3f s (%.0f%%), %lld iterations, mean batch %.1f, "
                "KV peak %lld of %lld tokens, recomputed %lld, retractions %lld\n",
                nm[i], sv[i]->busy_s, T > 0 ? 100.0 * sv[i]->busy_s / T : 0.0,
                (long long)sv[i]->iterations,
                sv[i]->iterations ? sv[i]->batch_sum / (double)sv[i]->iterations : 0.0,
                (long long)sv[i]->used_peak,
                (long long)(sv[i]->pool_tokens == ETSIM_KV_UNLIMITED ? -1 : sv[i]->pool_tokens),
                (long long)sv[i]->recomputed_tokens, (long long)sv[i]->retractions);
    fprintf(fp, "cost: replay KV per round: shared mean %.0f tokens, unshared mean %.0f tokens\n",
            rep->kv_total.shared_mean, rep->kv_total.unshared_mean);
}
