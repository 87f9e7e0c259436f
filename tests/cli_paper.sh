#!/bin/bash
# cli_paper.sh -- `etsim paper --synthetic` end to end on the calibrated
# Llemma-34B / MATH500 profile (first 24 problems with the default
# lambda_b sweep, to stay fast under ASan), then on its first 100 problems
# the paper's qualitative findings, read from the files it writes:
#   Figure 2: REBASE's FLOPs and model calls within 15% of beam search, but
#             a larger KV cache and a longer simulated runtime;
#   Table 1:  ETS's KV reduction over REBASE > 1 at every width and growing
#             from width 16 to 256; ETS accuracy within 1 point of REBASE.
#             On 100 problems that difference is mostly sampling noise, so
#             there the bound is 1 point plus two standard errors of the
#             paired difference (from the problems on which the two
#             disagree); on a full run (below) it is the plain 1 point.
#             Table 1's noise bands (each accuracy's standard error, the
#             paired standard error of ETS - REBASE) match the problem lines.
# Also: outputs complete, rerunning resumes (recomputes nothing), tables
# carry the published values, bad options are usage errors, gnuplot is
# found and run by the CLI.
# With ETSIM_PAPER_FULL_DIR set to the output of a full run, the findings
# are checked on it too, with the strict 1-point accuracy bound.
set -u
. "${ETSIM_SOURCE_DIR:?}/tests/lib_cli.sh" # BIN, DIR, fail, skip
T=$DIR
ok() { echo "ok: $*"; }

"$BIN" paper --synthetic --out "$T/p" --problems 24 --setups llemma34b-math500 --threads 2 \
  --no-render > "$T/stdout" 2> "$T/stderr" || { fail "paper run: $(cat "$T/stderr")"; echo "$fails failure(s)"; exit 1; }
for f in table1.md table1.csv table1.tex table2.md table3.md fig2.dat fig3.dat plots/fig2.gp \
         plots/fig3.gp paper.md grid-main.json sweep-main/summary.jsonl; do
  [ -s "$T/p/$f" ] || fail "missing $f"
done
grep -q "Table 1" "$T/stdout" && ok "Table 1 printed" || fail "Table 1 not printed"

check_findings() { # dir, accuracy tolerance, standard errors to add (0: none)
  python3 - "$1" "$2" "$3" <<'EOF'
import csv, json, math, sys
d, tol, n_se = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
bad = 0
def check(cond, what):
    global bad
    print(("ok: " if cond else "FAIL: ") + what)
    bad += not cond
fig2 = {}
for line in open(d + "/fig2.dat"):
    if line.startswith("#") or not line.strip():
        continue
    name = line.split('"')[1] if line.startswith('"') else line.split()[0]
    vals = [float(x) for x in line.rsplit('"', 1)[-1].split()[-3:]]
    fig2[name] = vals
f, c, k, r = fig2["FLOPs"][2], fig2["Model calls"][2], fig2["KV cache size"][2], fig2["Runtime (simulated)"][2]
check(abs(f - 1) <= 0.15, "REBASE FLOPs within 15%% of beam search (%.3f)" % f)
check(abs(c - 1) <= 0.15, "REBASE model calls within 15%% of beam search (%.3f)" % c)
check(k > 1, "REBASE KV cache larger than beam search (%.3f)" % k)
check(r > 1, "REBASE simulated runtime longer than beam search (%.3f)" % r)
rows = list(csv.DictReader(open(d + "/table1.csv")))
main = [x for x in rows if x["Dataset"] == "MATH500" and x["Model"] == "Llemma-34B"]
acc = {(x["Method"], int(x["Width"])): float(x["Accuracy (%)"]) for x in main}
kv = {int(x["Width"]): float(x["KV reduction"]) for x in main if x["Method"] == "ETS"}
lam = {int(x["Width"]): float(x["λ_b"]) for x in main if x["Method"] == "ETS"}
# per-problem correctness of REBASE and of the picked ETS on the main setup
cfg, right = {}, {}
for line in open(d + "/sweep-main/summary.jsonl"):
    j = json.loads(line)
    if "config" in j and "cfg" in j:
        c = j["config"]
        if "paper-llemma34b-math500" in c["source"]["spec"]:
            cfg[j["cfg"]] = c["search"]
    elif "p" in j and j["cfg"] in cfg:
        s = cfg[j["cfg"]]
        key = (s["selector"], s["width"], s["params"].get("lambdac"))
        right.setdefault(key, {})[j["p"]] = j["vote"]["weighted"][1]
for w in (16, 64, 256):
    check(kv[w] > 1, "ETS KV reduction > 1 at width %d (%.2f)" % (w, kv[w]))
    diff = acc[("ETS", w)] - acc[("REBASE", w)]
    r, e = right[("rebase", w, None)], right[("ets", w, lam[w])]
    disagree = sum(1 for p in r if r[p] != e[p])
    band = tol + n_se * 100.0 * math.sqrt(disagree) / len(r)
    check(abs(diff) <= band + 1e-9, "ETS accuracy within %.1f points of REBASE at width %d "
          "(%+.1f; %d of %d problems disagree)" % (band, w, diff, disagree, len(r)))
    # the noise bands Table 1 prints: each accuracy's standard error and the
    # paired standard error of ETS - REBASE, recomputed from the problem lines
    n = len(r)
    dd = [int(e[p]) - int(r[p]) for p in r]
    m = sum(dd) / n
    want_pse = 100.0 * math.sqrt(sum((x - m) ** 2 for x in dd) / (n - 1) / n)
    cell = [x for x in main if x["Method"] == "ETS" and int(x["Width"]) == w][0]["ETS - REBASE (SE)"]
    got_d, got_se = float(cell.split()[0]), float(cell.split("(")[1].rstrip(")"))
    check(abs(got_d - 100.0 * m) < 0.051 and abs(got_se - want_pse) < 0.051,
          "Table 1 paired band at width %d: %s (want %+.1f (%.1f))" % (w, cell, 100.0 * m, want_pse))
    for meth, right_of in (("REBASE", r), ("ETS", e)):
        pa = sum(1 for p in r if right_of[p]) / n
        se = [x for x in main if x["Method"] == meth and int(x["Width"]) == w][0]["SE"]
        check(abs(float(se) - 100.0 * math.sqrt(pa * (1 - pa) / n)) < 0.051,
              "Table 1 standard error of %s at width %d: %s" % (meth, w, se))
check(kv[256] > kv[16], "ETS KV reduction grows from width 16 to 256 (%.2f -> %.2f)" % (kv[16], kv[256]))
sys.exit(1 if bad else 0)
EOF
}
command -v python3 >/dev/null 2>&1 || skip "python3 not found (the findings are read with it)"
"$BIN" paper --synthetic --out "$T/f" --problems 100 --setups llemma34b-math500 --threads 2 \
  --no-render > /dev/null 2> "$T/f.err" || fail "paper run, 100 problems: $(cat "$T/f.err")"
check_findings "$T/f" 1.0 2 || fail "qualitative findings (100 problems)"

grep -q "| 47.2 |" "$T/p/table1.md" && ok "published values beside ours (built in)" || fail "no published values in table1.md"

# rerun: everything is already there, nothing is recomputed, same tables
cp "$T/p/table1.md" "$T/t1.md"
"$BIN" paper --synthetic --out "$T/p" --problems 24 --setups llemma34b-math500 --threads 2 \
  --no-render > /dev/null 2> "$T/stderr2" || fail "rerun"
grep -q "already done" "$T/stderr2" && ! grep -q "(0 already done)" "$T/stderr2" \
  && ok "rerun resumed" || fail "rerun did not resume: $(cat "$T/stderr2")"
cmp -s "$T/t1.md" "$T/p/table1.md" && ok "rerun: identical Table 1" || fail "rerun changed Table 1"

# rendering is the CLI's: it finds gnuplot on $PATH and runs it in OUT on
# the scripts the library wrote (a stand-in gnuplot logs its directory and
# arguments and writes the images); one that fails is an error; none on
# $PATH is said so; started with SIGCHLD ignored it still gets the status.
mkdir -p "$T/bin" "$T/badbin" "$T/nobin"
cat > "$T/bin/gnuplot" <<EOF
#!/bin/sh
echo "\$PWD|\$*" >> "$T/gnuplot.log"
b=\${2#*outbase=\'}; b=\${b%\'}
: > "\$b.png"; : > "\$b.svg"
EOF
printf '#!/bin/sh\nexit 3\n' > "$T/badbin/gnuplot"
chmod +x "$T/bin/gnuplot" "$T/badbin/gnuplot"
printf '%s\n' "$T/p|-e datafile='fig2.dat'; outbase='fig2' plots/fig2.gp" \
  "$T/p|-e datafile='fig3.dat'; outbase='fig3' plots/fig3.gp" > "$T/gnuplot.want"
rm -f "$T/gnuplot.log"
PATH="$T/nobin:$T/bin:$PATH" "$BIN" paper --synthetic --out "$T/p" --problems 24 \
  --setups llemma34b-math500 --threads 2 > /dev/null 2> "$T/render.err" || fail "render run: $(cat "$T/render.err")"
cmp -s "$T/gnuplot.want" "$T/gnuplot.log" && [ -e "$T/p/fig2.png" ] && [ -e "$T/p/fig3.svg" ] \
  && grep -q "figures rendered" "$T/render.err" && ok "gnuplot found on PATH, run in OUT on both figures" \
  || fail "render: $(cat "$T/gnuplot.log" "$T/render.err")"
PATH="$T/badbin:$PATH" "$BIN" paper --synthetic --out "$T/p" --problems 24 \
  --setups llemma34b-math500 --threads 2 > /dev/null 2> "$T/render.err"
[ $? -eq 1 ] && grep -qx "etsim: gnuplot failed on $T/p/plots/fig2.gp (exit status 3)" "$T/render.err" \
  && ok "a failing gnuplot is an error" || fail "failing gnuplot: $(cat "$T/render.err")"
PATH="$T/nobin" "$BIN" paper --synthetic --out "$T/p" --problems 24 --setups llemma34b-math500 \
  --threads 2 > /dev/null 2> "$T/render.err" && grep -q "gnuplot not found: render with: cd $T/p" "$T/render.err" \
  && ok "no gnuplot: the command is printed" || fail "no gnuplot: $(cat "$T/render.err")"
rm -f "$T/gnuplot.log"
PATH="$T/bin:$PATH" timeout 300 bash -c "trap '' CHLD; exec \"\$0\" paper --synthetic --out \"\$1\" \
  --problems 24 --setups llemma34b-math500 --threads 2" "$BIN" "$T/p" > /dev/null 2> "$T/render.err" \
  && cmp -s "$T/gnuplot.want" "$T/gnuplot.log" && ok "SIGCHLD ignored: gnuplot's status still read" \
  || fail "SIGCHLD ignored: $(cat "$T/render.err")"

# an unreadable --reference is an error, as in `etsim fit` (one finder of
# the paper's numbers: --reference FILE, else the built-in copy), found
# before anything is written
"$BIN" paper --synthetic --out "$T/noref" --problems 24 \
  --setups llemma34b-math500 --reference /nonexistent/ets_paper.json --no-render \
  > "$T/noref.out" 2> "$T/noref.err"
[ $? -eq 1 ] && grep -q "^etsim: /nonexistent/ets_paper.json: cannot open" "$T/noref.err" && [ ! -e "$T/noref" ] \
  && ok "unreadable --reference: error, nothing written" || fail "unreadable --reference: $(cat "$T/noref.err")"

"$BIN" paper --synthetic --trace-dir /tmp --out "$T/x" 2> /dev/null
[ $? -eq 2 ] && ok "--synthetic with --trace-dir is a usage error" || fail "exclusive sources"
"$BIN" paper --synthetic --out "$T/x" --setups llemma34b-math999 2> "$T/bad.err"
[ $? -eq 1 ] && grep -q "unknown setup" "$T/bad.err" && ok "unknown setup named" || fail "unknown setup"

if [ -n "${ETSIM_PAPER_FULL_DIR:-}" ]; then
  check_findings "$ETSIM_PAPER_FULL_DIR" 1.0 0 || fail "qualitative findings (full run)"
else
  echo "not asked for: full-run findings (opt-in: set ETSIM_PAPER_FULL_DIR to an etsim paper --synthetic output)"
fi

echo "$fails failure(s)"
[ $fails -eq 0 ]
