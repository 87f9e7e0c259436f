#!/usr/bin/env python3
"""rebase.py -- REBASE in plain Python (standard library only), as an
external selector: etsim replay --selector "exec:python3 selectors/examples/rebase.py".

Protocol (sim/exec/exec_selector.h): JSON lines on stdin/stdout. The first
line is the handshake {"etsim_select": 1}; we answer with our version and
parameters. Then one selection instance per line (the schema `etsim select`
reads) and one decision per line: {"expansions": [[id, count], ...]} in
fork order, plus "counts" aligned with the candidates.

The rule is selectors/rebase.c's, operation for operation, so results are
byte-identical to the built-in: candidates sorted by score descending with
ties later-inserted first (the reference's sorted(); reverse()); children by
the sequential ceil over e_i = exp(score_i / T - max):
w_i = ceil(B e_i / sum_{j>=i} e_j), an exact integer ratio kept exact.
"""
import json
import math
import sys

PARAMS = [{"name": "softmax_temperature", "default": 0.2, "min": 1e-6, "max": 1e6,
           "integer": False}]


def select(inst):
    t = inst["params"]["softmax_temperature"]
    score = {n["id"]: n["score"] for n in inst["nodes"]}
    cand = inst["candidates"]
    # stable sort on (score, insertion index), both descending
    order = sorted(range(len(cand)), key=lambda i: (score[cand[i]], i), reverse=True)
    logits = [score[cand[i]] / t for i in order]
    maxl = max(logits)
    e = [0.0 if (math.isinf(maxl) or l == -math.inf) else math.exp(l - maxl) for l in logits]
    suffix = [0.0] * (len(e) + 1)
    for i in range(len(e) - 1, -1, -1):
        suffix[i] = suffix[i + 1] + e[i]
    remaining = inst["width"]
    counts = [0] * len(cand)
    expansions = []
    for k, i in enumerate(order):
        w = 0
        if e[k] > 0 and suffix[k] > 0 and remaining > 0:
            r = float(remaining) * e[k] / suffix[k]
            nearest = math.floor(r + 0.5)
            if abs(r - nearest) <= 1e-9 * (r if r > 1 else 1):
                r = float(nearest)
            w = min(math.ceil(r), remaining)
        counts[i] = w
        expansions.append([cand[i], w])
        remaining -= w
    return {"counts": counts, "expansions": expansions}


def main():
    out = sys.stdout
    for line in sys.stdin:
        msg = json.loads(line)
        if "etsim_select" in msg:
            reply = {"etsim_select": 1, "name": "rebase.py", "params": PARAMS}
        else:
            reply = select(msg)
        out.write(json.dumps(reply, separators=(",", ":")) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
