#!/usr/bin/env bash
# cli_trace_inspect.sh -- `etsim inspect` usage and bad input, with files
# crafted here byte by byte: each bad case must exit with the right code,
# print exactly one `etsim: ` line on stderr naming the file and the
# problem, and nothing on stdout. (Good traces: tests/test_trace_cli.c.)
set -u
BIN=${ETSIM_BIN:?ETSIM_BIN must point at the etsim binary}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
passed=0

check_bad() { # name, expected exit code, stderr substring, args...
    local name=$1 code=$2 pat=$3
    shift 3
    "$BIN" inspect "$@" >"$TMP/out" 2>"$TMP/err"
    local rc=$?
    local lines
    lines=$(wc -l <"$TMP/err")
    if [[ $rc -ne $code || -s "$TMP/out" || $lines -ne 1 ]] || ! grep -q "^etsim: " "$TMP/err" ||
        ! grep -qF -- "$pat" "$TMP/err"; then
        echo "FAIL $name: rc=$rc (want $code), stderr (want '$pat'):"
        sed 's/^/  /' "$TMP/err"
        [[ -s "$TMP/out" ]] && echo "  stdout not empty: $(head -c 200 "$TMP/out")"
        fails=$((fails + 1))
    else
        passed=$((passed + 1))
    fi
}

# usage
"$BIN" inspect --help >"$TMP/out" 2>"$TMP/err"
if [[ $? -ne 0 ]] || ! grep -q "usage: etsim inspect" "$TMP/out" || [[ -s "$TMP/err" ]]; then
    echo "FAIL help"; fails=$((fails + 1)); else passed=$((passed + 1)); fi
check_bad no-file 2 "no FILE given"
check_bad bad-option 2 "unknown option '--bogus'" --bogus x
check_bad two-files 2 "one FILE only" a b

# data errors
check_bad missing 1 "$TMP/none.trace: cannot open: No such file" "$TMP/none.trace"
: >"$TMP/empty.trace"
check_bad empty 1 "$TMP/empty.trace: not an etsim trace (file is 0 bytes, too short)" "$TMP/empty.trace"
printf 'hello world, this is not a trace' >"$TMP/text.trace"
check_bad magic 1 "$TMP/text.trace: not an etsim trace (bad magic)" "$TMP/text.trace"
printf 'ETSTRACE\002\000\000\000\000\000\000\000%064d' 0 >"$TMP/v2.trace"
check_bad version 1 "$TMP/v2.trace: unsupported trace format version 2 (this etsim reads version 1)" "$TMP/v2.trace"
printf 'ETSTRACE\001\000\000\000\000\000\000\000ETRH' >"$TMP/cut.trace"
check_bad truncated 1 "$TMP/cut.trace: header: record header at offset 16 is cut off (truncated file)" "$TMP/cut.trace"
printf 'ETSTRACE\001\000\000\000\000\000\000\000ETRH%028d' 0 >"$TMP/hdr.trace"
check_bad header-checksum 1 "$TMP/hdr.trace: header: record header checksum mismatch at offset 16 (corrupted file)" "$TMP/hdr.trace"
check_bad directory 1 "$TMP: not a regular file" "$TMP"

# a good trace: the header's longest path is shown (text and --json)
echo '[{"selector": "rebase", "width": 8}]' >"$TMP/cfg.json"
if "$BIN" synth --configs "$TMP/cfg.json" --problems 2 --out "$TMP/ok.trace" >/dev/null 2>"$TMP/err" &&
    "$BIN" inspect "$TMP/ok.trace" >"$TMP/out" 2>"$TMP/err" &&
    grep -Eq "^longest path    [1-9][0-9]* steps, [1-9][0-9]* tokens \([0-9]+ without the prompt\)$" "$TMP/out" &&
    "$BIN" inspect --json "$TMP/ok.trace" | grep -q '"longest_path"'; then
    passed=$((passed + 1))
else
    echo "FAIL longest path: $(cat "$TMP/err")"; fails=$((fails + 1))
fi

echo "cli_trace_inspect: $passed passed, $fails failed"
[[ $fails -eq 0 ]]
