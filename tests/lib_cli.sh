# lib_cli.sh -- shared helpers for the CLI shell tests (sourced, not run):
# BIN (the etsim binary), DIR (a temporary directory removed on exit),
# fail MSG (count a failure) and expect STATUS NEEDLE CMD... (exit status
# and, with a NEEDLE, a one-line stderr message containing it).
BIN=${ETSIM_BIN:?ETSIM_BIN not set}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

expect() {
    local want=$1 needle=$2
    shift 2
    "$@" >"$DIR/out.txt" 2>"$DIR/err.txt"
    local got=$?
    [ "$got" -eq "$want" ] || fail "exit $got (want $want): $*: $(cat "$DIR/err.txt")"
    if [ -n "$needle" ]; then
        grep -q -- "$needle" "$DIR/err.txt" || fail "'$needle' not in stderr of: $*: $(cat "$DIR/err.txt")"
        [ "$(wc -l <"$DIR/err.txt")" -eq 1 ] || fail "not one line: $*: $(cat "$DIR/err.txt")"
    fi
}
