#!/usr/bin/env bash
# cli_select.sh -- `etsim select`: one selection step per selector on small
# hand-worked instances (expected output from the formulas; see
# tests/test_sel_*.c for the derivations), then bad input: every case must
# exit non-zero with one `etsim: ` line on stderr and nothing on stdout.
set -u
BIN=${ETSIM_BIN:?ETSIM_BIN must point at the etsim binary}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
passed=0

check_out() { # name, expected stdout, command...
    local name=$1 want=$2
    shift 2
    local got
    got=$("$@" 2>"$TMP/err")
    local rc=$?
    if [[ $rc -ne 0 || "$got" != "$want" ]]; then
        echo "FAIL $name: rc=$rc"
        echo "  want: $want"
        echo "  got:  $got"
        sed 's/^/  err:  /' "$TMP/err"
        fails=$((fails + 1))
    else
        passed=$((passed + 1))
    fi
}

check_bad() { # name, expected exit code, stderr substring, json (via stdin)
    local name=$1 code=$2 pat=$3 json=$4
    printf '%s' "$json" | "$BIN" select >"$TMP/out" 2>"$TMP/err"
    local rc=$?
    local lines
    lines=$(wc -l <"$TMP/err")
    if [[ $rc -ne $code || -s "$TMP/out" || $lines -ne 1 ]] || ! grep -q "^etsim: " "$TMP/err" ||
        ! grep -qF -- "$pat" "$TMP/err"; then
        echo "FAIL $name: rc=$rc (want $code), stderr:"
        sed 's/^/  /' "$TMP/err"
        [[ -s "$TMP/out" ]] && echo "  stdout not empty: $(cat "$TMP/out")"
        fails=$((fails + 1))
    else
        passed=$((passed + 1))
    fi
}

# root -> a(1), b(2); candidates 10 (a, .8), 11 (a, .6), 12 (b, .8); B = 4.
tree='"nodes": [{"id": 0, "parent": null, "tokens": 40},
  {"id": 1, "parent": 0, "tokens": 10, "score": 0.5},
  {"id": 2, "parent": 0, "tokens": 10, "score": 0.5},
  {"id": 10, "parent": 1, "score": 0.8, "text": "x", "embedding": [1, 0, 0]},
  {"id": 11, "parent": 1, "score": 0.6, "text": "y", "embedding": [0, 1, 0]},
  {"id": 12, "parent": 2, "score": 0.8, "text": "z", "embedding": [2, 0, 0]}],
 "candidates": [10, 11, 12]'
inst() { printf '{"selector": "%s", "width": %s, "initial_width": 16, "depth": 2, "params": %s, %s}' \
    "$1" "$2" "$3" "$tree"; }

"$BIN" select --help >"$TMP/help" && grep -q "usage: etsim select" "$TMP/help" &&
    passed=$((passed + 1)) || { echo "FAIL --help"; fails=$((fails + 1)); }

# ETS-KV: kept {10, 12} at 1/6; ETS (lambda_s 1.5): all kept at 1.5, 11 gets 0.
inst ets-kv 4 '{}' >"$TMP/kv.json"
check_out ets-kv \
    '{"counts": [2, 0, 2], "kept": [10, 12], "clusters": null, "objective": 0.16666666666666674, "expansions": [[12, 2], [10, 2]]}' \
    "$BIN" select --expansions "$TMP/kv.json"
inst ets 4 '{"softmax_temperature": 0.2, "lambdac": 1.0, "lambdas": 1.5, "fixedwidth": 0}' >"$TMP/ets.json"
check_out ets '{"counts": [2, 0, 2], "kept": [10, 11, 12], "clusters": [0, 1, 0], "objective": 1.5}' \
    "$BIN" select "$TMP/ets.json"
# the same instance through standard input, and with "-"
check_out ets-stdin '{"counts": [2, 0, 2], "kept": [10, 11, 12], "clusters": [0, 1, 0], "objective": 1.5}' \
    bash -c "\"$BIN\" select - <\"$TMP/ets.json\""
# beam: B = 4, keep 2, 2 each to the top two (ties later-first: 12, 10)
inst beam 4 '{"lambdac": 1}' >"$TMP/beam.json"
check_out beam '{"counts": [2, 0, 2], "expansions": [[12, 2], [10, 2]]}' \
    "$BIN" select --expansions "$TMP/beam.json"
# DVTS at depth 2: best child per parent gets floor(16 / 4) = 4
inst dvts 4 '{"fixedwidth": 0}' >"$TMP/dvts.json"
check_out dvts '{"counts": [4, 0, 4]}' "$BIN" select "$TMP/dvts.json"
# REBASE through its harness name
inst softmax 4 '{"softmax_temperature": 0.2}' >"$TMP/rebase.json"
check_out rebase '{"counts": [2, 0, 2]}' "$BIN" select "$TMP/rebase.json"

# ---- bad input -----------------------------------------------------------------
"$BIN" select --bogus </dev/null >"$TMP/out" 2>"$TMP/err"
[[ $? -eq 2 && ! -s "$TMP/out" ]] && grep -q "^etsim: select: unknown option '--bogus'" "$TMP/err" &&
    passed=$((passed + 1)) || { echo "FAIL usage-option"; fails=$((fails + 1)); }
"$BIN" select "$TMP/does-not-exist.json" >"$TMP/out" 2>"$TMP/err"
[[ $? -eq 1 && ! -s "$TMP/out" ]] && grep -q "^etsim: " "$TMP/err" && passed=$((passed + 1)) ||
    { echo "FAIL missing-file"; fails=$((fails + 1)); }
check_bad not-json 1 "<stdin>: line 1: invalid JSON" '{"selector": "ets", '
check_bad unknown-selector 1 "unknown selector 'nope'" "$(inst nope 4 '{}')"
check_bad width-zero 1 "field 'width'" "$(inst ets-kv 0 '{}')"
check_bad negative-lambdas 1 "params.lambdas" "$(inst ets 4 '{"lambdas": -1}')"
check_bad negative-lambdac 1 "params.lambdac" "$(inst ets-kv 4 '{"lambdac": -0.5}')"
check_bad unknown-param 1 "params.gamma" "$(inst ets 4 '{"gamma": 1}')"
check_bad kv-lambdas 1 "ets-kv fixes lambdas" "$(inst ets-kv 4 '{"lambdas": 1.45}')"
check_bad fractional-fixedwidth 1 "fixedwidth" "$(inst beam 4 '{"fixedwidth": 2.5}')"
check_bad missing-embedding 1 "node 11: field embedding" \
    "$(inst ets 4 '{"lambdas": 1.5}' | sed 's/, "embedding": \[0, 1, 0\]//')"
check_bad wrong-dimension 1 "dimension 2" \
    "$(inst ets 4 '{"lambdas": 1.5}' | sed 's/\[0, 1, 0\]/[0, 1]/')"
check_bad inf-score 1 "node 12: field score" "$(inst ets-kv 4 '{}' | sed 's/"score": 0.8, "text": "z"/"score": 1e999, "text": "z"/')"
check_bad missing-score 1 "node 11: field score" "$(inst beam 4 '{}' | sed 's/"score": 0.6, //')"
check_bad two-roots 1 "both have parent null" "$(inst ets-kv 4 '{}' | sed 's/{"id": 2, "parent": 0/{"id": 2, "parent": null/')"
check_bad cycle 1 "loops" "$(inst ets-kv 4 '{}' | sed 's/{"id": 1, "parent": 0/{"id": 1, "parent": 10/')"
check_bad unknown-parent 1 "no node has id 99" "$(inst ets-kv 4 '{}' | sed 's/{"id": 2, "parent": 0/{"id": 2, "parent": 99/')"
check_bad duplicate-id 1 "duplicate" "$(inst ets-kv 4 '{}' | sed 's/{"id": 2, /{"id": 1, /')"
check_bad unknown-candidate 1 "no node has id 77" "$(inst ets-kv 4 '{}' | sed 's/"candidates": \[10, 11, 12\]/"candidates": [10, 77]/')"
check_bad mixed-depths 1 "share one depth" "$(inst ets-kv 4 '{}' | sed 's/"candidates": \[10, 11, 12\]/"candidates": [10, 2]/')"
check_bad depth-mismatch 1 "field depth" "$(inst ets-kv 4 '{}' | sed 's/"depth": 2/"depth": 3/')"
check_bad no-candidates 1 "field candidates" "$(inst ets-kv 4 '{}' | sed 's/"candidates": \[10, 11, 12\]/"candidates": []/')"
# issue 13: the shared JSON policy (trailing content, duplicate keys: line and key named)
check_bad trailing-content 1 "unexpected content after the JSON value: '}'" "$(inst ets-kv 4 '{}') }"
check_bad duplicate-key 1 "duplicate key 'width'" "$(inst ets-kv 4 '{}' | sed 's/"width": 4/"width": 4, "width": 8/')"

echo "$passed passed, $fails failed"
[[ $fails -eq 0 ]]
