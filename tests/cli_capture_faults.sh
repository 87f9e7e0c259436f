#!/bin/bash
# cli_capture_faults.sh -- `etsim capture` against misbehaving servers:
# unreachable at start (fails in seconds naming the URL), slow replies,
# 500s and dropped connections (retried: the trace is identical to a clean
# capture's), malformed JSON and a 400 (stop, one line quoting request and
# reply, no output trace), PRM replies without a score, short replies and
# invalid UTF-8 (counted in the trace header; offline replays still
# reproduce the live decisions).
set -u
. "${ETSIM_SOURCE_DIR:?}/tests/fake_servers.sh"
need_data

SMALL='"problems": [0, 1], "selectors": [{"selector": "rebase", "width": 4}, {"selector": "beam", "width": 4}]'

# expect_fail NEEDLE... : the last capture exited 1 with one line naming each NEEDLE
expect_fail() {
    [ "$rc" -eq 1 ] || fail "want exit 1, got $rc: $(cat "$DIR/err.txt")"
    [ "$(wc -l <"$DIR/err.txt")" -eq 1 ] || fail "not one line: $(cat "$DIR/err.txt")"
    for n in "$@"; do grep -qF -- "$n" "$DIR/err.txt" || fail "'$n' not in: $(cat "$DIR/err.txt")"; done
}

# ---- unreachable at start: a port nobody listens on -------------------------------------------
start_server
DEAD=$PORT
stop_server "$SRV"
make_config "$DIR/dead.json" "$DEAD" "{$SMALL, \"out\": \"dead.trace\"}"
t0=$(date +%s)
"$BIN" capture --config "$DIR/dead.json" >/dev/null 2>"$DIR/err.txt"
rc=$?
t1=$(date +%s)
expect_fail "unreachable" "http://127.0.0.1:$DEAD/v1/models"
[ $((t1 - t0)) -le 10 ] || fail "an unreachable server took $((t1 - t0)) s to report"
ls "$DIR"/dead.trace* >/dev/null 2>&1 && fail "an unreachable server left output files"

# ---- clean reference, then the same port with slow replies, 500s and drops -------------------
start_server
P=$PORT
make_config "$DIR/ref.json" "$P" "{$SMALL, \"out\": \"ref.trace\"}"
"$BIN" capture --config "$DIR/ref.json" >/dev/null 2>"$DIR/err.txt" || fail "clean capture: $(cat "$DIR/err.txt")"
stop_server "$SRV"
start_server --port "$P" --fail-every 7 --drop-every 11 --slow-every 5:50
make_config "$DIR/flaky.json" "$P" "{$SMALL, \"out\": \"flaky.trace\"}"
if "$BIN" capture --config "$DIR/flaky.json" >"$DIR/out.txt" 2>"$DIR/err.txt"; then
    cmp -s "$DIR/ref.trace" "$DIR/flaky.trace" || fail "retried capture differs from the clean one"
    grep -Eq "answered, [1-9][0-9]* retried" "$DIR/out.txt" || fail "no retries reported: $(cat "$DIR/out.txt")"
else
    fail "capture with transient faults: $(cat "$DIR/err.txt")"
fi
stop_server "$SRV"

# ---- malformed JSON, then a 400: stop with request and reply quoted ----------------------------
start_server --malformed-at 6
make_config "$DIR/bad.json" "$PORT" "{$SMALL, \"out\": \"bad.trace\"}"
"$BIN" capture --config "$DIR/bad.json" >/dev/null 2>"$DIR/err.txt"
rc=$?
expect_fail "malformed reply" "not valid JSON" "request '{\"model\":" "reply '{\"choices\": [{\"text\": \"unterminated"
[ ! -e "$DIR/bad.trace" ] || fail "a malformed reply left a finished trace"
stop_server "$SRV"
start_server --client-error-at 6
make_config "$DIR/bad4.json" "$PORT" "{$SMALL, \"out\": \"bad4.trace\"}"
"$BIN" capture --config "$DIR/bad4.json" >/dev/null 2>"$DIR/err.txt"
rc=$?
expect_fail "HTTP 400" "injected bad request" "after 1 attempt;"
[ ! -e "$DIR/bad4.trace" ] || fail "a 400 left a finished trace"
stop_server "$SRV"

# ---- no score, short replies, invalid UTF-8: counted, nothing invented --------------------------
start_server --noscore-every 4 --short-every 3 --badutf8-every 2
make_config "$DIR/odd.json" "$PORT" "{$SMALL, \"out\": \"odd.trace\"}"
if "$BIN" capture --config "$DIR/odd.json" --results "$DIR/odd" >/dev/null 2>"$DIR/err.txt"; then
    [ "$(header_count "$DIR/odd.trace" prm_no_score)" -gt 0 ] || fail "no-score children not counted"
    [ "$(header_count "$DIR/odd.trace" short_replies)" -gt 0 ] || fail "short replies not counted"
    [ "$(header_count "$DIR/odd.trace" invalid_utf8)" -gt 0 ] || fail "invalid UTF-8 not counted"
    replay_same "$DIR/odd.trace" "$DIR/odd" 0-rebase-w4 rebase 4
    replay_same "$DIR/odd.trace" "$DIR/odd" 1-beam-w4 beam 4
    # dropped children are in the trace, unscored, and the live run dropped them too
    grep -qE '"dropped_unscored": ?[1-9]' "$DIR/odd/0-rebase-w4.json" || fail "no dropped children in the live result"
    # every stored text is valid UTF-8 (U+FFFD where a byte was invalid)
    "$BIN" replay --trace "$DIR/odd.trace" --selector rebase --width 4 --with-text \
        --out "$DIR/text.json" >/dev/null 2>&1 || fail "replay --with-text"
    grep -q -e $'\xef\xbf\xbd' -e '\\ufffd' "$DIR/text.json" || fail "no repaired text in the trace"
else
    fail "capture with odd replies: $(cat "$DIR/err.txt")"
fi

# ---- impossible PRM probabilities (issue 13, F5): stop, naming server, problem and node ----------
# "+" with logprob 5.0 (a probability of 148) and 1e999 (+inf): one line, exit 1, no
# finished trace. The label must not be taken as missing (that records another tree).
for bad in 5.0 1e999; do
    start_server --prm-bad "3:$bad"
    make_config "$DIR/imp.json" "$PORT" "{$SMALL, \"out\": \"imp.trace\"}"
    "$BIN" capture --config "$DIR/imp.json" >/dev/null 2>"$DIR/err.txt"
    rc=$?
    expect_fail "prm http://127.0.0.1:$PORT/v1/completions" "problem 0 node" \
        "not a probability in [0, 1]" "token '+'"
    [ ! -e "$DIR/imp.trace" ] || fail "an impossible logprob ($bad) left a finished trace"
    stop_server "$SRV"
    rm -f "$DIR"/imp.trace*
done
# the chat PRM format too
start_server --prm-bad "2:0.5"
make_config "$DIR/imp.json" "$PORT" "{$SMALL, \"out\": \"imp.trace\", \"prm_kind\": \"rlhflow\"}"
"$BIN" capture --config "$DIR/imp.json" >/dev/null 2>"$DIR/err.txt"
rc=$?
expect_fail "prm http://127.0.0.1:$PORT/v1/chat/completions" "problem 0 node" "not a probability in [0, 1]"
stop_server "$SRV"
finish
