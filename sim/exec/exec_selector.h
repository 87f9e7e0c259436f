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
 * answer within the timeout (default 60 s; the CLI sets it from
 * ETSIM_EXEC_TIMEOUT_S, since the library reads no environment). */
#ifndef ETSIM_EXEC_SELECTOR_H
#define ETSIM_EXEC_SELECTOR_H

#define ETSIM_EXEC_PROTOCOL 1

/* Make "exec:COMMAND" names resolvable (selectors/registry.h prefix). */
void etsim_exec_selector_install(void);
/* Seconds to wait for a child's handshake or decision (> 0; others keep the
 * default, 60). Call before selections start. */
void etsim_exec_selector_set_timeout(double seconds);

#endif
