/* result_diff.c -- `etsim diff`: compare two replay results (result_diff.h).
 *
 * Reading: a result is one JSON object; scan_result() walks its top level
 * with a byte scanner (strings, brackets, scalars; nothing is decoded) and
 * keeps the byte range of every problem in "problems" plus the parsed
 * "config" and "summary". Problems are matched by "index"; a pair whose
 * bytes are equal is identical without parsing. A differing pair is parsed
 * with cJSON and walked: counters, decisions (first unequal one), leaves.
 *
 * Output: the text report (or the JSON object with --json) accumulates in
 * an etsim_sbuf and is written once at the end, so an error in either file
 * leaves nothing on the output. */
#include "sim/eval/result_diff.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sim/core/json.h"

typedef struct problem_span {
    size_t off, len;
    int32_t index;
} problem_span;

typedef struct result_file {
    const char *path;
    char *text;
    size_t len;
    cJSON *config, *summary;
    problem_span *problems;
    int64_t n_problems, cap_problems;
} result_file;

static void result_file_free(result_file *f) {
    free(f->text);
    cJSON_Delete(f->config);
    cJSON_Delete(f->summary);
    free(f->problems);
}

/* ---- scanner ------------------------------------------------------------ */

static size_t skip_ws(const char *s, size_t n, size_t i) {
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++;
    return i;
}

static int scan_fail(const result_file *f, size_t at, const char *what, etsim_err *err) {
    return etsim_errf(err, "%s:%d: malformed result (%s)", f->path,
                      etsim_json_line_of(f->text, f->len, at < f->len ? at : f->len), what);
}

/* End (one past the closing quote) of the string starting at s[i] == '"'. */
static int skip_string(const result_file *f, size_t i, size_t *end, etsim_err *err) {
    const char *s = f->text;
    for (size_t k = i + 1; k < f->len; k++) {
        if (s[k] == '\\') k++;
        else if (s[k] == '"') {
            *end = k + 1;
            return 0;
        }
    }
    return scan_fail(f, i, "unterminated string", err);
}

/* End of the value starting at s[i] (brackets balanced, strings closed). */
static int skip_value(const result_file *f, size_t i, size_t *end, etsim_err *err) {
    const char *s = f->text;
    if (i >= f->len) return scan_fail(f, i, "value expected", err);
    if (s[i] == '"') return skip_string(f, i, end, err);
    if (s[i] != '{' && s[i] != '[') {
        size_t k = i;
        while (k < f->len && !strchr(",]} \n\r\t", s[k])) k++;
        if (k == i) return scan_fail(f, i, "value expected", err);
        *end = k;
        return 0;
    }
    int depth = 0;
    for (size_t k = i; k < f->len; k++) {
        if (s[k] == '"') {
            if (skip_string(f, k, &k, err) < 0) return -1;
            k--;
        } else if (s[k] == '{' || s[k] == '[') {
            depth++;
        } else if (s[k] == '}' || s[k] == ']') {
            if (--depth == 0) {
                *end = k + 1;
                return 0;
            }
        }
    }
    return scan_fail(f, i, "unbalanced brackets", err);
}

static int32_t span_index(const result_file *f, size_t off, size_t len, etsim_err *err) {
    static const char key[] = "{\"index\":";
    if (len > sizeof key && !memcmp(f->text + off, key, sizeof key - 1)) {
        char *end;
        long v = strtol(f->text + off + sizeof key - 1, &end, 10);
        if (*end == ',' && v >= 0 && v <= INT32_MAX) return (int32_t)v;
    }
    cJSON *p = etsim_json_parse(f->text + off, len, NULL, err);
    const cJSON *v = p ? cJSON_GetObjectItemCaseSensitive(p, "index") : NULL;
    int32_t out = cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= INT32_MAX
                      ? (int32_t)v->valuedouble : -1;
    cJSON_Delete(p);
    if (out < 0)
        scan_fail(f, off, p ? "problem without an integer \"index\"" : err->msg, err);
    return out;
}

static int scan_problems(result_file *f, size_t i, size_t *end, etsim_err *err) {
    const char *s = f->text;
    if (s[i] != '[') return scan_fail(f, i, "\"problems\" is not an array", err);
    i = skip_ws(s, f->len, i + 1);
    if (i < f->len && s[i] == ']') {
        *end = i + 1;
        return 0;
    }
    for (;;) {
        size_t e;
        if (i >= f->len || s[i] != '{') return scan_fail(f, i, "a problem is not an object", err);
        if (skip_value(f, i, &e, err) < 0) return -1;
        int32_t index = span_index(f, i, e - i, err);
        if (index < 0) return -1;
        etsim_grow((void **)&f->problems, &f->cap_problems, f->n_problems + 1, sizeof *f->problems);
        f->problems[f->n_problems++] = (problem_span){i, e - i, index};
        i = skip_ws(s, f->len, e);
        if (i < f->len && s[i] == ']') {
            *end = i + 1;
            return 0;
        }
        if (i >= f->len || s[i] != ',') return scan_fail(f, i, "',' or ']' expected in \"problems\"", err);
        i = skip_ws(s, f->len, i + 1);
    }
}

static int scan_result(result_file *f, const char *path, etsim_err *err) {
    f->path = path;
    if (!(f->text = etsim_read_file(path, &f->len, err))) return -1;
    const char *s = f->text;
    size_t i = skip_ws(s, f->len, 0);
    int version = 0, have_problems = 0;
    if (i >= f->len || s[i] != '{') return scan_fail(f, i, "not a JSON object", err);
    i = skip_ws(s, f->len, i + 1);
    while (i < f->len && s[i] != '}') {
        size_t ke = 0, ve = 0;
        if (s[i] != '"') return scan_fail(f, i, "key expected", err);
        if (skip_string(f, i, &ke, err) < 0) return -1;
        size_t v = skip_ws(s, f->len, ke);
        if (v >= f->len || s[v] != ':') return scan_fail(f, v, "':' expected", err);
        v = skip_ws(s, f->len, v + 1);
        const char *key = s + i + 1;
        size_t klen = ke - i - 2;
#define KEY_IS(k) (klen == sizeof(k) - 1 && !memcmp(key, k, klen))
        if (KEY_IS("problems")) {
            if (scan_problems(f, v, &ve, err) < 0) return -1;
            have_problems = 1;
        } else {
            if (skip_value(f, v, &ve, err) < 0) return -1;
            if (KEY_IS("etsim_result")) {
                version = (ve - v == 1 && s[v] == '1');
            } else if (KEY_IS("config") || KEY_IS("summary")) {
                cJSON *j = etsim_json_parse(s + v, ve - v, NULL, err);
                if (!j) return etsim_err_prefix(err, "%s:%d: field %.*s", path,
                                                etsim_json_line_of(s, f->len, v), (int)klen, key);
                cJSON **slot = KEY_IS("config") ? &f->config : &f->summary;
                cJSON_Delete(*slot);
                *slot = j;
            }
        }
#undef KEY_IS
        i = skip_ws(s, f->len, ve);
        if (i < f->len && s[i] == ',') i = skip_ws(s, f->len, i + 1);
        else if (i >= f->len || s[i] != '}') return scan_fail(f, i, "',' or '}' expected", err);
    }
    if (i >= f->len) return scan_fail(f, i, "unterminated object", err);
    if (skip_ws(s, f->len, i + 1) != f->len) return scan_fail(f, i + 1, "content after the result", err);
    if (!version) return etsim_errf(err, "%s: not an etsim replay result (no \"etsim_result\": 1)", path);
    if (!have_problems) return etsim_errf(err, "%s: field problems: missing", path);
    return 0;
}

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

/* A line "label: A vs B" (text) or {"what":..., "a":..., "b":...} (json)
 * for each config field that differs. */
static int compare_config(const result_file *fa, const result_file *fb, int json, etsim_sbuf *b) {
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
            etsim_sbuf_puts(b, *first ? "" : ",");
            etsim_sbuf_json_string(b, path);
            etsim_sbuf_puts(b, ":[");
            put_num(b, v);
            etsim_sbuf_putc(b, ',');
            put_num(b, w);
            etsim_sbuf_putc(b, ']');
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

/* ---- one problem pair ---------------------------------------------------- */

static int find_pos(const cJSON *arr, double id) {
    int i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, arr) {
        if (cJSON_IsNumber(v) && v->valuedouble == id) return i;
        i++;
    }
    return -1;
}

static double num_at(const cJSON *arr, int i) {
    const cJSON *v = arr && i >= 0 ? cJSON_GetArrayItem(arr, i) : NULL;
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* Number of distinct clusters among the kept candidates (ETS diversity). */
static int clusters_kept(const cJSON *dec) {
    const cJSON *cand = cJSON_GetObjectItemCaseSensitive(dec, "candidates");
    const cJSON *kept = cJSON_GetObjectItemCaseSensitive(dec, "kept");
    const cJSON *cl = cJSON_GetObjectItemCaseSensitive(dec, "clusters");
    if (!cJSON_IsArray(kept) || !cJSON_IsArray(cl)) return -1;
    int n = cJSON_GetArraySize(cl), count = 0;
    uint8_t *seen = etsim_calloc((size_t)n + 1, 1);
    const cJSON *k;
    cJSON_ArrayForEach(k, kept) {
        int pos = cJSON_IsNumber(k) ? find_pos(cand, k->valuedouble) : -1;
        double c = num_at(cl, pos);
        if (c >= 0 && c < n && !seen[(int)c]) {
            seen[(int)c] = 1;
            count++;
        }
    }
    free(seen);
    return count;
}

/* The first decision that differs, as a report. */
static void report_decision(const cJSON *da, const cJSON *db, int sel, const etsim_diff_opts *o,
                            etsim_sbuf *b) {
    const cJSON *dec = da ? da : db;
    double depth = NAN;
    const cJSON *dv = cJSON_GetObjectItemCaseSensitive(dec, "depth");
    if (cJSON_IsNumber(dv)) depth = dv->valuedouble;
    const cJSON *ca = da ? cJSON_GetObjectItemCaseSensitive(da, "candidates") : NULL;
    const cJSON *cb = db ? cJSON_GetObjectItemCaseSensitive(db, "candidates") : NULL;
    const cJSON *sa = da ? cJSON_GetObjectItemCaseSensitive(da, "scores") : NULL;
    const cJSON *sb = db ? cJSON_GetObjectItemCaseSensitive(db, "scores") : NULL;
    const cJSON *na = da ? cJSON_GetObjectItemCaseSensitive(da, "counts") : NULL;
    const cJSON *nb = db ? cJSON_GetObjectItemCaseSensitive(db, "counts") : NULL;
    const cJSON *cla = da ? cJSON_GetObjectItemCaseSensitive(da, "clusters") : NULL;
    const cJSON *clb = db ? cJSON_GetObjectItemCaseSensitive(db, "clusters") : NULL;
    int same_cands = ca && cb && cJSON_Compare(ca, cb, 1);
    char line[512];
    if (o->json) {
        etsim_sbuf_puts(b, ",\"selection\":");
        etsim_sbuf_int(b, sel);
        etsim_sbuf_puts(b, ",\"depth\":");
        put_num(b, dv);
        const char *keys[] = {"width", "kv_tokens", "objective", NULL};
        for (int k = 0; keys[k]; k++) {
            etsim_sbuf_puts(b, ",\"");
            etsim_sbuf_puts(b, keys[k]);
            etsim_sbuf_puts(b, "\":[");
            put_num(b, da ? cJSON_GetObjectItemCaseSensitive(da, keys[k]) : NULL);
            etsim_sbuf_putc(b, ',');
            put_num(b, db ? cJSON_GetObjectItemCaseSensitive(db, keys[k]) : NULL);
            etsim_sbuf_putc(b, ']');
        }
        etsim_sbuf_puts(b, ",\"clusters_kept\":[");
        etsim_sbuf_int(b, da ? clusters_kept(da) : -1);
        etsim_sbuf_putc(b, ',');
        etsim_sbuf_int(b, db ? clusters_kept(db) : -1);
        etsim_sbuf_puts(b, "],\"same_candidates\":");
        etsim_sbuf_puts(b, same_cands ? "true" : "false");
        etsim_sbuf_puts(b, ",\"candidates\":[");
        /* rows: A's candidates, then B's not in A */
        int first = 1;
        for (int side = 0; side < 2; side++) {
            const cJSON *list = side ? cb : ca;
            const cJSON *id;
            int i = 0;
            cJSON_ArrayForEach(id, list) {
                int pa = side ? find_pos(ca, id->valuedouble) : i;
                int pb = side ? i : find_pos(cb, id->valuedouble);
                i++;
                if (side && pa >= 0) continue;
                etsim_sbuf_puts(b, first ? "{\"id\":" : ",{\"id\":");
                first = 0;
                put_num(b, id);
                etsim_sbuf_puts(b, ",\"score\":");
                double s = pa >= 0 ? num_at(sa, pa) : num_at(sb, pb);
                if (isfinite(s)) etsim_sbuf_double(b, s);
                else etsim_sbuf_puts(b, "null");
                etsim_sbuf_puts(b, ",\"children\":[");
                etsim_sbuf_int(b, pa >= 0 ? (int64_t)num_at(na, pa) : -1);
                etsim_sbuf_putc(b, ',');
                etsim_sbuf_int(b, pb >= 0 ? (int64_t)num_at(nb, pb) : -1);
                etsim_sbuf_putc(b, ']');
                if (cla || clb) {
                    etsim_sbuf_puts(b, ",\"cluster\":[");
                    etsim_sbuf_int(b, pa >= 0 && cla ? (int64_t)num_at(cla, pa) : -1);
                    etsim_sbuf_putc(b, ',');
                    etsim_sbuf_int(b, pb >= 0 && clb ? (int64_t)num_at(clb, pb) : -1);
                    etsim_sbuf_putc(b, ']');
                }
                etsim_sbuf_putc(b, '}');
            }
        }
        etsim_sbuf_putc(b, ']');
        return;
    }
    if (!da || !db) {
        snprintf(line, sizeof line, "  selection %d (depth %g): only %s made it (%d candidates)\n",
                 sel, depth, da ? "A" : "B", cJSON_GetArraySize(da ? ca : cb));
        etsim_sbuf_puts(b, line);
        return;
    }
    snprintf(line, sizeof line, "  first divergence: selection %d, depth %g, width %g vs %g, %d vs %d candidates%s\n",
             sel, depth, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(da, "width")),
             cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(db, "width")),
             cJSON_GetArraySize(ca), cJSON_GetArraySize(cb),
             same_cands ? " (the same)" : " (candidate lists differ)");
    etsim_sbuf_puts(b, line);
    const cJSON *oa = cJSON_GetObjectItemCaseSensitive(da, "objective");
    const cJSON *ob = cJSON_GetObjectItemCaseSensitive(db, "objective");
    if (oa || ob || cla || clb) {
        char x[40] = "-", y[40] = "-";
        if (cJSON_IsNumber(oa)) etsim_fmt_double(x, oa->valuedouble);
        if (cJSON_IsNumber(ob)) etsim_fmt_double(y, ob->valuedouble);
        const cJSON *ka = cJSON_GetObjectItemCaseSensitive(da, "kept");
        const cJSON *kb = cJSON_GetObjectItemCaseSensitive(db, "kept");
        snprintf(line, sizeof line, "  objective %s vs %s; kept %d vs %d; clusters kept %d vs %d\n", x, y,
                 ka ? cJSON_GetArraySize(ka) : -1, kb ? cJSON_GetArraySize(kb) : -1,
                 clusters_kept(da), clusters_kept(db));
        etsim_sbuf_puts(b, line);
    }
    etsim_sbuf_puts(b, (cla || clb) ? "    node         score  children A  children B  cluster A  cluster B\n"
                                    : "    node         score  children A  children B\n");
    int shown = 0, hidden = 0;
    for (int side = 0; side < 2; side++) {
        const cJSON *list = side ? cb : ca;
        const cJSON *id;
        int i = 0;
        cJSON_ArrayForEach(id, list) {
            int pa = side ? find_pos(ca, id->valuedouble) : i;
            int pb = side ? i : find_pos(cb, id->valuedouble);
            i++;
            if (side && pa >= 0) continue;
            double xa = pa >= 0 ? num_at(na, pa) : NAN, xb = pb >= 0 ? num_at(nb, pb) : NAN;
            double ka = pa >= 0 ? num_at(cla, pa) : NAN, kb = pb >= 0 ? num_at(clb, pb) : NAN;
            int changed = !(xa == xb) || (cla && clb && !((isnan(ka) && isnan(kb)) || ka == kb));
            if (!changed && !o->all_rows) {
                hidden++;
                continue;
            }
            double s = pa >= 0 ? num_at(sa, pa) : num_at(sb, pb);
            char cs[40] = "null", c1[16] = "-", c2[16] = "-", k1[16] = "", k2[16] = "";
            if (isfinite(s)) etsim_fmt_double(cs, s);
            if (!isnan(xa)) snprintf(c1, sizeof c1, "%d", (int)xa);
            if (!isnan(xb)) snprintf(c2, sizeof c2, "%d", (int)xb);
            if (cla || clb) {
                snprintf(k1, sizeof k1, "%d", isnan(ka) ? -1 : (int)ka);
                snprintf(k2, sizeof k2, "%d", isnan(kb) ? -1 : (int)kb);
            }
            snprintf(line, sizeof line, "    %-6d %12s  %10s  %10s  %9s  %9s\n", (int)id->valuedouble, cs,
                     c1, c2, k1, k2);
            etsim_sbuf_puts(b, line);
            shown++;
        }
    }
    if (hidden) {
        snprintf(line, sizeof line, "    (%d more candidates with the same children; --all lists them)\n", hidden);
        etsim_sbuf_puts(b, line);
    }
}

/* Answers of the leaves, as (answer, count) lines where the counts differ. */
typedef struct answer_count {
    const char *answer;
    int a, b;
} answer_count;

static void count_answers(const cJSON *leaves, int side, answer_count **ac, int *n, int64_t *cap) {
    const cJSON *leaf;
    cJSON_ArrayForEach(leaf, leaves) {
        const char *ans = str_of(leaf, "answer");
        if (!ans) ans = "(none)";
        int k = 0;
        while (k < *n && strcmp((*ac)[k].answer, ans)) k++;
        if (k == *n) {
            etsim_grow((void **)ac, cap, *n + 1, sizeof **ac);
            (*ac)[(*n)++] = (answer_count){ans, 0, 0};
        }
        if (side) (*ac)[k].b++;
        else (*ac)[k].a++;
    }
}

static int cmp_str(const void *x, const void *y) {
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* "answer|step_scores" of each leaf, sorted. */
static char **leaf_keys(const cJSON *leaves, int n) {
    char **k = etsim_malloc((size_t)(n > 0 ? n : 1) * sizeof *k);
    int i = 0;
    const cJSON *leaf;
    cJSON_ArrayForEach(leaf, leaves) {
        if (i >= n) break;
        char *x = print_compact(cJSON_GetObjectItemCaseSensitive(leaf, "answer"));
        char *y = print_compact(cJSON_GetObjectItemCaseSensitive(leaf, "step_scores"));
        size_t len = strlen(x) + strlen(y) + 2;
        k[i] = etsim_malloc(len);
        snprintf(k[i], len, "%s|%s", x, y);
        free(x);
        free(y);
        i++;
    }
    qsort(k, (size_t)n, sizeof *k, cmp_str);
    return k;
}

static void report_leaves(const cJSON *pa, const cJSON *pb, int json, etsim_sbuf *b) {
    const cJSON *la = cJSON_GetObjectItemCaseSensitive(pa, "leaves");
    const cJSON *lb = cJSON_GetObjectItemCaseSensitive(pb, "leaves");
    answer_count *ac = NULL;
    int n = 0;
    int64_t cap = 0;
    count_answers(la, 0, &ac, &n, &cap);
    count_answers(lb, 1, &ac, &n, &cap);
    /* leaves changed: (answer, step scores) of one side the other lacks,
     * as multisets: both sides printed, sorted, merged (n log n) */
    int only_a = 0, only_b = 0;
    int n_la = cJSON_GetArraySize(la), n_lb = cJSON_GetArraySize(lb);
    char **ka = leaf_keys(la, n_la), **kb = leaf_keys(lb, n_lb);
    for (int i = 0, j = 0; i < n_la || j < n_lb;) {
        int c = i >= n_la ? 1 : j >= n_lb ? -1 : strcmp(ka[i], kb[j]);
        if (c == 0) i++, j++;
        else if (c < 0) i++, only_a++;
        else j++, only_b++;
    }
    for (int i = 0; i < n_la; i++) free(ka[i]);
    for (int j = 0; j < n_lb; j++) free(kb[j]);
    free(ka);
    free(kb);
    char line[512];
    int n_changed = 0;
    for (int k = 0; k < n; k++) n_changed += ac[k].a != ac[k].b;
    if (json) {
        etsim_sbuf_puts(b, ",\"leaves\":[");
        etsim_sbuf_int(b, cJSON_GetArraySize(la));
        etsim_sbuf_putc(b, ',');
        etsim_sbuf_int(b, cJSON_GetArraySize(lb));
        etsim_sbuf_puts(b, "],\"leaves_only_in\":[");
        etsim_sbuf_int(b, only_a);
        etsim_sbuf_putc(b, ',');
        etsim_sbuf_int(b, only_b);
        etsim_sbuf_puts(b, "],\"answers\":[");
        int first = 1;
        for (int k = 0; k < n; k++) {
            if (ac[k].a == ac[k].b) continue;
            etsim_sbuf_puts(b, first ? "{\"answer\":" : ",{\"answer\":");
            first = 0;
            etsim_sbuf_json_string(b, ac[k].answer);
            etsim_sbuf_puts(b, ",\"count\":[");
            etsim_sbuf_int(b, ac[k].a);
            etsim_sbuf_putc(b, ',');
            etsim_sbuf_int(b, ac[k].b);
            etsim_sbuf_puts(b, "]}");
        }
        etsim_sbuf_putc(b, ']');
    } else {
        snprintf(line, sizeof line, "  leaves %d vs %d (%d only in A, %d only in B)%s\n", cJSON_GetArraySize(la),
                 cJSON_GetArraySize(lb), only_a, only_b, n_changed ? "; answer counts (A -> B):" : "");
        etsim_sbuf_puts(b, line);
        for (int k = 0; k < n; k++) {
            if (ac[k].a == ac[k].b) continue;
            snprintf(line, sizeof line, "    %-40.200s %d -> %d\n", ac[k].answer, ac[k].a, ac[k].b);
            etsim_sbuf_puts(b, line);
        }
    }
    free(ac);
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
            etsim_sbuf_puts(b, first ? "" : ",");
            etsim_sbuf_json_string(b, v->string);
            etsim_sbuf_puts(b, ":[");
            put_num(b, v);
            etsim_sbuf_putc(b, ',');
            put_num(b, w);
            etsim_sbuf_putc(b, ']');
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

/* A problem object: cJSON alone (the strict loader's duplicate-key pass
 * costs more than the parse on 100 kB problems; a result is machine-written). */
static cJSON *parse_problem(const char *text, size_t len, etsim_err *err) {
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!j) etsim_errf(err, "malformed JSON near byte %ld", end ? (long)(end - text) : 0L);
    return j;
}

/* Parse and compare one differing pair. */
/* The value of top-level member `key` of the object text[off, off+len):
 * its byte range, or 0 when absent. */
static int member(const result_file *f, size_t off, size_t len, const char *key, size_t *voff,
                  size_t *vlen, etsim_err *err) {
    const char *s = f->text;
    size_t end = off + len, i = skip_ws(s, end, off + 1), klen = strlen(key);
    while (i < end && s[i] == '"') {
        size_t ke = 0, ve = 0;
        if (skip_string(f, i, &ke, err) < 0) return -1;
        size_t v = skip_ws(s, end, ke);
        if (v >= end || s[v] != ':') return scan_fail(f, v, "':' expected", err);
        v = skip_ws(s, end, v + 1);
        if (skip_value(f, v, &ve, err) < 0) return -1;
        if (ke - i - 2 == klen && !memcmp(s + i + 1, key, klen)) {
            *voff = v;
            *vlen = ve - v;
            return 1;
        }
        i = skip_ws(s, end, ve);
        if (i < end && s[i] == ',') i = skip_ws(s, end, i + 1);
    }
    return 0;
}

/* Byte ranges of the elements of the array text[off, off+len). */
static int elements(const result_file *f, size_t off, size_t len, problem_span **out, int64_t *n,
                    int64_t *cap, etsim_err *err) {
    const char *s = f->text;
    size_t end = off + len, i = skip_ws(s, end, off + 1);
    *n = 0;
    while (i < end && s[i] != ']') {
        size_t e;
        if (skip_value(f, i, &e, err) < 0) return -1;
        etsim_grow((void **)out, cap, *n + 1, sizeof **out);
        (*out)[(*n)++] = (problem_span){i, e - i, 0};
        i = skip_ws(s, end, e);
        if (i < end && s[i] == ',') i = skip_ws(s, end, i + 1);
    }
    return 0;
}

/* Parse member `key` of a problem into dst (absent: nothing added). */
static int add_member(const result_file *f, const problem_span *p, const char *key, cJSON *dst,
                      etsim_err *err) {
    size_t vo, vl;
    int r = member(f, p->off, p->len, key, &vo, &vl, err);
    if (r <= 0) return r;
    cJSON *v = parse_problem(f->text + vo, vl, err);
    if (!v) return etsim_err_prefix(err, "%s:%d: problem %d: field %s", f->path,
                                    etsim_json_line_of(f->text, f->len, vo), p->index, key);
    cJSON_AddItemToObject(dst, key, v);
    return 0;
}

/* Compare one differing pair. Only what is reported is parsed: id,
 * counters, leaves, and the decisions from the first whose bytes differ
 * up to the first that gives other children ("nodes" never). */
static int diff_problem(const result_file *fa, const problem_span *a, const result_file *fb,
                        const problem_span *b_span, int nth, const etsim_diff_opts *o, etsim_sbuf *b,
                        etsim_err *err) {
    int rc = -1;
    cJSON *pa = cJSON_CreateObject(), *pb = cJSON_CreateObject();
    cJSON *x = NULL, *y = NULL, *side_x = NULL, *side_y = NULL;
    problem_span *ea = NULL, *eb = NULL;
    int64_t na = 0, nb = 0, cap_a = 0, cap_b = 0;
    int detail = o->json || o->max_problems <= 0 || nth < o->max_problems;
    if (!detail) {
        rc = 0;
        goto done;
    }
    const char *keys[] = {"id", "counters", "leaves", NULL};
    for (int k = 0; keys[k]; k++)
        if (add_member(fa, a, keys[k], pa, err) < 0 || add_member(fb, b_span, keys[k], pb, err) < 0) goto done;
    size_t da_off, da_len, db_off, db_len;
    int ha = member(fa, a->off, a->len, "decisions", &da_off, &da_len, err);
    int hb = member(fb, b_span->off, b_span->len, "decisions", &db_off, &db_len, err);
    if (ha < 0 || hb < 0) goto done;
    if ((ha && elements(fa, da_off, da_len, &ea, &na, &cap_a, err) < 0) ||
        (hb && elements(fb, db_off, db_len, &eb, &nb, &cap_b, err) < 0))
        goto done;
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
    int64_t sel = 0, side_sel = -1;
    for (; sel < na && sel < nb; sel++) {
        if (ea[sel].len == eb[sel].len && !memcmp(fa->text + ea[sel].off, fb->text + eb[sel].off, ea[sel].len))
            continue;
        if (!(x = parse_problem(fa->text + ea[sel].off, ea[sel].len, err)) ||
            !(y = parse_problem(fb->text + eb[sel].off, eb[sel].len, err))) {
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
    if (sel < na && sel < nb) {
        report_decision(x, y, (int)sel, o, b);
    } else if (sel < na || sel < nb) {
        cJSON *only = sel < na ? parse_problem(fa->text + ea[sel].off, ea[sel].len, err)
                               : parse_problem(fb->text + eb[sel].off, eb[sel].len, err);
        if (!only) goto done;
        report_decision(sel < na ? only : NULL, sel < na ? NULL : only, (int)sel, o, b);
        cJSON_Delete(only);
    } else if (side_x) {
        if (!o->json) {
            char line[160];
            snprintf(line, sizeof line, "  the %lld selections give the same children; from selection %lld on "
                     "the ETS fields differ:\n", (long long)na, (long long)side_sel);
            etsim_sbuf_puts(b, line);
        }
        report_decision(side_x, side_y, (int)side_sel, o, b);
    } else if (o->json) {
        etsim_sbuf_puts(b, ",\"selection\":null");
    } else {
        char line[160];
        snprintf(line, sizeof line, "  the %lld selections agree\n", (long long)na);
        etsim_sbuf_puts(b, line);
    }
    report_counters(pa, pb, o->json, b);
    report_leaves(pa, pb, o->json, b);
    if (o->json) etsim_sbuf_putc(b, '}');
    rc = 0;
done:
    cJSON_Delete(pa);
    cJSON_Delete(pb);
    cJSON_Delete(x);
    cJSON_Delete(y);
    cJSON_Delete(side_x);
    cJSON_Delete(side_y);
    free(ea);
    free(eb);
    return rc;
}

static const problem_span *find_span(const result_file *f, int64_t hint, int32_t index) {
    if (hint >= 0 && hint < f->n_problems && f->problems[hint].index == index) return &f->problems[hint];
    for (int64_t i = 0; i < f->n_problems; i++)
        if (f->problems[i].index == index) return &f->problems[i];
    return NULL;
}

static void header_line(etsim_sbuf *b, const char *tag, const result_file *f) {
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
    result_file fa = {0}, fb = {0};
    etsim_sbuf b = {0}, body = {0};
    int rc = -1;
    if (scan_result(&fa, path_a, err) < 0 || scan_result(&fb, path_b, err) < 0) goto done;
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
        const problem_span *a = &fa.problems[i], *bs = find_span(&fb, i, a->index);
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
        if (!find_span(&fa, i, fb.problems[i].index)) only_b++;
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
    result_file_free(&fa);
    result_file_free(&fb);
    return rc;
}
