/* result_diff.c -- `etsim diff`: compare two replay results (result_diff.h).
 *
 * Reading is result_scan.c's: each file split into byte ranges, problems
 * matched by "index", a pair whose bytes are equal identical without
 * parsing. This file reports a differing pair, parsing only what it shows:
 * id and counters (small), the decisions from the first whose bytes differ
 * up to the first that gives other children. Leaves are compared as bytes
 * (a result's writer is canonical: equal values have equal bytes), answer
 * strings decoded only where they hold an escape; "nodes" is never read.
 *
 * A diverging selection's candidates are walked once, A's in order then
 * B's not in A (cand_rows), and that one list feeds the text table and the
 * JSON array alike; positions are found through an index sorted by node id
 * (dec_view), not a scan per candidate, since a width-256 selection has
 * 256 of them.
 *
 * Output: the text report (or the JSON object with --json) accumulates in
 * an etsim_sbuf and is written once at the end, so an error in either file
 * leaves nothing on the output. */
#include "sim/eval/result_diff.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sim/core/sbuf.h"
#include "sim/eval/result_scan.h"

/* ---- output helpers ----------------------------------------------------- */

static const char *str_of(const cJSON *o, const char *key) {
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static char *print_compact(const cJSON *v) {
    return v ? cJSON_PrintUnformatted(v) : etsim_strdup("(absent)");
}

static void put_num(etsim_sbuf *b, const cJSON *v) {
    if (cJSON_IsNumber(v)) etsim_sbuf_double(b, v->valuedouble);
    else etsim_sbuf_puts(b, "null");
}

/* "key":[a,b] (JSON), after a comma unless first. */
static void put_pair(etsim_sbuf *b, int first, const char *key, const cJSON *x, const cJSON *y) {
    etsim_sbuf_puts(b, first ? "" : ",");
    etsim_sbuf_json_string(b, key);
    etsim_sbuf_puts(b, ":[");
    put_num(b, x);
    etsim_sbuf_putc(b, ',');
    put_num(b, y);
    etsim_sbuf_putc(b, ']');
}

/* A line "label: A vs B" (text) or {"what":..., "a":..., "b":...} (json)
 * for each config field that differs. */
static int compare_config(const etsim_rfile *fa, const etsim_rfile *fb, int json, etsim_sbuf *b) {
    static const char *const keys[] = {"source", "selector", "width", "params", "max_tokens",
                                       "max_expansions", "on_missing", "root_tokens",
                                       "kv_metric", "meta", NULL};
    int n = 0;
    for (int k = 0; keys[k]; k++) {
        const cJSON *va = fa->config ? cJSON_GetObjectItemCaseSensitive(fa->config, keys[k]) : NULL;
        const cJSON *vb = fb->config ? cJSON_GetObjectItemCaseSensitive(fb->config, keys[k]) : NULL;
        if ((!va && !vb) || (va && vb && cJSON_Compare(va, vb, 1))) continue;
        char *sa = print_compact(va), *sb = print_compact(vb);
        if (json) {
            etsim_sbuf_puts(b, n ? "," : "");
            etsim_sbuf_puts(b, "{\"field\":");
            etsim_sbuf_json_string(b, keys[k]);
            etsim_sbuf_puts(b, ",\"a\":");
            etsim_sbuf_puts(b, va ? sa : "null");
            etsim_sbuf_puts(b, ",\"b\":");
            etsim_sbuf_puts(b, vb ? sb : "null");
            etsim_sbuf_putc(b, '}');
        } else {
            char line[512];
            snprintf(line, sizeof line, "note: %s differ%s: %.200s vs %.200s\n", keys[k],
                     !strcmp(keys[k], "params") || !strcmp(keys[k], "meta") ? "" : "s", sa, sb);
            etsim_sbuf_puts(b, line);
        }
        free(sa);
        free(sb);
        n++;
    }
    return n;
}

/* Numeric leaves of a (summary) object, with dotted paths, side by side. */
static void side_by_side(const char *prefix, const cJSON *a, const cJSON *b_obj, int json,
                         etsim_sbuf *b, int *first) {
    const cJSON *v;
    cJSON_ArrayForEach(v, a) {
        char path[256];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", v->string ? v->string : "");
        const cJSON *w = b_obj ? cJSON_GetObjectItemCaseSensitive(b_obj, v->string) : NULL;
        if (cJSON_IsObject(v)) {
            side_by_side(path, v, cJSON_IsObject(w) ? w : NULL, json, b, first);
            continue;
        }
        if (!cJSON_IsNumber(v) && !cJSON_IsNumber(w)) continue;
        int same = cJSON_IsNumber(v) && cJSON_IsNumber(w) && v->valuedouble == w->valuedouble;
        /* text: breakdowns (accuracy.by_subject.X.correct) only where they differ */
        int nested = 0;
        for (const char *c = path; *c; c++) nested += *c == '.';
        if (!json && same && nested >= 2) continue;
        if (json) {
            put_pair(b, *first, path, v, w);
        } else {
            char line[400], na[40] = "-", nb[40] = "-", dl[48] = "";
            if (cJSON_IsNumber(v)) etsim_fmt_double(na, v->valuedouble);
            if (cJSON_IsNumber(w)) etsim_fmt_double(nb, w->valuedouble);
            if (!same && cJSON_IsNumber(v) && cJSON_IsNumber(w)) {
                char d[40];
                etsim_fmt_double(d, w->valuedouble - v->valuedouble);
                snprintf(dl, sizeof dl, "%s%s", w->valuedouble > v->valuedouble ? "+" : "", d);
            }
            snprintf(line, sizeof line, "  %-44s %12s %12s %s\n", path, na, nb, same ? "" : dl);
            etsim_sbuf_puts(b, line);
        }
        *first = 0;
    }
}

/* ---- a decision, indexed ----------------------------------------------- */

/* One decision object with its arrays as numbers (NAN where an element is
 * not a number) and its candidates' positions sorted by node id. */
typedef struct num_list {
    const cJSON *j; /* the member itself; NULL when absent */
    double *v;
    int n;
} num_list;

typedef struct dec_view {
    const cJSON *j; /* NULL: this side has no such decision */
    const cJSON **cand;
    int n_cand, n_num;
    int *by_id; /* positions of the numeric candidates, by (id, position) */
    num_list score, count, cluster;
} dec_view;

static num_list num_list_of(const cJSON *dec, const char *key) {
    num_list l = {dec ? cJSON_GetObjectItemCaseSensitive(dec, key) : NULL, NULL, 0};
    int n = cJSON_GetArraySize(l.j), i = 0;
    l.v = etsim_malloc((size_t)(n > 0 ? n : 1) * sizeof *l.v);
    const cJSON *x;
    cJSON_ArrayForEach(x, l.j) l.v[i++] = cJSON_IsNumber(x) ? x->valuedouble : NAN;
    l.n = i;
    return l;
}

static double num_at(const num_list *l, int i) {
    return i >= 0 && i < l->n ? l->v[i] : NAN;
}

static const cJSON **sort_cand; /* qsort has no context argument */

static int cmp_by_id(const void *x, const void *y) {
    int i = *(const int *)x, j = *(const int *)y;
    double u = sort_cand[i]->valuedouble, v = sort_cand[j]->valuedouble;
    return u < v ? -1 : u > v ? 1 : (i > j) - (i < j);
}

static void dec_view_init(dec_view *d, const cJSON *dec) {
    memset(d, 0, sizeof *d);
    d->j = dec;
    const cJSON *cand = dec ? cJSON_GetObjectItemCaseSensitive(dec, "candidates") : NULL;
    int n = cJSON_GetArraySize(cand);
    d->cand = etsim_malloc((size_t)(n > 0 ? n : 1) * sizeof *d->cand);
    d->by_id = etsim_malloc((size_t)(n > 0 ? n : 1) * sizeof *d->by_id);
    const cJSON *x;
    cJSON_ArrayForEach(x, cand) {
        if (cJSON_IsNumber(x) && !isnan(x->valuedouble)) d->by_id[d->n_num++] = d->n_cand;
        d->cand[d->n_cand++] = x;
    }
    sort_cand = d->cand;
    qsort(d->by_id, (size_t)d->n_num, sizeof *d->by_id, cmp_by_id);
    d->score = num_list_of(dec, "scores");
    d->count = num_list_of(dec, "counts");
    d->cluster = num_list_of(dec, "clusters");
}

static void dec_view_free(dec_view *d) {
    free(d->cand);
    free(d->by_id);
    free(d->score.v);
    free(d->count.v);
    free(d->cluster.v);
}

/* First position of candidate `id`, or -1. */
static int find_pos(const dec_view *d, double id) {
    int lo = 0, hi = d->n_num;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (d->cand[d->by_id[mid]]->valuedouble < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < d->n_num && d->cand[d->by_id[lo]]->valuedouble == id ? d->by_id[lo] : -1;
}

/* Number of distinct clusters among the kept candidates (ETS diversity). */
static int clusters_kept(const dec_view *d) {
    const cJSON *kept = cJSON_GetObjectItemCaseSensitive(d->j, "kept");
    if (!cJSON_IsArray(kept) || !cJSON_IsArray(d->cluster.j)) return -1;
    int n = d->cluster.n, count = 0;
    uint8_t *seen = etsim_calloc((size_t)n + 1, 1);
    const cJSON *k;
    cJSON_ArrayForEach(k, kept) {
        double c = num_at(&d->cluster, cJSON_IsNumber(k) ? find_pos(d, k->valuedouble) : -1);
        if (c >= 0 && c < n && !seen[(int)c]) {
            seen[(int)c] = 1;
            count++;
        }
    }
    free(seen);
    return count;
}

/* ---- the first diverging selection --------------------------------------- */

/* A row of the candidate table: A's candidates in A's order, then B's that
 * A lacks; pa/pb the positions on each side (-1: absent there). */
typedef struct cand_row {
    const cJSON *id;
    int pa, pb;
} cand_row;

static int cand_rows(const dec_view *va, const dec_view *vb, cand_row **out) {
    int n = 0;
    cand_row *r = etsim_malloc((size_t)(va->n_cand + vb->n_cand + 1) * sizeof *r);
    for (int i = 0; i < va->n_cand; i++)
        r[n++] = (cand_row){va->cand[i], i, find_pos(vb, va->cand[i]->valuedouble)};
    for (int i = 0; i < vb->n_cand; i++)
        if (find_pos(va, vb->cand[i]->valuedouble) < 0) r[n++] = (cand_row){vb->cand[i], -1, i};
    *out = r;
    return n;
}

/* The rows as a JSON array's elements or text table lines (text: only the
 * rows whose children or cluster changed unless --all). Returns the rows
 * left out. */
static int put_rows(etsim_sbuf *b, const cand_row *rows, int n, const dec_view *va, const dec_view *vb,
                    const etsim_diff_opts *o) {
    int clusters = va->cluster.j || vb->cluster.j, hidden = 0;
    for (int r = 0; r < n; r++) {
        int pa = rows[r].pa, pb = rows[r].pb;
        double s = pa >= 0 ? num_at(&va->score, pa) : num_at(&vb->score, pb);
        double xa = pa >= 0 ? num_at(&va->count, pa) : NAN, xb = pb >= 0 ? num_at(&vb->count, pb) : NAN;
        double ka = pa >= 0 ? num_at(&va->cluster, pa) : NAN, kb = pb >= 0 ? num_at(&vb->cluster, pb) : NAN;
        if (o->json) {
            etsim_sbuf_puts(b, r ? ",{\"id\":" : "{\"id\":");
            put_num(b, rows[r].id);
            etsim_sbuf_puts(b, ",\"score\":");
            if (isfinite(s)) etsim_sbuf_double(b, s);
            else etsim_sbuf_puts(b, "null");
            etsim_sbuf_puts(b, ",\"children\":[");
            etsim_sbuf_int(b, pa >= 0 ? (int64_t)xa : -1);
            etsim_sbuf_putc(b, ',');
            etsim_sbuf_int(b, pb >= 0 ? (int64_t)xb : -1);
            etsim_sbuf_putc(b, ']');
            if (clusters) {
                etsim_sbuf_puts(b, ",\"cluster\":[");
                etsim_sbuf_int(b, pa >= 0 && va->cluster.j ? (int64_t)ka : -1);
                etsim_sbuf_putc(b, ',');
                etsim_sbuf_int(b, pb >= 0 && vb->cluster.j ? (int64_t)kb : -1);
                etsim_sbuf_putc(b, ']');
            }
            etsim_sbuf_putc(b, '}');
            continue;
        }
        int changed = !(xa == xb) ||
                      (va->cluster.j && vb->cluster.j && !((isnan(ka) && isnan(kb)) || ka == kb));
        if (!changed && !o->all_rows) {
            hidden++;
            continue;
        }
        char line[512], cs[40] = "null", c1[16] = "-", c2[16] = "-", k1[16] = "", k2[16] = "";
        if (isfinite(s)) etsim_fmt_double(cs, s);
        if (!isnan(xa)) snprintf(c1, sizeof c1, "%d", (int)xa);
        if (!isnan(xb)) snprintf(c2, sizeof c2, "%d", (int)xb);
        if (clusters) {
            snprintf(k1, sizeof k1, "%d", isnan(ka) ? -1 : (int)ka);
            snprintf(k2, sizeof k2, "%d", isnan(kb) ? -1 : (int)kb);
        }
        snprintf(line, sizeof line, "    %-6d %12s  %10s  %10s  %9s  %9s\n", (int)rows[r].id->valuedouble, cs,
                 c1, c2, k1, k2);
        etsim_sbuf_puts(b, line);
    }
    return hidden;
}

/* The first decision that differs (da or db NULL: only one side has it). */
static void report_decision(const cJSON *da, const cJSON *db, int sel, const etsim_diff_opts *o,
                            etsim_sbuf *b) {
    const cJSON *dec = da ? da : db;
    double depth = NAN;
    const cJSON *dv = cJSON_GetObjectItemCaseSensitive(dec, "depth");
    if (cJSON_IsNumber(dv)) depth = dv->valuedouble;
    const cJSON *ca = da ? cJSON_GetObjectItemCaseSensitive(da, "candidates") : NULL;
    const cJSON *cb = db ? cJSON_GetObjectItemCaseSensitive(db, "candidates") : NULL;
    int same_cands = ca && cb && cJSON_Compare(ca, cb, 1);
    char line[512];
    if (!o->json && (!da || !db)) {
        snprintf(line, sizeof line, "  selection %d (depth %g): only %s made it (%d candidates)\n",
                 sel, depth, da ? "A" : "B", cJSON_GetArraySize(da ? ca : cb));
        etsim_sbuf_puts(b, line);
        return;
    }
    dec_view va, vb;
    dec_view_init(&va, da);
    dec_view_init(&vb, db);
    if (o->json) {
        etsim_sbuf_puts(b, ",\"selection\":");
        etsim_sbuf_int(b, sel);
        etsim_sbuf_puts(b, ",\"depth\":");
        put_num(b, dv);
        const char *keys[] = {"width", "kv_tokens", "objective", NULL};
        for (int k = 0; keys[k]; k++)
            put_pair(b, 0, keys[k], da ? cJSON_GetObjectItemCaseSensitive(da, keys[k]) : NULL,
                     db ? cJSON_GetObjectItemCaseSensitive(db, keys[k]) : NULL);
        etsim_sbuf_puts(b, ",\"clusters_kept\":[");
        etsim_sbuf_int(b, da ? clusters_kept(&va) : -1);
        etsim_sbuf_putc(b, ',');
        etsim_sbuf_int(b, db ? clusters_kept(&vb) : -1);
        etsim_sbuf_puts(b, "],\"same_candidates\":");
        etsim_sbuf_puts(b, same_cands ? "true" : "false");
        etsim_sbuf_puts(b, ",\"candidates\":[");
    } else {
        snprintf(line, sizeof line,
                 "  first divergence: selection %d, depth %g, width %g vs %g, %d vs %d candidates%s\n", sel,
                 depth, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(da, "width")),
                 cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(db, "width")), cJSON_GetArraySize(ca),
                 cJSON_GetArraySize(cb), same_cands ? " (the same)" : " (candidate lists differ)");
        etsim_sbuf_puts(b, line);
        const cJSON *oa = cJSON_GetObjectItemCaseSensitive(da, "objective");
        const cJSON *ob = cJSON_GetObjectItemCaseSensitive(db, "objective");
        int clusters = va.cluster.j || vb.cluster.j;
        if (oa || ob || clusters) {
            char x[40] = "-", y[40] = "-";
            if (cJSON_IsNumber(oa)) etsim_fmt_double(x, oa->valuedouble);
            if (cJSON_IsNumber(ob)) etsim_fmt_double(y, ob->valuedouble);
            const cJSON *ka = cJSON_GetObjectItemCaseSensitive(da, "kept");
            const cJSON *kb = cJSON_GetObjectItemCaseSensitive(db, "kept");
            snprintf(line, sizeof line, "  objective %s vs %s; kept %d vs %d; clusters kept %d vs %d\n", x, y,
                     ka ? cJSON_GetArraySize(ka) : -1, kb ? cJSON_GetArraySize(kb) : -1, clusters_kept(&va),
                     clusters_kept(&vb));
            etsim_sbuf_puts(b, line);
        }
        etsim_sbuf_puts(b, clusters ? "    node         score  children A  children B  cluster A  cluster B\n"
                                    : "    node         score  children A  children B\n");
    }
    cand_row *rows;
    int n = cand_rows(&va, &vb, &rows);
    int hidden = put_rows(b, rows, n, &va, &vb, o);
    if (o->json) {
        etsim_sbuf_putc(b, ']');
    } else if (hidden) {
        snprintf(line, sizeof line, "    (%d more candidates with the same children; --all lists them)\n", hidden);
        etsim_sbuf_puts(b, line);
    }
    free(rows);
    dec_view_free(&va);
    dec_view_free(&vb);
}

/* ---- leaves and answers --------------------------------------------------- */

/* A leaf as its bytes: the answer (kind 0 absent, 1 a string: its decoded
 * text, 2 anything else: its bytes) and the step scores' bytes. Answers
 * are grouped as strings, "(none)" for any non-string, as a vote reads
 * them. */
typedef struct leaf_key {
    const char *ans, *sc;
    size_t ans_len, sc_len;
    int kind, side, ord;
} leaf_key;

static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb) {
    int c = memcmp(a, b, na < nb ? na : nb);
    return c ? c : (na > nb) - (na < nb);
}

/* The answer's group: its text, or "(none)". */
static void answer_group(const leaf_key *k, const char **s, size_t *n) {
    *s = k->kind == 1 ? k->ans : "(none)";
    *n = k->kind == 1 ? k->ans_len : 6;
}

static int cmp_answer(const void *x, const void *y) {
    const leaf_key *a = x, *b = y;
    const char *sa, *sb;
    size_t na, nb;
    answer_group(a, &sa, &na);
    answer_group(b, &sb, &nb);
    int c = cmp_bytes(sa, na, sb, nb);
    return c ? c : a->side != b->side ? a->side - b->side : a->ord - b->ord;
}

/* An answer whose count changed; first: where it was first seen. */
typedef struct answer_row {
    const char *s;
    size_t n;
    int count[2];
    int64_t first;
} answer_row;

static int cmp_first(const void *x, const void *y) {
    const answer_row *a = x, *b = y;
    return (a->first > b->first) - (a->first < b->first);
}

static int cmp_leaf(const void *x, const void *y) {
    const leaf_key *a = x, *b = y;
    int c = a->kind - b->kind;
    if (!c) c = cmp_bytes(a->ans, a->ans_len, b->ans, b->ans_len);
    return c ? c : cmp_bytes(a->sc, a->sc_len, b->sc, b->sc_len);
}

/* The keys of one side's leaves, appended to *keys; decoded answers (the
 * ones holding an escape) are kept in *owned to be freed. Returns the
 * number of leaves, -1 on error. */
static int leaf_keys(const etsim_rfile *f, etsim_rspan leaves, int side, leaf_key **keys, int *n,
                     int64_t *cap, cJSON **owned, etsim_err *err) {
    static const char *const k2[] = {"answer", "step_scores"};
    etsim_relems it;
    etsim_rspan el;
    int r, n_el = 0;
    etsim_relems_init(&it, f, leaves);
    while ((r = etsim_relems_next(&it, &el, err)) > 0) {
        etsim_rspan m[2];
        if (etsim_rfile_members(f, el, k2, 2, m, err) < 0) return -1;
        leaf_key k = {f->text + m[0].off, f->text + m[1].off, m[0].len, m[1].len, 0, side, n_el++};
        if (!m[1].len) k.sc = "(absent)", k.sc_len = 8;
        if (m[0].len && f->text[m[0].off] == '"') {
            k.kind = 1;
            k.ans++;
            k.ans_len -= 2;
            if (memchr(k.ans, '\\', k.ans_len)) {
                cJSON *s = etsim_rfile_parse(f, m[0], err);
                if (!s) return -1;
                cJSON_AddItemToArray(*owned, s);
                k.ans = cJSON_GetStringValue(s);
                k.ans_len = strlen(k.ans);
            }
        } else if (m[0].len) {
            k.kind = 2;
        }
        etsim_grow((void **)keys, cap, *n + 1, sizeof **keys);
        (*keys)[(*n)++] = k;
    }
    return r < 0 ? -1 : n_el;
}

static int report_leaves(const etsim_rfile *fa, etsim_rspan la, const etsim_rfile *fb, etsim_rspan lb,
                         int json, etsim_sbuf *b, etsim_err *err) {
    leaf_key *k = NULL;
    answer_row *rows = NULL;
    int n = 0, n_rows = 0, rc = -1;
    int64_t cap = 0, cap_rows = 0;
    cJSON *owned = cJSON_CreateArray();
    int n_la = leaf_keys(fa, la, 0, &k, &n, &cap, &owned, err);
    int n_lb = n_la < 0 ? -1 : leaf_keys(fb, lb, 1, &k, &n, &cap, &owned, err);
    if (n_lb < 0) goto done;
    /* leaves changed: (answer, step scores) of one side the other lacks,
     * as multisets: equal keys sorted together, the surplus of each side */
    int only_a = 0, only_b = 0;
    if (n > 1) qsort(k, (size_t)n, sizeof *k, cmp_leaf);
    for (int i = 0, j; i < n; i = j) {
        int c[2] = {0, 0};
        for (j = i; j < n && !cmp_leaf(&k[i], &k[j]); j++) c[k[j].side]++;
        only_a += c[0] > c[1] ? c[0] - c[1] : 0;
        only_b += c[1] > c[0] ? c[1] - c[0] : 0;
    }
    /* answer counts that changed, in order of first appearance (A's leaves,
     * then B's): groups sorted by answer, the changed ones then by that */
    if (n > 1) qsort(k, (size_t)n, sizeof *k, cmp_answer);
    for (int i = 0, j; i < n; i = j) {
        answer_row r = {NULL, 0, {0, 0}, (int64_t)k[i].side * (n_la + 1) + k[i].ord};
        answer_group(&k[i], &r.s, &r.n);
        for (j = i; j < n; j++) {
            const char *t;
            size_t nt;
            answer_group(&k[j], &t, &nt);
            if (cmp_bytes(r.s, r.n, t, nt)) break;
            r.count[k[j].side]++;
        }
        if (r.count[0] == r.count[1]) continue;
        etsim_grow((void **)&rows, &cap_rows, n_rows + 1, sizeof *rows);
        rows[n_rows++] = r;
    }
    if (n_rows > 1) qsort(rows, (size_t)n_rows, sizeof *rows, cmp_first);
    char line[512];
    if (json) {
        etsim_sbuf_puts(b, ",\"leaves\":[");
        etsim_sbuf_int(b, n_la);
        etsim_sbuf_putc(b, ',');
        etsim_sbuf_int(b, n_lb);
        etsim_sbuf_puts(b, "],\"leaves_only_in\":[");
        etsim_sbuf_int(b, only_a);
        etsim_sbuf_putc(b, ',');
        etsim_sbuf_int(b, only_b);
        etsim_sbuf_puts(b, "],\"answers\":[");
    } else {
        snprintf(line, sizeof line, "  leaves %d vs %d (%d only in A, %d only in B)%s\n", n_la, n_lb, only_a,
                 only_b, n_rows ? "; answer counts (A -> B):" : "");
        etsim_sbuf_puts(b, line);
    }
    for (int i = 0; i < n_rows; i++) {
        char *ans = etsim_malloc(rows[i].n + 1);
        memcpy(ans, rows[i].s, rows[i].n);
        ans[rows[i].n] = 0;
        if (json) {
            etsim_sbuf_puts(b, i ? ",{\"answer\":" : "{\"answer\":");
            etsim_sbuf_json_string(b, ans);
            etsim_sbuf_puts(b, ",\"count\":[");
            etsim_sbuf_int(b, rows[i].count[0]);
            etsim_sbuf_putc(b, ',');
            etsim_sbuf_int(b, rows[i].count[1]);
            etsim_sbuf_puts(b, "]}");
        } else {
            snprintf(line, sizeof line, "    %-40.200s %d -> %d\n", ans, rows[i].count[0], rows[i].count[1]);
            etsim_sbuf_puts(b, line);
        }
        free(ans);
    }
    if (json) etsim_sbuf_putc(b, ']');
    rc = 0;
done:
    free(k);
    free(rows);
    cJSON_Delete(owned);
    return rc;
}

static void report_counters(const cJSON *pa, const cJSON *pb, int json, etsim_sbuf *b) {
    const cJSON *ca = cJSON_GetObjectItemCaseSensitive(pa, "counters");
    const cJSON *cb = cJSON_GetObjectItemCaseSensitive(pb, "counters");
    const cJSON *v;
    int first = 1;
    etsim_sbuf_puts(b, json ? ",\"counters\":{" : "  counters:");
    cJSON_ArrayForEach(v, ca) {
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(cb, v->string);
        if (w && cJSON_Compare(v, w, 1)) continue;
        if (json) {
            put_pair(b, first, v->string, v, w);
        } else {
            char line[160], x[40] = "-", y[40] = "-";
            if (cJSON_IsNumber(v)) etsim_fmt_double(x, v->valuedouble);
            if (cJSON_IsNumber(w)) etsim_fmt_double(y, w->valuedouble);
            snprintf(line, sizeof line, " %s %s -> %s;", v->string, x, y);
            etsim_sbuf_puts(b, line);
        }
        first = 0;
    }
    etsim_sbuf_puts(b, json ? "}" : first ? " the same\n" : "\n");
}

/* Two decisions give the same children when everything but the ETS
 * report (objective, kept, clusters) agrees: the next depth is the same. */
static int same_children(const cJSON *x, const cJSON *y) {
    static const char *const keys[] = {"depth", "width", "candidates", "scores", "counts",
                                       "expansions", "tags", NULL};
    for (int k = 0; keys[k]; k++) {
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(x, keys[k]);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(y, keys[k]);
        if ((u || v) && !(u && v && cJSON_Compare(u, v, 1))) return 0;
    }
    return 1;
}

/* Parse member `key` (range v) of a problem into dst (absent: nothing). */
static int add_member(const etsim_rfile *f, const etsim_rproblem *p, etsim_rspan v, const char *key,
                      cJSON *dst, etsim_err *err) {
    if (!v.len) return 0;
    cJSON *j = etsim_rfile_parse(f, v, err);
    if (!j) return etsim_err_prefix(err, "%s:%d: problem %d: field %s", f->path, etsim_rfile_line(f, v.off),
                                    p->index, key);
    cJSON_AddItemToObject(dst, key, j);
    return 0;
}

/* Compare one differing pair. Only what is reported is parsed: id,
 * counters, and the decisions from the first whose bytes differ up to the
 * first that gives other children; leaves are compared as bytes. */
static int diff_problem(const etsim_rfile *fa, const etsim_rproblem *a, const etsim_rfile *fb,
                        const etsim_rproblem *b_span, int nth, const etsim_diff_opts *o, etsim_sbuf *b,
                        etsim_err *err) {
    int rc = -1;
    cJSON *pa = cJSON_CreateObject(), *pb = cJSON_CreateObject();
    cJSON *x = NULL, *y = NULL, *side_x = NULL, *side_y = NULL;
    etsim_rspan ea, eb, ma[ETSIM_RP_N], mb[ETSIM_RP_N];
    etsim_relems ia, ib;
    int detail = o->json || o->max_problems <= 0 || nth < o->max_problems;
    if (!detail) {
        rc = 0;
        goto done;
    }
    if (etsim_rfile_problem_members(fa, a, ma, err) < 0 || etsim_rfile_problem_members(fb, b_span, mb, err) < 0)
        goto done;
    for (int k = ETSIM_RP_ID; k <= ETSIM_RP_COUNTERS; k++)
        if (add_member(fa, a, ma[k], etsim_rproblem_keys[k], pa, err) < 0 ||
            add_member(fb, b_span, mb[k], etsim_rproblem_keys[k], pb, err) < 0)
            goto done;
    etsim_relems_init(&ia, fa, ma[ETSIM_RP_DECISIONS]);
    etsim_relems_init(&ib, fb, mb[ETSIM_RP_DECISIONS]);
    const char *id = str_of(pa, "id");
    if (o->json) {
        etsim_sbuf_puts(b, nth ? ",\n{\"index\":" : "\n{\"index\":");
        etsim_sbuf_int(b, a->index);
        etsim_sbuf_puts(b, ",\"id\":");
        etsim_sbuf_json_string(b, id);
    } else {
        char line[400];
        snprintf(line, sizeof line, "\nproblem %d%s%.200s%s\n", a->index, id ? " (" : "", id ? id : "", id ? ")" : "");
        etsim_sbuf_puts(b, line);
    }
    /* decisions pairwise up to the first that gives other children (has_a,
     * has_b: whether each side has decision `sel`) */
    int64_t sel = 0, side_sel = -1;
    int has_a, has_b;
    for (;; sel++) {
        if ((has_a = etsim_relems_next(&ia, &ea, err)) < 0 || (has_b = etsim_relems_next(&ib, &eb, err)) < 0) {
            etsim_err_prefix(err, "problem %d: decisions[%lld]", a->index, (long long)sel);
            goto done;
        }
        if (!has_a || !has_b) break;
        if (etsim_rspan_equal(fa, ea, fb, eb)) continue;
        if (!(x = etsim_rfile_parse(fa, ea, err)) || !(y = etsim_rfile_parse(fb, eb, err))) {
            etsim_err_prefix(err, "problem %d: decisions[%lld]", a->index, (long long)sel);
            goto done;
        }
        if (!same_children(x, y)) break;
        if (!side_x) {
            side_x = x;
            side_y = y;
            side_sel = sel;
        } else {
            cJSON_Delete(x);
            cJSON_Delete(y);
        }
        x = y = NULL;
    }
    if (has_a && has_b) {
        report_decision(x, y, (int)sel, o, b);
    } else if (has_a || has_b) {
        cJSON *only = etsim_rfile_parse(has_a ? fa : fb, has_a ? ea : eb, err);
        if (!only) goto done;
        report_decision(has_a ? only : NULL, has_a ? NULL : only, (int)sel, o, b);
        cJSON_Delete(only);
    } else if (side_x) {
        if (!o->json) {
            char line[160];
            snprintf(line, sizeof line, "  the %lld selections give the same children; from selection %lld on "
                     "the ETS fields differ:\n", (long long)sel, (long long)side_sel);
            etsim_sbuf_puts(b, line);
        }
        report_decision(side_x, side_y, (int)side_sel, o, b);
    } else if (o->json) {
        etsim_sbuf_puts(b, ",\"selection\":null");
    } else {
        char line[160];
        snprintf(line, sizeof line, "  the %lld selections agree\n", (long long)sel);
        etsim_sbuf_puts(b, line);
    }
    report_counters(pa, pb, o->json, b);
    if (report_leaves(fa, ma[ETSIM_RP_LEAVES], fb, mb[ETSIM_RP_LEAVES], o->json, b, err) < 0) {
        etsim_err_prefix(err, "problem %d: leaves", a->index);
        goto done;
    }
    if (o->json) etsim_sbuf_putc(b, '}');
    rc = 0;
done:
    cJSON_Delete(pa);
    cJSON_Delete(pb);
    cJSON_Delete(x);
    cJSON_Delete(y);
    cJSON_Delete(side_x);
    cJSON_Delete(side_y);
    return rc;
}

static void header_line(etsim_sbuf *b, const char *tag, const etsim_rfile *f) {
    const cJSON *src = f->config ? cJSON_GetObjectItemCaseSensitive(f->config, "source") : NULL;
    const cJSON *w = f->config ? cJSON_GetObjectItemCaseSensitive(f->config, "width") : NULL;
    char line[1024];
    snprintf(line, sizeof line, "%s: %.300s  selector %s, width %d, source %s:%.300s, %lld problems\n", tag,
             f->path, str_of(f->config, "selector") ? str_of(f->config, "selector") : "?",
             cJSON_IsNumber(w) ? (int)w->valuedouble : -1, str_of(src, "kind") ? str_of(src, "kind") : "?",
             str_of(src, "spec") ? str_of(src, "spec") : "?", (long long)f->n_problems);
    etsim_sbuf_puts(b, line);
}

int etsim_result_diff(const char *path_a, const char *path_b, const etsim_diff_opts *opts, FILE *out,
                      etsim_err *err) {
    etsim_rfile fa = {0}, fb = {0};
    etsim_sbuf b = {0}, body = {0};
    int rc = -1;
    if (etsim_rfile_scan(&fa, path_a, err) < 0 || etsim_rfile_scan(&fb, path_b, err) < 0) goto done;
    const int json = opts->json;
    if (json) etsim_sbuf_puts(&b, "{\"a\":");
    else header_line(&b, "A", &fa);
    if (json) {
        etsim_sbuf_json_string(&b, path_a);
        etsim_sbuf_puts(&b, ",\"b\":");
        etsim_sbuf_json_string(&b, path_b);
        etsim_sbuf_puts(&b, ",\"config_differences\":[");
    } else {
        header_line(&b, "B", &fb);
    }
    int config_diffs = compare_config(&fa, &fb, json, &b);
    int n_same = 0, n_differ = 0, only_a = 0, only_b = 0;
    for (int64_t i = 0; i < fa.n_problems; i++) {
        const etsim_rproblem *a = &fa.problems[i], *bs = etsim_rfile_find(&fb, i, a->index);
        if (!bs) {
            only_a++;
            continue;
        }
        if (a->len == bs->len && !memcmp(fa.text + a->off, fb.text + bs->off, a->len)) {
            n_same++;
            continue;
        }
        if (diff_problem(&fa, a, &fb, bs, n_differ, opts, &body, err) < 0) goto done;
        n_differ++;
    }
    for (int64_t i = 0; i < fb.n_problems; i++)
        if (!etsim_rfile_find(&fa, i, fb.problems[i].index)) only_b++;
    const cJSON *sa = fa.summary, *sb = fb.summary;
    int summary_same = (!sa && !sb) || (sa && sb && cJSON_Compare(sa, sb, 1));
    int identical = !config_diffs && !n_differ && !only_a && !only_b && summary_same;
    int first = 1;
    char line[400];
    if (json) {
        etsim_sbuf_puts(&b, "],\"identical\":");
        etsim_sbuf_puts(&b, identical ? "true" : "false");
        etsim_sbuf_puts(&b, ",\"summary\":{");
        side_by_side("", sa, sb, 1, &b, &first);
        etsim_sbuf_puts(&b, "},\"problems\":{\"same\":");
        etsim_sbuf_int(&b, n_same);
        etsim_sbuf_puts(&b, ",\"differ\":");
        etsim_sbuf_int(&b, n_differ);
        etsim_sbuf_puts(&b, ",\"only_a\":");
        etsim_sbuf_int(&b, only_a);
        etsim_sbuf_puts(&b, ",\"only_b\":");
        etsim_sbuf_int(&b, only_b);
        etsim_sbuf_puts(&b, "},\"diverged\":[");
        etsim_sbuf_put(&b, body.data ? body.data : "", (size_t)body.len);
        etsim_sbuf_puts(&b, "]}\n");
    } else {
        etsim_sbuf_puts(&b, "\nsummary (breakdowns only where they differ)             A            B\n");
        side_by_side("", sa, sb, 0, &b, &first);
        snprintf(line, sizeof line, "\nproblems: %d identical, %d differ, %d only in A, %d only in B\n", n_same,
                 n_differ, only_a, only_b);
        etsim_sbuf_puts(&b, line);
        etsim_sbuf_put(&b, body.data ? body.data : "", (size_t)body.len);
        if (opts->max_problems > 0 && n_differ > opts->max_problems) {
            snprintf(line, sizeof line, "\n(%d more problems differ; --max N shows more, --max 0 all)\n",
                     n_differ - opts->max_problems);
            etsim_sbuf_puts(&b, line);
        }
        etsim_sbuf_puts(&b, identical ? "\nidentical\n" : "\nresults differ\n");
    }
    if (fwrite(b.data, 1, (size_t)b.len, out) != (size_t)b.len || fflush(out) != 0) {
        etsim_errf(err, "writing the report failed");
        goto done;
    }
    rc = identical ? 0 : 1;
done:
    etsim_sbuf_free(&b);
    etsim_sbuf_free(&body);
    etsim_rfile_free(&fa);
    etsim_rfile_free(&fb);
    return rc;
}
