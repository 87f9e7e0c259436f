#!/usr/bin/env python3
"""make_fixture.py -- write answers.json exactly as the public ETS harness
writes it, by running its own code: rebase.py of SqueezeAILab/ETS at commit
ac937a72319fae68b2f4e9c439d3a07c85377f1f (blob 31d614ff435e2061f86635cddcb24a7369e1c741).

What runs unmodified from rebase.py: TreeNode (leaf rule, line 60; depth and
cum_tokens, lines 59-67), Tree (__init__, expand, insert, select_softmax =
REBASE, select_and_expand, get_kv_size), reward_guided_search's search loop
and its output writing (lines 648-697: nodes_info, each leaf's text with
step_scores collected from the leaf up to depth 1, answer_q{id}.json with
json.dump(indent=4)) and main's results list dumped with indent=4 (lines
748-755, repeated here because main() itself needs live servers).

What is stubbed: the SGLang program state (policy and PRM servers). A fork's
"step" generation appends a scripted Math-Shepherd style step ("Step k: ...
ки", the next one starting with "\\n"; a final step "The answer is: A ки"), its
"score" generation appends a PRM score (a float32 value, as a server's float32
logits give). Both are deterministic functions of the text so far, so
siblings sometimes generate the same text (distinct nodes in the reference,
one shared prefix when imported). torch.tensor/exp are numpy float32 (as
torch's default dtype); the tokenizer returns a two-key encoding as
transformers' BatchEncoding does (so num_root_tokens = 2, as in the reference).

Usage: make_fixture.py OUTDIR [REBASE_PY]
  REBASE_PY defaults to `git --git-dir=/work/.mirror/SqueezeAILab+ETS/repo
  show ac937a7:rebase.py`. Writes OUTDIR/answers.json, OUTDIR/answer_q{id}.json
  and OUTDIR/dataset.jsonl (the three questions in MATH500's format).
"""
import hashlib
import json
import os
import struct
import subprocess
import sys
import types

import numpy as np

COMMIT = "ac937a72319fae68b2f4e9c439d3a07c85377f1f"
TAG = " \u043a\u0438"  # " ки", Math-Shepherd's step tag

PROBLEMS = [
    {"problem": "What is $3+4$?", "answer": "7", "subject": "Prealgebra", "level": 1,
     "unique_id": "test/prealgebra/9001.json", "solution": "$3+4=\\boxed{7}$."},
    {"problem": "Solve $2x=10$ for $x$.", "answer": "5", "subject": "Algebra", "level": 2,
     "unique_id": "test/algebra/9002.json", "solution": "$x=\\boxed{5}$."},
    {"problem": "Simplify $\\frac{6}{8}$.", "answer": "\\frac{3}{4}", "subject": "Prealgebra", "level": 2,
     "unique_id": "test/prealgebra/9003.json", "solution": "$\\boxed{\\frac{3}{4}}$"},
]
# answers a path may end with (the first is right), per problem
FINALS = [["7", "8", "1,000"], ["5", "\\frac{10}{2}", "20"], ["\\frac{3}{4}", "0.75", "\\frac{6}{8}", "3/5"]]
PHRASES = ["Write down what is given.", "Combine the terms.", "Check the arithmetic.",
           "Rewrite the expression.", "Compute carefully, $1,2$ apart."]


def h(*parts):
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


class Gen:
    def __init__(self, name, *args, **kw):
        self.name, self.args, self.kw = name, args, kw


class State:
    """The subset of SGLang's ProgramState that rebase.py uses."""

    def __init__(self, problem=0, text="", path=""):
        self.problem, self._text, self.path = problem, text, path
        self._scores, self._meta = [], {}

    def text(self):
        return self._text

    def fork(self, n):
        return [State(self.problem, self._text, self.path + "/%d" % i) for i in range(n)]

    def set_score_backend(self, backend):
        pass

    def scores(self):
        return self._scores

    def get_meta_info(self, name):
        return self._meta[name]

    def __iadd__(self, x):
        if isinstance(x, str):
            self._text += x
        elif x.name == "step":
            step = self.policy()
            self._text += step
            self._meta["step"] = {"completion_tokens": max(1, len(step.encode()) // 4)}
        elif x.name == "score":
            # PRM: deterministic in the text; right answers score higher
            r = h("prm", self._text) % 1000 / 1000.0
            body = self._text.rsplit("The answer is:", 1)
            bonus = 0.25 if len(body) == 2 and body[1].strip().startswith(FINALS[self.problem][0] + TAG) else 0.0
            self._scores.append(f32(0.05 + 0.6 * r + bonus))
        return self

    def policy(self):
        depth = self._text.count(TAG)
        # the choice depends on the parent's text and a little on the fork
        # (two forks of one parent sometimes write the same step)
        k = h("step", self._text, str(h(self.path) % 5))
        sep = "\n" if depth else ""
        if depth >= 1 and (k % 7 < 1 + depth or depth >= 5):
            finals = FINALS[self.problem]
            return sep + "The answer is: " + finals[(k >> 8) % len(finals)] + TAG
        return sep + "Step %d: %s" % (depth + 1, PHRASES[(k >> 16) % len(PHRASES)]) + TAG


def install_stubs():
    sg = types.ModuleType("sglang")
    sg.function = lambda f: f
    sg.gen = Gen
    sg.RuntimeEndpoint = lambda *a, **k: None
    sg.system = sg.user = sg.assistant = lambda x: x
    torch = types.ModuleType("torch")
    torch.tensor = lambda v: np.array(v, dtype=np.float32)
    torch.exp = np.exp
    nn = types.ModuleType("torch.nn")
    fn = types.ModuleType("torch.nn.functional")
    torch.nn, nn.functional = nn, fn
    pulp = types.ModuleType("pulp")
    for name in ["LpMaximize", "LpProblem", "LpVariable", "lpSum", "PULP_CBC_CMD"]:
        setattr(pulp, name, None)
    st = types.ModuleType("sentence_transformers")
    st.SentenceTransformer = None
    scipy = types.ModuleType("scipy")
    cl = types.ModuleType("scipy.cluster")
    hi = types.ModuleType("scipy.cluster.hierarchy")
    hi.linkage = hi.fcluster = None
    tr = types.ModuleType("transformers")

    class Tok:
        @staticmethod
        def from_pretrained(name):
            return lambda text: {"input_ids": [0] * len(text), "attention_mask": [1] * len(text)}

    tr.AutoTokenizer = Tok
    for name, mod in {"sglang": sg, "torch": torch, "torch.nn": nn, "torch.nn.functional": fn, "pulp": pulp,
                      "sentence_transformers": st, "requests": types.ModuleType("requests"), "scipy": scipy,
                      "scipy.cluster": cl, "scipy.cluster.hierarchy": hi, "transformers": tr}.items():
        sys.modules[name] = mod


def main():
    out = sys.argv[1]
    if len(sys.argv) > 2:
        src = open(sys.argv[2]).read()
    else:
        src = subprocess.run(["git", "--git-dir=/work/.mirror/SqueezeAILab+ETS/repo", "show", COMMIT + ":rebase.py"],
                             check=True, capture_output=True, text=True).stdout
    install_stubs()
    ns = {"__name__": "rebase_under_test"}
    exec(compile(src, "rebase.py", "exec"), ns)
    os.makedirs(out, exist_ok=True)
    paras = {"temperature": 1.0, "max_step_tokens": 256, "max_tokens": 1024, "select_method": "softmax",
             "num_threads": 1, "softmax_temperature": 0.2, "reward_model_type": "llemma",
             "policy_model_type": "llemma", "store_path": out + "/", "width": 8}
    config = types.SimpleNamespace(_name_or_path="llemma")
    results = []
    for i, test in enumerate(PROBLEMS):
        # main() runs reward_guided_search with id=i, question=prompts[i] =
        # test["problem"], ground_truth_answer=test_examples[i] (lines 744-746)
        s = State(problem=i)
        results.append(ns["reward_guided_search"](s, i, test["problem"], test, paras, None, None, config))
    # lines 748-755
    json.dump(results, open(os.path.join(out, "answers.json"), "w"), indent=4)
    with open(os.path.join(out, "dataset.jsonl"), "w") as fh:
        for p in PROBLEMS:
            fh.write(json.dumps(p) + "\n")


if __name__ == "__main__":
    main()
