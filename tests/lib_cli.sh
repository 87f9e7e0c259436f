# lib_cli.sh -- shared helpers for the CLI shell tests (sourced, not run):
# BIN (the etsim binary), DIR (a temporary directory removed on exit),
# SHARED (ETSIM_SHARED_DIR, the optional ../shared data; may be empty),
# fail MSG (count a failure), expect STATUS NEEDLE CMD... (exit status
# and, with a NEEDLE, a one-line stderr message containing it) and
# skip REASON (the rest of the test cannot run here).
BIN=${ETSIM_BIN:?ETSIM_BIN not set}
SHARED=${ETSIM_SHARED_DIR:-}
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

# skip REASON: an optional input (../shared, python3) is absent, so the
# rest of this test cannot run: exit 77, which tests/CMakeLists.txt
# declares as SKIP_RETURN_CODE, so ctest says "Skipped" instead of
# "Passed". Checks that already failed still fail the test, and under
# CI=true a skip is a failure: CI installs everything.
skip() {
    if [ "$fails" -gt 0 ]; then
        echo "$fails failure(s) (then skipped: $*)"
        exit 1
    fi
    if [ "${CI:-}" = true ]; then
        echo "FAIL: skipped under CI=true, where nothing may be missing: $*"
        exit 1
    fi
    echo "SKIP: $*"
    exit 77
}

# need_shared FILE...: skip unless every FILE (relative to ../shared) is there.
need_shared() {
    local f
    [ -n "$SHARED" ] || skip "ETSIM_SHARED_DIR not set (needs $*)"
    for f in "$@"; do
        [ -e "$SHARED/$f" ] || skip "$SHARED/$f absent (the ../shared data is not part of a clone)"
    done
}
