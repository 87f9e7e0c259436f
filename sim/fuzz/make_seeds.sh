#!/usr/bin/env bash
# make_seeds.sh -- (re)write the committed seed corpora of the fuzz targets
# (DIR/fuzz/corpus/TARGET/seed-*) from the project's own test fixtures and
# from small files the etsim CLI writes. Crash regressions (crash-*) are
# never touched. Every seed is a valid input (or, where a test uses one, a
# known-bad one) and every corpus stays small (tens of KB).
# Usage: sim/fuzz/make_seeds.sh BUILD_DIR   (BUILD_DIR/etsim must exist)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=$(realpath "${1:?usage: make_seeds.sh BUILD_DIR}")/etsim
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
corpus() { # target dir -> the emptied seed directory
  local d=$1/fuzz/corpus/$2
  mkdir -p "$d"
  rm -f "$d"/seed-*
  echo "$d"
}

# ---- files the CLI writes: traces, results, a sweep log ------------------------
echo '[{"selector": "rebase", "width": 4}, {"selector": "ets", "width": 4}]' > "$T/configs.json"
"$B" synth --configs "$T/configs.json" --problems 2 --out "$T/f16.trace" --param emb_dim=4 --param step_text=true
"$B" synth --configs "$T/configs.json" --problems 1 --out "$T/i8.trace" --emb-encoding i8 --param emb_dim=3
"$B" replay --trace "$T/f16.trace" --selector rebase --width 4 --out "$T/rebase.json" >/dev/null
"$B" replay --trace "$T/f16.trace" --selector ets --width 4 --with-text --out "$T/ets.json" >/dev/null
"$B" replay --synthetic --selector beam --width 4 --problems 1 --out "$T/beam.json" >/dev/null
# (fuzz_sweep_log.c's FUZZ_GRID: the target summarises these lines)
cat > "$T/grid.json" <<'EOF'
{"sources": ["synthetic:default"], "selectors": ["rebase"], "widths": [4], "problems": 2, "gpu": [{"gpu": "h100-nvl", "policy": "llemma-34b", "prm": "llemma-34b-prm"}]}
EOF
"$B" sweep "$T/grid.json" --out "$T/sweep" --quiet 2>/dev/null

# fuzz_trace_reader: [even byte] + a trace file (the target's framing mode)
d=$(corpus traces fuzz_trace_reader)
for f in f16 i8; do { printf '\0'; cat "$T/$f.trace"; } > "$d/seed-$f"; done

# fuzz_result_read, fuzz_result_in: replay results; a harness answers.json
for t in sim/eval:fuzz_result_read gpu_model:fuzz_result_in; do
  d=$(corpus "${t%%:*}" "${t#*:}")
  for f in rebase ets beam; do cp "$T/$f.json" "$d/seed-$f.json"; done
done
cat > sim/eval/fuzz/corpus/fuzz_result_read/seed-answers.json <<'EOF'
[{"id": 0, "question": "1+1?", "model_answer": [{"text": "So the answer is: 2 ки", "step_scores": [0.9, 0.8]},
  {"text": "The answer is: 3 ки", "step_scores": [0.4]}], "ground_truth_answer": "2", "total_tokens": 17}]
EOF

# fuzz_sweep_log: a sweep's results.jsonl, whole and with a torn last line
d=$(corpus sim/sweep fuzz_sweep_log)
cp "$T/sweep/results.jsonl" "$d/seed-results.jsonl"
head -c 1500 "$T/sweep/results.jsonl" > "$d/seed-torn.jsonl"

# fuzz_grid: tests/cli_sweep.sh's grid and its bad-grid cases
d=$(corpus sim/sweep fuzz_grid)
cp "$T/grid.json" "$d/seed-small.json"
cat > "$d/seed-cli_sweep.json" <<'EOF'
{
  "sources": ["synthetic:default"],
  "selectors": [{"selector": "rebase", "params": {"softmax_temperature": [0.2, 1.0]}},
                {"selector": "beam", "params": {"fixedwidth": [0, 4]}},
                {"selector": "dvts", "widths": [16]}],
  "widths": [16, 64],
  "problems": 12
}
EOF
cat > "$d/seed-blocks.json" <<'EOF'
{"sources": ["synthetic:default", {"trace": "t.trace"}], "widths": [16],
 "engine": {"max_tokens": 1024, "root_tokens": ["prompt", "reference"]},
 "gpu": [{"gpu": "h100-nvl", "policy": "llemma-34b", "prm": "llemma-34b-prm", "inflight": 8}],
 "blocks": [{"selectors": [{"selector": "ets", "params": {"lambdac": [1, 1.5]},
             "widths": [64], "params_by_width": {"64": {"lambdas": 1.4}}}]},
            {"selectors": ["rebase"], "problems": 3, "first": 1}]}
EOF
printf '%s' '{"sources":["synthetic"],"widths":[4],"selectors":[{"selector":"rebase"},{"selector":"rebaze"}]}' > "$d/seed-bad-selector.json"
printf '%s' '{"sources":["synthetic"],"widths":[4],"selectors":[{"selector":"rebase","params":{"softmax_temperature":[0.2,-1]}}]}' > "$d/seed-bad-range.json"

# fuzz_import_sal, fuzz_import_ets: tests/cli_import.sh's fixtures
d=$(corpus sim/eval fuzz_import_sal)
cat > "$d/seed-cli_import.jsonl" <<'EOF'
{"problem": "1+1?", "answer": "2", "unique_id": "u/1", "subject": "Algebra", "level": 1, "completions": ["Add.\n\nSo $\\boxed{2}$", "Add.\n\nSo $\\boxed{3}$"], "scores": [[0.9, 0.8], [0.9, 0.6]], "pred_naive@1": "\\boxed{2}", "pred_maj@1": "\\boxed{2}", "pred_weighted@1": "\\boxed{2}", "pred_naive@2": "\\boxed{2}", "pred_maj@2": "\\boxed{2}", "pred_weighted@2": "\\boxed{3}"}
{"problem": "2+2?", "answer": "4", "unique_id": "u/2", "completions": ["One step only $\\boxed{4}$"], "scores": [[0.5, 0.7]], "pred_naive@1": "\\boxed{4}"}
EOF
printf '{"problem":"x","completions":["a"],"scores":[[0.1],[0.2]]}\n' > "$d/seed-bad.jsonl"
d=$(corpus sim/eval fuzz_import_ets)
{ printf '\0'
  cat <<'EOF'
{"nodes_info": [{"id": 0, "text": "Q\n", "score": null, "parent_id": null, "depth": 0, "leaf": false},
 {"id": 2, "text": "Q\nStep ки\nThe answer is: 7 ки", "score": 0.8, "parent_id": 1, "depth": 2, "leaf": true},
 {"id": 1, "text": "Q\nStep ки\n", "score": 0.9, "parent_id": 0, "depth": 1, "leaf": false}]}
EOF
  printf '\0'
  cat <<'EOF'
{"nodes_info": [{"id": 0, "text": "Q", "parent_id": null, "depth": 0, "leaf": false},
 {"id": 1, "text": "The answer is: 3 ки", "score": 0.4, "parent_id": 0, "depth": 1, "leaf": true}]}
EOF
} > "$d/seed-cli_import"
printf '\2[{"id": 0, "text": "Q", "parent_id": null}, {"id": 1, "text": "Q \\\\boxed{5}", "parent_id": 0, "depth": 1, "leaf": true, "score": 0.5}]' > "$d/seed-array"

# fuzz_bench_data: tests/test_eval_data.c's MATH500 and GSM8K files
d=$(corpus sim/eval fuzz_bench_data)
cat > "$d/seed-math500.jsonl" <<'EOF'
{"problem":"1+1?","answer":"2","subject":"Algebra","level":1,"unique_id":"a/1"}

{"problem":"2+2?","answer":"4","subject":"Algebra","level":3,"unique_id":"a/2","solution":"Add: $\\boxed{4}$"}
EOF
printf '%s\n' '{"question":"q","answer":"so\n#### 1,234"}' '{"question":"r","answer":"no final"}' > "$d/seed-gsm8k.jsonl"

# fuzz_grader: (given, ground truth) pairs of the grader's golden file
d=$(corpus sim/eval fuzz_grader)
python3 - "$d" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open("sim/eval/testdata/grade_golden.jsonl")]
for i, r in enumerate(rows[::max(1, len(rows) // 48)][:48]):
    open(f"{sys.argv[1]}/seed-{i:02d}", "w").write(r["given"] + "\n" + r["gt"])
EOF

# fuzz_live_parse: server replies in the shapes tests/fake_servers.py sends
d=$(corpus traces/capture fuzz_live_parse)
cat > "$d/seed-completion.json" <<'EOF'
{"id": "cmpl-fake", "object": "text_completion", "model": "fake-policy", "choices": [{"index": 0, "text": "Step one.\n\n", "logprobs": {"tokens": ["Step", " one", ".", "\n\n"], "token_logprobs": [-0.5, -0.5, -0.5, -0.5], "top_logprobs": null, "text_offset": [0, 1, 2, 3]}, "finish_reason": "stop", "stop_reason": "\n\n"}, {"index": 1, "text": "The answer is 4", "logprobs": {"tokens": ["The", " answer"], "token_logprobs": [-0.5, -0.5], "top_logprobs": null, "text_offset": [0, 1]}, "finish_reason": "stop", "stop_reason": null}], "usage": {"prompt_tokens": 7, "completion_tokens": 6, "total_tokens": 6}}
EOF
cat > "$d/seed-prm-shepherd.json" <<'EOF'
{"id": "cmpl-prm", "object": "text_completion", "model": "fake-prm", "choices": [{"index": 0, "text": "+", "logprobs": {"tokens": ["+"], "token_logprobs": [-0.1], "top_logprobs": [{"The": -3.0, "\n": -4.0, "+": -0.2231, " -": -1.6094}], "text_offset": [0]}, "finish_reason": "length"}], "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
EOF
cat > "$d/seed-prm-chat.json" <<'EOF'
{"id": "chat-prm", "object": "chat.completion", "model": "fake-prm", "choices": [{"index": 0, "message": {"role": "assistant", "content": "+"}, "logprobs": {"content": [{"token": "+", "logprob": -0.1, "top_logprobs": [{"token": "The", "logprob": -3.0}, {"token": "+", "logprob": -0.3567}, {"token": "-", "logprob": -1.204}]}]}, "finish_reason": "length"}]}
EOF
cat > "$d/seed-pooling.json" <<'EOF'
{"id": "pool", "object": "list", "data": [{"index": 0, "object": "pooling", "data": [[0.0, 0.0], [0.0, 0.0], [null, 0.0], [0.89, 1.89]]}]}
EOF
cat > "$d/seed-embeddings.json" <<'EOF'
{"object": "list", "data": [{"index": 0, "object": "embedding", "embedding": [0.5, -0.5, 0.5]}, {"index": 1, "object": "embedding", "embedding": [1.0, 0.0, 0.0]}], "model": "fake-embed", "usage": {"prompt_tokens": 0, "total_tokens": 0}}
EOF
echo '{"object": "list", "data": [{"id": "fake-policy", "object": "model"}]}' > "$d/seed-models.json"
echo '{"count": 3, "max_model_len": 4096, "tokens": [1, 2, 3]}' > "$d/seed-tokenize.json"
printf '{"choices": [{"text": "bad \xff byte"}]}' > "$d/seed-badutf8.json"

# fuzz_capture_config: tests/cli_capture.sh's and fake_servers.sh's configs; a dataset
d=$(corpus traces/capture fuzz_capture_config)
cat > "$d/seed-synthetic.json" <<'EOF'
{"problems": [0, 4], "out": "syn.trace",
 "selectors": [{"selector": "ets", "width": 8}, {"selector": "rebase", "width": 8},
               {"selector": "dvts", "width": 4}]}
EOF
cat > "$d/seed-live.json" <<'EOF'
{"policy_url": "http://127.0.0.1:8000/v1", "policy_model": "fake-policy", "prm_url": "http://127.0.0.1:8000/v1", "prm_model": "fake-prm", "prm_kind": "shepherd-logprobs", "embed_url": "http://127.0.0.1:8000/v1", "embed_model": "fake-embed", "dataset": "data.jsonl", "problems": [0, 2], "eos_is_leaf": true, "max_retries": 4, "backoff_base_ms": 10, "backoff_max_ms": 100, "probe_timeout_ms": 2000, "selectors": [{"selector": "ets", "width": 8}, {"selector": "rebase", "width": 8}, {"selector": "dvts", "width": 4}], "out": "live.trace"}
EOF
echo '{"selectors": [{"selector": "rebase", "width": 4}], "policy_ur": "x"}' > "$d/seed-typo.json"
cat > "$d/seed-dataset.jsonl" <<'EOF'
{"problem": "What is $1+1$?", "answer": "2", "unique_id": "test/algebra/1.json", "subject": "Algebra", "level": 1}
{"question": "Tom has 3 apples and eats one. How many are left?", "answer": "3 - 1 = 2\n#### 2"}
{"problem": "x", "answer": 5, "id": 7, "level": "Level 3"}
EOF

# fuzz_profiles: each built-in GPU and model profile
d=$(corpus gpu_model fuzz_profiles)
python3 - "$d" <<'EOF'
import json, sys
for f in ("gpus", "models"):
    doc = json.load(open(f"gpu_model/profiles/{f}.json"))
    items = doc if isinstance(doc, list) else next(v for v in doc.values() if isinstance(v, list))
    for i, p in enumerate(items[:6]):
        open(f"{sys.argv[1]}/seed-{f}-{i}.json", "w").write(json.dumps(p, indent=1))
EOF

# fuzz_synth_profile: the resolved built-ins and the shipped fitted profiles
d=$(corpus sim/synthetic fuzz_synth_profile)
for p in default gsm8k mistral7b; do "$B" synth --profile "$p" --show-profile > "$d/seed-$p.json"; done
cp sim/synthetic/fitted/paper-mistral7b-math500.json "$d/seed-fitted-mistral7b.json"
echo '{"base": "gsm8k", "name": "mine", "n_problems": 10}' > "$d/seed-base.json"

# fuzz_select: tests/cli_select.sh's instance with each selector
d=$(corpus sim/cli fuzz_select)
tree='"nodes": [{"id": 0, "parent": null, "tokens": 40},
  {"id": 1, "parent": 0, "tokens": 10, "score": 0.5},
  {"id": 2, "parent": 0, "tokens": 10, "score": 0.5},
  {"id": 10, "parent": 1, "score": 0.8, "text": "x", "embedding": [1, 0, 0]},
  {"id": 11, "parent": 1, "score": 0.6, "text": "y", "embedding": [0, 1, 0]},
  {"id": 12, "parent": 2, "score": 0.8, "text": "z", "embedding": [2, 0, 0]}],
 "candidates": [10, 11, 12]'
for s in ets ets-kv rebase beam dvts; do
  params='{}'
  [ "$s" = ets ] && params='{"softmax_temperature": 0.2, "lambdac": 1.0, "lambdas": 1.5, "fixedwidth": 0}'
  printf '{"selector": "%s", "width": 4, "initial_width": 16, "depth": 2, "params": %s, %s}' \
    "$s" "$params" "$tree" > "$d/seed-$s.json"
done

du -sh traces/fuzz/corpus gpu_model/fuzz/corpus sim/*/fuzz/corpus
