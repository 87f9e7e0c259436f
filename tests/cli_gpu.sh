#!/bin/bash
# cli_gpu.sh -- `etsim gpu` and `etsim cost`: help, listing, the iteration
# breakdown (JSON keys, terms summing to the total, hand-checkable decode
# rate), user profile files, a result file through the cost model with a
# byte-identical rerun, and bad input (one clear line, the right exit
# status, no partial report file).
set -u
. "${ETSIM_SOURCE_DIR:?}/tests/lib_cli.sh"

expect 0 "" "$BIN" gpu --help
grep -q -- "--tokens" "$DIR/out.txt" || fail "gpu help lacks --tokens"
expect 0 "" "$BIN" cost --help
grep -q -- "--inflight" "$DIR/out.txt" || fail "cost help lacks --inflight"
expect 0 "" "$BIN" gpu list
for n in h100-sxm h100-nvl h100-pcie h200 a100-80gb llemma-34b llemma-34b-prm llemma-7b \
         mistral-7b math-shepherd-mistral-7b math-bert; do
    grep -q "$n" "$DIR/out.txt" || fail "gpu list lacks $n"
done
expect 0 "" "$BIN" gpu show --model llemma-34b --gpu h100-nvl
grep -q "196608" "$DIR/out.txt" || fail "gpu show: KV bytes/token"

# --json: exactly the four terms; they add up; batch-1 decode at 40-50 tokens/s
expect 0 "" "$BIN" gpu iter --model llemma-34b --gpu h100-sxm --tokens 1 --context 512 --json
out=$(cat "$DIR/out.txt")
for k in linear_ms attention_ms overhead_ms total_ms; do
    grep -q "\"$k\":" <<<"$out" || fail "iter --json lacks $k: $out"
done
awk -v s="$out" 'BEGIN {
    n = split(s, a, /[:,}]/); for (i = 1; i < n; i++) v[i] = a[i + 1] + 0
    lin = v[1]; att = v[3]; ovh = v[5]; tot = v[7]
    if (lin <= 0 || tot <= 0) exit 1
    if (lin + att + ovh - tot > 1e-3 || tot - lin - att - ovh > 1e-3) exit 2
    if (1000 / tot < 40 || 1000 / tot > 50) exit 3
}' || fail "iter --json terms wrong or decode rate outside 40-50 tokens/s: $out"
# sharing: a shared prefix read once per batch costs less attention
expect 0 "" "$BIN" gpu iter --model llemma-34b --gpu h100-nvl --tokens 64 --context 1000 --shared 900 --sharing 0 --json
a0=$(sed 's/.*"attention_ms":\([^,]*\),.*/\1/' "$DIR/out.txt")
expect 0 "" "$BIN" gpu iter --model llemma-34b --gpu h100-nvl --tokens 64 --context 1000 --shared 900 --sharing 1 --json
a1=$(sed 's/.*"attention_ms":\([^,]*\),.*/\1/' "$DIR/out.txt")
awk -v a="$a0" -v b="$a1" 'BEGIN { exit !(b < a / 5) }' || fail "sharing=1 attention $a1 not << $a0"

# user profile files
cat >"$DIR/gpu.json" <<'EOF2'
{"name": "lab-gpu", "hbm_bytes": 48e9, "bandwidth_bytes_per_s": 1e12, "bf16_flops_per_s": 2e14}
EOF2
cat >"$DIR/model.json" <<'EOF2'
{"name": "tiny", "layers": 4, "hidden": 512, "heads": 8, "kv_heads": 8, "head_dim": 64,
 "ffn": 1024, "vocab": 1000, "gated_mlp": true, "dtype_bytes": 2}
EOF2
expect 0 "" "$BIN" gpu iter --model-file "$DIR/model.json" --gpu-file "$DIR/gpu.json" --tokens 8
grep -q "tiny on lab-gpu" "$DIR/out.txt" || fail "user profiles not used"

# bad input
expect 1 "known: h100-sxm" "$BIN" gpu iter --model llemma-34b --gpu b200 --tokens 1
expect 1 "known: llemma-34b" "$BIN" gpu iter --model gpt-5 --gpu h100 --tokens 1
expect 2 "--tokens" "$BIN" gpu iter --model llemma-34b --gpu h100
expect 2 "--tokens" "$BIN" gpu iter --model llemma-34b --gpu h100 --tokens 0
expect 2 "--sharing" "$BIN" gpu iter --model llemma-34b --gpu h100 --tokens 1 --sharing 2
expect 1 "GB short" "$BIN" gpu show --model llemma-34b --gpu a100-80gb --mem-fraction 0.5
sed 's/1e12/0/' "$DIR/gpu.json" >"$DIR/zero.json"
expect 1 "bandwidth_bytes_per_s" "$BIN" gpu iter --model llemma-34b --gpu-file "$DIR/zero.json" --tokens 1
sed 's/"layers": 4/"layers": -4/' "$DIR/model.json" >"$DIR/neg.json"
expect 1 "layers" "$BIN" gpu iter --model-file "$DIR/neg.json" --gpu h100 --tokens 1
expect 1 "cannot" "$BIN" gpu iter --model-file "$DIR/missing.json" --gpu h100 --tokens 1
expect 2 "" "$BIN" gpu frobnicate

# etsim cost on a replay result
expect 0 "" "$BIN" replay --synthetic --selector rebase --width 16 --problems 4 --out "$DIR/r.json"
expect 0 "" "$BIN" cost "$DIR/r.json" --out "$DIR/c1.json"
grep -q "makespan" "$DIR/out.txt" || fail "cost prints no summary"
expect 0 "" "$BIN" cost "$DIR/r.json" --out "$DIR/c2.json"
cmp -s "$DIR/c1.json" "$DIR/c2.json" || fail "cost report differs between runs"
for k in '"makespan_s":' '"problems_per_s":' '"busy_s":' '"hist":' '"recomputed":' \
         '"kv_replay":' '"per_problem":' '"unshared_peak_tokens":'; do
    grep -q "$k" "$DIR/c1.json" || fail "cost report lacks $k"
done
expect 0 "" "$BIN" cost "$DIR/r.json" --sharing 1 --inflight 2 --cost-set kv_tokens=4000 --out -
grep -q '"sharing":1' "$DIR/out.txt" || fail "cost --sharing not applied"
grep -q '"inflight":2' "$DIR/out.txt" || fail "cost --inflight not applied"
expect 2 "unknown GPU" "$BIN" cost "$DIR/r.json" --gpu tpu --out "$DIR/bad.json"
expect 2 "unknown cost option" "$BIN" cost "$DIR/r.json" --cost-set colour=red --out "$DIR/bad.json"
expect 1 "too small for one request" "$BIN" cost "$DIR/r.json" --cost-set kv_tokens=50 --out "$DIR/bad.json"
head -c 3000 "$DIR/r.json" >"$DIR/cut.json"
expect 1 "cut.json" "$BIN" cost "$DIR/cut.json" --out "$DIR/bad.json"
[ -e "$DIR/bad.json" ] && fail "a failed cost left a report file"
printf '{"etsim_result":1,"problems":[]}' >"$DIR/empty.json"
expect 1 "no problem" "$BIN" cost "$DIR/empty.json" --out "$DIR/bad.json"
[ -e "$DIR/bad.json" ] && fail "an empty result left a report file"
expect 2 "" "$BIN" cost

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "cli_gpu: all passed"
