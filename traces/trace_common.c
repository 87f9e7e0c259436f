/* trace_common.c -- pieces of the trace format used by both the writer and
 * the reader: the XXH64 checksum, record headers, the header JSON <-> meta
 * mapping, and the embedding encodings (f32 / f16 / i8, byte-planed).
 * See traces/FORMAT.md for the layout these implement. */
#include "traces/trace_internal.h"
#include "sim/core/json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- XXH64 ----------------------------------------------------------------- */

#define XP1 0x9E3779B185EBCA87ULL
#define XP2 0xC2B2AE3D27D4EB4FULL
#define XP3 0x165667B19E3779F9ULL
#define XP4 0x85EBCA77C2B2AE63ULL
#define XP5 0x27D4EB2F165667C5ULL

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t xround(uint64_t acc, uint64_t in) {
    acc += in * XP2;
    return rotl64(acc, 31) * XP1;
}
static inline uint64_t xmerge(uint64_t acc, uint64_t v) {
    acc ^= xround(0, v);
    return acc * XP1 + XP4;
}

uint64_t etsim_trace_xxh64(const void *data, size_t len, uint64_t seed) {
    const unsigned char *p = data, *end = p + len;
    uint64_t h;
    if (len >= 32) {
        uint64_t v1 = seed + XP1 + XP2, v2 = seed + XP2, v3 = seed, v4 = seed - XP1;
        const unsigned char *limit = end - 32;
        do {
            v1 = xround(v1, tr_get_u64(p));
            v2 = xround(v2, tr_get_u64(p + 8));
            v3 = xround(v3, tr_get_u64(p + 16));
            v4 = xround(v4, tr_get_u64(p + 24));
            p += 32;
        } while (p <= limit);
        h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
        h = xmerge(h, v1);
        h = xmerge(h, v2);
        h = xmerge(h, v3);
        h = xmerge(h, v4);
    } else {
        h = seed + XP5;
    }
    h += (uint64_t)len;
    while (end - p >= 8) {
        h ^= xround(0, tr_get_u64(p));
        h = rotl64(h, 27) * XP1 + XP4;
        p += 8;
    }
    if (end - p >= 4) {
        h ^= (uint64_t)tr_get_u32(p) * XP1;
        h = rotl64(h, 23) * XP2 + XP3;
        p += 4;
    }
    while (p < end) {
        h ^= (uint64_t)(*p++) * XP5;
        h = rotl64(h, 11) * XP1;
    }
    h ^= h >> 33;
    h *= XP2;
    h ^= h >> 29;
    h *= XP3;
    h ^= h >> 32;
    return h;
}

/* ---- record headers ------------------------------------------------------- */

void tr_rec_pack(const tr_rec *r, unsigned char out[TR_REC_HEADER_LEN]) {
    out[0] = 'E';
    out[1] = 'T';
    out[2] = 'R';
    out[3] = (unsigned char)r->kind;
    tr_put_u32(out + 4, r->problem);
    tr_put_u32(out + 8, r->n_nodes);
    tr_put_u32(out + 12, r->raw_len);
    tr_put_u32(out + 16, r->comp_len);
    tr_put_u32(out + 20, r->payload_check);
    tr_put_u32(out + 24, r->seq);
    tr_put_u32(out + 28, (uint32_t)etsim_trace_xxh64(out, 28, TR_HEADER_SEED));
}

int tr_rec_unpack(const unsigned char in[TR_REC_HEADER_LEN], tr_rec *r, const char **why) {
    if (in[0] != 'E' || in[1] != 'T' || in[2] != 'R' ||
        (in[3] != 'H' && in[3] != 'P' && in[3] != 'I')) {
        *why = "bad record magic";
        return -1;
    }
    if (tr_get_u32(in + 28) != (uint32_t)etsim_trace_xxh64(in, 28, TR_HEADER_SEED)) {
        *why = "record header checksum mismatch";
        return -1;
    }
    r->kind = (char)in[3];
    r->problem = tr_get_u32(in + 4);
    r->n_nodes = tr_get_u32(in + 8);
    r->raw_len = tr_get_u32(in + 12);
    r->comp_len = tr_get_u32(in + 16);
    r->payload_check = tr_get_u32(in + 20);
    r->seq = tr_get_u32(in + 24);
    return 0;
}

/* ---- meta ------------------------------------------------------------------- */

static const char *const enc_names[] = {"f32", "f16", "i8"};

int etsim_trace_emb_encoding(const char *name) {
    if (!name) return -1;
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, enc_names[i])) return i;
    return -1;
}

/* The string fields of etsim_meta and their JSON keys. */
#define META_STRINGS(X)                                                        \
    X(dataset) X(policy_model) X(prm_model) X(embed_model) X(tokenizer)        \
    X(step_delimiter) X(answer_format)

char *tr_meta_to_json(const etsim_meta *m, int emb_enc, etsim_err *err) {
    cJSON *o = cJSON_CreateObject();
    char *out = NULL;
    cJSON_AddStringToObject(o, "format", "etsim-trace");
    cJSON_AddNumberToObject(o, "version", ETSIM_TRACE_VERSION);
#define ADD_STR(f)                                                             \
    if (m->f) cJSON_AddStringToObject(o, #f, m->f);
    META_STRINGS(ADD_STR)
#undef ADD_STR
    cJSON_AddNumberToObject(o, "emb_dim", m->emb_dim);
    if (m->emb_dim > 0) cJSON_AddStringToObject(o, "embed_encoding", enc_names[emb_enc]);
    cJSON_AddBoolToObject(o, "tokens_estimated", m->tokens_estimated != 0);
    if (m->n_problems > 0) cJSON_AddNumberToObject(o, "problems_planned", m->n_problems);
    if (m->has_longest_path) {
        cJSON *lp = cJSON_AddObjectToObject(o, "longest_path");
        cJSON_AddNumberToObject(lp, "steps", m->longest_steps);
        cJSON_AddNumberToObject(lp, "tokens", m->longest_tokens);
        cJSON_AddNumberToObject(lp, "step_tokens", m->longest_step_tokens);
    }
    if (m->settings_json) {
        cJSON *s = cJSON_Parse(m->settings_json);
        if (!cJSON_IsObject(s)) {
            cJSON_Delete(s);
            etsim_errf(err, "settings_json is not a JSON object");
            goto err;
        }
        cJSON_AddItemToObject(o, "settings", s);
    }
    out = cJSON_PrintUnformatted(o);
    if (!out) etsim_errf(err, "cannot serialise the trace header");
err:
    cJSON_Delete(o);
    return out;
}

static int json_int(const cJSON *v, int64_t lo, int64_t hi, int64_t *out) {
    if (!cJSON_IsNumber(v)) return -1;
    double d = v->valuedouble;
    if (!(d >= (double)lo && d <= (double)hi) || d != floor(d)) return -1;
    *out = (int64_t)d;
    return 0;
}

int tr_meta_from_json(const char *json, size_t len, etsim_meta *m, int32_t *planned,
                      etsim_err *err) {
    memset(m, 0, sizeof *m);
    *planned = 0;
    cJSON *o = etsim_json_parse(json, len, "header", err);
    const cJSON *v;
    int64_t iv;
    if (!o) goto err;
    if (!cJSON_IsObject(o)) {
        etsim_errf(err, "header: not a JSON object");
        goto err;
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "format");
    if (!cJSON_IsString(v) || strcmp(v->valuestring, "etsim-trace") != 0) {
        etsim_errf(err, "header: field 'format' is not \"etsim-trace\"");
        goto err;
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "version");
    if (json_int(v, 0, INT32_MAX, &iv) < 0 || iv != ETSIM_TRACE_VERSION) {
        etsim_errf(err, "header: field 'version' is not %d", ETSIM_TRACE_VERSION);
        goto err;
    }
#define GET_STR(f)                                                             \
    v = cJSON_GetObjectItemCaseSensitive(o, #f);                               \
    if (v && !cJSON_IsNull(v)) {                                               \
        if (!cJSON_IsString(v)) {                                              \
            etsim_errf(err, "header: field '%s' is not a string", #f);         \
            goto err;                                                          \
        }                                                                      \
        m->f = etsim_strdup(v->valuestring);                                   \
    }
    META_STRINGS(GET_STR)
#undef GET_STR
    v = cJSON_GetObjectItemCaseSensitive(o, "emb_dim");
    if (v) {
        if (json_int(v, 0, 65536, &iv) < 0) {
            etsim_errf(err, "header: field 'emb_dim' is not an integer in 0..65536");
            goto err;
        }
        m->emb_dim = (int32_t)iv;
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "embed_encoding");
    if (m->emb_dim > 0) {
        if (!cJSON_IsString(v) || etsim_trace_emb_encoding(v->valuestring) < 0) {
            etsim_errf(err, "header: field 'embed_encoding' is not one of f32, f16, i8");
            goto err;
        }
        m->embed_encoding = etsim_strdup(v->valuestring);
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "tokens_estimated");
    if (v) {
        if (!cJSON_IsBool(v)) {
            etsim_errf(err, "header: field 'tokens_estimated' is not a boolean");
            goto err;
        }
        m->tokens_estimated = cJSON_IsTrue(v);
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "problems_planned");
    if (v) {
        if (json_int(v, 0, INT32_MAX, &iv) < 0) {
            etsim_errf(err, "header: field 'problems_planned' is not a count");
            goto err;
        }
        *planned = (int32_t)iv;
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "longest_path");
    if (v && !cJSON_IsNull(v)) { /* optional: traces written before it lack it */
        static const char *const keys[3] = {"steps", "tokens", "step_tokens"};
        int32_t *dst[3] = {&m->longest_steps, &m->longest_tokens, &m->longest_step_tokens};
        if (!cJSON_IsObject(v)) {
            etsim_errf(err, "header: field 'longest_path' is not an object");
            goto err;
        }
        for (int k = 0; k < 3; k++) {
            if (json_int(cJSON_GetObjectItemCaseSensitive(v, keys[k]), 0, INT32_MAX, &iv) < 0) {
                etsim_errf(err, "header: field 'longest_path.%s' is not a count", keys[k]);
                goto err;
            }
            *dst[k] = (int32_t)iv;
        }
        if (m->longest_step_tokens > m->longest_tokens) {
            etsim_errf(err, "header: field 'longest_path.step_tokens' exceeds its 'tokens'");
            goto err;
        }
        m->has_longest_path = 1;
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "settings");
    if (v) {
        if (!cJSON_IsObject(v)) {
            etsim_errf(err, "header: field 'settings' is not an object");
            goto err;
        }
        m->settings_json = cJSON_PrintUnformatted(v);
    }
    cJSON_Delete(o);
    return 0;
err:
    cJSON_Delete(o);
    etsim_meta_free(m);
    return -1;
}

/* ---- embedding encodings ------------------------------------------------------- */

static inline uint32_t f2u(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static inline float u2f(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* float -> binary16, round to nearest even (F. Giesen's branch-light
 * method): overflow gives inf, NaN stays NaN (payload not kept). */
static inline uint16_t f32_to_f16(float fv) {
    uint32_t f = f2u(fv);
    uint32_t sign = f & 0x80000000u, o;
    f ^= sign;
    if (f >= (127u + 16u) << 23) {
        o = f > 255u << 23 ? 0x7e00u : 0x7c00u;
    } else if (f < 113u << 23) {
        /* subnormal or zero: let the FPU round by adding a magic number */
        const uint32_t magic = ((127u - 15u) + (23u - 10u) + 1u) << 23;
        o = f2u(u2f(f) + u2f(magic)) - magic;
    } else {
        uint32_t mant_odd = (f >> 13) & 1u;
        f += ((uint32_t)(15 - 127) << 23) + 0xfffu;
        f += mant_odd;
        o = f >> 13;
    }
    return (uint16_t)(o | sign >> 16);
}

static inline float f16_to_f32(uint16_t h) {
    const uint32_t shifted_exp = 0x7c00u << 13;
    uint32_t o = ((uint32_t)h & 0x7fffu) << 13;
    uint32_t exp = shifted_exp & o;
    o += (127u - 15u) << 23;
    if (exp == shifted_exp) {
        o += (128u - 16u) << 23; /* inf / NaN */
    } else if (exp == 0) {
        o += 1u << 23; /* zero / subnormal: renormalise */
        o = f2u(u2f(o) - u2f(113u << 23));
    }
    return u2f(o | ((uint32_t)h & 0x8000u) << 16);
}

size_t etsim_trace_emb_row_bytes(int enc, int32_t dim) {
    switch (enc) {
    case ETSIM_EMB_F32: return (size_t)dim * 4;
    case ETSIM_EMB_F16: return (size_t)dim * 2;
    default: return (size_t)dim + 4;
    }
}

void etsim_trace_emb_encode(int enc, const float *in, int64_t rows, int32_t dim,
                            unsigned char *out) {
    int64_t nv = rows * dim;
    if (enc == ETSIM_EMB_F32) {
        for (int64_t i = 0; i < nv; i++) {
            uint32_t u = f2u(in[i]);
            for (int b = 0; b < 4; b++) out[b * nv + i] = (unsigned char)(u >> (8 * b));
        }
    } else if (enc == ETSIM_EMB_F16) {
        for (int64_t i = 0; i < nv; i++) {
            uint16_t h = f32_to_f16(in[i]);
            out[i] = (unsigned char)h;
            out[nv + i] = (unsigned char)(h >> 8);
        }
    } else {
        unsigned char *q = out + rows * 4;
        for (int64_t r = 0; r < rows; r++) {
            const float *v = in + r * dim;
            float mx = 0;
            for (int32_t j = 0; j < dim; j++)
                if (fabsf(v[j]) > mx) mx = fabsf(v[j]);
            float scale = mx / 127.0f;
            int ok = scale > 0 && isfinite(scale);
            tr_put_u32(out + r * 4, f2u(ok ? scale : 0.0f));
            for (int32_t j = 0; j < dim; j++) {
                long x = ok ? lrintf(v[j] / scale) : 0;
                if (x > 127) x = 127;
                if (x < -127) x = -127;
                q[r * dim + j] = (unsigned char)(int8_t)x;
            }
        }
    }
}

void etsim_trace_emb_decode(int enc, const unsigned char *in, int64_t rows, int32_t dim,
                            float *out) {
    int64_t nv = rows * dim;
    if (enc == ETSIM_EMB_F32) {
        for (int64_t i = 0; i < nv; i++)
            out[i] = u2f((uint32_t)in[i] | (uint32_t)in[nv + i] << 8 |
                         (uint32_t)in[2 * nv + i] << 16 | (uint32_t)in[3 * nv + i] << 24);
    } else if (enc == ETSIM_EMB_F16) {
        for (int64_t i = 0; i < nv; i++)
            out[i] = f16_to_f32((uint16_t)(in[i] | in[nv + i] << 8));
    } else {
        const unsigned char *q = in + rows * 4;
        for (int64_t r = 0; r < rows; r++) {
            float scale = u2f(tr_get_u32(in + r * 4));
            for (int32_t j = 0; j < dim; j++)
                out[r * dim + j] = (float)(int8_t)q[r * dim + j] * scale;
        }
    }
}
