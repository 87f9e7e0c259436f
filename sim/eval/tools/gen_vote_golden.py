#!/usr/bin/env python3
"""gen_vote_golden.py -- developer tool, not part of the build.

Writes sim/eval/testdata/vote_golden.jsonl: crafted and random vote cases
with the answer and verdict of the UNMODIFIED ETS harness,
SqueezeAILab/ETS math_evaluate.py @ ac937a72319fae68b2f4e9c439d3a07c85377f1f
(evaluate() for best-of-N, majority_vote() for majority and weighted),
with its own grader (evaluate/evaluate_utils/grader.py, sympy + pylatexenc).

    python3 sim/eval/tools/gen_vote_golden.py PATH/TO/ETS/CHECKOUT \
        > sim/eval/testdata/vote_golden.jsonl

The harness functions read a JSON file and print a count; they are called
one case at a time on a temporary file, and the answer they chose is read
from their final grade_answer(str(max_rep) or answer, ground_truth) call
(grade_answer is wrapped, not changed). torch is stubbed: math_evaluate.py
imports it but never uses it. Answers are given pre-extracted (the extract
function is the identity, None -> "[invalid]" as extract_shepherd_answer).
"""
import json, os, random, sys, tempfile, types, io, contextlib

ets = sys.argv[1]
sys.path.insert(0, ets)
sys.modules.setdefault("torch", types.ModuleType("torch"))
import math_evaluate as me  # noqa: E402

calls = []
real_grade = me.grade_answer


def spy(given, gt):
    calls.append(given)
    return real_grade(given, gt)


me.grade_answer = spy


def ident(x):
    return "[invalid]" if x is None else x


AGG = {"last": me.agg_last, "min": me.agg_min, "prod": me.agg_prod, "mean": me.agg_mean}


def run(case):
    qa = [{"model_answer": [{"text": a, "step_scores": s} for a, s in zip(case["answers"], case["scores"])],
           "ground_truth_answer": case["gt"]}]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(qa, f)
        path = f.name
    out = {}
    agg = AGG[case["agg"]]
    for kind in ("best", "majority", "weighted"):
        calls.clear()
        with contextlib.redirect_stdout(io.StringIO()):
            if kind == "best":
                acc = me.evaluate(path, agg, ident)
            else:
                acc = me.majority_vote(path, kind == "weighted", agg, ident)
        chosen = calls[-1]
        out[kind] = {"answer": None if (kind != "best" and chosen == "None" and "None" not in case["answers"]) else chosen,
                     "correct": acc == 1.0}
    os.unlink(path)
    return out


crafted = [
    # a later class whose first leaf outweighs the leader wins (the minimal case)
    {"answers": ["3", "1"], "scores": [[0.07], [0.75]], "gt": "1"},
    # ties keep the earlier class
    {"answers": ["4", "5"], "scores": [[0.5], [0.5]], "gt": "5"},
    {"answers": ["4", "5", "5"], "scores": [[0.5], [0.25], [0.25]], "gt": "5"},
    # all-zero weights: max_rep stays None
    {"answers": ["4", "4", "5"], "scores": [[0.0], [0.0], [0.0]], "gt": "5"},
    {"answers": ["4", "6"], "scores": [[0.0], [0.3]], "gt": "6"},
    # no leaves
    {"answers": [], "scores": [], "gt": "2"},
    # equivalent forms share a class; the voting answer becomes max_rep
    {"answers": ["3", "\\frac{1}{2}", "0.5"], "scores": [[0.9], [0.1], [0.1]], "gt": "1/2"},
    {"answers": ["3", "\\frac{1}{2}", "0.5"], "scores": [[0.15], [0.1], [0.1]], "gt": "1/2"},
    # "[invalid]" answers vote together
    {"answers": ["[invalid]", "7", "[invalid]"], "scores": [[0.4], [0.5], [0.4]], "gt": "7"},
    # missing (None) last score counts 0; min skips None
    {"answers": ["8", "9"], "scores": [[0.9, None], [0.2, 0.3]], "gt": "9"},
    # empty step-score list aggregates to 0
    {"answers": ["8", "9"], "scores": [[], [0.01]], "gt": "9"},
    # a leaf matching two classes adds to both (10 vs 10.0 vs 10\%)
    {"answers": ["10\\%", "10.0", "10"], "scores": [[0.3], [0.35], [0.2]], "gt": "10"},
    {"answers": ["(1,2)", "(2,1)", "(1,2)"], "scores": [[0.2], [0.3], [0.2]], "gt": "(1,2)"},
]

pool = ["1", "2", "3", "0.5", "\\frac{1}{2}", "\\frac12", "1/2", "2.0", "-1", "\\sqrt{2}", "x+1",
        "1+x", "[invalid]", "10", "10\\%", "\\text{(A)}", "A", "5\\text{ cm}", "5", "\\{1,2\\}"]
rng = random.Random(20261207)
cases = []
for c in crafted:
    c = dict(c, agg="last")
    cases.append(c)
for i in range(400):
    n = rng.randint(1, 8)
    ans = [rng.choice(pool) for _ in range(n)]
    sc = []
    for _ in range(n):
        k = rng.randint(1, 3)
        sc.append([rng.choice([0.0, 0.25, 0.5, 0.75, 1.0, round(rng.random(), 3)]) for _ in range(k)])
    cases.append({"answers": ans, "scores": sc, "gt": rng.choice(pool[:12]),
                  "agg": rng.choice(["last", "last", "min", "prod", "mean"])})
for c in cases:
    c["expect"] = run(c)
    print(json.dumps(c, ensure_ascii=False))
