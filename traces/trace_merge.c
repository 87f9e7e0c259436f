/* trace_merge.c -- join traces holding slices of one problem set
 * (trace_merge.h).
 *
 * How it works. Every input is opened through the reader (so a partial
 * file, a torn record or a bad index fails here, naming its file) and its
 * header is compared with the first input's, field by field. The inputs'
 * indices are then walked together like the runs of a merge sort: each
 * step takes the smallest problem index at the head of any input. A first
 * walk over the indices only counts (problems, problems in several inputs),
 * so the header, which comes first in the file, can be written with the
 * final problem count and settings. The second walk loads each problem
 * from the first input that holds it and appends it to one trace writer;
 * when other inputs hold it too, their decompressed records must equal
 * its byte for byte. The writer recomputes the index, the counters and
 * the longest path, and renames the finished file onto `out`. */
#include <stdlib.h>
#include <string.h>

#include "traces/trace_internal.h"
#include "traces/trace_merge.h"

static const char *or_unknown(const char *s) { return s ? s : "(absent)"; }

static int str_differs(const char *a, const char *b) {
    return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

/* The header of `b` against the first input's `a`: 0, or -1 naming the
 * field. */
static int headers_agree(const etsim_trace *a, const etsim_trace *b, etsim_err *err) {
    const etsim_meta *x = etsim_trace_meta(a), *y = etsim_trace_meta(b);
    const struct {
        const char *name, *x, *y;
    } strs[] = {
        {"dataset", x->dataset, y->dataset},
        {"policy_model", x->policy_model, y->policy_model},
        {"prm_model", x->prm_model, y->prm_model},
        {"embed_model", x->embed_model, y->embed_model},
        {"tokenizer", x->tokenizer, y->tokenizer},
        {"step_delimiter", x->step_delimiter, y->step_delimiter},
        {"answer_format", x->answer_format, y->answer_format},
        {"embed_encoding", x->emb_dim ? x->embed_encoding : NULL,
         y->emb_dim ? y->embed_encoding : NULL},
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (str_differs(strs[i].x, strs[i].y))
            return etsim_errf(err, "%s: header field %s is \"%s\" but %s has \"%s\"",
                              etsim_trace_name(b), strs[i].name, or_unknown(strs[i].y),
                              etsim_trace_name(a), or_unknown(strs[i].x));
    if (x->emb_dim != y->emb_dim)
        return etsim_errf(err, "%s: header field emb_dim is %d but %s has %d", etsim_trace_name(b),
                          y->emb_dim, etsim_trace_name(a), x->emb_dim);
    if (!x->tokens_estimated != !y->tokens_estimated)
        return etsim_errf(err, "%s: header field tokens_estimated is %s but %s has %s",
                          etsim_trace_name(b), y->tokens_estimated ? "true" : "false",
                          etsim_trace_name(a), x->tokens_estimated ? "true" : "false");
    return 0;
}

/* The settings every input must share when no merge rule is given. */
static char *settings_identical(etsim_trace **tr, int n, etsim_err *err) {
    const char *s0 = etsim_trace_meta(tr[0])->settings_json;
    for (int i = 1; i < n; i++) {
        const char *s = etsim_trace_meta(tr[i])->settings_json;
        if (str_differs(s0, s)) {
            etsim_errf(err, "%s: header field settings differs from %s's", etsim_trace_name(tr[i]),
                       etsim_trace_name(tr[0]));
            return NULL;
        }
    }
    return s0 ? etsim_strdup(s0) : NULL;
}

/* The next problem of the walk: the smallest index at any input's head
 * (pos[i] is input i's next position); -1 when every input is done. */
static int32_t next_problem(etsim_trace **tr, const int32_t *pos, int n) {
    int32_t best = -1;
    for (int i = 0; i < n; i++) {
        if (pos[i] >= etsim_trace_n_problems(tr[i])) continue;
        int32_t p = etsim_trace_entry_at(tr[i], pos[i])->problem;
        if (best < 0 || p < best) best = p;
    }
    return best;
}

/* Problem record `k` of `tr`, decompressed into s->raw. */
static int read_raw(const etsim_trace *tr, int32_t k, etsim_trace_scratch *s, tr_rec *rec,
                    etsim_err *err) {
    const etsim_trace_entry *e = etsim_trace_entry_at(tr, k);
    char what[48];
    snprintf(what, sizeof what, "problem %d", k);
    return tr_read_record(tr, e->offset, e->offset + e->record_len, 'P', what, s, rec, err);
}

int etsim_trace_merge(const char *out, const char *const *inputs, int n,
                      const etsim_trace_merge_opts *opts, etsim_trace_merge_report *rep,
                      etsim_err *err) {
    etsim_trace **tr = etsim_calloc((size_t)(n > 0 ? n : 1), sizeof *tr);
    int32_t *pos = etsim_calloc((size_t)(n > 0 ? n : 1), sizeof *pos);
    const char **settings = etsim_calloc((size_t)(n > 0 ? n : 1), sizeof *settings);
    etsim_trace_scratch *sa = etsim_trace_scratch_new(), *sb = etsim_trace_scratch_new();
    etsim_trace_writer *w = NULL;
    etsim_meta meta;
    etsim_tree t;
    int rc = -1;
    memset(&meta, 0, sizeof meta);
    memset(rep, 0, sizeof *rep);
    etsim_tree_init(&t, 0);
    if (n < 1) {
        etsim_errf(err, "%s: no input traces to merge", out);
        goto done;
    }
    for (int i = 0; i < n; i++) {
        if (!(tr[i] = etsim_trace_open(inputs[i], err))) goto done;
        if (i && headers_agree(tr[0], tr[i], err) < 0) goto done;
        settings[i] = etsim_trace_meta(tr[i])->settings_json;
    }
    /* First walk: count, so the header can be final. */
    int32_t distinct = 0, dups = 0;
    for (int32_t p; (p = next_problem(tr, pos, n)) >= 0;) {
        int holders = 0;
        for (int i = 0; i < n; i++)
            if (pos[i] < etsim_trace_n_problems(tr[i]) &&
                etsim_trace_entry_at(tr[i], pos[i])->problem == p) {
                pos[i]++;
                holders++;
            }
        distinct++;
        dups += holders > 1;
    }
    etsim_meta_copy(&meta, etsim_trace_meta(tr[0]));
    free(meta.settings_json);
    meta.settings_json = NULL;
    err->msg[0] = 0;
    if (opts && opts->settings_merge)
        meta.settings_json =
            opts->settings_merge(opts->settings_ctx, settings, inputs, n, dups > 0, err);
    else
        meta.settings_json = settings_identical(tr, n, err);
    if (!meta.settings_json && err->msg[0]) goto done;
    meta.n_problems = distinct;
    w = etsim_trace_writer_open(out, &meta, opts ? opts->zstd_level : 0, err);
    if (!w) goto done;
    /* Second walk: copy each problem once, compare the other copies. */
    memset(pos, 0, (size_t)n * sizeof *pos);
    for (int32_t p; (p = next_problem(tr, pos, n)) >= 0;) {
        int first = -1;
        tr_rec ra, rb;
        for (int i = 0; i < n; i++) {
            if (pos[i] >= etsim_trace_n_problems(tr[i]) ||
                etsim_trace_entry_at(tr[i], pos[i])->problem != p)
                continue;
            if (first < 0) {
                first = i;
                if (etsim_trace_load(tr[i], pos[i], &t, sa, err) < 0 ||
                    etsim_trace_writer_add(w, &t, err) < 0)
                    goto done;
                rep->nodes += t.n_nodes;
            } else {
                if (read_raw(tr[first], pos[first] - 1, sa, &ra, err) < 0 ||
                    read_raw(tr[i], pos[i], sb, &rb, err) < 0)
                    goto done;
                if (ra.raw_len != rb.raw_len || memcmp(sa->raw, sb->raw, ra.raw_len) != 0) {
                    etsim_errf(err, "problem %d is in %s and in %s with different contents: "
                                    "not shards of one capture", p, inputs[first], inputs[i]);
                    goto done;
                }
            }
            pos[i]++;
        }
    }
    rep->problems = distinct;
    rep->duplicates = dups;
    rc = etsim_trace_writer_finish(w, err);
    w = NULL;
done:
    etsim_trace_writer_abort(w);
    etsim_tree_free(&t);
    etsim_meta_free(&meta);
    etsim_trace_scratch_free(sa);
    etsim_trace_scratch_free(sb);
    for (int i = 0; i < n; i++) etsim_trace_close(tr[i]);
    free(tr);
    free(pos);
    free(settings);
    return rc;
}
