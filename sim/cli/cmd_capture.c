/* cmd_capture.c -- `etsim capture`: record a covering trace from live model
 * servers (traces/capture/capture.h), resume an interrupted one, or measure the
 * HTTP client (--bench). Ctrl-C stops after the requests in flight, keeping
 * every finished problem for --resume. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_progress.h"
#include "sim/cli/shard.h"
#include "traces/capture/bench.h"
#include "traces/capture/capture.h"
#include "traces/capture/verify.h"

static void usage(FILE *fp) {
    fprintf(fp,
        "usage: etsim capture --config CAPTURE.json [options]\n"
        "       etsim capture --bench\n"
        "Record one trace holding the union of the children that every selector\n"
        "configuration of the config asks for (see traces/CAPTURE.md).\n"
        "  --config FILE       capture configuration (JSON)\n"
        "  --out FILE          output trace (default: the config's \"out\")\n"
        "  --resume            continue an interrupted capture: keep its finished\n"
        "                      problems, redo the rest\n"
        "  --results DIR       also write each configuration's live decisions as\n"
        "                      DIR/<name>.json (the format of etsim replay --out)\n"
        "  --synthetic [P]     use the synthetic model instead of servers (no\n"
        "                      network; shows what a covering trace saves)\n"
        "  --rounds            with --synthetic: step the configurations together in\n"
        "                      rounds of merged requests, as with servers (same\n"
        "                      decisions; nodes numbered in request order)\n"
        "  --verify            when done, replay the trace with every configuration\n"
        "                      and compare with the live decisions (byte for byte);\n"
        "                      report duplicate siblings, zero-token and unscored\n"
        "                      children\n"
        "  --shard i/n         capture only shard i of n of the problem range (a\n"
        "                      contiguous slice; join the shards' traces with\n"
        "                      `etsim trace merge`); auto or auto/N: from a Slurm job\n"
        "                      array or a Kubernetes Indexed Job (see etsim sweep --help)\n"
        "  --quiet             no progress line\n"
        "  --bench             measure client overhead against a loopback server\n"
        "  --coverage TRACE    replay each configuration of --config over TRACE with\n"
        "                      missing children truncated: what fraction of its\n"
        "                      requests the trace answers\n");
}

static volatile sig_atomic_t stop_requested;

static void on_sigint(int sig) {
    (void)sig;
    stop_requested = 1;
    signal(SIGINT, SIG_DFL); /* a second Ctrl-C ends the process at once */
}

static void fmt_eta(char *buf, size_t n, double s) {
    if (s < 0) {
        snprintf(buf, n, "--");
        return;
    }
    long t = (long)(s + 0.5);
    snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

static void draw_progress(void *ctx, const etsim_capture_progress *p) {
    (void)ctx;
    char eta[32];
    fmt_eta(eta, sizeof eta, p->eta_s);
    fprintf(stderr, "\rcapture: %d/%d problems", p->done, p->total);
    if (p->resumed) fprintf(stderr, " (%d resumed)", p->resumed);
    fprintf(stderr, ", %.1f req/s, %.0f tok/s, ETA %s   ", p->req_per_s, p->tok_per_s, eta);
    fflush(stderr);
}

static void print_report(const etsim_capture_report *r) {
    if (r->already_complete) {
        printf("capture: %s is already complete (%d problems); nothing to redo\n", r->out,
               r->resumed);
        printf("problems: %d reused, 0 computed\n", r->resumed);
        return;
    }
    if (r->restarted == 1)
        printf("capture: the interrupted run had finished no problem; started afresh\n");
    if (r->restarted == 2)
        printf("capture: nothing to resume (no partial file of %s); started afresh\n", r->out);
    printf("capture: %d problems written to %s", r->written, r->out);
    if (r->resumed) printf(" (%d kept from the interrupted run)", r->resumed);
    printf(" in %.1f s\n", r->seconds);
    printf("problems: %d reused, %d computed\n", r->resumed, r->written);
    int64_t sum = 0;
    for (int c = 0; c < r->n_configs; c++) sum += r->config_nodes[c];
    printf("nodes: union %lld, sum over %d configurations %lld", (long long)r->union_nodes,
           r->n_configs, (long long)sum);
    if (sum > 0) printf(" (the covering trace holds %.1f%% of the sum)", 100.0 * r->union_nodes / sum);
    printf("\n");
    for (int c = 0; c < r->n_configs; c++)
        printf("  %-24s %lld nodes, %lld selections, %lld ILP solves\n", r->config_names[c],
               (long long)r->config_nodes[c], (long long)r->config_selections[c],
               (long long)r->config_ilp_solves[c]);
    const etsim_live_counts *k = &r->counts;
    if (k->policy_requests) {
        printf("requests: policy %lld, prm %lld, embed %lld, tokenize %lld; %lld answered, "
               "%lld retried\n",
               (long long)k->policy_requests, (long long)k->prm_requests,
               (long long)k->embed_requests, (long long)k->tokenize_requests,
               (long long)r->http.requests, (long long)r->http.retries);
        printf("children: %lld (%lld tokens); no PRM score (dropped) %lld, label outside "
               "top-k %lld, short replies %lld, repaired UTF-8 bytes %lld, cut at max step "
               "tokens %lld, ended by EOS %lld\n",
               (long long)k->children, (long long)k->tokens, (long long)k->prm_no_score,
               (long long)k->prm_label_clipped, (long long)k->short_replies,
               (long long)k->invalid_utf8, (long long)k->maxlen, (long long)k->eos);
    }
}

/* --verify after a finished capture: exit status 0 when every
 * configuration's replay agrees with the live run. */
static int run_verify(const etsim_capture_opts *o, const etsim_capture_report *r) {
    etsim_verify_report v;
    etsim_err err = {{0}};
    if (etsim_capture_verify(o->config_path, r->out, o->results_dir, &v, &err) < 0)
        return etsim_cli_fail(1, "verify: %s", err.msg);
    int rc = 0;
    if (v.first_differing) {
        rc = etsim_cli_fail(1, "verify: %s: configuration %s: the offline replay differs from the "
                               "live decisions (byte %lld after \"problems\"); %d of %d agree",
                            r->out, v.first_differing, (long long)v.differ_at, v.agree, v.configs);
    } else {
        printf("verify: %d configurations replayed from %s: every decision agrees with the live "
               "run byte for byte\n", v.configs, r->out);
    }
    printf("verify: %lld children; duplicate siblings %lld, zero-token children %lld, unscored "
           "children %lld\n", (long long)v.nodes, (long long)v.duplicate_siblings,
           (long long)v.zero_token_children, (long long)v.unscored_children);
    etsim_verify_report_free(&v);
    return rc;
}

/* Remove --verify's temporary results directory. */
static void remove_results(const char *dir, const etsim_capture_report *r) {
    for (int c = 0; c < r->n_configs; c++) {
        size_t n = strlen(dir) + strlen(r->config_names[c]) + 8;
        char *p = malloc(n);
        if (!p) continue;
        snprintf(p, n, "%s/%s.json", dir, r->config_names[c]);
        remove(p);
        free(p);
    }
    rmdir(dir);
}

int etsim_cmd_capture(int argc, char **argv) {
    etsim_capture_opts o;
    memset(&o, 0, sizeof o);
    int quiet = 0, bench = 0, verify = 0;
    const char *coverage = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--config") && i + 1 < argc) {
            o.config_path = argv[++i];
        } else if (!strcmp(a, "--out") && i + 1 < argc) {
            o.out = argv[++i];
        } else if (!strcmp(a, "--results") && i + 1 < argc) {
            o.results_dir = argv[++i];
        } else if (!strcmp(a, "--resume")) {
            o.resume = 1;
        } else if (!strcmp(a, "--synthetic")) {
            o.synthetic = "default";
            if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) o.synthetic = argv[++i];
        } else if (!strcmp(a, "--rounds")) {
            o.rounds = 1;
        } else if (!strcmp(a, "--verify")) {
            verify = 1;
        } else if (!strcmp(a, "--shard") && i + 1 < argc) {
            etsim_err serr = {{0}};
            if (etsim_cli_shard_parse(argv[++i], &o.shard_i, &o.shard_n, &serr) < 0)
                return etsim_cli_fail(2, "capture: %s", serr.msg);
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--coverage") && i + 1 < argc) {
            coverage = argv[++i];
        } else if (!strcmp(a, "--bench")) {
            bench = 1;
        } else {
            fprintf(stderr, "etsim capture: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    etsim_err err = {{0}};
    if (bench) {
        if (etsim_live_bench(stdout, &err) < 0) return etsim_cli_fail(1, "%s", err.msg);
        return 0;
    }
    if (!o.config_path) return etsim_cli_fail(2, "capture: --config is required");
    if (coverage) {
        etsim_coverage_row *rows;
        int n;
        if (etsim_capture_coverage(o.config_path, coverage, &rows, &n, &err) < 0)
            return etsim_cli_fail(1, "%s", err.msg);
        printf("%-24s %12s %12s %9s\n", "configuration", "requested", "answered", "fraction");
        for (int i = 0; i < n; i++)
            printf("%-24s %12lld %12lld %8.2f%%\n", rows[i].name, (long long)rows[i].requested,
                   (long long)rows[i].answered,
                   rows[i].requested ? 100.0 * rows[i].answered / rows[i].requested : 100.0);
        etsim_capture_coverage_free(rows, n);
        return 0;
    }
    char tmpdir[] = "/tmp/etsim-verify-XXXXXX";
    int own_results = 0;
    if (verify) {
        if (o.resume)
            return etsim_cli_fail(2, "capture: --verify compares a whole run's live decisions; after "
                                     "--resume they cover only the resumed problems (verify the "
                                     "finished trace by rerunning with --results into a new --out)");
        if (!o.results_dir) {
            if (!mkdtemp(tmpdir)) return etsim_cli_fail(1, "capture: --verify: cannot create %s", tmpdir);
            o.results_dir = tmpdir;
            own_results = 1;
        }
    }
    o.stop = &stop_requested;
    if (!quiet && etsim_cli_progress_wanted()) o.progress = draw_progress;
    o.test_kill_at = getenv("ETSIM_TEST_KILL_AT");
    o.test_stop_at = getenv("ETSIM_TEST_STOP_AT");
    signal(SIGINT, on_sigint);
    etsim_capture_report rep;
    int rc = etsim_capture_run(&o, &rep, &err);
    signal(SIGINT, SIG_DFL);
    if (o.progress) fputc('\n', stderr);
    if (rc < 0) {
        fprintf(stderr, "etsim: %s%s\n", err.msg,
                rep.partial_kept ? " (finished problems are kept: rerun with --resume)" : "");
        if (own_results) remove_results(tmpdir, &rep);
        etsim_capture_report_free(&rep);
        return 1;
    }
    if (rc == 1) {
        fprintf(stderr, "etsim: capture interrupted after %d problems; continue with --resume\n",
                rep.written + rep.resumed);
        if (own_results) remove_results(tmpdir, &rep);
        etsim_capture_report_free(&rep);
        return 1;
    }
    print_report(&rep);
    int vrc = verify ? run_verify(&o, &rep) : 0;
    if (own_results) remove_results(tmpdir, &rep);
    etsim_capture_report_free(&rep);
    return vrc;
}
