#!/usr/bin/env python3
"""ref_eval.py -- developer tool, not part of the build.

Cross-checks `etsim eval` against the UNMODIFIED ETS harness
(SqueezeAILab/ETS math_evaluate.py @ ac937a72319fae68b2f4e9c439d3a07c85377f1f)
on answers.json files (`etsim export` output or the harness's own):

    python3 sim/eval/tools/ref_eval.py ETS_CHECKOUT ETSIM_BIN answers.json...

For each file it prints the correct counts of evaluate() (best-of-N, agg
last) and majority_vote() (weighted and plain, weight agg last) with the
Math-Shepherd extraction, beside `etsim eval --vote best|majority|weighted`,
and exits 1 on any difference. Needs a Python with sympy, pylatexenc and
regex (Debian: python3-sympy python3-pylatexenc python3-regex); torch,
which math_evaluate.py imports but never uses, is stubbed.
"""
import contextlib, io, json, subprocess, sys, types

ets, etsim, files = sys.argv[1], sys.argv[2], sys.argv[3:]
sys.path.insert(0, ets)
sys.modules.setdefault("torch", types.ModuleType("torch"))
import math_evaluate as me  # noqa: E402

bad = 0
for path in files:
    ref, ours = {}, {}
    for kind in ("best", "majority", "weighted"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            if kind == "best":
                me.evaluate(path, me.agg_last, me.extract_shepherd_answer)
            else:
                me.majority_vote(path, kind == "weighted", me.agg_last, me.extract_shepherd_answer)
        ref[kind] = int(out.getvalue().split()[0])
        j = subprocess.run([etsim, "eval", path, "--vote", kind, "--agg", "last", "--extract", "shepherd", "--json"],
                           check=True, capture_output=True, text=True).stdout
        ours[kind] = json.loads(j)["correct"]
    same = ref == ours
    bad += not same
    print(f"{'ok  ' if same else 'DIFF'} {path}: reference {ref} etsim {ours}")
sys.exit(1 if bad else 0)
