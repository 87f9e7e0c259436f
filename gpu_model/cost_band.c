/* cost_band.c -- the throughput band over pool sizes and problems in
 * flight (see cost_band.h): one serving simulation per setting (and per
 * replay), each reduced to problems/s and its regime. */
#include "gpu_model/cost_band.h"

#include <math.h>
#include <string.h>

const double etsim_band_scales[ETSIM_BAND_N_SCALES] = {0.5, 0.7071, 1.0, 1.4142, 2.0};
const int32_t etsim_band_inflight[ETSIM_BAND_N_INFLIGHT] = {4, 8, 16, 32};

/* problems/s and regime of one setting */
static int one(const etsim_cost_config *c0, double scale, int32_t inflight,
               const etsim_cost_trace *t, int32_t n, double *pps, char *regime,
               int64_t *pool, etsim_err *err) {
    etsim_cost_config c = *c0; /* shallow: strings are only read */
    c.kv_scale = c0->kv_scale * scale;
    c.des.inflight = inflight;
    etsim_cost_report rep;
    if (etsim_cost_run(&c, t, n, &rep, err) < 0) {
        etsim_err_prefix(err, "band (pool x%g, %d in flight)", scale, inflight);
        return -1;
    }
    double T = rep.sim.makespan_s;
    *pps = T > 0 ? n / T : 0;
    snprintf(regime, 20, "%s", etsim_cost_regime(&rep));
    if (pool) *pool = rep.policy.kv_pool_tokens == ETSIM_KV_UNLIMITED ? -1 : rep.policy.kv_pool_tokens;
    etsim_cost_report_free(&rep);
    return 0;
}

int etsim_cost_band_run(const etsim_cost_config *c, const etsim_cost_trace *traces, int32_t n,
                        const etsim_cost_trace *base, int32_t nb, etsim_cost_band *out,
                        etsim_err *err) {
    memset(out, 0, sizeof *out);
    out->has_base = nb > 0;
    out->lo = INFINITY;
    out->hi = -INFINITY;
    for (int s = 0; s < ETSIM_BAND_N_SCALES; s++)
        for (int k = 0; k < ETSIM_BAND_N_INFLIGHT; k++) {
            etsim_band_run *r = &out->runs[out->n];
            r->kv_scale = etsim_band_scales[s];
            r->inflight = etsim_band_inflight[k];
            r->base_problems_per_s = r->ratio = NAN;
            if (one(c, r->kv_scale, r->inflight, traces, n, &r->problems_per_s, r->regime,
                    &r->policy_pool, err) < 0)
                return -1;
            double v = r->problems_per_s;
            if (nb > 0) {
                if (one(c, r->kv_scale, r->inflight, base, nb, &r->base_problems_per_s,
                        r->base_regime, NULL, err) < 0)
                    return -1;
                r->ratio = r->base_problems_per_s > 0 ? v / r->base_problems_per_s : NAN;
                v = r->ratio;
            }
            if (v < out->lo) out->lo = v;
            if (v > out->hi) out->hi = v;
            out->n++;
        }
    double p = 0, pb = 0;
    char rg[20];
    if (one(c, 1.0, c->des.inflight, traces, n, &p, rg, NULL, err) < 0) return -1;
    if (nb > 0 && one(c, 1.0, c->des.inflight, base, nb, &pb, rg, NULL, err) < 0) return -1;
    out->nominal = nb > 0 ? (pb > 0 ? p / pb : NAN) : p;
    return 0;
}

void etsim_cost_band_print(FILE *fp, const etsim_cost_band *b) {
    fprintf(fp, "band: %s over KV pool x0.5-x2 and 4-32 problems in flight\n",
            b->has_base ? "throughput ratio (this / baseline)" : "problems/s");
    fprintf(fp, "band: %-8s %10s %8s %12s %-16s", "pool x", "pool tok", "inflight", "problems/s",
            "regime");
    if (b->has_base) fprintf(fp, " %12s %-16s %7s", "baseline/s", "baseline regime", "ratio");
    fputc('\n', fp);
    for (int32_t i = 0; i < b->n; i++) {
        const etsim_band_run *r = &b->runs[i];
        fprintf(fp, "band: %-8.4g %10lld %8d %12.5f %-16s", r->kv_scale, (long long)r->policy_pool,
                r->inflight, r->problems_per_s, r->regime);
        if (b->has_base)
            fprintf(fp, " %12.5f %-16s %7.3f", r->base_problems_per_s, r->base_regime, r->ratio);
        fputc('\n', fp);
    }
    fprintf(fp, "band: %s %.3f, range %.3f - %.3f\n", b->has_base ? "ratio" : "problems/s",
            b->nominal, b->lo, b->hi);
}

static void num(FILE *fp, double v) {
    char buf[40];
    if (!isfinite(v)) fputs("null", fp);
    else {
        etsim_fmt_double(buf, v);
        fputs(buf, fp);
    }
}

void etsim_cost_band_write_json(FILE *fp, const etsim_cost_band *b) {
    fprintf(fp, "\"band\":{\"of\":\"%s\",\"nominal\":", b->has_base ? "ratio" : "problems_per_s");
    num(fp, b->nominal);
    fputs(",\"lo\":", fp);
    num(fp, b->lo);
    fputs(",\"hi\":", fp);
    num(fp, b->hi);
    fputs(",\"runs\":[", fp);
    for (int32_t i = 0; i < b->n; i++) {
        const etsim_band_run *r = &b->runs[i];
        fprintf(fp, "%s{\"kv_scale\":", i ? ",\n" : "\n");
        num(fp, r->kv_scale);
        fprintf(fp, ",\"policy_kv_pool_tokens\":%lld,\"inflight\":%d,\"problems_per_s\":",
                (long long)r->policy_pool, r->inflight);
        num(fp, r->problems_per_s);
        fprintf(fp, ",\"regime\":\"%s\"", r->regime);
        if (b->has_base) {
            fputs(",\"baseline_problems_per_s\":", fp);
            num(fp, r->base_problems_per_s);
            fprintf(fp, ",\"baseline_regime\":\"%s\",\"ratio\":", r->base_regime);
            num(fp, r->ratio);
        }
        fputc('}', fp);
    }
    fputs("]}", fp);
}
