/* cmd_bench.c -- `etsim bench`: the figures the README reports, measured on
 * this machine. Each part runs the real CLI as a child process (so timing
 * and peak memory are those a user sees) and prints one table row.
 *   replay       synthetic replay speed (problems, width, selector, threads)
 *   determinism  result files byte-identical across thread counts and runs
 *   memory       peak RSS for growing problem counts (must stay flat)
 *   trace-io     trace write/read speed and bytes per node (traces/)
 *   select       one ETS selection step at 64..1024 candidates (selectors/)
 *   grade        grading 1M answer pairs (sim/eval/)
 *   capture      HTTP client overhead against an instant loopback server
 *   paper        (only when asked) a paper run's selectors side by side at
 *                widths 16 / 64 / 256, each run's CPU time split into the
 *                oracle, the selector (ETS: clustering, exact solver, GLPK,
 *                its tie rule), grading and writing, the search loop
 *                (sim/core/prof.h)
 *   exec         (only when asked: needs python3) REBASE over a pipe
 *                (selectors/examples/rebase.py) beside the built-in: both
 *                replay times, the median round trip per selection
 *                (sim/exec/exec_selector.h), results compared
 * The module benchmarks live beside their code; this file only calls them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "selectors/sel_bench.h"
#include "sim/cli/cli.h"
#include "sim/eval/eval_bench.h"
#include "traces/capture/bench.h"
#include "sim/core/prof.h"
#include "sim/core/util.h"
#include "traces/trace_bench.h"

typedef struct child_stats {
    int status;
    double wall_s, user_s, sys_s;
    long max_rss_kb;
} child_stats;

/* Run argv (argv[0] ignored: this executable) with stdout discarded; with
 * errpath, profiled (ETSIM_PROFILE) and its stderr in that file. */
static int run_child(char **argv, const char *errpath, child_stats *st) {
    fflush(stdout); /* or the child's freopen would write our buffer again */
    fflush(stderr);
    *st = (child_stats){.status = -1};
    double t0 = etsim_now_s();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || (errpath && !freopen(errpath, "w", stderr))) _exit(127);
        if (errpath) setenv("ETSIM_PROFILE", "1", 1);
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    struct rusage ru;
    int status = 0;
    if (wait4(pid, &status, 0, &ru) < 0) return -1;
    st->wall_s = etsim_now_s() - t0;
    st->user_s = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec;
    st->sys_s = (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
    st->max_rss_kb = ru.ru_maxrss;
    st->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    return st->status == 0 ? 0 : -1;
}

static int run_self(char **argv, child_stats *st) { return run_child(argv, NULL, st); }

static int replay_child(const char *source, const char *selector, int problems, int width,
                        int threads, const char *out, child_stats *st) {
    char pbuf[16], wbuf[16], tbuf[16];
    snprintf(pbuf, sizeof pbuf, "%d", problems);
    snprintf(wbuf, sizeof wbuf, "%d", width);
    snprintf(tbuf, sizeof tbuf, "%d", threads);
    char *argv[] = {"etsim", "replay", "--synthetic", (char *)source, "--selector",
                    (char *)selector, "--width", wbuf, "--problems", pbuf, "--threads", tbuf,
                    "--out", (char *)out, NULL};
    return run_self(argv, st);
}

static int files_equal(const char *a, const char *b) {
    size_t na, nb;
    char *x = etsim_read_file(a, &na, NULL), *y = etsim_read_file(b, &nb, NULL);
    int eq = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return eq;
}

static int bench_replay(const char *dir, const char *selector, int problems, int width,
                        int threads) {
    char out[512];
    snprintf(out, sizeof out, "%s/replay.json", dir);
    child_stats st;
    if (replay_child("default", selector, problems, width, threads, out, &st) < 0)
        return etsim_cli_fail(1, "bench: replay failed (exit %d)", st.status);
    printf("| replay %s, %d problems, width %d, %d thread%s | %.2f s | %.0f problems/s | "
           "peak RSS %.1f MiB |\n",
           selector, problems, width, threads, threads > 1 ? "s" : "", st.wall_s,
           problems / st.wall_s, st.max_rss_kb / 1024.0);
    return 0;
}

static int bench_determinism(const char *dir, const char *selector, int problems, int width) {
    char a[512], b[512], c[512];
    snprintf(a, sizeof a, "%s/det1.json", dir);
    snprintf(b, sizeof b, "%s/det2.json", dir);
    snprintf(c, sizeof c, "%s/det1b.json", dir);
    child_stats st;
    if (replay_child("default", selector, problems, width, 1, a, &st) < 0 ||
        replay_child("default", selector, problems, width, 2, b, &st) < 0 ||
        replay_child("default", selector, problems, width, 1, c, &st) < 0)
        return etsim_cli_fail(1, "bench: determinism replay failed");
    int same_threads = files_equal(a, b), same_runs = files_equal(a, c);
    printf("| determinism %s, %d problems, width %d | 1 vs 2 threads: %s | repeated run: %s |\n",
           selector, problems, width, same_threads ? "identical" : "DIFFERENT",
           same_runs ? "identical" : "DIFFERENT");
    return same_threads && same_runs ? 0 : 1;
}

static int bench_memory(const char *dir, int width) {
    int counts[] = {50, 200, 500};
    char out[512];
    snprintf(out, sizeof out, "%s/mem.json", dir);
    printf("| peak memory, rebase width %d |", width);
    for (int i = 0; i < 3; i++) {
        child_stats st;
        if (replay_child("default", "rebase", counts[i], width, 1, out, &st) < 0)
            return etsim_cli_fail(1, "bench: memory replay failed");
        printf(" %d problems: %.1f MiB |", counts[i], st.max_rss_kb / 1024.0);
    }
    printf("\n");
    return 0;
}

/* --part paper: the selectors of a paper run side by side on the
 * paper-fitted synthetic profile, one thread each, at the paper's widths.
 * Each child runs with ETSIM_PROFILE set (sim/core/prof.h) and its stderr
 * in a file, so its CPU time splits into the oracle (the synthetic model's
 * generation and PRM scores), the selector (for ETS: clustering, the exact
 * solver, GLPK and GLPK's tie-rule stages), grading and writing results,
 * and the search loop itself (the rest: building selection inputs,
 * KV accounting, the engine's bookkeeping, start-up). */
static int profile_child(const char *dir, char **argv, child_stats *st, double *user_s,
                         double part_s[ETSIM_PROF_PARTS], long part_n[ETSIM_PROF_PARTS],
                         char **err_text) {
    char errpath[600];
    snprintf(errpath, sizeof errpath, "%s/profile.err", dir);
    int rc = run_child(argv, errpath, st);
    *user_s = st->user_s;
    for (int p = 0; p < ETSIM_PROF_PARTS; p++) {
        part_s[p] = 0;
        part_n[p] = 0;
    }
    size_t n = 0;
    char *text = etsim_read_file(errpath, &n, NULL);
    const char *line = text ? strstr(text, "etsim-profile:") : NULL;
    for (int p = 0; line && p < ETSIM_PROF_PARTS; p++) {
        char key[32];
        snprintf(key, sizeof key, " %s ", etsim_prof_name(p));
        const char *at = strstr(line, key);
        if (at) sscanf(at + strlen(key), "%lf n %ld", &part_s[p], &part_n[p]);
    }
    if (err_text) *err_text = text;
    else free(text);
    return rc;
}

static int bench_paper(const char *dir, int problems, int width) {
    static const struct { const char *sel, *lc; } runs[] = {
        {"rebase", NULL}, {"beam", NULL},   {"dvts", NULL},   {"ets-kv", "0.75"},
        {"ets-kv", "1"},  {"ets-kv", "1.25"}, {"ets", "1"},   {"ets", "1.5"}, {"ets", "2"},
    };
    static const int paper_widths[] = {16, 64, 256};
    int n_widths = width > 0 ? 1 : 3;
    char pbuf[16], wbuf[16], out[512];
    snprintf(pbuf, sizeof pbuf, "%d", problems);
    snprintf(out, sizeof out, "%s/paper.json", dir);
    printf("| paper-llemma34b-math500, %d problems, 1 thread (CPU s, user + system) | total | oracle | "
           "selector | "
           "clustering | exact ILP (n) | GLPK ILP (n) | of which tie rule | grading, writing | "
           "search loop | peak RSS |\n",
           problems);
    for (int wi = 0; wi < n_widths; wi++) {
        int w = width > 0 ? width : paper_widths[wi];
        snprintf(wbuf, sizeof wbuf, "%d", w);
        for (size_t r = 0; r < sizeof runs / sizeof *runs; r++) {
            char lcbuf[32], lsbuf[] = "lambdas=1";
            char *argv[24];
            int a = 0;
            argv[a++] = "etsim";
            argv[a++] = "replay";
            argv[a++] = "--synthetic";
            argv[a++] = "paper-llemma34b-math500";
            argv[a++] = "--selector";
            argv[a++] = (char *)runs[r].sel;
            argv[a++] = "--width";
            argv[a++] = wbuf;
            argv[a++] = "--problems";
            argv[a++] = pbuf;
            argv[a++] = "--threads";
            argv[a++] = "1";
            if (runs[r].lc) {
                snprintf(lcbuf, sizeof lcbuf, "lambdac=%s", runs[r].lc);
                argv[a++] = "--set";
                argv[a++] = lcbuf;
                if (!strcmp(runs[r].sel, "ets")) {
                    argv[a++] = "--set";
                    argv[a++] = lsbuf;
                }
            }
            argv[a++] = "--out";
            argv[a++] = out;
            argv[a] = NULL;
            child_stats st;
            double user = 0, part[ETSIM_PROF_PARTS];
            long n[ETSIM_PROF_PARTS];
            if (profile_child(dir, argv, &st, &user, part, n, NULL) < 0)
                return etsim_cli_fail(1, "bench: paper replay %s failed (exit %d)", runs[r].sel,
                                      st.status);
            char name[64];
            snprintf(name, sizeof name, "%s%s%s, width %d", runs[r].sel,
                     runs[r].lc ? " lambda_b " : "", runs[r].lc ? runs[r].lc : "", w);
            /* the parts are thread CPU time, user and system together */
            double total = user + st.sys_s;
            double loop = total - part[ETSIM_PROF_ORACLE] - part[ETSIM_PROF_SELECT] -
                          part[ETSIM_PROF_WRITE];
            printf("| %s | %.2f | %.2f | %.2f | %.2f | %.2f (%ld) | %.2f (%ld) | %.2f | %.2f | %.2f | "
                   "%.1f MiB |\n",
                   name, total, part[ETSIM_PROF_ORACLE], part[ETSIM_PROF_SELECT],
                   part[ETSIM_PROF_CLUSTER], part[ETSIM_PROF_EXACT], n[ETSIM_PROF_EXACT],
                   part[ETSIM_PROF_GLPK], n[ETSIM_PROF_GLPK], part[ETSIM_PROF_TIE],
                   part[ETSIM_PROF_WRITE], loop, st.max_rss_kb / 1024.0);
            fflush(stdout);
        }
    }
    return 0;
}

/* The bytes from "problems" on (the config names the selector, so it
 * differs by design). */
static int problems_equal(const char *a, const char *b) {
    size_t na, nb;
    char *x = etsim_read_file(a, &na, NULL), *y = etsim_read_file(b, &nb, NULL);
    const char *px = x ? strstr(x, "\"problems\":") : NULL, *py = y ? strstr(y, "\"problems\":") : NULL;
    int eq = px && py && strcmp(px, py) == 0;
    free(x);
    free(y);
    return eq;
}

/* --part exec: REBASE built in and over a pipe, one thread each. The
 * overhead is given per selection as the median of the adapter's round
 * trips (the child's spawn excluded; a mean would follow the slowest
 * answers), beside the mean the two wall times imply. */
static int bench_exec(const char *dir, int problems, int width, const char *command) {
    char pbuf[16], wbuf[16], ref[512], out[512], sel[1024];
    snprintf(pbuf, sizeof pbuf, "%d", problems);
    snprintf(wbuf, sizeof wbuf, "%d", width);
    snprintf(ref, sizeof ref, "%s/exec-ref.json", dir);
    snprintf(out, sizeof out, "%s/exec.json", dir);
    snprintf(sel, sizeof sel, "exec:%s", command);
    char *argv[] = {"etsim", "replay", "--synthetic", "default", "--selector", "rebase", "--width", wbuf,
                    "--problems", pbuf, "--threads", "1", "--out", ref, NULL};
    child_stats st_ref, st;
    double user_ref = 0, user = 0, part[ETSIM_PROF_PARTS];
    long n[ETSIM_PROF_PARTS];
    char *text = NULL;
    if (profile_child(dir, argv, &st_ref, &user_ref, part, n, NULL) < 0)
        return etsim_cli_fail(1, "bench: exec: built-in replay failed (exit %d)", st_ref.status);
    argv[5] = sel;
    argv[13] = out;
    if (profile_child(dir, argv, &st, &user, part, n, &text) < 0) {
        free(text);
        return etsim_cli_fail(1, "bench: exec: replay with %s failed (exit %d; see %s/profile.err)", sel,
                              st.status, dir);
    }
    long long sels = 0;
    double med = 0, p10 = 0, p90 = 0, mean = 0;
    const char *line = text ? strstr(text, "etsim-exec:") : NULL;
    int got = line && sscanf(line, "etsim-exec: selections %lld median_ms %lf p10_ms %lf p90_ms %lf mean_ms %lf",
                             &sels, &med, &p10, &p90, &mean) == 5;
    free(text);
    if (!got || sels <= 0) return etsim_cli_fail(1, "bench: exec: no round-trip times from the child");
    printf("| REBASE over a pipe (%s), %d problems x width %d, 1 thread | built in %.2f s, over the pipe "
           "%.2f s | per selection: median %.2f ms (p10 %.2f, p90 %.2f; mean %.2f; %lld selections; "
           "(wall difference) / selections %.2f ms) | results %s |\n",
           command, problems, width, st_ref.wall_s, st.wall_s, med, p10, p90, mean, sels,
           (st.wall_s - st_ref.wall_s) * 1e3 / (double)sels,
           problems_equal(ref, out) ? "byte-identical" : "DIFFERENT");
    return 0;
}

static void usage(FILE *fp) {
    fprintf(fp, "usage: etsim bench [--part replay|determinism|memory|trace-io|select|grade|capture|\n"
                "                           paper|exec|all]   (paper and exec are not part of all)\n"
                "                   [--problems N]\n"
                "                   [--width N] [--selector S] [--threads T]\n"
                "                   [--exec COMMAND]  (--part exec; default: python3\n"
                "                                      selectors/examples/rebase.py, width 64)\n"
                "--part paper runs widths 16, 64 and 256 unless --width is given.\n"
                "Prints Markdown table rows with the measured figures.\n");
}

int etsim_cmd_bench(int argc, char **argv) {
    const char *part = "all", *selector = "rebase", *exec_cmd = "python3 selectors/examples/rebase.py";
    int problems = 500, width = 256, threads = 1, width_set = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--part") && i + 1 < argc) {
            part = argv[++i];
        } else if (!strcmp(argv[i], "--selector") && i + 1 < argc) {
            selector = argv[++i];
        } else if (!strcmp(argv[i], "--problems") && i + 1 < argc) {
            if (etsim_cli_int("--problems", argv[++i], 1, 100000, &problems) < 0) return 2;
        } else if (!strcmp(argv[i], "--width") && i + 1 < argc) {
            if (etsim_cli_int("--width", argv[++i], 1, 100000, &width) < 0) return 2;
            width_set = 1;
        } else if (!strcmp(argv[i], "--exec") && i + 1 < argc) {
            exec_cmd = argv[++i];
        } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            if (etsim_cli_int("--threads", argv[++i], 1, 256, &threads) < 0) return 2;
        } else {
            usage(stderr);
            return 2;
        }
    }
    char dir[] = "/tmp/etsim-bench-XXXXXX";
    if (!mkdtemp(dir)) return etsim_cli_fail(1, "bench: cannot create a temporary directory");
    int all = !strcmp(part, "all"), rc = 0;
    printf("| benchmark | result | | |\n|---|---|---|---|\n");
    if (all || !strcmp(part, "replay")) rc |= bench_replay(dir, selector, problems, width, threads);
    if (all || !strcmp(part, "determinism"))
        rc |= bench_determinism(dir, selector, problems < 100 ? problems : 100, width);
    if (all || !strcmp(part, "memory")) rc |= bench_memory(dir, width);
    if (!strcmp(part, "paper"))
        rc |= bench_paper(dir, problems == 500 ? 50 : problems, width_set ? width : 0);
    if (!strcmp(part, "exec")) rc |= bench_exec(dir, problems, width_set ? width : 64, exec_cmd);
    fflush(stdout);
    etsim_err err = {{0}};
    if (all || !strcmp(part, "trace-io")) {
        etsim_trace_bench_result res;
        if (etsim_trace_bench_io(stdout, getenv("TMPDIR"), 500, 2000, 64, 1, &res, &err) < 0)
            rc |= etsim_cli_fail(1, "bench trace-io: %s", err.msg);
    }
    if (all || !strcmp(part, "select")) {
        etsim_sel_bench_row rows[16];
        if (etsim_sel_bench(stdout, rows, 16, &err) < 0)
            rc |= etsim_cli_fail(1, "bench select: %s", err.msg);
    }
    if (all || !strcmp(part, "grade")) {
        if (etsim_eval_bench(stdout, &err) < 0) rc |= etsim_cli_fail(1, "bench grade: %s", err.msg);
    }
    if (all || !strcmp(part, "capture")) {
        if (etsim_live_bench(stdout, &err) < 0) rc |= etsim_cli_fail(1, "bench capture: %s", err.msg);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) rc |= 1;
    return rc;
}
