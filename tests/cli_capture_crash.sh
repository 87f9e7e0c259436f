#!/bin/bash
# cli_capture_crash.sh -- issue 13's crash-safety figure for `etsim capture`
# (F1, F2, F4), on the synthetic stand-in (no servers, no ../shared):
#   - kill -9 at 20 moments: 7 fixed points of the run (ETSIM_TEST_KILL_AT:
#     before the first problem, after problems, during the final header
#     rewrite, after its rename) and 13 random times while it runs; after
#     each, --resume writes a trace byte-identical to an uninterrupted one,
#     reuses exactly the problems the partial files held (counted with
#     inspect --scan before the resume) and computes only the rest;
#   - a 0-byte or header-less partial file: --resume starts afresh;
#   - two captures, or two resumes, of one trace: the second stops naming
#     the first (the lock <out>.lock), and the first ends untouched.
set -u
. "${ETSIM_SOURCE_DIR:?}/tests/lib_cli.sh"
export ETSIM_NO_PROGRESS=1
N=16
cat >"$DIR/cap.json" <<EOF
{"problems": [0, $N], "out": "cap.trace", "problems_in_flight": 2,
 "selectors": [{"selector": "rebase", "width": 4}, {"selector": "dvts", "width": 4}]}
EOF
sed 's/cap.trace/ref.trace/' "$DIR/cap.json" >"$DIR/ref.json"
capture() { "$BIN" capture --config "$DIR/cap.json" --synthetic --quiet "$@"; }
# in the background: $! must be etsim itself, not a subshell running capture()
capture_bg() { "$BIN" capture --config "$DIR/cap.json" --synthetic --quiet "$@" & }
# Wait until pid $1 has stopped itself (ETSIM_TEST_STOP_AT); /proc, not ps,
# which a bare Debian lacks.
wait_stopped() {
    for _ in $(seq 1000); do
        [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = T ] && return 0
        sleep 0.01
    done
    fail "pid $1 never stopped at its ETSIM_TEST_STOP_AT point"
}

t0=$(date +%s%N)
"$BIN" capture --config "$DIR/ref.json" --synthetic --quiet >"$DIR/out.txt" 2>"$DIR/err.txt" ||
    fail "reference capture: $(cat "$DIR/err.txt")"
full_ms=$((($(date +%s%N) - t0) / 1000000))
grep -q "^problems: 0 reused, $N computed$" "$DIR/out.txt" || fail "reference: $(cat "$DIR/out.txt")"

# kept_before_resume: the problems a resume must keep (the most held by any
# partial file; all of them when the final trace is already in place).
kept_before_resume() {
    if "$BIN" inspect --no-columns "$DIR/cap.trace" >/dev/null 2>&1; then
        echo "$N"
        return
    fi
    local best=0 f k
    for f in "$DIR"/cap.trace.tmp.*; do
        [ -e "$f" ] || continue
        k=$("$BIN" inspect --scan --json --no-columns "$f" 2>/dev/null | grep -P '^\t"problems":' |
            grep -o '[0-9]*')
        [ -n "$k" ] && [ "$k" -gt "$best" ] && best=$k
    done
    echo "$best"
}

# kill_and_resume WHAT: the capture was killed; resume and check.
kill_and_resume() {
    local kept
    kept=$(kept_before_resume)
    if ! capture --resume >"$DIR/out.txt" 2>"$DIR/err.txt"; then
        fail "$1: resume: $(cat "$DIR/err.txt")"
        rm -f "$DIR"/cap.trace*
        return
    fi
    cmp -s "$DIR/ref.trace" "$DIR/cap.trace" || fail "$1: resumed trace differs from the uninterrupted one"
    local line reused computed
    line=$(grep "^problems: " "$DIR/out.txt")
    reused=$(echo "$line" | sed -n 's/^problems: \([0-9]*\) reused, [0-9]* computed$/\1/p')
    computed=$(echo "$line" | sed -n 's/^problems: [0-9]* reused, \([0-9]*\) computed$/\1/p')
    [ -n "$reused" ] && [ -n "$computed" ] || fail "$1: no reused/computed line: $(cat "$DIR/out.txt")"
    [ "${reused:-x}" = "$kept" ] || fail "$1: $kept problems were finished, $reused reused"
    [ $((${reused:-0} + ${computed:-0})) -eq $N ] || fail "$1: $reused reused + $computed computed != $N"
    ls "$DIR"/cap.trace.tmp.* "$DIR/cap.trace.capture.jsonl" "$DIR/cap.trace.lock" >/dev/null 2>&1 &&
        fail "$1: files left after resume: $(ls "$DIR" | grep cap.trace.)"
    total_reused=$((total_reused + ${reused:-0}))
    total_computed=$((total_computed + ${computed:-0}))
    echo "ok: $1: $kept finished before the kill, $reused reused, $computed computed"
    rm -f "$DIR"/cap.trace*
}

total_reused=0
total_computed=0
# ---- fixed points: before the first problem, mid-capture, the final rewrite ----------------------
for point in start frame:1 frame:$((N / 2)) rewrite:1 rewrite:$((N / 2)) rewrite:$N renamed; do
    ETSIM_TEST_KILL_AT=$point capture >/dev/null 2>&1
    rc=$?
    [ "$rc" -eq 137 ] || fail "kill point $point: want SIGKILL (137), got $rc"
    case $point in
        rewrite:*) ls "$DIR"/cap.trace.tmp.*.partial >/dev/null 2>&1 ||
                       fail "kill point $point: not during the final rewrite" ;;
    esac
    kill_and_resume "kill -9 at $point"
done
# ---- random moments over the whole run -------------------------------------------------------
# A kill that comes after the capture finished does not count: up to 40
# tries for 13 kills that land (the run's length varies with the load).
RANDOM=1313
landed=0
for k in $(seq 40); do
    [ "$landed" -ge 13 ] && break
    capture_bg >/dev/null 2>&1
    pid=$!
    ms=$((RANDOM % (full_ms * 3 / 4 + 1)))
    sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [ ! -e "$DIR/cap.trace.lock" ] && [ -e "$DIR/cap.trace" ]; then
        # finished before the kill: nothing to resume, the trace is the reference
        cmp -s "$DIR/ref.trace" "$DIR/cap.trace" || fail "random kill $k: finished trace differs"
        echo "ok: random try $k at ${ms} ms: the capture had finished (not counted)"
        rm -f "$DIR"/cap.trace*
        continue
    fi
    landed=$((landed + 1))
    kill_and_resume "random kill $landed (try $k) at ${ms} ms"
done
echo "$((7 + landed)) kills: $total_reused problems reused, $total_computed computed"
[ "$landed" -ge 13 ] || echo "note: only $landed random kills landed in 40 tries (a heavily loaded machine)"

# ---- F1: a partial file with no header (0 bytes, or cut inside the header) -------------------------
for bytes in 0 9; do
    ETSIM_TEST_KILL_AT=frame:1 capture >/dev/null 2>&1
    for f in "$DIR"/cap.trace.tmp.*; do truncate -s "$bytes" "$f"; done
    capture --resume >"$DIR/out.txt" 2>"$DIR/err.txt" || fail "header-less ($bytes bytes): $(cat "$DIR/err.txt")"
    grep -q "started afresh" "$DIR/out.txt" || fail "header-less ($bytes bytes): not restarted: $(cat "$DIR/out.txt")"
    cmp -s "$DIR/ref.trace" "$DIR/cap.trace" || fail "header-less ($bytes bytes): trace differs"
    rm -f "$DIR"/cap.trace*
done
# nothing at all (killed while starting, before any file): --resume starts afresh
capture --resume >"$DIR/out.txt" 2>"$DIR/err.txt" || fail "resume of nothing: $(cat "$DIR/err.txt")"
grep -q "nothing to resume .*started afresh" "$DIR/out.txt" || fail "resume of nothing: $(cat "$DIR/out.txt")"
cmp -s "$DIR/ref.trace" "$DIR/cap.trace" || fail "resume of nothing: trace differs"
rm -f "$DIR"/cap.trace*

# ---- F4: one capture per trace ---------------------------------------------------------------------
# the first capture stops itself once it holds the lock while the others try
ETSIM_TEST_STOP_AT=start capture_bg >/dev/null 2>"$DIR/a.err"
a=$!
wait_stopped "$a"
expect 1 "in use by pid $a on" capture
expect 1 "in use by pid $a on" capture --resume
[ -e "$DIR/cap.trace.lock" ] || fail "a refused capture removed the holder's lock file"
kill -CONT "$a"
wait "$a" || fail "the first capture failed: $(cat "$DIR/a.err")"
cmp -s "$DIR/ref.trace" "$DIR/cap.trace" || fail "the first capture's trace was disturbed"
rm -f "$DIR"/cap.trace*
# two resumes of one interrupted capture: the second stops, the first finishes
ETSIM_TEST_KILL_AT=frame:3 capture >/dev/null 2>&1
ETSIM_TEST_STOP_AT=frame:1 capture_bg --resume >"$DIR/a.out" 2>"$DIR/a.err"
a=$!
wait_stopped "$a"
expect 1 "in use by pid $a on" capture --resume
kill -CONT "$a"
wait "$a" || fail "the first resume failed: $(cat "$DIR/a.err")"
grep -q "^problems: 3 reused, $((N - 3)) computed$" "$DIR/a.out" || fail "first resume: $(cat "$DIR/a.out")"
cmp -s "$DIR/ref.trace" "$DIR/cap.trace" || fail "two resumes: trace differs"

rm -f "$DIR"/cap.trace*

# ---- F6: the capture config under the shared JSON policy -------------------------------------------
printf '{"problems": [0, 2], "selectors": [{"selector": "rebase", "width": 4}]}\n}' >"$DIR/trail.json"
expect 1 "trail.json: line 2: unexpected content after the JSON value" \
    "$BIN" capture --config "$DIR/trail.json" --synthetic --out "$DIR/x.trace"
printf '{"problems": [0, 2],\n "problems": [0, 3], "selectors": [{"selector": "rebase", "width": 4}]}' >"$DIR/dup.json"
expect 1 "dup.json: line 2: duplicate key 'problems'" \
    "$BIN" capture --config "$DIR/dup.json" --synthetic --out "$DIR/x.trace"
ls "$DIR"/x.trace* >/dev/null 2>&1 && fail "a bad config left files: $(ls "$DIR" | grep x.trace)"

if [ "$fails" -gt 0 ]; then
    echo "$fails failure(s)"
    exit 1
fi
echo "all passed"
