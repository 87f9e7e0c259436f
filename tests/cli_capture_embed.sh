#!/bin/bash
# cli_capture_embed.sh -- `etsim embed`: adds step embeddings to a trace
# whose nodes carry text, through an OpenAI-compatible /v1/embeddings server
# (the loopback stand-in) or a fastText model run by the `fasttext`
# program (a stand-in script always; the real Debian program when it is
# installed); ETS then replays on the result. Bad backends fail with one
# line and leave the trace untouched.
set -u
. "${ETSIM_SOURCE_DIR:?}/tests/fake_servers.sh"

"$BIN" embed --help >"$DIR/help.txt" 2>&1 || fail "embed --help"
grep -q "fastText" "$DIR/help.txt" || fail "help does not explain fastText"
"$BIN" embed "$DIR/x.trace" >/dev/null 2>&1
[ $? -eq 2 ] || fail "embed without --backend: want exit 2"
need_data

# A trace with step texts and no embeddings: a capture without an embedder.
start_server
make_config "$DIR/cap.json" "$PORT" \
    '{"embed_url": null, "problems": [0, 1], "out": "text.trace", "selectors": [{"selector": "rebase", "width": 6}]}'
"$BIN" capture --config "$DIR/cap.json" >/dev/null 2>"$DIR/err.txt" || fail "capture: $(cat "$DIR/err.txt")"
cp "$DIR/text.trace" "$DIR/orig.trace"
"$BIN" inspect "$DIR/text.trace" | grep -q -- "-d f16" && fail "the source trace already has embeddings"

# ---- HTTP backend ------------------------------------------------------------------------------
if "$BIN" embed "$DIR/text.trace" --backend "http://127.0.0.1:$PORT/v1/embeddings" --model fake-embed \
    --out "$DIR/http.trace" >"$DIR/out.txt" 2>"$DIR/err.txt"; then
    grep -q "(16-d)" "$DIR/out.txt" || fail "http: dimension not reported: $(cat "$DIR/out.txt")"
    "$BIN" inspect "$DIR/http.trace" >"$DIR/insp.txt"
    grep -q "16-d f16" "$DIR/insp.txt" || fail "http: embeddings not in the header: $(cat "$DIR/insp.txt")"
    "$BIN" replay --trace "$DIR/http.trace" --selector ets --width 6 --on-missing truncate --out "$DIR/ets.json" >/dev/null 2>"$DIR/err.txt" ||
        fail "ETS on the embedded trace: $(cat "$DIR/err.txt")"
else
    fail "http embed: $(cat "$DIR/err.txt")"
fi
stop_server "$SRV"
"$BIN" embed "$DIR/text.trace" --backend "http://127.0.0.1:$PORT/v1/embeddings" >/dev/null 2>"$DIR/err.txt"
[ $? -eq 1 ] || fail "unreachable embedder: want exit 1"
grep -q "127.0.0.1:$PORT" "$DIR/err.txt" || fail "unreachable embedder not named: $(cat "$DIR/err.txt")"
cmp -s "$DIR/text.trace" "$DIR/orig.trace" || fail "a failed embed changed the trace"

# ---- fastText: a stand-in program printing 4 numbers per input line --------------------------------
cat >"$DIR/fakeft" <<'EOF'
#!/usr/bin/env python3
import sys, zlib
assert sys.argv[1] == "print-sentence-vectors"
open(sys.argv[2], "rb").close()
for line in sys.stdin:
    h = zlib.crc32(line.encode())
    print(" ".join("%.5f" % (((h >> (8 * i)) & 255) / 255.0 - 0.5) for i in range(4)) + " ", flush=True)
EOF
chmod +x "$DIR/fakeft"
echo model >"$DIR/model.bin"
if ETSIM_FASTTEXT="$DIR/fakeft" "$BIN" embed "$DIR/text.trace" --backend "fasttext:$DIR/model.bin" \
    >"$DIR/out.txt" 2>"$DIR/err.txt"; then
    "$BIN" inspect "$DIR/text.trace" | grep -q "4-d f16" || fail "fastText: 4-d embeddings not written in place"
    "$BIN" inspect "$DIR/text.trace" | grep -q "fasttext:" || fail "fastText: embed model not named"
    "$BIN" replay --trace "$DIR/text.trace" --selector ets --width 6 --on-missing truncate --out "$DIR/ets.json" >/dev/null 2>&1 ||
        fail "ETS on the fastText-embedded trace"
else
    fail "fastText embed: $(cat "$DIR/err.txt")"
fi
cp "$DIR/orig.trace" "$DIR/text.trace"
"$BIN" embed "$DIR/text.trace" --backend "fasttext:$DIR/missing.bin" >/dev/null 2>"$DIR/err.txt"
[ $? -eq 1 ] && grep -q "missing.bin" "$DIR/err.txt" || fail "missing fastText model: $(cat "$DIR/err.txt")"
ETSIM_FASTTEXT="$DIR/no-such-program" "$BIN" embed "$DIR/text.trace" --backend "fasttext:$DIR/model.bin" \
    >/dev/null 2>"$DIR/err.txt"
[ $? -eq 1 ] && grep -q "fasttext" "$DIR/err.txt" || fail "missing fastText program: $(cat "$DIR/err.txt")"
"$BIN" embed "$DIR/text.trace" --backend "ftp://x" >/dev/null 2>"$DIR/err.txt"
[ $? -eq 1 ] && grep -q "expected http" "$DIR/err.txt" || fail "bad backend: $(cat "$DIR/err.txt")"
cmp -s "$DIR/text.trace" "$DIR/orig.trace" || fail "a failed embed changed the trace"

# ---- the real fastText program, when installed: a tiny model trained on the steps ----------------
if command -v fasttext >/dev/null 2>&1; then
    python3 - "$DATA" "$DIR/steps.txt" <<'EOF'
import json, sys
with open(sys.argv[2], "w") as out:
    for line in open(sys.argv[1]):
        for c in json.loads(line)["completions"]:
            for s in c.split("\n\n"):
                out.write(s.replace("\n", " ") + "\n")
EOF
    if fasttext skipgram -input "$DIR/steps.txt" -output "$DIR/ft" -dim 8 -epoch 1 -minCount 1 \
        -bucket 2000 -thread 1 -verbose 0 >/dev/null 2>&1; then
        "$BIN" embed "$DIR/text.trace" --backend "fasttext:$DIR/ft.bin" --out "$DIR/ft.trace" \
            >"$DIR/out.txt" 2>"$DIR/err.txt" || fail "real fastText: $(cat "$DIR/err.txt")"
        "$BIN" inspect "$DIR/ft.trace" | grep -q "8-d" || fail "real fastText: no 8-d embeddings"
    else
        fail "fasttext could not train a tiny model"
    fi
else
    skip "the fasttext program is not installed (scripts/deps.sh test installs it): only the stand-in was tested"
fi
finish
