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
#include "sim/core/util.h"
#include "traces/trace_bench.h"

typedef struct child_stats {
    int status;
    double wall_s;
    long max_rss_kb;
} child_stats;

/* Run argv (argv[0] ignored: this executable) with stdout discarded. */
static int run_self(char **argv, child_stats *st) {
    fflush(stdout); /* or the child's freopen would write our buffer again */
    double t0 = etsim_now_s();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout)) _exit(127);
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    struct rusage ru;
    int status = 0;
    if (wait4(pid, &status, 0, &ru) < 0) return -1;
    st->wall_s = etsim_now_s() - t0;
    st->max_rss_kb = ru.ru_maxrss;
    st->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    return st->status == 0 ? 0 : -1;
}

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

static void usage(FILE *fp) {
    fprintf(fp, "usage: etsim bench [--part replay|determinism|memory|trace-io|select|grade|capture|all]\n"
                "                   [--problems N]\n"
                "                   [--width N] [--selector S] [--threads T]\n"
                "Prints Markdown table rows with the measured figures.\n");
}

int etsim_cmd_bench(int argc, char **argv) {
    const char *part = "all", *selector = "rebase";
    int problems = 500, width = 256, threads = 1;
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
