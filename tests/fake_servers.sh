# fake_servers.sh -- sourced by tests/cli_capture*.sh: start and stop the
# loopback stand-in servers (tests/fake_servers.py), write capture configs
# for them, and compare decision logs. Every wait is bounded; every server
# is killed on exit and also ends by itself after --lifetime seconds.
SRC=${ETSIM_SOURCE_DIR:?ETSIM_SOURCE_DIR not set}
. "$SRC/tests/lib_cli.sh" # BIN, SHARED, DIR, fail, expect, skip
DATA_REL=data/real/sal_beam_llama3.2-1b_n16_math500-q10.jsonl
DATA="$SHARED/$DATA_REL"
SERVERS=""
export ETSIM_NO_PROGRESS=1

cleanup() {
    for p in $SERVERS; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$DIR"
}
trap cleanup EXIT

finish() {
    if [ "$fails" -gt 0 ]; then
        echo "$fails failure(s)"
        exit 1
    fi
    echo "all passed"
    exit 0
}

# Skip (exit 77, lib_cli.sh) when python3 or the recorded data is absent:
# the fake servers are Python and answer with ../shared's recorded replies.
need_data() {
    command -v python3 >/dev/null 2>&1 || skip "python3 not found (the fake servers need it)"
    need_shared "$DATA_REL"
}

# start_server [--port P] [faults...]: sets PORT and SRV (pid).
start_server() {
    local pf="$DIR/port.$RANDOM.$RANDOM"
    python3 "$SRC/tests/fake_servers.py" --data "$DATA" --port-file "$pf" --lifetime 180 "$@" \
        >"$DIR/server.log" 2>&1 &
    SRV=$!
    SERVERS="$SERVERS $SRV"
    for _ in $(seq 300); do
        [ -f "$pf" ] && break
        kill -0 "$SRV" 2>/dev/null || break
        sleep 0.05
    done
    if [ ! -f "$pf" ]; then
        echo "FAIL: the fake server did not start: $(cat "$DIR/server.log")"
        exit 1
    fi
    PORT=$(cat "$pf")
}

stop_server() {
    kill -9 "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

# make_config FILE PORT '{"extra": ...}': a capture config for the fake servers.
make_config() {
    python3 - "$1" "$2" "$DATA" "${3:-{\}}" <<'EOF'
import json, sys
path, port, data, extra = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
url = f"http://127.0.0.1:{port}/v1"
c = {"policy_url": url, "policy_model": "fake-policy", "prm_url": url, "prm_model": "fake-prm",
     "prm_kind": "shepherd-logprobs", "embed_url": url, "embed_model": "fake-embed",
     "dataset": data, "problems": [0, 2], "eos_is_leaf": True,
     "max_retries": 4, "backoff_base_ms": 10, "backoff_max_ms": 100, "probe_timeout_ms": 2000,
     "selectors": [{"selector": "ets", "width": 8}, {"selector": "rebase", "width": 8},
                   {"selector": "dvts", "width": 4}]}
for k, v in extra.items():
    if v is None:
        c.pop(k, None)
    else:
        c[k] = v
json.dump(c, open(path, "w"), indent=1)
EOF
}

# same_decisions A B: the results' problems (decision logs, leaves,
# counters) and summary are byte-identical (the config/source header
# naturally differs between a live run and a replay). Shell only: a
# python start costs a second on a loaded machine.
same_decisions() {
    local oa ob
    oa=$(grep -bo '"problems":' "$1" | head -1 | cut -d: -f1)
    ob=$(grep -bo '"problems":' "$2" | head -1 | cut -d: -f1)
    [ -n "$oa" ] && [ -n "$ob" ] || return 1
    cmp -s <(tail -c +"$((oa + 1))" "$1") <(tail -c +"$((ob + 1))" "$2")
}

# header_count TRACE KEY: settings.counts.KEY of a trace header
header_count() {
    "$BIN" inspect --json "$1" | grep -o "\"$2\":[[:space:]]*[0-9]*" | head -1 | grep -o "[0-9]*$"
}

# replay_same TRACE RESULTS_DIR NAME SELECTOR WIDTH: replay one
# configuration offline and compare with the live run's decisions.
replay_same() {
    if ! "$BIN" replay --trace "$1" --selector "$4" --width "$5" --out "$DIR/replay.json" \
        >/dev/null 2>"$DIR/replay.err"; then
        fail "replay of $3 failed: $(cat "$DIR/replay.err")"
        return
    fi
    same_decisions "$2/$3.json" "$DIR/replay.json" || fail "$3: offline replay differs from the live run"
}
