#!/usr/bin/env python3
"""gen_grade_golden.py -- developer tool, not part of the build.

Regenerates sim/eval/testdata/grade_golden.jsonl and normalize_golden.jsonl
from the UNMODIFIED grader of the ETS harness, SqueezeAILab/ETS @
ac937a72319fae68b2f4e9c439d3a07c85377f1f, evaluate/evaluate_utils/grader.py
(grade_answer, _normalize) and math_normalize.py (normalize_answer), with
pylatexenc as installed for /usr/bin/python3. That grader is PRM800K's with
the sympy comparison commented out, which is what etsim reproduces.

    /usr/bin/python3 sim/eval/tools/gen_grade_golden.py ETS_CHECKOUT sim/eval/testdata

The inputs are the ones already in the two files (their expected values
are recomputed, so a change in them shows in the diff) followed by the
crafted cases below, appended once: Unicode decimal digits, which Python's
float() and int() read as their ASCII digits (issue 12: "６" vs "6",
"１２" vs "12", "٣" vs "3", "６.0" vs "6"), other numeric characters that
are not decimal digits ("²", "①"), Unicode spaces, and U+0000 (an
ordinary character to Python).
"""
import json
import os
import sys

ets, outdir = sys.argv[1], sys.argv[2]
sys.path.insert(0, ets)
from evaluate.evaluate_utils.grader import _normalize, grade_answer  # noqa: E402
from evaluate.evaluate_utils.math_normalize import normalize_answer  # noqa: E402

GRADE = [
    ("６", "6"), ("１２", "12"), ("٣", "3"), ("６.0", "6"), ("6", "６"), ("١٢", "12"), ("۱۲", "12"),
    ("१२", "12"), ("-６", "-6"), ("+６", "6"), ("６_０", "60"), ("６e2", "600"), ("６.５", "6.5"),
    ("\u3000６\u3000", "6"), ("\u00a06", "6"), ("\u20286", "6"), ("\x1c6", "6"), ("6\x1c", "6"),
    ("²", "2"), ("①", "1"), ("６/٣", "2"), ("６/3", "6/3"), ("\\frac{６}{٣}", "2"), ("1,２３４", "1234"),
    ("٣,000", "3000"), ("(６, ٣)", "(6, 3)"), ("６ \\text{ cm}", "6"), ("６%", "6"), ("６^\\circ", "6"),
    ("６.00000001", "6"), ("ｉｎｆ", "inf"), ("６\x00", "6"), ("\x006", "6"), ("6\x00", "6\x00"),
    ("\x00", "\x00"), ("\x00", ""), ("1 \x00 2", "1 2"), ("hồ", "HỒ"), ("٣ \\frac{1}{2}", "3+1/2"),
    ("６ ٣/4", "6+3/4"), ("\\sqrt{６}", "\\sqrt{6}"), ("x = ６", "6"),
]
NORMALIZE = [
    "６", "１２", "٣", "６.0", "١٢٣", "-６", "６_０", "６e2", "\u3000６\u3000", "\x1c6", "²", "①",
    "1,２３４", "٣,000", "６/٣", "６ \\text{ cm}", "６\x00", "\x00", "1 \x00 2", "hồ", "\\frac{６}{٣}",
    "६४", "６ ٣/4", "x = ６", "Ａ",
]


def read(name):
    with open(os.path.join(outdir, name)) as f:
        return [json.loads(line) for line in f if line.strip()]


def write(name, rows):
    tmp = os.path.join(outdir, name + ".tmp")
    with open(tmp, "w") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    os.replace(tmp, os.path.join(outdir, name))


pairs = [(r["given"], r["gt"]) for r in read("grade_golden.jsonl")]
for p in GRADE:
    if p not in pairs:
        pairs.append(p)
write("grade_golden.jsonl", [{"given": g, "gt": t, "expect": grade_answer(g, t)} for g, t in pairs])

strings = [r["s"] for r in read("normalize_golden.jsonl")]
for s in NORMALIZE:
    if s not in strings:
        strings.append(s)
write("normalize_golden.jsonl", [{"s": s, "mathd": normalize_answer(s), "prm": _normalize(s)} for s in strings])
