/* cmd_inspect.c -- `etsim inspect FILE`: a trace's header and statistics.
 *
 * Every problem is loaded (so inspect also validates the whole file: any
 * bad frame is reported as one line and exit 1) and counted: problems,
 * nodes, leaves, texts, answers, embeddings, tokens, the depth histogram
 * (nodes per depth), the branching histogram (nodes per number of
 * children), and bytes per node, total and per column (each column's
 * bytes compressed alone, which is what it costs inside the frame give or
 * take zstd's shared context). --json writes the same as one JSON object. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_progress.h"
#include "sim/cli/commands.h"
#include "traces/trace.h"

static void usage(FILE *fp) {
    fprintf(fp,
        "usage: etsim inspect [--json] [--scan] [--no-columns] FILE\n"
        "  Print a trace's header and statistics: problems, nodes, depth and\n"
        "  branching histograms, bytes per node (total and per column). Reads and\n"
        "  validates every problem; a damaged file gives one error line, exit 1.\n"
        "  --json        one JSON object on stdout instead of text\n"
        "  --scan        open a file without index (an interrupted capture) by\n"
        "                scanning its frames; reports what would be kept\n"
        "  --no-columns  skip the per-column byte accounting (faster)\n");
}

typedef struct stats {
    int64_t nodes, leaves, scored, texts, answers, embs, tokens;
    int32_t min_nodes, max_nodes, max_cum_tokens;
    int64_t *depth;          /* nodes per depth        */
    int64_t n_depth, cap_depth;
    int64_t *branch;         /* nodes per child count  */
    int64_t n_branch, cap_branch;
    int64_t raw[ETSIM_TRACE_NCOLS], comp[ETSIM_TRACE_NCOLS];
} stats;

static void bump(int64_t **h, int64_t *n, int64_t *cap, int64_t at) {
    if (at >= *n) {
        etsim_grow((void **)h, cap, at + 1, sizeof **h);
        memset(*h + *n, 0, (size_t)(at + 1 - *n) * sizeof **h);
        *n = at + 1;
    }
    (*h)[at]++;
}

static void count_tree(stats *st, const etsim_tree *t) {
    st->nodes += t->n_nodes;
    if (st->min_nodes == 0 || t->n_nodes < st->min_nodes) st->min_nodes = t->n_nodes;
    if (t->n_nodes > st->max_nodes) st->max_nodes = t->n_nodes;
    for (int32_t i = 0; i < t->n_nodes; i++) {
        const etsim_node *n = &t->nodes[i];
        st->leaves += (n->flags & ETSIM_NODE_LEAF) != 0;
        st->scored += (n->flags & ETSIM_NODE_SCORED) != 0;
        st->texts += n->text_off >= 0;
        st->answers += n->answer_off >= 0;
        st->embs += n->emb_row >= 0;
        st->tokens += n->step_tokens;
        if (n->cum_tokens > st->max_cum_tokens) st->max_cum_tokens = n->cum_tokens;
        bump(&st->depth, &st->n_depth, &st->cap_depth, n->depth);
        bump(&st->branch, &st->n_branch, &st->cap_branch, n->n_kids);
    }
}

static const char *or_dash(const char *s) { return s ? s : "-"; }

static void print_text(const etsim_trace *tr, const stats *st, int columns) {
    const etsim_meta *m = etsim_trace_meta(tr);
    int64_t bytes = etsim_trace_file_bytes(tr);
    double pn = st->nodes ? 1.0 / (double)st->nodes : 0;
    printf("file            %s\n", etsim_trace_name(tr));
    printf("format          etsim trace v%d%s\n", ETSIM_TRACE_VERSION,
           etsim_trace_has_index(tr) ? "" : " (no index: recovered by scanning)");
    if (!etsim_trace_has_index(tr))
        printf("dropped         %lld bytes after the last complete problem\n",
               (long long)etsim_trace_dropped_bytes(tr));
    printf("dataset         %s\n", or_dash(m->dataset));
    printf("policy model    %s\n", or_dash(m->policy_model));
    printf("prm model       %s\n", or_dash(m->prm_model));
    printf("embed model     %s\n", or_dash(m->embed_model));
    printf("tokenizer       %s%s\n", or_dash(m->tokenizer),
           m->tokens_estimated ? " (token counts estimated)" : "");
    printf("step delimiter  ");
    for (const char *c = m->step_delimiter ? m->step_delimiter : "-"; *c; c++)
        if (*c == '\n') printf("\\n");
        else putchar(*c);
    printf("\nanswer format   %s\n", or_dash(m->answer_format));
    printf("embeddings      %d-d %s\n", m->emb_dim, m->emb_dim ? or_dash(m->embed_encoding) : "(none)");
    if (m->has_longest_path)
        printf("longest path    %d steps, %d tokens (%d without the prompt)\n", m->longest_steps,
               m->longest_tokens, m->longest_step_tokens);
    else
        printf("longest path    - (not recorded: a trace written before etsim recorded it)\n");
    const char *set = m->settings_json ? m->settings_json : "{}";
    if (strlen(set) > 200) printf("settings        %.200s... (--json shows all)\n", set);
    else printf("settings        %s\n", set);
    printf("problems        %d", etsim_trace_n_problems(tr));
    if (etsim_trace_problems_planned(tr)) printf(" (of %d planned)", etsim_trace_problems_planned(tr));
    printf("\nnodes           %lld (per problem: min %d, mean %.1f, max %d)\n", (long long)st->nodes,
           st->min_nodes, etsim_trace_n_problems(tr) ? (double)st->nodes / etsim_trace_n_problems(tr) : 0.0,
           st->max_nodes);
    printf("leaves          %lld\nscored          %lld\n", (long long)st->leaves, (long long)st->scored);
    printf("step texts      %lld\nanswers         %lld\nembeddings      %lld\n", (long long)st->texts,
           (long long)st->answers, (long long)st->embs);
    printf("step tokens     %lld (mean %.1f per node; longest path %d)\n", (long long)st->tokens,
           (double)st->tokens * pn, st->max_cum_tokens);
    printf("bytes           %lld (%.2f per node)\n", (long long)bytes, (double)bytes * pn);
    if (columns) {
        printf("columns         raw B/node, compressed alone B/node\n");
        for (int j = 0; j < ETSIM_TRACE_NCOLS; j++)
            printf("  %-13s %8.2f %8.2f\n", etsim_trace_col_names[j], (double)st->raw[j] * pn,
                   (double)st->comp[j] * pn);
    }
    printf("depth histogram (depth: nodes)\n");
    for (int64_t d = 0; d < st->n_depth; d++)
        printf("%s%3lld: %lld", d % 6 ? "  " : (d ? "\n  " : "  "), (long long)d,
               (long long)st->depth[d]);
    printf("\nbranching histogram (children: nodes)\n");
    int col = 0;
    for (int64_t k = 0; k < st->n_branch; k++) {
        if (!st->branch[k]) continue;
        printf("%s%3lld: %lld", col % 6 ? "  " : (col ? "\n  " : "  "), (long long)k,
               (long long)st->branch[k]);
        col++;
    }
    printf("\n");
}

static int print_json(const etsim_trace *tr, const stats *st, int columns) {
    const etsim_meta *m = etsim_trace_meta(tr);
    cJSON *o = cJSON_CreateObject(), *h = cJSON_CreateObject();
    double pn = st->nodes ? 1.0 / (double)st->nodes : 0;
    cJSON_AddStringToObject(o, "file", etsim_trace_name(tr));
    cJSON_AddNumberToObject(o, "format_version", ETSIM_TRACE_VERSION);
    cJSON_AddBoolToObject(o, "has_index", etsim_trace_has_index(tr));
    cJSON_AddNumberToObject(o, "dropped_bytes", (double)etsim_trace_dropped_bytes(tr));
#define HS(f) if (m->f) cJSON_AddStringToObject(h, #f, m->f);
    HS(dataset) HS(policy_model) HS(prm_model) HS(embed_model) HS(tokenizer) HS(step_delimiter)
    HS(answer_format) HS(embed_encoding)
#undef HS
    cJSON_AddNumberToObject(h, "emb_dim", m->emb_dim);
    cJSON_AddBoolToObject(h, "tokens_estimated", m->tokens_estimated != 0);
    if (m->has_longest_path) {
        cJSON *lp = cJSON_AddObjectToObject(h, "longest_path");
        cJSON_AddNumberToObject(lp, "steps", m->longest_steps);
        cJSON_AddNumberToObject(lp, "tokens", m->longest_tokens);
        cJSON_AddNumberToObject(lp, "step_tokens", m->longest_step_tokens);
    }
    if (etsim_trace_problems_planned(tr))
        cJSON_AddNumberToObject(h, "problems_planned", etsim_trace_problems_planned(tr));
    if (m->settings_json) cJSON_AddItemToObject(h, "settings", cJSON_Parse(m->settings_json));
    cJSON_AddItemToObject(o, "header", h);
    cJSON_AddNumberToObject(o, "problems", etsim_trace_n_problems(tr));
    cJSON_AddNumberToObject(o, "nodes", (double)st->nodes);
    cJSON *npp = cJSON_AddObjectToObject(o, "nodes_per_problem");
    cJSON_AddNumberToObject(npp, "min", st->min_nodes);
    cJSON_AddNumberToObject(npp, "mean", etsim_trace_n_problems(tr)
                                             ? (double)st->nodes / etsim_trace_n_problems(tr) : 0);
    cJSON_AddNumberToObject(npp, "max", st->max_nodes);
    cJSON_AddNumberToObject(o, "leaves", (double)st->leaves);
    cJSON_AddNumberToObject(o, "scored", (double)st->scored);
    cJSON_AddNumberToObject(o, "texts", (double)st->texts);
    cJSON_AddNumberToObject(o, "answers", (double)st->answers);
    cJSON_AddNumberToObject(o, "embeddings", (double)st->embs);
    cJSON_AddNumberToObject(o, "step_tokens", (double)st->tokens);
    cJSON_AddNumberToObject(o, "max_cum_tokens", st->max_cum_tokens);
    cJSON *dh = cJSON_AddArrayToObject(o, "depth_histogram");
    for (int64_t d = 0; d < st->n_depth; d++)
        cJSON_AddItemToArray(dh, cJSON_CreateNumber((double)st->depth[d]));
    cJSON *bh = cJSON_AddArrayToObject(o, "branching_histogram");
    for (int64_t k = 0; k < st->n_branch; k++) {
        if (!st->branch[k]) continue;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "children", (double)k);
        cJSON_AddNumberToObject(e, "nodes", (double)st->branch[k]);
        cJSON_AddItemToArray(bh, e);
    }
    cJSON *b = cJSON_AddObjectToObject(o, "bytes");
    cJSON_AddNumberToObject(b, "file", (double)etsim_trace_file_bytes(tr));
    cJSON_AddNumberToObject(b, "per_node", (double)etsim_trace_file_bytes(tr) * pn);
    if (columns) {
        cJSON *c = cJSON_AddObjectToObject(b, "columns");
        for (int j = 0; j < ETSIM_TRACE_NCOLS; j++) {
            cJSON *e = cJSON_AddObjectToObject(c, etsim_trace_col_names[j]);
            cJSON_AddNumberToObject(e, "raw", (double)st->raw[j]);
            cJSON_AddNumberToObject(e, "compressed_alone", (double)st->comp[j]);
            cJSON_AddNumberToObject(e, "raw_per_node", (double)st->raw[j] * pn);
            cJSON_AddNumberToObject(e, "compressed_per_node", (double)st->comp[j] * pn);
        }
    }
    char *s = cJSON_Print(o);
    cJSON_Delete(o);
    if (!s) return -1;
    puts(s);
    free(s);
    return 0;
}

int etsim_cmd_inspect(int argc, char **argv) {
    const char *file = NULL;
    int json = 0, scan = 0, columns = 1, rc = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--scan")) {
            scan = 1;
        } else if (!strcmp(a, "--no-columns")) {
            columns = 0;
        } else if (a[0] == '-' && a[1]) {
            return etsim_cli_fail(2, "inspect: unknown option '%s' (see etsim inspect --help)", a);
        } else if (file) {
            return etsim_cli_fail(2, "inspect: one FILE only (got '%s' and '%s')", file, a);
        } else {
            file = a;
        }
    }
    if (!file) return etsim_cli_fail(2, "inspect: no FILE given (see etsim inspect --help)");

    etsim_err err = {{0}};
    etsim_trace *tr = etsim_trace_open_ex(file, scan ? ETSIM_TRACE_SCAN : 0, 0, &err);
    if (!tr) return etsim_cli_fail(1, "%s", err.msg);
    stats st;
    memset(&st, 0, sizeof st);
    etsim_trace_scratch *s = etsim_trace_scratch_new();
    etsim_tree t;
    etsim_tree_init(&t, 0);
    etsim_progress pr;
    int32_t np = etsim_trace_n_problems(tr);
    etsim_progress_start(&pr, "inspect", np, etsim_cli_progress(), NULL);
    for (int32_t k = 0; k < np; k++) {
        int64_t raw[ETSIM_TRACE_NCOLS], comp[ETSIM_TRACE_NCOLS];
        if (etsim_trace_load(tr, k, &t, s, &err) < 0 ||
            (columns && etsim_trace_columns(tr, k, s, 0, raw, comp, &err) < 0)) {
            etsim_progress_finish(&pr);
            etsim_cli_fail(1, "%s", err.msg);
            goto out;
        }
        count_tree(&st, &t);
        for (int j = 0; columns && j < ETSIM_TRACE_NCOLS; j++) {
            st.raw[j] += raw[j];
            st.comp[j] += comp[j];
        }
        etsim_progress_add(&pr, 1);
    }
    etsim_progress_finish(&pr);
    etsim_trace_counters c;
    etsim_trace_counters_get(tr, &c);
    if (c.n_nodes != st.nodes || c.n_leaves != st.leaves || c.n_scored != st.scored ||
        c.n_text != st.texts || c.n_answer != st.answers || c.n_emb != st.embs) {
        etsim_cli_fail(1, "%s: index: counters disagree with the problems (nodes %lld vs %lld, "
                       "leaves %lld vs %lld)", file, (long long)c.n_nodes, (long long)st.nodes,
                       (long long)c.n_leaves, (long long)st.leaves);
        goto out;
    }
    if (json ? print_json(tr, &st, columns) < 0 : (print_text(tr, &st, columns), 0)) {
        etsim_cli_fail(1, "inspect: cannot format the output");
        goto out;
    }
    rc = fflush(stdout) == 0 ? 0 : 1;
out:
    etsim_tree_free(&t);
    etsim_trace_scratch_free(s);
    etsim_trace_close(tr);
    free(st.depth);
    free(st.branch);
    return rc;
}
