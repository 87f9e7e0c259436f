#!/bin/bash
# cli_capture_servers.sh -- `etsim capture` against each real server's wire
# format (tests/fake_servers.py --flavor, replies shaped as
# tests/server_shapes.py cites: vLLM in both logprob-key eras, SGLang default
# and deterministic, llama.cpp current and before PR #17775). For every
# shape the capture records correct scores, token counts and distinct
# siblings, or refuses with one line naming the server, the problem and the
# remedy; no shape yields silently different data. Also: the three
# token_count modes give the same count for the same child, and the bad
# inputs of issue 15 (unknown owned_by, an empty top list, a shape change
# mid-capture, a tokenizer error, wrong pooling rows).
set -u
. "${ETSIM_SOURCE_DIR:?}/tests/fake_servers.sh"
need_data

SMALL='"problems": [0, 1], "selectors": [{"selector": "rebase", "width": 4}]'
IDS='"prm_plus": [648, 29974], "prm_minus": [387, 29899]'

# capture NAME PORT EXTRA: run a capture into NAME.trace (results NAME/);
# sets rc, stdout in NAME.out, stderr in err.txt
capture() {
    make_config "$DIR/$1.json" "$2" "{$SMALL, \"out\": \"$1.trace\", \"embed_url\": null${3:+, $3}}"
    "$BIN" capture --config "$DIR/$1.json" --results "$DIR/$1" >"$DIR/$1.out" 2>"$DIR/err.txt"
    rc=$?
}
ok() { [ "$rc" -eq 0 ] || fail "$1: $(cat "$DIR/err.txt")"; }
# expect_fail NEEDLE...: exit 1 with one line on stderr holding every needle
expect_fail() {
    [ "$rc" -eq 1 ] || fail "want exit 1, got $rc: $(cat "$DIR/err.txt")"
    [ "$(wc -l <"$DIR/err.txt")" -eq 1 ] || fail "not one line: $(cat "$DIR/err.txt")"
    for n in "$@"; do grep -qF -- "$n" "$DIR/err.txt" || fail "'$n' not in: $(cat "$DIR/err.txt")"; done
}
# same_replay A B: offline replays of two traces make identical decisions
# (same tree, texts, scores and token counts)
same_replay() {
    "$BIN" replay --trace "$DIR/$1.trace" --selector rebase --width 4 --out "$DIR/$1.r.json" >/dev/null 2>&1 &&
        "$BIN" replay --trace "$DIR/$2.trace" --selector rebase --width 4 --out "$DIR/$2.r.json" >/dev/null 2>&1 &&
        same_decisions "$DIR/$1.r.json" "$DIR/$2.r.json"
}

# ---- vLLM, current: labels by text and by id agree; one count definition ----------------
start_server
V=$PORT
capture vtext "$V" '"split_n": true'
ok "vLLM, text labels"
grep -q "policy server .* (vllm): child j of a request seeded s is seeded s + j" "$DIR/vtext.out" ||
    fail "no reproducibility note: $(cat "$DIR/vtext.out")"
capture vids "$V" "\"split_n\": true, $IDS"
ok "vLLM, labels as ids"
same_replay vtext vids || fail "labels by id and by text record different trees"
# one child, one token count, whichever mode counts it
capture vusage "$V" '"token_count": "usage"'
ok "token_count usage"
capture vtok "$V" "\"split_n\": true, \"token_count\": \"tokenize\", \"tokenize_url\": \"http://127.0.0.1:$V/tokenize\""
ok "token_count tokenize"
same_replay vtext vusage || fail "token_count usage and logprobs disagree"
same_replay vtext vtok || fail "token_count tokenize and logprobs disagree"
[ "$(header_count "$DIR/vtext.trace" tokens)" -eq "$(header_count "$DIR/vtok.trace" tokens)" ] ||
    fail "token totals differ between logprobs and tokenize"
# --verify: the finished trace replays every configuration exactly
"$BIN" capture --config "$DIR/vtext.json" --out "$DIR/vver.trace" --verify >"$DIR/ver.out" 2>"$DIR/err.txt" ||
    fail "capture --verify: $(cat "$DIR/err.txt")"
grep -q "verify: 1 configurations replayed from .*vver.trace: every decision agrees with the live run byte for byte" \
    "$DIR/ver.out" || fail "verify: $(cat "$DIR/ver.out")"
grep -q "verify: [0-9]* children; duplicate siblings [0-9]*, zero-token children 0, unscored children 0" \
    "$DIR/ver.out" || fail "verify counts: $(cat "$DIR/ver.out")"
stop_server "$SRV"

# ---- vLLM decoding each token alone: text labels refused, ids correct -------------------
start_server --flavor vllm-alone
capture alone "$PORT" '"split_n": true'
expect_fail "prm http://127.0.0.1:$PORT/v1/completions" "problem 0 node 0" "distinct tokens for the 20 asked" \
    "label '+'" "give prm_plus/prm_minus as token ids"
grep -q "finished problems are kept" "$DIR/err.txt" || fail "partial trace not said resumable"
capture aloneids "$PORT" "\"split_n\": true, $IDS"
ok "vLLM decoding alone, labels as ids"
same_replay vtext aloneids || fail "ids on the decode-alone era record another tree than the current era"
stop_server "$SRV"

# ---- SGLang: one request per child; deterministic mode; identical copies caught ----------
start_server --flavor sglang
capture sg "$PORT" ""
ok "SGLang default"
grep -q "ignores seeds: a rerun or resume records different children" "$DIR/sg.out" ||
    fail "SGLang default: no warning that reruns differ: $(cat "$DIR/sg.out")"
[ "$(header_count "$DIR/sg.trace" policy_requests)" -eq "$(header_count "$DIR/sg.trace" children)" ] ||
    fail "SGLang: not one policy request per child"
capture sgn "$PORT" '"split_n": false'
expect_fail "policy server http://127.0.0.1:$PORT/v1" "sglang" "same seed" "split_n"
stop_server "$SRV"
start_server --flavor sglang-det
capture sgd "$PORT" ""
ok "SGLang deterministic"
grep -q "deterministic inference: a rerun reproduces the children" "$DIR/sgd.out" || fail "SGLang det: no note"
[ "$(header_count "$DIR/sgd.trace" duplicate_siblings)" -eq 0 ] || fail "SGLang det: duplicate siblings"
# SGLang after /get_server_info's removal (deprecated for /server_info, http_server.py)
stop_server "$SRV"
start_server --flavor sglang-det --no-get-server-info
capture sgd2 "$PORT" ""
ok "SGLang deterministic, /server_info only"
grep -q "deterministic inference: a rerun reproduces the children" "$DIR/sgd2.out" ||
    fail "SGLang det via /server_info: no note: $(cat "$DIR/sgd2.out")"
# a server that seeds every copy alike, taken for vLLM: stopped, not recorded
# (problem 3: three different first steps recorded, so 32 equal copies at
# the root have a probability far below 1e-6)
capture sgv "$PORT" '"policy_server": "vllm", "problems": [3, 4], "selectors": [{"selector": "rebase", "width": 32}]'
expect_fail "policy http://127.0.0.1:$PORT/v1/completions" "problem 3 node 0" "all 32 children of one request are the same text" "split_n"
stop_server "$SRV"

# ---- llama.cpp: token counts from usage, EOS from logprobs, /tokenize reads content -----
start_server --flavor llamacpp
L=$PORT
capture lc "$L" ""
ok "llama.cpp"
same_replay vtext lc || fail "llama.cpp records other token counts or leaves than vLLM for the same children"
[ "$(header_count "$DIR/lc.trace" eos)" -gt 0 ] || fail "llama.cpp: no EOS detected"
[ "$(header_count "$DIR/lc.trace" eos)" -eq "$(header_count "$DIR/vtext.trace" eos)" ] || fail "llama.cpp: EOS count differs"
capture lctok "$L" "\"token_count\": \"tokenize\", \"tokenize_url\": \"http://127.0.0.1:$L/tokenize\""
ok "llama.cpp tokenize"
same_replay lc lctok || fail "llama.cpp: /tokenize counts differ from usage"
# a tokenizer read with vLLM's field: 0 tokens is refused, not recorded
capture lcv "$L" "\"policy_server\": \"vllm\", \"split_n\": true, \"token_count\": \"tokenize\", \"tokenize_url\": \"http://127.0.0.1:$L/tokenize\""
expect_fail "tokenizer http://127.0.0.1:$L/tokenize" "problem 0 node 0" "0 tokens for a non-empty text"
stop_server "$SRV"
start_server --flavor llamacpp-old
capture lco "$PORT" ""
ok "llama.cpp before PR #17775 (one request per child)"
capture lcon "$PORT" '"split_n": false'
expect_fail "policy server http://127.0.0.1:$PORT/v1" "llama.cpp" "HTTP 500 before PR #17775" "split_n"
stop_server "$SRV"

# ---- shapes found auditing the servers' code (traces/capture/README.md, "Checked against") --
# vLLM ending on a generation-config EOS id: stop_reason is that id (an int), an EOS
start_server --eos-id 128001
capture veid "$PORT" '"split_n": true'
ok "vLLM, EOS as a stop token id"
same_replay vtext veid || fail "an integer stop_reason records other leaves than stop_reason null"
[ "$(header_count "$DIR/veid.trace" eos)" -eq "$(header_count "$DIR/vtext.trace" eos)" ] ||
    fail "integer stop_reason: EOS count differs"
capture veidtok "$PORT" "\"split_n\": true, \"token_count\": \"tokenize\", \"tokenize_url\": \"http://127.0.0.1:$PORT/tokenize\""
ok "vLLM, EOS as a stop token id, tokenize"
same_replay vtext veidtok || fail "integer stop_reason: tokenize counts the stop string for an EOS child"
stop_server "$SRV"
# vLLM before 0.7 (before 0.6.4 n children come sorted by likelihood): one request per child
start_server --vllm-version 0.6.3.post1
capture vold "$PORT" ""
ok "vLLM 0.6.3"
grep -q "vllm 0.6.3.post1): releases before 0.7 .* one request per child (split_n)" "$DIR/vold.out" ||
    fail "vLLM 0.6.3: no note: $(cat "$DIR/vold.out")"
[ "$(header_count "$DIR/vold.trace" policy_requests)" -eq "$(header_count "$DIR/vold.trace" children)" ] ||
    fail "vLLM 0.6.3: not one policy request per child"
stop_server "$SRV"
start_server --vllm-version 0.11.0
capture vnew "$PORT" ""
ok "vLLM 0.11.0"
[ "$(header_count "$DIR/vnew.trace" policy_requests)" -lt "$(header_count "$DIR/vnew.trace" children)" ] ||
    fail "vLLM 0.11.0: split_n forced"
stop_server "$SRV"
# /pooling that applies its activation by default (vLLM token_classify): asked not to
start_server
capture head "$PORT" "\"split_n\": true, \"prm_kind\": \"reward-head\", \"prm_url\": \"http://127.0.0.1:$PORT\""
ok "reward-head"
stop_server "$SRV"
start_server --pool-activation
capture headact "$PORT" "\"split_n\": true, \"prm_kind\": \"reward-head\", \"prm_url\": \"http://127.0.0.1:$PORT\""
ok "reward-head, activation by default"
same_replay head headact || fail "a /pooling that applies its activation by default records other scores"
stop_server "$SRV"
# SGLang's graceful abort: HTTP 200, finish_reason "abort", half a step: refused
start_server --flavor sglang --abort-at 2
capture sgab "$PORT" ""
expect_fail "policy http://127.0.0.1:$PORT/v1/completions" "problem 0 node 0" "finish_reason 'abort'"
stop_server "$SRV"
# llama.cpp, the stop word as "\n" (held back, entry "") + "\n" (cut): a stop word, not EOS
start_server --flavor llamacpp --split-stop
capture lcsplit "$PORT" ""
ok "llama.cpp, split stop word"
[ "$(header_count "$DIR/lcsplit.trace" eos)" -eq "$(header_count "$DIR/vtext.trace" eos)" ] ||
    fail "llama.cpp split stop word: EOS count $(header_count "$DIR/lcsplit.trace" eos), want $(header_count "$DIR/vtext.trace" eos)"
stop_server "$SRV"

# ---- the audit's second pass (traces/capture/README.md, "Checked against") ----------------
# SGLang's /tokenize (serving_tokenize.py): "prompt" in, {tokens, count, max_model_len} out
start_server --flavor sglang-det
capture sgdl "$PORT" ""
ok "SGLang deterministic, logprobs"
capture sgdtok "$PORT" "\"token_count\": \"tokenize\", \"tokenize_url\": \"http://127.0.0.1:$PORT/tokenize\""
ok "SGLang tokenize"
same_replay sgdl sgdtok || fail "SGLang: /tokenize counts differ from logprobs"
stop_server "$SRV"
# llama.cpp's /tokenize parses special-token spellings unless told not to; a
# step spelling "<|im_end|>" was generated as pieces and must be counted so
start_server --flavor llamacpp --special-text
capture lcsp "$PORT" ""
ok "llama.cpp, a step spelling a special token"
capture lcsptok "$PORT" "\"token_count\": \"tokenize\", \"tokenize_url\": \"http://127.0.0.1:$PORT/tokenize\""
ok "llama.cpp tokenize, a step spelling a special token"
same_replay lcsp lcsptok || fail "llama.cpp: /tokenize counted a special token's spelling as one token"
stop_server "$SRV"
# llama.cpp from PR #10783 until PR #11344: "logprobs" ignored on /v1/completions
# (null, or in forks absent), every EOS would read as a stop word: refused,
# and the remedy (n_probs in policy_extra) records what a current server does
for k in null absent; do
    start_server --flavor llamacpp --lcpp-logprobs "$k"
    capture "lcnolp$k" "$PORT" ""
    expect_fail "policy http://127.0.0.1:$PORT/v1/completions" "problem 0 node 0" "logprobs" \
        "PR #11344" "n_probs"
    stop_server "$SRV"
done
start_server --flavor llamacpp --lcpp-logprobs null
capture lcnprobs "$PORT" '"policy_extra": {"n_probs": 1}'
ok "llama.cpp before PR #11344 with n_probs"
same_replay lc lcnprobs || fail "llama.cpp with n_probs records another tree than a current release"
stop_server "$SRV"
# vLLM 0.10.0-0.11.0 switch /pooling's activation with "softmax" (use_activation ignored)
start_server --pool-activation --vllm-version 0.10.1
capture headsm "$PORT" "\"split_n\": true, \"prm_kind\": \"reward-head\", \"prm_url\": \"http://127.0.0.1:$PORT\""
ok "reward-head, vLLM 0.10.1"
same_replay head headsm || fail "vLLM 0.10.1: the head's activation was applied (softmax not sent)"
stop_server "$SRV"
start_server --pool-activation --vllm-version 0.11.1
capture headua "$PORT" "\"split_n\": true, \"prm_kind\": \"reward-head\", \"prm_url\": \"http://127.0.0.1:$PORT\""
ok "reward-head, vLLM 0.11.1"
same_replay head headua || fail "vLLM 0.11.1: the head's activation was applied"
stop_server "$SRV"
start_server --pool-activation --vllm-version 0.11.1.dev42+g0123abc
capture headdev "$PORT" "\"split_n\": true, \"prm_kind\": \"reward-head\", \"prm_url\": \"http://127.0.0.1:$PORT\""
expect_fail "PRM server http://127.0.0.1:$PORT" "0.11.1.dev42" "use_activation" "softmax"
stop_server "$SRV"

# ---- bad input --------------------------------------------------------------------------
start_server --owned-by tgi
capture own "$PORT" ""
expect_fail "policy server http://127.0.0.1:$PORT/v1" "owned_by 'tgi'" "policy_server"
stop_server "$SRV"
start_server --prm-empty-at 3
capture empty "$PORT" '"split_n": true'
expect_fail "prm http://127.0.0.1:$PORT/v1/completions" "problem 0 node" "top list is empty"
stop_server "$SRV"
start_server --prm-shape-at 3
capture shape "$PORT" '"split_n": true'
expect_fail "prm http://127.0.0.1:$PORT/v1/completions" "problem 0 node" "changed shape"
stop_server "$SRV"
start_server --prm-shape-at 3
capture shapeh "$PORT" "\"split_n\": true, \"prm_kind\": \"reward-head\", \"prm_url\": \"http://127.0.0.1:$PORT\""
expect_fail "prm http://127.0.0.1:$PORT/pooling" "problem 0 node" "changed shape"
stop_server "$SRV"
start_server --tokenize-error
capture tokerr "$PORT" "\"split_n\": true, \"token_count\": \"tokenize\", \"tokenize_url\": \"http://127.0.0.1:$PORT/tokenize\""
expect_fail "tokenizer http://127.0.0.1:$PORT/tokenize" "problem 0 node 0" "injected tokenizer failure"
stop_server "$SRV"
for shape in hidden pair; do
    start_server --pool-shape "$shape"
    capture "pool$shape" "$PORT" "\"prm_kind\": \"reward-head\", \"prm_url\": \"http://127.0.0.1:$PORT\""
    want="hidden state"
    [ "$shape" = pair ] && want="sequence-level"
    expect_fail "prm http://127.0.0.1:$PORT/pooling" "problem 0 node 0" "$want"
    stop_server "$SRV"
done
finish
