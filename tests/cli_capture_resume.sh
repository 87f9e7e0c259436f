#!/bin/bash
# cli_capture_resume.sh -- nothing is lost: a server killed mid-capture, the
# capture itself killed with SIGKILL, and Ctrl-C (SIGINT) each leave the
# finished problems in a partial file, and `--resume` keeps them, redoes
# the rest and writes exactly the trace an uninterrupted capture writes.
# A kill before the first problem or during the final header rewrite
# (issue 13, F1/F2) loses nothing either. A resume with changed settings
# is refused; one with nothing to resume starts afresh.
set -u
. "${ETSIM_SOURCE_DIR:?}/tests/fake_servers.sh"
need_data

CFG='"problems": [0, 3], "problems_in_flight": 1, "embed_url": null,
     "selectors": [{"selector": "rebase", "width": 4}, {"selector": "dvts", "width": 4}]'

# The uninterrupted reference, on a port that every later server reuses.
start_server
P=$PORT
make_config "$DIR/ref.json" "$P" "{$CFG, \"out\": \"ref.trace\"}"
"$BIN" capture --config "$DIR/ref.json" >/dev/null 2>"$DIR/err.txt" || fail "reference: $(cat "$DIR/err.txt")"
stop_server "$SRV"
make_config "$DIR/cap.json" "$P" "{$CFG, \"out\": \"cap.trace\"}"

# journal_lines: problems finished so far by the running capture
journal_lines() { cat "$DIR/cap.trace.capture.jsonl" 2>/dev/null | wc -l; }

# resume_and_compare WHAT: restart a clean server, resume, compare.
resume_and_compare() {
    start_server --port "$P"
    if "$BIN" capture --config "$DIR/cap.json" --resume >"$DIR/out.txt" 2>"$DIR/err.txt"; then
        grep -q "kept from the interrupted run" "$DIR/out.txt" || fail "$1: nothing kept: $(cat "$DIR/out.txt")"
        cmp -s "$DIR/ref.trace" "$DIR/cap.trace" || fail "$1: resumed trace differs from the uninterrupted one"
        ls "$DIR"/cap.trace.tmp.* >/dev/null 2>&1 && fail "$1: partial files left after resume"
    else
        fail "$1: resume: $(cat "$DIR/err.txt")"
    fi
    stop_server "$SRV"
    rm -f "$DIR"/cap.trace*
}

# ---- the server dies mid-capture ------------------------------------------------------------
start_server --port "$P" --die-after 60
"$BIN" capture --config "$DIR/cap.json" >/dev/null 2>"$DIR/err.txt"
rc=$?
[ "$rc" -eq 1 ] || fail "server killed: want exit 1, got $rc"
grep -q "http://127.0.0.1:$P/v1" "$DIR/err.txt" || fail "server killed: URL not named: $(cat "$DIR/err.txt")"
grep -q -- "--resume" "$DIR/err.txt" || fail "server killed: no hint to resume: $(cat "$DIR/err.txt")"
[ "$(wc -l <"$DIR/err.txt")" -eq 1 ] || fail "server killed: not one line: $(cat "$DIR/err.txt")"
[ ! -e "$DIR/cap.trace" ] || fail "server killed: a finished trace appeared"
ls "$DIR"/cap.trace.tmp.* >/dev/null 2>&1 || fail "server killed: no partial file kept"
[ "$(journal_lines)" -ge 1 ] || fail "server killed: no problem finished before (raise --die-after)"
stop_server "$SRV"
resume_and_compare "server killed"

# ---- the capture is killed with SIGKILL, then with SIGINT ------------------------------------------
for sig in KILL INT; do
    start_server --port "$P" --slow-every 1:15
    "$BIN" capture --config "$DIR/cap.json" >/dev/null 2>"$DIR/err.txt" &
    cap=$!
    for _ in $(seq 400); do
        [ "$(journal_lines)" -ge 1 ] && break
        kill -0 "$cap" 2>/dev/null || break
        sleep 0.05
    done
    kill -"$sig" "$cap" 2>/dev/null
    wait "$cap"
    rc=$?
    [ "$(journal_lines)" -ge 1 ] || fail "SIG$sig: the capture did not finish a problem in time"
    if [ "$sig" = INT ]; then
        [ "$rc" -eq 1 ] || fail "SIGINT: want exit 1, got $rc"
        grep -q "interrupted" "$DIR/err.txt" || fail "SIGINT: no message: $(cat "$DIR/err.txt")"
    fi
    [ ! -e "$DIR/cap.trace" ] || fail "SIG$sig: a finished trace appeared"
    stop_server "$SRV"
    resume_and_compare "SIG$sig"
done

# ---- issue 13 (F1, F2): killed before the first problem, during the final rewrite, after it ------
# The header's counters come from the journal: the resumed trace must still be byte-identical.
for point in start rewrite:1 rewrite:3 renamed; do
    start_server --port "$P"
    ETSIM_TEST_KILL_AT=$point "$BIN" capture --config "$DIR/cap.json" >/dev/null 2>&1
    rc=$?
    [ "$rc" -eq 137 ] || fail "kill at $point: want SIGKILL (137), got $rc"
    if "$BIN" capture --config "$DIR/cap.json" --resume >"$DIR/out.txt" 2>"$DIR/err.txt"; then
        case $point in
            start) want="0 reused, 3 computed" ;;
            *) want="3 reused, 0 computed" ;;
        esac
        grep -q "^problems: $want$" "$DIR/out.txt" || fail "kill at $point: want '$want': $(cat "$DIR/out.txt")"
        cmp -s "$DIR/ref.trace" "$DIR/cap.trace" || fail "kill at $point: resumed trace differs"
        ls "$DIR"/cap.trace.tmp.* "$DIR/cap.trace.capture.jsonl" >/dev/null 2>&1 && fail "kill at $point: files left"
    else
        fail "kill at $point: resume: $(cat "$DIR/err.txt")"
    fi
    stop_server "$SRV"
    rm -f "$DIR"/cap.trace*
done

# ---- refusals -------------------------------------------------------------------------------------
start_server --port "$P" --die-after 40
"$BIN" capture --config "$DIR/cap.json" >/dev/null 2>&1
stop_server "$SRV"
start_server --port "$P"
make_config "$DIR/changed.json" "$P" "{$CFG, \"out\": \"cap.trace\", \"temperature\": 0.5}"
"$BIN" capture --config "$DIR/changed.json" --resume >/dev/null 2>"$DIR/err.txt"
[ $? -eq 1 ] || fail "resume with changed settings: want exit 1"
grep -q "different settings" "$DIR/err.txt" || fail "changed settings: $(cat "$DIR/err.txt")"
rm -f "$DIR"/cap.trace*
# nothing to resume (a capture killed while starting leaves no file): --resume
# starts afresh and says so (issue 13: resumable whenever it was killed)
"$BIN" capture --config "$DIR/cap.json" --resume >"$DIR/out.txt" 2>"$DIR/err.txt" ||
    fail "resume with nothing to resume: $(cat "$DIR/err.txt")"
grep -q "nothing to resume .*started afresh" "$DIR/out.txt" || fail "nothing to resume: $(cat "$DIR/out.txt")"
cmp -s "$DIR/ref.trace" "$DIR/cap.trace" || fail "nothing to resume: trace differs from the reference"
finish
