/* main.c -- the `etsim` command line: a table of subcommands. All the work
 * happens in libetsim; each command only parses flags, calls the library
 * and reports errors as one `etsim: ...` line on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/commands.h"
#include "sim/cli/selector_lib.h"
#include "sim/etsim.h"
#include "sim/exec/exec_selector.h"
#include "selectors/ilp.h"
#include "sim/core/prof.h"
#include "selectors/sel_bench.h"

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cli_command;

static const cli_command commands[] = {
    {"replay", etsim_cmd_replay, "run a selector over a trace or the synthetic model"},
    {"bench", etsim_cmd_bench, "measure replay speed, determinism and trace I/O"},
    {"grade", etsim_cmd_grade, "grade answers as the ETS/REBASE scripts do (PRM800K grader)"},
    {"eval", etsim_cmd_eval, "accuracy of a replay result (vote, grade, per-subject/level)"},
    {"export", etsim_cmd_export, "write a replay result as the ETS/REBASE answers.json + stats.log"},
    {"import", etsim_cmd_import, "import search-and-learn results or ETS node dumps into a trace"},
    {"synth", etsim_cmd_synth, "write a synthetic trace covering a list of selector configurations"},
    {"gpu", etsim_cmd_gpu, "GPU cost model: profiles and the time of one iteration"},
    {"cost", etsim_cmd_cost, "GPU cost model on a replay result: runtime, throughput, KV"},
    {"select", etsim_cmd_select, "run one selection step on a JSON instance (why was a node pruned?)"},
    {"inspect", etsim_cmd_inspect, "print a trace's header and statistics"},
    {"trace", etsim_cmd_trace, "trace files: merge the shard traces of a capture"},
    {"sweep", etsim_cmd_sweep, "run a grid of configurations x problems (resumable, shardable)"},
    {"diff", etsim_cmd_diff, "compare two replay results: where and how two selectors diverge"},
    {"merge", etsim_cmd_merge, "join the outputs of sharded sweeps"},
    {"pick", etsim_cmd_pick, "choose ETS hyperparameters from a sweep by the paper's rule"},
    {"paper", etsim_cmd_paper, "regenerate the ETS paper's Figures 2-3 and Tables 1-3"},
    {"fit", etsim_cmd_fit, "fit synthetic profiles to the paper's numbers or to real outputs"},
    {"capture", etsim_cmd_capture, "record a covering trace from live model servers"},
    {"embed", etsim_cmd_embed, "add or replace step embeddings of a trace (server or fastText)"},
    {NULL, NULL, NULL},
};

static void usage(FILE *fp) {
    fprintf(fp, "usage: etsim <command> [options]   (etsim <command> --help)\n\ncommands:\n");
    for (const cli_command *c = commands; c->name; c++)
        fprintf(fp, "  %-9s %s\n", c->name, c->summary);
}

static void report_profile(void) {
    etsim_prof_report(stderr);
    etsim_exec_profile_report(stderr);
}

int main(int argc, char **argv) {
    etsim_init();
    /* The library reads no environment: what tests and benches steer by
     * environment variables is read here and passed in. */
    const char *exec_timeout = getenv("ETSIM_EXEC_TIMEOUT_S");
    if (exec_timeout) etsim_exec_set_timeout(atof(exec_timeout));
    etsim_ilp_set_default_solver(etsim_ilp_solver_parse(getenv("ETSIM_ETS_SOLVER")));
    etsim_sel_bench_set_dump_dir(getenv("ETSIM_BENCH_DUMP"));
    if (getenv("ETSIM_PROFILE")) {
        etsim_prof_enable();
        etsim_exec_profile_enable();
        atexit(report_profile);
    }
    if (etsim_cli_selector_libs(&argc, argv) != 0) return 2;
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (const cli_command *c = commands; c->name; c++)
        if (!strcmp(argv[1], c->name)) return c->run(argc - 1, argv + 1);
    fprintf(stderr, "etsim: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
