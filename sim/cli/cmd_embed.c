/* cmd_embed.c -- `etsim embed`: add or replace the step embeddings of a
 * trace whose nodes carry text (traces/capture/embed.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "traces/capture/embed.h"

static void usage(FILE *fp) {
    fprintf(fp,
        "usage: etsim embed TRACE --backend (http://HOST:PORT/v1/embeddings | fasttext:MODEL.bin)\n"
        "                   [--out FILE] [--model NAME] [--encoding f32|f16|i8] [--batch N]\n"
        "Embed the step text of every node (the root excepted) and write the trace\n"
        "with these vectors (replacing TRACE unless --out is given; atomically).\n"
        "  --backend B     an OpenAI-compatible /v1/embeddings server, or a local\n"
        "                  fastText model run through `fasttext print-sentence-vectors`\n"
        "                  (Debian package fasttext; ETSIM_FASTTEXT names another program)\n"
        "  --model NAME    embedding model (http; default: the server's first model)\n"
        "  --encoding E    storage encoding of the vectors (default: the trace's, else f16)\n"
        "  --batch N       texts per HTTP request (64)\n"
        "Blank steps (empty or whitespace) are not embedded: they get the zero vector,\n"
        "with a warning (ETS clusters zero vectors together, apart from other steps).\n"
        "fastText vectors trained on step text stand in for the ETS paper's math BERT\n"
        "embedder: they are not the same vectors, and ETS clustering thresholds tuned\n"
        "on one do not carry over to the other.\n");
}

int etsim_cmd_embed(int argc, char **argv) {
    etsim_embed_opts o;
    memset(&o, 0, sizeof o);
    o.fasttext_bin = getenv("ETSIM_FASTTEXT"); /* NULL: `fasttext` on $PATH */
    int batch = 64;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--backend") && i + 1 < argc) {
            o.backend = argv[++i];
        } else if (!strcmp(a, "--out") && i + 1 < argc) {
            o.out = argv[++i];
        } else if (!strcmp(a, "--model") && i + 1 < argc) {
            o.model = argv[++i];
        } else if (!strcmp(a, "--encoding") && i + 1 < argc) {
            o.encoding = argv[++i];
        } else if (!strcmp(a, "--batch") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], 1, 4096, &batch) < 0) return 2;
        } else if (a[0] != '-' && !o.in) {
            o.in = a;
        } else {
            fprintf(stderr, "etsim embed: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!o.in) return etsim_cli_fail(2, "embed: give the TRACE to embed");
    if (!o.backend) return etsim_cli_fail(2, "embed: --backend is required");
    o.batch = batch;
    etsim_embed_report rep;
    etsim_err err = {{0}};
    if (etsim_embed_trace(&o, &rep, &err) < 0) return etsim_cli_fail(1, "%s", err.msg);
    printf("embed: %d problems, %lld of %lld nodes embedded (%d-d) into %s\n", rep.problems,
           (long long)rep.embedded, (long long)rep.nodes, rep.dim, o.out ? o.out : o.in);
    /* Zero vectors have no cosine; ETS clusters them by a fixed rule. */
    if (rep.blank)
        fprintf(stderr, "etsim embed: warning: %lld blank steps (first: problem %d, node %d) were "
                        "given the zero vector; ETS clusters zero vectors together, apart from "
                        "every other step (selectors/README.md, \"Zero vectors\")\n",
                (long long)rep.blank, rep.blank_problem, rep.blank_node);
    if (rep.zero)
        fprintf(stderr, "etsim embed: warning: %lld steps with text got a zero vector from the "
                        "backend (first: problem %d, node %d); ETS treats them as blank steps\n",
                (long long)rep.zero, rep.zero_problem, rep.zero_node);
    return 0;
}
