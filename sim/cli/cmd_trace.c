/* cmd_trace.c -- `etsim trace SUBCOMMAND`: operations on trace files.
 * `etsim trace merge OUT.trace IN.trace...` joins the shard traces of a
 * capture split across machines (traces/trace_merge.h), with the capture
 * layer's rule for the header settings (etsim_capture_settings_merge). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "traces/capture/capture.h"
#include "traces/trace_merge.h"

static void usage(FILE *fp) {
    fprintf(fp,
        "usage: etsim trace merge OUT.trace IN.trace... [--level L] [--quiet]\n"
        "  Join traces holding slices of one problem set (the shards of\n"
        "  `etsim capture --shard i/n`) into OUT.trace, in problem order, with a\n"
        "  new index. The headers must agree field by field; a problem present\n"
        "  in two inputs must be byte-identical in both. Joined capture shards\n"
        "  get the header one capture of the whole range writes (traces/FORMAT.md,\n"
        "  \"Joining traces\"), so replays of OUT.trace equal replays of a trace\n"
        "  captured in one piece. OUT.trace appears only when complete.\n"
        "  --level L   zstd level of OUT.trace (1-19, default 3, as a capture's)\n"
        "  --quiet     no report line\n");
}

static int cmd_merge(int argc, char **argv) {
    const char **in = calloc((size_t)argc, sizeof *in);
    const char *out = NULL;
    int n = 0, quiet = 0, rc = 2;
    etsim_trace_merge_opts o = {0};
    o.settings_merge = etsim_capture_settings_merge;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            rc = 0;
            goto done;
        } else if (!strcmp(a, "--level") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], 1, 19, &o.zstd_level) < 0) goto done;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "etsim trace merge: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            goto done;
        } else if (!out) {
            out = a;
        } else {
            in[n++] = a;
        }
    }
    if (!out || n == 0) {
        rc = etsim_cli_fail(2, "trace merge: give OUT.trace and at least one input trace");
        goto done;
    }
    for (int i = 0; i < n; i++)
        if (!strcmp(in[i], out)) {
            rc = etsim_cli_fail(2, "trace merge: %s is both the output and an input", out);
            goto done;
        }
    etsim_err err = {{0}};
    etsim_trace_merge_report rep;
    if (etsim_trace_merge(out, in, n, &o, &rep, &err) < 0) {
        rc = etsim_cli_fail(1, "%s", err.msg);
        goto done;
    }
    if (!quiet)
        fprintf(stderr, "etsim: %s: %d problems (%lld nodes) from %d traces%s\n", out, rep.problems,
                (long long)rep.nodes, n,
                rep.duplicates ? "; some problems were in several inputs (identical)" : "");
    rc = 0;
done:
    free(in);
    return rc;
}

int etsim_cmd_trace(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "merge")) return cmd_merge(argc - 1, argv + 1);
    fprintf(stderr, "etsim trace: unknown subcommand '%s' (merge)\n", argv[1]);
    return 2;
}
