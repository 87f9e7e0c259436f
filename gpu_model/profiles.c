/* profiles.c -- parse, validate, derive and look up GPU and model profiles
 * (see profiles.h). JSON goes through cJSON; every field is checked for
 * type, range and finiteness, and unknown keys are rejected so that a typo
 * in a user file ("hbm_byte") is an error rather than a silent default. */
#include "gpu_model/profiles.h"
#include "sim/core/json.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_model/profiles_data.h"

/* Defaults of the optional GPU fields; README.md gives each one's source.
 * A file without sm_count gets the smooth roofline (no tile waves) with
 * the large-GEMM efficiency of public measurements; the small-kernel and
 * attention constants default to the values `etsim fit --target gpu`
 * finds on the vidur profiles (attention: A100 Llama-2-7B). */
void etsim_gpu_profile_defaults(etsim_gpu_profile *g) {
    g->eff_weight_bw = 0.86;
    g->eff_compute = 0.72;
    g->eff_attn_bw = 0.92;
    g->eff_attn_compute = 0.50;
    g->eff_elementwise_bw = 0.60;
    g->smooth_p = 4.0;
    g->sm_count = 0;
    g->n_tiles = 0;
    g->streamk_eff = 0;
    g->streamk_k = 64;
    g->attn_kernel = ETSIM_ATTN_FLASHATTENTION;
    g->attn_causal_work = 1.0;
    g->gemm_kernel_s = 3e-6;
    g->elementwise_kernel_s = 4e-6;
    g->attn_kernel_s = 8e-6;
    g->attn_per_req_s = 1e-6;
    g->layer_fixed_s = 0;
    g->iter_overhead_s = 200e-6;
    g->iter_overhead_per_req_s = 5e-6;
    g->interconnect_bytes_per_s = 0;
    g->eff_interconnect = 0.80;
    g->allreduce_s = 10e-6;
    g->measured = NULL;
}

/* ---- small field readers --------------------------------------------- */

typedef struct field_spec {
    const char *key;
    int required;
} field_spec;

static int check_keys(const cJSON *obj, const field_spec *spec, const char *src,
                      const char *what, etsim_err *err) {
    for (const cJSON *it = obj->child; it; it = it->next) {
        int known = 0;
        for (const field_spec *f = spec; f->key; f++)
            if (it->string && !strcmp(it->string, f->key)) known = 1;
        if (!known)
            return etsim_errf(err, "%s: %s profile: unknown field '%s'", src, what,
                              it->string ? it->string : "?");
    }
    for (const field_spec *f = spec; f->key; f++)
        if (f->required && !cJSON_GetObjectItemCaseSensitive(obj, f->key))
            return etsim_errf(err, "%s: %s profile: missing field '%s'", src, what, f->key);
    return 0;
}

/* A number field. `min_excl`: value must be > lo (else >= lo); <= hi. */
static int get_num(const cJSON *obj, const char *key, double lo, int lo_excl, double hi,
                   double *out, const char *src, const char *name, etsim_err *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) return 0; /* optional: keep default */
    if (!cJSON_IsNumber(v))
        return etsim_errf(err, "%s: profile '%s': field '%s' must be a number", src, name, key);
    double x = v->valuedouble;
    if (!isfinite(x) || (lo_excl ? x <= lo : x < lo) || x > hi)
        return etsim_errf(err, "%s: profile '%s': field '%s' = %g out of range (%s %g, <= %g)",
                          src, name, key, x, lo_excl ? ">" : ">=", lo, hi);
    *out = x;
    return 0;
}

static int get_int(const cJSON *obj, const char *key, int32_t lo, int32_t hi, int32_t *out,
                   const char *src, const char *name, etsim_err *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) return 0;
    double x = v->valuedouble;
    if (!cJSON_IsNumber(v) || !isfinite(x) || x != floor(x))
        return etsim_errf(err, "%s: profile '%s': field '%s' must be an integer", src, name, key);
    if (x < lo || x > hi)
        return etsim_errf(err, "%s: profile '%s': field '%s' = %g out of range [%d, %d]", src,
                          name, key, x, lo, hi);
    *out = (int32_t)x;
    return 0;
}

static int get_bool(const cJSON *obj, const char *key, int *out, const char *src,
                    const char *name, etsim_err *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) return 0;
    if (!cJSON_IsBool(v))
        return etsim_errf(err, "%s: profile '%s': field '%s' must be true or false", src, name, key);
    *out = cJSON_IsTrue(v) ? 1 : 0;
    return 0;
}

static int get_name_aliases(const cJSON *obj, char *name, char *aliases, const char *src,
                            const char *what, etsim_err *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "name");
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return etsim_errf(err, "%s: %s profile: 'name' must be a non-empty string", src, what);
    if (strlen(v->valuestring) >= ETSIM_PROFILE_NAME_MAX || strchr(v->valuestring, ','))
        return etsim_errf(err, "%s: %s profile: 'name' too long or contains ','", src, what);
    strcpy(name, v->valuestring);
    aliases[0] = 0;
    const cJSON *al = cJSON_GetObjectItemCaseSensitive(obj, "aliases");
    if (!al) return 0;
    if (!cJSON_IsArray(al))
        return etsim_errf(err, "%s: profile '%s': 'aliases' must be an array of strings", src, name);
    size_t used = 0;
    for (const cJSON *a = al->child; a; a = a->next) {
        if (!cJSON_IsString(a) || !a->valuestring[0] || strchr(a->valuestring, ','))
            return etsim_errf(err, "%s: profile '%s': bad alias", src, name);
        size_t n = strlen(a->valuestring);
        if (used + n + 2 > ETSIM_PROFILE_ALIASES_MAX)
            return etsim_errf(err, "%s: profile '%s': aliases too long", src, name);
        if (used) aliases[used++] = ',';
        memcpy(aliases + used, a->valuestring, n + 1);
        used += n;
    }
    return 0;
}

static int check_source(const cJSON *obj, const char *src, const char *name, etsim_err *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "source");
    if (v && !cJSON_IsString(v))
        return etsim_errf(err, "%s: profile '%s': 'source' must be a string", src, name);
    return 0;
}

/* ---- GPU -------------------------------------------------------------- */

static const field_spec gpu_fields[] = {
    {"name", 1}, {"aliases", 0}, {"source", 0},
    {"hbm_bytes", 1}, {"bandwidth_bytes_per_s", 1}, {"bf16_flops_per_s", 1},
    {"eff_weight_bw", 0}, {"eff_compute", 0}, {"eff_attn_bw", 0}, {"eff_attn_compute", 0},
    {"eff_elementwise_bw", 0}, {"smooth_p", 0}, {"layer_fixed_s", 0},
    {"iter_overhead_s", 0}, {"iter_overhead_per_req_s", 0},
    {"sm_count", 0}, {"gemm_tiles", 0}, {"gemm_kernel_s", 0}, {"elementwise_kernel_s", 0},
    {"attn_kernel", 0}, {"attn_kernel_s", 0}, {"attn_per_req_s", 0}, {"attn_causal_work", 0},
    {"calibration", 0}, {"interconnect_bytes_per_s", 0}, {"eff_interconnect", 0},
    {"allreduce_s", 0}, {"streamk_eff", 0}, {"streamk_k", 0}, {NULL, 0},
};

/* "gemm_tiles": [[m, n, eff], ...]: positive integer shapes, eff in (0, 1]. */
static int get_tiles(const cJSON *obj, etsim_gpu_profile *g, const char *src, etsim_err *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "gemm_tiles");
    if (!v) return 0;
    int32_t cnt = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : -1;
    if (cnt < 1 || cnt > ETSIM_GEMM_TILES_MAX)
        return etsim_errf(err, "%s: profile '%s': field 'gemm_tiles' must be an array of 1-%d "
                          "[m, n, eff] triples", src, g->name, ETSIM_GEMM_TILES_MAX);
    int32_t i = 0;
    for (const cJSON *t = v->child; t; t = t->next, i++) {
        const cJSON *a = cJSON_GetArrayItem(t, 0), *b = cJSON_GetArrayItem(t, 1),
                    *e = cJSON_GetArrayItem(t, 2);
        int ok = cJSON_IsArray(t) && cJSON_GetArraySize(t) == 3 && cJSON_IsNumber(a) &&
                 cJSON_IsNumber(b) && cJSON_IsNumber(e);
        if (ok) {
            double m = a->valuedouble, n = b->valuedouble, f = e->valuedouble;
            ok = m >= 1 && m <= 4096 && m == floor(m) && n >= 1 && n <= 4096 && n == floor(n) &&
                 isfinite(f) && f > 0 && f <= 1;
            if (ok) g->gemm_tiles[i] = (etsim_gemm_tile){(int32_t)m, (int32_t)n, f};
        }
        if (!ok)
            return etsim_errf(err, "%s: profile '%s': field 'gemm_tiles' entry %d must be "
                              "[m, n, eff] with integer m, n in [1, 4096] and eff in (0, 1]",
                              src, g->name, i + 1);
    }
    g->n_tiles = cnt;
    return 0;
}

static int get_attn_kernel(const cJSON *obj, etsim_gpu_profile *g, const char *src,
                           etsim_err *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "attn_kernel");
    if (!v) return 0;
    if (cJSON_IsString(v) && !strcmp(v->valuestring, "flashattention"))
        g->attn_kernel = ETSIM_ATTN_FLASHATTENTION;
    else if (cJSON_IsString(v) && !strcmp(v->valuestring, "flashinfer"))
        g->attn_kernel = ETSIM_ATTN_FLASHINFER;
    else
        return etsim_errf(err, "%s: profile '%s': field 'attn_kernel' must be \"flashattention\" "
                          "or \"flashinfer\"", src, g->name);
    return 0;
}

static int gpu_from_obj(const cJSON *obj, const char *src, etsim_gpu_profile *g, etsim_err *err) {
    memset(g, 0, sizeof *g);
    etsim_gpu_profile_defaults(g);
    if (!cJSON_IsObject(obj)) return etsim_errf(err, "%s: GPU profile must be a JSON object", src);
    if (get_name_aliases(obj, g->name, g->aliases, src, "GPU", err) < 0) return -1;
    if (check_keys(obj, gpu_fields, src, "GPU", err) < 0) return -1;
    if (check_source(obj, src, g->name, err) < 0) return -1;
    const char *n = g->name;
    if (get_num(obj, "hbm_bytes", 0, 1, 1e15, &g->hbm_bytes, src, n, err) < 0 ||
        get_num(obj, "bandwidth_bytes_per_s", 0, 1, 1e15, &g->bandwidth_bytes_per_s, src, n, err) < 0 ||
        get_num(obj, "bf16_flops_per_s", 0, 1, 1e18, &g->bf16_flops_per_s, src, n, err) < 0 ||
        get_num(obj, "eff_weight_bw", 0, 1, 1, &g->eff_weight_bw, src, n, err) < 0 ||
        get_num(obj, "eff_compute", 0, 1, 1, &g->eff_compute, src, n, err) < 0 ||
        get_num(obj, "eff_attn_bw", 0, 1, 1, &g->eff_attn_bw, src, n, err) < 0 ||
        get_num(obj, "eff_attn_compute", 0, 1, 1, &g->eff_attn_compute, src, n, err) < 0 ||
        get_num(obj, "eff_elementwise_bw", 0, 1, 1, &g->eff_elementwise_bw, src, n, err) < 0 ||
        get_num(obj, "smooth_p", 1, 0, 64, &g->smooth_p, src, n, err) < 0 ||
        get_num(obj, "layer_fixed_s", 0, 0, 1, &g->layer_fixed_s, src, n, err) < 0 ||
        get_num(obj, "iter_overhead_s", 0, 0, 10, &g->iter_overhead_s, src, n, err) < 0 ||
        get_num(obj, "iter_overhead_per_req_s", 0, 0, 1, &g->iter_overhead_per_req_s, src, n,
                err) < 0 ||
        get_int(obj, "sm_count", 0, 4096, &g->sm_count, src, n, err) < 0 ||
        get_num(obj, "gemm_kernel_s", 0, 0, 1, &g->gemm_kernel_s, src, n, err) < 0 ||
        get_num(obj, "elementwise_kernel_s", 0, 0, 1, &g->elementwise_kernel_s, src, n, err) < 0 ||
        get_num(obj, "attn_kernel_s", 0, 0, 1, &g->attn_kernel_s, src, n, err) < 0 ||
        get_num(obj, "attn_per_req_s", 0, 0, 1, &g->attn_per_req_s, src, n, err) < 0 ||
        get_num(obj, "attn_causal_work", 0, 0, 100, &g->attn_causal_work, src, n, err) < 0 ||
        get_num(obj, "interconnect_bytes_per_s", 0, 0, 1e15, &g->interconnect_bytes_per_s, src,
                n, err) < 0 ||
        get_num(obj, "eff_interconnect", 0, 1, 1, &g->eff_interconnect, src, n, err) < 0 ||
        get_num(obj, "allreduce_s", 0, 0, 1, &g->allreduce_s, src, n, err) < 0 ||
        get_num(obj, "streamk_eff", 0, 0, 1, &g->streamk_eff, src, n, err) < 0 ||
        get_int(obj, "streamk_k", 1, 65536, &g->streamk_k, src, n, err) < 0 ||
        get_tiles(obj, g, src, err) < 0 || get_attn_kernel(obj, g, src, err) < 0)
        return -1;
    const cJSON *cal = cJSON_GetObjectItemCaseSensitive(obj, "calibration");
    if (cal && !cJSON_IsString(cal))
        return etsim_errf(err, "%s: profile '%s': 'calibration' must be a string", src, n);
    if (g->sm_count > 0 && g->n_tiles == 0)
        return etsim_errf(err, "%s: profile '%s': field 'sm_count' needs 'gemm_tiles'", src, n);
    return 0;
}

/* ---- model ------------------------------------------------------------ */

static const field_spec model_fields[] = {
    {"name", 1}, {"aliases", 0}, {"source", 0},
    {"layers", 1}, {"hidden", 1}, {"heads", 1}, {"kv_heads", 1}, {"head_dim", 1},
    {"ffn", 1}, {"vocab", 1}, {"gated_mlp", 1}, {"dtype_bytes", 1},
    {"encoder_only", 0}, {"tied_embeddings", 0}, {"bias", 0}, {"max_positions", 0},
    {"qkv_bias", 0}, {"parallel_block", 0}, {"rotary_fraction", 0},
    {NULL, 0},
};

void etsim_model_derive(etsim_model_profile *m) {
    const double h = m->hidden, q = (double)m->heads * m->head_dim,
                 kv = (double)m->kv_heads * m->head_dim, f = m->ffn, L = m->layers;
    double mlp_mats = m->gated_mlp ? 3.0 : 2.0;
    double attn = h * q + 2.0 * h * kv + q * h;
    double mlp = mlp_mats * h * f;
    m->layer_linear_params = attn + mlp;
    double n_norms = m->parallel_block ? 1.0 : 2.0;
    double norms = (m->bias ? 2.0 : 1.0) * n_norms * h;
    double biases = m->bias ? (q + 2.0 * kv + h + (m->gated_mlp ? 2.0 : 1.0) * f + h)
                  : m->qkv_bias ? q + 2.0 * kv : 0.0;
    m->layer_params = m->layer_linear_params + norms + biases;
    m->embed_params = (double)m->vocab * h + (double)m->max_positions * h;
    m->lm_head_params = (m->encoder_only || m->tied_embeddings) ? 0.0 : (double)m->vocab * h;
    double final_norm = m->encoder_only ? 0.0 : h;
    m->params = L * m->layer_params + m->embed_params + m->lm_head_params + final_norm;
    m->weight_bytes = m->params * m->dtype_bytes;
    m->kv_bytes_per_token = m->encoder_only ? 0.0 : 2.0 * L * kv * m->dtype_bytes;
    /* The LM head runs whenever the model is a decoder, tied or not. */
    double head_flops = m->encoder_only ? 0.0 : (double)m->vocab * h;
    m->linear_flops_per_token = 2.0 * (L * m->layer_linear_params + head_flops);
    m->attn_flops_per_ctx_token = 4.0 * L * q;
    /* Activation traffic of one token through one layer's small kernels, as
     * vidur's block profile has them: each norm reads and writes h (one norm
     * in a parallel block), rotary reads and writes its fraction of q and k,
     * the MLP activation reads gate and up and writes one (3 ffn; 2 ffn
     * without a gate), the residual add reads 2h and writes h. */
    int rotary_on = !m->max_positions && m->rotary_fraction > 0;
    double rotary = rotary_on ? 2.0 * (q + kv) * m->rotary_fraction : 0.0;
    m->elementwise_bytes_per_token =
        m->dtype_bytes * (2.0 * n_norms * h + rotary + (m->gated_mlp ? 3.0 : 2.0) * f + 3.0 * h);
    m->elementwise_kernels = (int32_t)n_norms + rotary_on + 2;
}

static int model_from_obj(const cJSON *obj, const char *src, etsim_model_profile *m,
                          etsim_err *err) {
    memset(m, 0, sizeof *m);
    m->rotary_fraction = 1.0;
    m->tp = 1;
    if (!cJSON_IsObject(obj)) return etsim_errf(err, "%s: model profile must be a JSON object", src);
    if (get_name_aliases(obj, m->name, m->aliases, src, "model", err) < 0) return -1;
    if (check_keys(obj, model_fields, src, "model", err) < 0) return -1;
    if (check_source(obj, src, m->name, err) < 0) return -1;
    const char *n = m->name;
    if (get_int(obj, "layers", 1, 4096, &m->layers, src, n, err) < 0 ||
        get_int(obj, "hidden", 1, 1 << 20, &m->hidden, src, n, err) < 0 ||
        get_int(obj, "heads", 1, 1 << 14, &m->heads, src, n, err) < 0 ||
        get_int(obj, "kv_heads", 1, 1 << 14, &m->kv_heads, src, n, err) < 0 ||
        get_int(obj, "head_dim", 1, 1 << 14, &m->head_dim, src, n, err) < 0 ||
        get_int(obj, "ffn", 1, 1 << 22, &m->ffn, src, n, err) < 0 ||
        get_int(obj, "vocab", 1, 1 << 24, &m->vocab, src, n, err) < 0 ||
        get_int(obj, "dtype_bytes", 1, 4, &m->dtype_bytes, src, n, err) < 0 ||
        get_int(obj, "max_positions", 0, 1 << 24, &m->max_positions, src, n, err) < 0 ||
        get_bool(obj, "gated_mlp", &m->gated_mlp, src, n, err) < 0 ||
        get_bool(obj, "encoder_only", &m->encoder_only, src, n, err) < 0 ||
        get_bool(obj, "tied_embeddings", &m->tied_embeddings, src, n, err) < 0 ||
        get_bool(obj, "bias", &m->bias, src, n, err) < 0 ||
        get_bool(obj, "qkv_bias", &m->qkv_bias, src, n, err) < 0 ||
        get_bool(obj, "parallel_block", &m->parallel_block, src, n, err) < 0 ||
        get_num(obj, "rotary_fraction", 0, 0, 1, &m->rotary_fraction, src, n, err) < 0)
        return -1;
    if (m->dtype_bytes == 3)
        return etsim_errf(err, "%s: profile '%s': field 'dtype_bytes' must be 1, 2 or 4", src, n);
    if (m->hidden % m->heads)
        return etsim_errf(err, "%s: profile '%s': heads (%d) must divide hidden (%d)", src, n,
                          m->heads, m->hidden);
    if (m->kv_heads > m->heads)
        return etsim_errf(err, "%s: profile '%s': kv_heads (%d) must not exceed heads (%d)", src,
                          n, m->kv_heads, m->heads);
    if (m->heads % m->kv_heads)
        return etsim_errf(err, "%s: profile '%s': heads (%d) must be a multiple of kv_heads (%d)",
                          src, n, m->heads, m->kv_heads);
    etsim_model_derive(m);
    return 0;
}

int etsim_model_shard(const etsim_model_profile *full, int32_t tp, const char *field,
                      etsim_model_profile *out, etsim_err *err) {
    const etsim_model_profile *m = full;
    if (tp < 1 || tp > 1024)
        return etsim_errf(err, "%s: tensor-parallel degree %d out of range [1, 1024]", field, tp);
    if (m->tp != 1)
        return etsim_errf(err, "%s: model '%s' is already a TP-%d shard", field, m->name, m->tp);
    if (m->heads % tp)
        return etsim_errf(err, "%s: tensor-parallel degree %d does not divide the %d attention "
                          "heads of model '%s'", field, tp, m->heads, m->name);
    if (m->ffn % tp)
        return etsim_errf(err, "%s: tensor-parallel degree %d does not divide ffn %d of model "
                          "'%s'", field, tp, m->ffn, m->name);
    if (m->kv_heads % tp && tp % m->kv_heads)
        return etsim_errf(err, "%s: tensor-parallel degree %d and the %d KV heads of model '%s' "
                          "do not divide one another", field, tp, m->kv_heads, m->name);
    *out = *m;
    out->tp = tp;
    out->heads = m->heads / tp;
    out->kv_heads = m->kv_heads >= tp ? m->kv_heads / tp : 1; /* replicated */
    out->ffn = m->ffn / tp;
    out->vocab = (m->vocab + tp - 1) / tp; /* vocab-parallel embedding and LM head */
    /* hidden stays whole: heads x head_dim of a shard is hidden / tp */
    etsim_model_derive(out);
    return 0;
}

/* ---- text entry points ------------------------------------------------ */

static cJSON *parse_text(const char *json, const char *src, etsim_err *err) {
    return etsim_json_parse(json, strlen(json), src, err);
}

int etsim_gpu_profile_parse(const char *json, const char *src, etsim_gpu_profile *out,
                            etsim_err *err) {
    cJSON *root = parse_text(json, src, err);
    if (!root) return -1;
    int rc = gpu_from_obj(root, src, out, err);
    cJSON_Delete(root);
    return rc;
}

int etsim_model_profile_parse(const char *json, const char *src, etsim_model_profile *out,
                              etsim_err *err) {
    cJSON *root = parse_text(json, src, err);
    if (!root) return -1;
    int rc = model_from_obj(root, src, out, err);
    cJSON_Delete(root);
    return rc;
}

int etsim_gpu_profile_load(const char *path, etsim_gpu_profile *out, etsim_err *err) {
    size_t len = 0;
    char *text = etsim_read_file(path, &len, err);
    if (!text) return -1;
    int rc = etsim_gpu_profile_parse(text, path, out, err);
    free(text);
    return rc;
}

int etsim_model_profile_load(const char *path, etsim_model_profile *out, etsim_err *err) {
    size_t len = 0;
    char *text = etsim_read_file(path, &len, err);
    if (!text) return -1;
    int rc = etsim_model_profile_parse(text, path, out, err);
    free(text);
    return rc;
}

/* ---- built-ins -------------------------------------------------------- */

/* Parse the embedded {"<key>": [objects]} document with `one` per item. */
static int builtin_list(const char *json, const char *key, size_t elsize,
                        int (*one)(const cJSON *, const char *, void *, etsim_err *),
                        void **out, int32_t *n, etsim_err *err) {
    *out = NULL;
    *n = 0;
    cJSON *root = parse_text(json, "built-in profiles", err);
    if (!root) return -1;
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, key);
    int32_t cnt = cJSON_GetArraySize(arr);
    char *buf = etsim_calloc((size_t)(cnt ? cnt : 1), elsize);
    int32_t i = 0;
    for (const cJSON *it = arr ? arr->child : NULL; it; it = it->next, i++)
        if (one(it, "built-in profiles", buf + (size_t)i * elsize, err) < 0) goto err;
    cJSON_Delete(root);
    *out = buf;
    *n = cnt;
    return 0;
err:
    cJSON_Delete(root);
    free(buf);
    return -1;
}

static int gpu_one(const cJSON *o, const char *src, void *dst, etsim_err *err) {
    return gpu_from_obj(o, src, dst, err);
}
static int model_one(const cJSON *o, const char *src, void *dst, etsim_err *err) {
    return model_from_obj(o, src, dst, err);
}

int etsim_gpu_profiles_builtin(etsim_gpu_profile **out, int32_t *n, etsim_err *err) {
    return builtin_list(etsim_profiles_gpus_json, "gpus", sizeof **out, gpu_one,
                        (void **)out, n, err);
}

int etsim_model_profiles_builtin(etsim_model_profile **out, int32_t *n, etsim_err *err) {
    return builtin_list(etsim_profiles_models_json, "models", sizeof **out, model_one,
                        (void **)out, n, err);
}

static int name_eq(const char *a, const char *b, size_t blen) {
    size_t i = 0;
    for (; i < blen && a[i]; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) return 0;
    return i == blen && !a[i];
}

static int matches(const char *want, const char *name, const char *aliases) {
    if (name_eq(want, name, strlen(name))) return 1;
    for (const char *p = aliases; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (name_eq(want, p, len)) return 1;
        p += len + (e ? 1 : 0);
    }
    return 0;
}

/* "known: a, b, c" for the error message. */
static void known_list(char *buf, size_t cap, const char *first_name, size_t stride, int32_t n) {
    size_t used = 0;
    buf[0] = 0;
    for (int32_t i = 0; i < n && used + 2 < cap; i++) {
        int w = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "",
                         first_name + (size_t)i * stride);
        if (w < 0) break;
        used += (size_t)w;
    }
}

int etsim_gpu_profile_find(const char *name, etsim_gpu_profile *out, etsim_err *err) {
    etsim_gpu_profile *all = NULL;
    int32_t n = 0;
    if (etsim_gpu_profiles_builtin(&all, &n, err) < 0) return -1;
    for (int32_t i = 0; i < n; i++)
        if (matches(name, all[i].name, all[i].aliases)) {
            *out = all[i];
            free(all);
            return 0;
        }
    char known[400];
    known_list(known, sizeof known, all[0].name, sizeof *all, n);
    free(all);
    return etsim_errf(err, "unknown GPU '%s' (known: %s; or give --gpu-file)", name, known);
}

int etsim_model_profile_find(const char *name, etsim_model_profile *out, etsim_err *err) {
    etsim_model_profile *all = NULL;
    int32_t n = 0;
    if (etsim_model_profiles_builtin(&all, &n, err) < 0) return -1;
    for (int32_t i = 0; i < n; i++)
        if (matches(name, all[i].name, all[i].aliases)) {
            *out = all[i];
            free(all);
            return 0;
        }
    char known[400];
    known_list(known, sizeof known, all[0].name, sizeof *all, n);
    free(all);
    return etsim_errf(err, "unknown model '%s' (known: %s; or give a model file)", name, known);
}
