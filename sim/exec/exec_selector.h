/* exec_selector.h -- external selectors over a pipe: `--selector
 * exec:COMMAND` (replay, sweep grids, capture configs, `etsim select`).
 *
 * COMMAND runs under /bin/sh -c, once per worker thread, and speaks JSON
 * lines (one JSON value per line, both ways):
 *
 *   etsim -> {"etsim_select": 1}                                handshake
 *   child <- {"etsim_select": 1, "name": "my-rebase",
 *             "params": [{"name": "softmax_temperature", "default": 0.2,
 *                         "min": 1e-6, "max": 1e6, "integer": false}]}
 *   etsim -> one instance per selection, the schema `etsim select` reads
 *            (sim/cli/cmd_select.c): {"selector", "width", "initial_width",
 *            "depth", "params": {declared params, --set applied},
 *            "nodes": [{"id", "parent", "tokens", "score", "text",
 *            "embedding", "subtree"}], "candidates": [ids]}; node ids are
 *            positions in "nodes" (0 = root)
 *   child <- one decision, the schema `etsim select` writes: {"counts":
 *            [children per candidate]} and/or {"expansions": [[id, count],
 *            ...]} in fork order (without it: candidate order); optional
 *            "kept", "clusters", "objective" as ETS writes them.
 *
 * The parameters the child declares in its handshake are validated like a
 * built-in's (`--set softmax_temperature=0.3`). The handshake runs once at
 * lookup (to learn the parameters) and again in every worker process.
 * A problem is searched by one thread, so its selections reach one process
 * in order, and results are byte-identical for any thread count as long as
 * the child answers each instance from that instance alone.
 *
 * Errors (the engine prefixes problem and depth): the process exited or
 * crashed, a line that is not JSON or not a decision, counts of the wrong
 * length or negative, a decision that allocates more than the remaining
 * width, an unknown candidate id, a handshake of another version, or no
 * answer within the timeout (etsim_exec_set_timeout; the CLI takes it
 * from ETSIM_EXEC_TIMEOUT_S; default 60 s). */
#ifndef ETSIM_EXEC_SELECTOR_H
#define ETSIM_EXEC_SELECTOR_H

#include <stdio.h>

#define ETSIM_EXEC_PROTOCOL 1

/* Make "exec:COMMAND" names resolvable (selectors/registry.h prefix). */
void etsim_exec_selector_install(void);

/* How long a child may take per answer (default 60 s; <= 0 restores it).
 * Set before searches start. */
#define ETSIM_EXEC_TIMEOUT_DEFAULT_S 60.0
void etsim_exec_set_timeout(double seconds);

/* Time every selection's round trip (instance written, the child's answer
 * read and checked; the spawn and handshake not included), for
 * `etsim bench --part exec`. Off unless enabled (the CLI does so when
 * ETSIM_PROFILE is set, before searches start); the report is one line
 * (the CLI writes it to stderr at exit):
 *   etsim-exec: selections N median_ms M p10_ms A p90_ms B mean_ms C */
void etsim_exec_profile_enable(void);
void etsim_exec_profile_report(FILE *fp);

#endif
