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
         mistral-7b math-shepherd-mistral-7b phi-2 math-bert; do
    grep -q "$n" "$DIR/out.txt" || fail "gpu list lacks $n"
done
expect 0 "" "$BIN" gpu show --model llemma-34b --gpu h100-nvl
grep -q "196608" "$DIR/out.txt" || fail "gpu show: KV bytes/token"

# --json: exactly the four terms; they add up; batch-1 decode at 38-50 tokens/s
# (vidur's measured H100 block at one token, x 48, plus the measured attention
# floor, LM head and host time: 39.8 tokens/s)
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
    if (1000 / tot < 38 || 1000 / tot > 50) exit 3
}' || fail "iter --json terms wrong or decode rate outside 38-50 tokens/s: $out"
# sharing: a shared prefix read once per batch costs less attention
expect 0 "" "$BIN" gpu iter --model llemma-34b --gpu h100-nvl --tokens 64 --context 1000 --shared 900 --sharing 0 --json
a0=$(sed 's/.*"attention_ms":\([^,]*\),.*/\1/' "$DIR/out.txt")
expect 0 "" "$BIN" gpu iter --model llemma-34b --gpu h100-nvl --tokens 64 --context 1000 --shared 900 --sharing 1 --json
a1=$(sed 's/.*"attention_ms":\([^,]*\),.*/\1/' "$DIR/out.txt")
# saved: 64 x 1000 - (900 + 64 x 100) = 56,700 token reads x 196,608 bytes at
# 0.925 x 3.9 TB/s = 3.09 ms (the per-kernel and per-request terms stay)
awk -v a="$a0" -v b="$a1" 'BEGIN { d = a - b; exit !(d > 2.9 && d < 3.3) }' ||
    fail "sharing=1 attention $a1 does not save ~3.09 ms of $a0"

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
# impossible model shapes
sed 's/"kv_heads": 8/"kv_heads": 16/' "$DIR/model.json" >"$DIR/kv.json"
expect 1 "kv_heads (16) must not exceed heads (8)" "$BIN" gpu iter --model-file "$DIR/kv.json" --gpu h100 --tokens 1
sed 's/"heads": 8,/"heads": 7,/; s/"kv_heads": 8/"kv_heads": 7/' "$DIR/model.json" >"$DIR/div.json"
expect 1 "heads (7) must divide hidden (512)" "$BIN" gpu iter --model-file "$DIR/div.json" --gpu h100 --tokens 1
sed 's/"layers": 4/"layers": 0/' "$DIR/model.json" >"$DIR/zero_l.json"
expect 1 "layers" "$BIN" gpu iter --model-file "$DIR/zero_l.json" --gpu h100 --tokens 1
# model fields for real architectures: phi-2 (parallel block, partial rotary,
# plain MLP with biases) is built in; a parallel block has one norm
expect 0 "" "$BIN" gpu show --model phi-2
grep -q "phi-2" "$DIR/out.txt" || fail "gpu show phi-2"
sed 's/"dtype_bytes": 2}/"dtype_bytes": 2, "rotary_fraction": 1.5}/' "$DIR/model.json" >"$DIR/rot.json"
expect 1 "rotary_fraction" "$BIN" gpu iter --model-file "$DIR/rot.json" --gpu h100 --tokens 1
# GPU tile fields
sed 's/}$/, "sm_count": 4, "gemm_tiles": [[128, 256, 1.5]]}/' "$DIR/gpu.json" >"$DIR/tile.json"
expect 1 "gemm_tiles" "$BIN" gpu iter --model-file "$DIR/model.json" --gpu-file "$DIR/tile.json" --tokens 1
sed 's/}$/, "attn_kernel": "xformers"}/' "$DIR/gpu.json" >"$DIR/ak.json"
expect 1 "attn_kernel" "$BIN" gpu iter --model-file "$DIR/model.json" --gpu-file "$DIR/ak.json" --tokens 1

# calibration on vidur profiles: bad CSVs are one line naming file, row and
# column; the fit writes nothing
mkdir -p "$DIR/vd"
net="$ETSIM_SOURCE_DIR/gpu_model/profiles/network"
ops="input_layernorm attn_pre_proj attn_rope attn_post_proj post_attention_layernorm mlp_up_proj mlp_act mlp_down_proj add"
csv_hdr() { local h="" o; for o in $ops; do h="${h}time_stats.$o.median,"; done
            echo "${h}n_head,n_kv_head,n_embd,n_expanded_embd,use_gated_mlp,num_tokens,num_tensor_parallel_workers"; }
csv_row() { echo "0.01,0.1,0.01,0.1,0.01,0.2,0.01,0.1,0.01,8,8,1024,2048,True,$1,$2"; }
{ csv_hdr; csv_row 1 1; csv_row 8 1; } >"$DIR/vd/h100_tiny_mlp.csv"
expect 0 "" "$BIN" gpu calibrate --data "$DIR/vd" --network "$net"
grep -q "h100 *tiny" "$DIR/out.txt" || fail "gpu calibrate: no row for h100 tiny"
{ csv_hdr | sed 's/time_stats.mlp_act.median,//'; echo "0.01,0.1,0.01,0.1,0.01,0.2,0.1,0.01,8,8,1024,2048,True,1,1"; } >"$DIR/vd/h100_tiny_mlp.csv"
expect 1 "h100_tiny_mlp.csv: row 1: missing column 'time_stats.mlp_act.median'" "$BIN" gpu calibrate --data "$DIR/vd" --network "$net"
{ csv_hdr; csv_row 1 1 | sed 's/^0.01,0.1,/0.01,x,/'; } >"$DIR/vd/h100_tiny_mlp.csv"
expect 1 "h100_tiny_mlp.csv: row 2, column 'time_stats.attn_pre_proj.median': 'x' is not a number" "$BIN" gpu calibrate --data "$DIR/vd" --network "$net"
{ csv_hdr; csv_row 1 2; csv_row 8 4; } >"$DIR/vd/h100_tiny_mlp.csv"
expect 1 "h100_tiny_mlp.csv: no rows with num_tensor_parallel_workers = 1" "$BIN" gpu calibrate --data "$DIR/vd" --network "$net"
{ csv_hdr; csv_row 8 1; csv_row 8 1 | sed 's/0.2,/0.9,/'; } >"$DIR/vd/h100_tiny_mlp.csv"
expect 1 "h100_tiny_mlp.csv: row 3, column 'time_stats.mlp_up_proj.median': duplicate of row 2" "$BIN" fit --target gpu --data "$DIR/vd" --network "$net" --out "$DIR/fit.json"
[ -e "$DIR/fit.json" ] && fail "a failed fit left a file"
# the all-reduce files: one line naming file, row and column; a missing directory
{ csv_hdr; csv_row 1 1; csv_row 8 1; } >"$DIR/vd/h100_tiny_mlp.csv"
mkdir -p "$DIR/net"
printf 'num_workers,size,time_stats.all_reduce.median\n2,2048,0.03\n4,2048,x\n' >"$DIR/net/h100_all_reduce.csv"
expect 1 "h100_all_reduce.csv: row 3, column 'time_stats.all_reduce.median': 'x' is not a number" "$BIN" fit --target gpu --data "$DIR/vd" --network "$DIR/net" --out "$DIR/fit.json"
[ -e "$DIR/fit.json" ] && fail "a failed fit left a file"
expect 1 "nonet: cannot open the all-reduce profile directory" "$BIN" gpu calibrate --data "$DIR/vd" --network "$DIR/nonet"
expect 2 "--data DIR is required" "$BIN" gpu calibrate --network "$DIR/net"
printf 'num_workers,size,time_stats.all_reduce.median\n2,2048,0.03\n4,2048,0.04\n' >"$DIR/net/h100_all_reduce.csv"
expect 0 "" "$BIN" gpu calibrate --data "$DIR/vd" --network "$DIR/net"
grep -q "^  h100 *h100-sxm *4 *1 " "$DIR/out.txt" || fail "gpu calibrate: no all-reduce row for h100 TP 4"

# with the shared data: the report, and the refit reproduces the shipped constants
vidur=${ETSIM_SHARED_DIR:-../shared}/data/gpu/vidur
if [ -d "$vidur" ]; then
    expect 0 "" "$BIN" gpu calibrate --data "$vidur" --network "$net"
    [ "$(grep -c '^h100\|^a100' "$DIR/out.txt")" -eq 7 ] || fail "gpu calibrate: not 7 pairs"
    grep -q "decode MAPE" "$DIR/out.txt" || fail "gpu calibrate: no attention line"
    expect 0 "" "$BIN" fit --target gpu --data "$vidur" --network "$net" --check --out "$DIR/fit.json"
    grep -q '"gemm_tiles"' "$DIR/fit.json" || fail "fit --target gpu: no gemm_tiles"
    grep -q '"allreduce_s"' "$DIR/fit.json" || fail "fit --target gpu: no allreduce_s"
    # per GEMM: 7 pairs x 4 degrees x 4 GEMMs; a candidate profile for one family
    expect 0 "" "$BIN" gpu calibrate --data "$vidur" --network "$net" --ops
    [ "$(grep -c '^  [ah]100 .* \(qkv\|o\|gate+up\|down\) ' "$DIR/out.txt")" -eq 112 ] ||
        fail "gpu calibrate --ops: not 112 GEMM rows"
    printf '{"name": "cand", "hbm_bytes": 8e10, "bandwidth_bytes_per_s": 3.35e12, "bf16_flops_per_s": 9.89e14}' >"$DIR/cand.json"
    expect 0 "" "$BIN" gpu calibrate --data "$vidur" --network "$net" --gpu-file "h100=$DIR/cand.json"
    grep -q '^h100' "$DIR/out.txt" || fail "gpu calibrate --gpu-file: no h100 rows"
    expect 1 "missing.json" "$BIN" gpu calibrate --data "$vidur" --network "$net" --gpu-file "h100=$DIR/missing.json"
    [ -s "$DIR/out.txt" ] && fail "gpu calibrate with a bad --gpu-file printed a report"
    expect 2 "unknown family 'b200'" "$BIN" gpu calibrate --data "$vidur" --network "$net" --gpu-file "b200=$DIR/cand.json"
else
    echo "SKIP calibration on vidur profiles: $vidur absent (set ETSIM_SHARED_DIR)"
fi

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

# issue 16: batching policies, tensor parallelism, measured profiles, the band
expect 0 "" "$BIN" cost "$DIR/r.json" --out -
grep -q '"batching":"separate"' "$DIR/out.txt" || fail "default batching is not separate"
grep -q '"regime":"' "$DIR/out.txt" || fail "cost report lacks the regime"
for b in chunked mixed; do
    expect 0 "" "$BIN" cost "$DIR/r.json" --batching $b --out -
    grep -q "\"batching\":\"$b\"" "$DIR/out.txt" || fail "--batching $b not applied"
done
expect 2 "batching: 'eager'" "$BIN" cost "$DIR/r.json" --batching eager --out "$DIR/bad.json"
expect 0 "" "$BIN" cost "$DIR/r.json" --tp 4 --out -
grep -q '"tp":4' "$DIR/out.txt" || fail "--tp 4 not applied"
expect 2 "tp: tensor-parallel degree 3 does not divide the 64 attention heads" \
    "$BIN" cost "$DIR/r.json" --tp 3 --out "$DIR/bad.json"
expect 1 "--tp: tensor-parallel degree 6 does not divide" \
    "$BIN" gpu iter --model llemma-34b --gpu h100 --tokens 1 --tp 6
expect 2 "no mlp.csv" "$BIN" cost "$DIR/r.json" --gpu-profile "$DIR" --out "$DIR/bad.json"
[ -e "$DIR/bad.json" ] && fail "a failed cost left a report file"
# the issue's bad input through --gpu-profile (the path that writes a
# report): one line naming file, row and column, non-zero, nothing written
mkdir -p "$DIR/gp"
gp_bad() { # $1 = expected message; mlp.csv already written
    expect 2 "$1" "$BIN" cost "$DIR/r.json" --gpu-profile "$DIR/gp" --out "$DIR/bad.json"
    [ -e "$DIR/bad.json" ] && fail "a failed cost left a report file ($1)"
}
{ csv_hdr | sed 's/time_stats.mlp_act.median,//'; echo "0.01,0.1,0.01,0.1,0.01,0.2,0.1,0.01,8,8,1024,2048,True,1,1"; } >"$DIR/gp/mlp.csv"
gp_bad "gp/mlp.csv: row 1: missing column 'time_stats.mlp_act.median'"
{ csv_hdr; csv_row 1 1 | sed 's/^0.01,0.1,/0.01,x,/'; } >"$DIR/gp/mlp.csv"
gp_bad "gp/mlp.csv: row 2, column 'time_stats.attn_pre_proj.median': 'x' is not a number"
{ csv_hdr; csv_row 1 2; csv_row 8 4; } >"$DIR/gp/mlp.csv"
gp_bad "gp/mlp.csv: no rows with num_tensor_parallel_workers = 1"
{ csv_hdr; csv_row 8 1; csv_row 8 1 | sed 's/0.2,/0.9,/'; } >"$DIR/gp/mlp.csv"
gp_bad "gp/mlp.csv: row 3, column 'time_stats.mlp_up_proj.median': duplicate of row 2"
# an impossible model file through cost: nothing written either
expect 2 "heads (7) must divide hidden (512)" "$BIN" cost "$DIR/r.json" --policy-file "$DIR/div.json" --out "$DIR/bad.json"
[ -e "$DIR/bad.json" ] && fail "a failed cost left a report file (model shape)"
expect 0 "" "$BIN" replay --synthetic --selector ets --width 16 --problems 4 --out "$DIR/e.json"
expect 0 "" "$BIN" cost "$DIR/e.json" --band --baseline "$DIR/r.json" --out "$DIR/band.json"
[ "$(grep -c '^band: [0-9]' "$DIR/out.txt")" -eq 20 ] || fail "cost --band: not 20 settings"
grep -q '^band: ratio .*, range ' "$DIR/out.txt" || fail "cost --band: no range line"
grep -Eq 'pool-bound|bandwidth-bound|compute-bound' "$DIR/out.txt" || fail "band without regimes"
grep -q '"band":{"of":"ratio"' "$DIR/band.json" || fail "cost --band: no band in the report"
expect 2 "--baseline needs --band" "$BIN" cost "$DIR/e.json" --baseline "$DIR/r.json"
if [ -d "$vidur" ]; then
    mkdir -p "$DIR/prof"
    cp "$vidur/h100_CodeLlama-34b-Instruct-hf_mlp.csv" "$DIR/prof/mlp.csv"
    expect 0 "" "$BIN" cost "$DIR/r.json" --gpu h100-sxm --gpu-profile "$DIR/prof" --out -
    grep -q '"measured_profile":"' "$DIR/out.txt" || fail "--gpu-profile not used"
    expect 1 "is not of model 'mistral-7b'" "$BIN" gpu iter --model mistral-7b --gpu h100 \
        --tokens 1 --gpu-profile "$DIR/prof"
    # a profile with a non-numeric cell: one line naming file, row and column
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "time_stats.mlp_up_proj.median") c = i }
              NR == 5 { $c = "oops" } { print }' OFS=, "$DIR/prof/mlp.csv" >"$DIR/prof/x" &&
        mv "$DIR/prof/x" "$DIR/prof/mlp.csv"
    expect 2 "mlp.csv: row 5, column 'time_stats.mlp_up_proj.median': 'oops'" "$BIN" cost "$DIR/r.json" --gpu-profile "$DIR/prof" \
        --out "$DIR/bad.json"
    [ -e "$DIR/bad.json" ] && fail "a failed cost left a report file"
fi

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "cli_gpu: all passed"
