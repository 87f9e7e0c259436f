#!/bin/bash
# cli_capture.sh -- `etsim capture` end to end against loopback stand-in
# servers answering with real recorded search-and-learn content: a covering
# trace for three configurations whose offline replays reproduce the live
# decision logs byte for byte, for each PRM convention (Math-Shepherd
# logprobs, RLHFlow chat, reward head via /pooling); token counts from
# /tokenize with one request per child; the synthetic stand-in; the
# coverage report; usage errors. (That a rerun writes the identical trace
# is checked by cli_capture_resume.sh.)
set -u
. "${ETSIM_SOURCE_DIR:?}/tests/fake_servers.sh"

# ---- usage (no data needed) ------------------------------------------------------------
"$BIN" capture --help >"$DIR/help.txt" 2>&1 || fail "capture --help"
grep -q -- "--resume" "$DIR/help.txt" || fail "help lacks --resume"
"$BIN" capture >/dev/null 2>"$DIR/err.txt"
[ $? -eq 2 ] || fail "capture without --config: want exit 2"
"$BIN" capture --config "$DIR/none.json" >/dev/null 2>"$DIR/err.txt"
[ $? -eq 1 ] || fail "missing config: want exit 1"
grep -q "none.json" "$DIR/err.txt" || fail "missing config not named: $(cat "$DIR/err.txt")"
echo '{"selectors": [{"selector": "rebase", "width": 4}], "policy_ur": "x"}' >"$DIR/typo.json"
"$BIN" capture --config "$DIR/typo.json" --out "$DIR/x.trace" >/dev/null 2>"$DIR/err.txt"
grep -q "unknown key 'policy_ur'" "$DIR/err.txt" || fail "typo key: $(cat "$DIR/err.txt")"
[ ! -e "$DIR/x.trace" ] || fail "a bad config left an output file"
# "dataset": "math500" is the built-in set wherever the config is: it loads,
# so the start fails only at the servers (nobody listens on port 1); any
# other name is a file beside the config
mkdir "$DIR/cfgdir"
for ds in math500 no-such-set; do
    printf '{"dataset": "%s", "policy_url": "http://127.0.0.1:1/v1", "prm_url": "http://127.0.0.1:1/v1",
      "probe_timeout_ms": 500, "selectors": [{"selector": "rebase", "width": 4}], "out": "x.trace"}' "$ds" \
        >"$DIR/cfgdir/$ds.json"
    "$BIN" capture --config "$DIR/cfgdir/$ds.json" >/dev/null 2>"$DIR/err-$ds.txt" && fail "capture with no server"
done
grep -q "policy server unreachable" "$DIR/err-math500.txt" || fail "built-in dataset: $(cat "$DIR/err-math500.txt")"
grep -q "cfgdir/no-such-set: cannot open" "$DIR/err-no-such-set.txt" ||
    fail "dataset file beside the config: $(cat "$DIR/err-no-such-set.txt")"
# a dataset line under the shared JSON policy: a duplicate key is named
printf '{"problem": "Q", "answer": "1", "answer": "2"}\n' >"$DIR/cfgdir/dupset"
printf '{"dataset": "dupset", "policy_url": "http://127.0.0.1:1/v1", "prm_url": "http://127.0.0.1:1/v1",
  "probe_timeout_ms": 500, "selectors": [{"selector": "rebase", "width": 4}], "out": "x.trace"}' >"$DIR/cfgdir/dup.json"
"$BIN" capture --config "$DIR/cfgdir/dup.json" >/dev/null 2>"$DIR/err-dup.txt" && fail "capture with a bad dataset"
grep -q "cfgdir/dupset: line 1: duplicate key 'answer'" "$DIR/err-dup.txt" ||
    fail "dataset duplicate key: $(cat "$DIR/err-dup.txt")"

# ---- the synthetic stand-in: same driver, no network ---------------------------------------
cat >"$DIR/syn.json" <<'EOF'
{"problems": [0, 4], "out": "syn.trace",
 "selectors": [{"selector": "ets", "width": 8}, {"selector": "rebase", "width": 8},
               {"selector": "dvts", "width": 4}]}
EOF
if "$BIN" capture --config "$DIR/syn.json" --synthetic --results "$DIR/synres" >"$DIR/out.txt" 2>"$DIR/err.txt"; then
    grep -q "union" "$DIR/out.txt" || fail "synthetic capture: no node report"
    replay_same "$DIR/syn.trace" "$DIR/synres" 0-ets-w8 ets 8
    replay_same "$DIR/syn.trace" "$DIR/synres" 1-rebase-w8 rebase 8
    replay_same "$DIR/syn.trace" "$DIR/synres" 2-dvts-w4 dvts 4
    # coverage: the captured configurations are answered in full
    cat >"$DIR/sweep.json" <<'EOF'
{"selectors": [{"selector": "rebase", "width": 8}, {"selector": "rebase", "width": 32}]}
EOF
    "$BIN" capture --config "$DIR/sweep.json" --coverage "$DIR/syn.trace" >"$DIR/cov.txt" 2>&1 ||
        fail "coverage: $(cat "$DIR/cov.txt")"
    grep -q "^0-rebase-w8 .*100.00%" "$DIR/cov.txt" || fail "coverage of a captured config: $(cat "$DIR/cov.txt")"
    grep "^1-rebase-w32" "$DIR/cov.txt" | grep -q "100.00%" && fail "a wider config cannot be fully covered"
else
    fail "synthetic capture: $(cat "$DIR/err.txt")"
fi
# --rounds: the configurations step together, their merged needs answered
# per round, as with servers (the driver's live path, with no network).
# Same decisions and work as one after another; the union tree numbers its
# nodes in request order, and each configuration replays its live run from
# it. Every configuration makes each selection once: its selector calls
# equal the selections its result file logs.
if "$BIN" capture --config "$DIR/syn.json" --synthetic --rounds --out "$DIR/synr.trace" \
    --results "$DIR/synres-r" >"$DIR/out-r.txt" 2>"$DIR/err.txt"; then
    replay_same "$DIR/synr.trace" "$DIR/synres-r" 0-ets-w8 ets 8
    replay_same "$DIR/synr.trace" "$DIR/synres-r" 1-rebase-w8 rebase 8
    replay_same "$DIR/synr.trace" "$DIR/synres-r" 2-dvts-w4 dvts 4
    cmp -s <(grep "selections" "$DIR/out.txt") <(grep "selections" "$DIR/out-r.txt") ||
        fail "rounds changed the work: $(cat "$DIR/out.txt" "$DIR/out-r.txt")"
    for c in 0-ets-w8 1-rebase-w8 2-dvts-w4; do
        logged=$(grep '^{"index":' "$DIR/synres-r/$c.json" | grep -o '"selections":[0-9]*' |
            awk -F: '{ n += $2 } END { print n + 0 }')
        made=$(sed -n "s/^  $c  *[0-9]* nodes, \([0-9]*\) selections.*/\1/p" "$DIR/out-r.txt")
        [ -n "$made" ] && [ "$made" -gt 0 ] && [ "$made" -eq "$logged" ] ||
            fail "$c: $made selector calls for $logged logged selections"
    done
    grep -q "^  0-ets-w8 .* \([1-9][0-9]*\) selections, \1 ILP solves" "$DIR/out-r.txt" ||
        fail "ets: one ILP solve per selection: $(cat "$DIR/out-r.txt")"
    "$BIN" capture --config "$DIR/syn.json" --synthetic --rounds --out "$DIR/synr.trace" --resume \
        >"$DIR/out-rr.txt" 2>&1 || fail "resume of a rounds capture: $(cat "$DIR/out-rr.txt")"
    grep -q "already complete" "$DIR/out-rr.txt" || fail "rounds resume: $(cat "$DIR/out-rr.txt")"
    "$BIN" capture --config "$DIR/syn.json" --synthetic --out "$DIR/synr.trace" --resume \
        >"$DIR/out-rs.txt" 2>&1
    grep -q "already complete" "$DIR/out-rs.txt" && fail "a rounds trace taken as complete without --rounds"
else
    fail "synthetic capture with --rounds: $(cat "$DIR/err.txt")"
fi

# ---- live, against the fake servers ---------------------------------------------------------
need_data
start_server
make_config "$DIR/live.json" "$PORT" '{"out": "live.trace"}'
if "$BIN" capture --config "$DIR/live.json" --results "$DIR/res" >"$DIR/out.txt" 2>"$DIR/err.txt"; then
    replay_same "$DIR/live.trace" "$DIR/res" 0-ets-w8 ets 8
    replay_same "$DIR/live.trace" "$DIR/res" 1-rebase-w8 rebase 8
    replay_same "$DIR/live.trace" "$DIR/res" 2-dvts-w4 dvts 4
    grep -q "union" "$DIR/out.txt" || fail "no node report"
    # the union is smaller than the sum (shared children were made once)
    read -r u sum < <(sed -n 's/.*union \([0-9]*\), sum over 3 configurations \([0-9]*\).*/\1 \2/p' "$DIR/out.txt")
    [ -n "${u:-}" ] && [ "$u" -lt "$sum" ] || fail "union not below the sum: $(cat "$DIR/out.txt")"
    [ "$(header_count "$DIR/live.trace" children)" -gt 0 ] || fail "header counts: no children"
    "$BIN" inspect "$DIR/live.trace" >"$DIR/insp.txt" 2>&1 || fail "inspect"
    grep -q "16-d" "$DIR/insp.txt" || fail "embeddings not recorded: $(cat "$DIR/insp.txt")"
    grep -q "fake-policy" "$DIR/insp.txt" || fail "policy model not in the header"
    [ ! -e "$DIR/live.trace.capture.jsonl" ] || fail "journal left after a finished capture"
else
    fail "live capture: $(cat "$DIR/err.txt")"
fi

# RLHFlow chat PRM and a reward head through /pooling (the server root)
make_config "$DIR/chat.json" "$PORT" \
    '{"prm_kind": "rlhflow", "out": "chat.trace", "problems": [0, 1], "selectors": [{"selector": "rebase", "width": 6}]}'
if "$BIN" capture --config "$DIR/chat.json" --results "$DIR/chatres" >/dev/null 2>"$DIR/err.txt"; then
    replay_same "$DIR/chat.trace" "$DIR/chatres" 0-rebase-w6 rebase 6
    [ "$(header_count "$DIR/chat.trace" prm_no_score)" -eq 0 ] || fail "rlhflow: unscored children"
else
    fail "rlhflow capture: $(cat "$DIR/err.txt")"
fi
make_config "$DIR/head.json" "$PORT" \
    "{\"prm_kind\": \"reward-head\", \"prm_url\": \"http://127.0.0.1:$PORT\", \"out\": \"head.trace\", \"problems\": [0, 1],
      \"selectors\": [{\"selector\": \"beam\", \"width\": 4}]}"
if "$BIN" capture --config "$DIR/head.json" --results "$DIR/headres" >/dev/null 2>"$DIR/err.txt"; then
    replay_same "$DIR/head.trace" "$DIR/headres" 0-beam-w4 beam 4
    [ "$(header_count "$DIR/head.trace" prm_no_score)" -eq 0 ] || fail "reward-head: unscored children"
else
    fail "reward-head capture: $(cat "$DIR/err.txt")"
fi
# the three conventions read the same recorded scores
python3 - "$BIN" "$DIR" <<'EOF' || fail "PRM conventions disagree on recorded scores"
import json, subprocess, sys
b, d = sys.argv[1], sys.argv[2]
def first_scores(trace):
    subprocess.run([b, "replay", "--trace", f"{d}/{trace}", "--selector", "rebase", "--width", "2",
                    "--problems", "1", "--on-missing", "truncate", "--out", f"{d}/s.json"], check=True, capture_output=True)
    return json.load(open(f"{d}/s.json"))["problems"][0]["decisions"][1]["scores"]
a, c, h = first_scores("live.trace"), first_scores("chat.trace"), first_scores("head.trace")
ok = all(abs(x - y) < 1e-4 for x, y in zip(a, c)) and all(abs(x - y) < 1e-4 for x, y in zip(a, h))
sys.exit(0 if ok and len(a) > 0 else 1)
EOF

# token counts from /tokenize, one request of n = 1 per child
make_config "$DIR/tok.json" "$PORT" \
    "{\"token_count\": \"tokenize\", \"tokenize_url\": \"http://127.0.0.1:$PORT/tokenize\",
      \"split_n\": true, \"embed_url\": null, \"out\": \"tok.trace\", \"problems\": [0, 1],
      \"selectors\": [{\"selector\": \"rebase\", \"width\": 4}]}"
if "$BIN" capture --config "$DIR/tok.json" --results "$DIR/tokres" >"$DIR/out.txt" 2>"$DIR/err.txt"; then
    replay_same "$DIR/tok.trace" "$DIR/tokres" 0-rebase-w4 rebase 4
    [ "$(header_count "$DIR/tok.trace" tokenize_requests)" -gt 0 ] || fail "no /tokenize requests"
    [ "$(header_count "$DIR/tok.trace" policy_requests)" -eq "$(header_count "$DIR/tok.trace" children)" ] ||
        fail "split_n: not one policy request per child"
else
    fail "tokenize capture: $(cat "$DIR/err.txt")"
fi
finish
