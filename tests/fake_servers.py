#!/usr/bin/env python3
"""fake_servers.py -- a loopback stand-in for the policy, PRM and embedding
servers of a capture, for etsim's tests. It speaks the real wire protocols
(OpenAI-compatible /v1/models, /v1/completions, /v1/chat/completions,
/v1/embeddings; vLLM's /pooling and /tokenize) over HTTP/1.1 keep-alive on
127.0.0.1 and answers with real recorded content: search-and-learn outputs
(JSONL with "problem", "completions", "scores"), whose completions split on
a blank line give the steps and whose "scores" give each step's PRM score.

Which server a request is for follows from its "model" field (fake-policy,
fake-prm, fake-embed) or its path. The policy parses the prompt back into
(question, steps so far) with the capture's default templates and answers
child j of a request seeded s with a recorded next step chosen by
random.Random(s + j) among the completions that share those steps (the
seed + index convention of vLLM's parallel sampling). The PRM looks up the
recorded score of the path's last step; a path it has never seen gets no
score (no "+"/"-" among the returned tokens). Embeddings are hashed bags
of words (dimension 16).

--flavor picks whose wire format the replies follow (tests/server_shapes.py,
each citing the server file and commit): vllm (default), vllm-alone (vLLM
decoding each token alone: PRM label keys collide), sglang (seeds ignored),
sglang-det (--enable-deterministic-inference: every copy of an n > 1
request has the same seed), llamacpp, llamacpp-old (n != 1 is HTTP 500).
Token counts follow the servers: a child's generated tokens are the tokens
of its text and stop string (or its text and an EOS token); vLLM and SGLang
list them all in logprobs.tokens and usage; llama.cpp cuts the stop word's
from logprobs.content and counts them in usage; /tokenize counts the text
sent. The PRM's top list holds the number of entries asked for, the label
tokens "\u2581+" (id 648) and "+" (id 29974), "\u2581-" (387) and "-" (29899)
among them.

Faults for the error-path tests, counted over POST requests (1-based):
  --fail-every N      HTTP 500           --drop-every N   close, no reply
  --slow-every N:MS   reply after MS ms  --malformed-at K  "{bad json" once
  --client-error-at K HTTP 400 once      --short-every N   policy: n-1 choices
  --badutf8-every N   policy: a raw 0xFF byte in the text
  --noscore-every N   PRM: no label among the top tokens
  --die-after N       exit(3) on the N-th policy request, before answering
  --prm-bad K:VALUE   PRM: the K-th scoring reply gives "+" the logprob
                      VALUE, written as is (5.0: impossible; 1e999: +inf)
  --prm-empty-at K    PRM: the K-th scoring reply has an empty top list
  --prm-shape-at K    PRM: from the K-th scoring reply on, the other form
                      (a list of entries instead of an object, or rows of 3)
  --pool-shape S      /pooling rows: "hidden" (64 values) or "pair" (a flat
                      sequence-level pair)
  --tokenize-error    /tokenize answers HTTP 400 with an error body
  --owned-by NAME     /v1/models owned_by (default: the flavor's)
  --eos-id N          vLLM: EOS children end on a generation-config EOS id,
                      reported as stop_reason N (an int)
  --abort-at K        policy: the K-th reply's first choice aborted (HTTP 200,
                      finish_reason "abort", half its text)
  --no-get-server-info  SGLang: only /server_info (the deprecated
                      /get_server_info removed)
  --pool-activation   /pooling applies the activation (a sigmoid) unless the
                      request says "use_activation": false (vLLM's
                      token_classify default)
  --vllm-version V    vLLM: GET /version answers V (default: 404)
  --split-stop        llama.cpp: the stop word generated as "\n" + "\n", the
                      first held back (entry "")
  --special-text      policy: every step ends spelling "<|im_end|>" (generated
                      as pieces; llama.cpp's /tokenize counts the spelling as
                      one token unless "parse_special": false)
  --lcpp-logprobs K   llama.cpp before PR #11344: "logprobs" null (K null) or
                      absent (K absent) unless the request says "n_probs"
  --vllm-version V    with --pool-activation: 0.10.0-0.11.0 switch the
                      activation with "softmax", not "use_activation"

Usage: fake_servers.py --data FILE.jsonl --port-file PATH [faults...]
The chosen port is written to PATH once the server listens.
"""
import argparse
import hashlib
import json
import math
import os
import random
import re
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import server_shapes as shapes  # noqa: E402

TAG = " \u043a\u0438"  # " ки"
SPECIAL = "<|im_end|>"  # --special-text: a step spelling a special token, generated as pieces
TOKEN_RE = re.compile(r"\w+|[^\w\s]|\s+")


def tokens(text):
    return TOKEN_RE.findall(text)


class Data:
    def __init__(self, path):
        self.by_question = {}
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                rec = json.loads(line)
                paths = []
                for comp, sc in zip(rec["completions"], rec["scores"]):
                    steps = comp.split("\n\n")
                    paths.append((steps, sc))
                self.by_question[rec["problem"]] = paths

    def match_prefix(self, text, sep):
        """(question, rest) for the question that text starts with + sep."""
        best = None
        for q in self.by_question:
            if text.startswith(q + sep) and (best is None or len(q) > len(best)):
                best = q
        if best is None:
            return None, None
        return best, text[len(best) + len(sep):]

    def next_steps(self, q, steps):
        """Recorded candidates for step len(steps): (text, is_last)."""
        d = len(steps)
        paths = self.by_question[q]
        cands = [(p[d], d == len(p) - 1) for p, _ in paths if len(p) > d and p[:d] == steps]
        if not cands:
            cands = [(p[d], d == len(p) - 1) for p, _ in paths if len(p) > d]
        return cands

    def score(self, q, steps):
        d = len(steps)
        for p, sc in self.by_question.get(q, []):
            if len(p) >= d and p[:d] == steps and len(sc) >= d:
                return float(sc[d - 1])
        return None


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.posts = 0
        self.policy = 0
        self.prm = 0

    def next_post(self):
        with self.lock:
            self.posts += 1
            return self.posts


def every(n, k):
    return n > 0 and k % n == 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes

    def log_message(self, *a):
        pass

    def send_json(self, obj, status=200, raw=None):
        body = raw if raw is not None else json.dumps(obj).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        a = self.server.state.args
        if self.path.endswith("/models"):
            ids = ["fake-policy", "fake-prm", "fake-embed"]
            self.send_json(shapes.models(a.owned_by or a.flavor, ids))
        elif self.path.endswith("/version") and a.vllm_version and a.flavor.startswith("vllm"):
            self.send_json({"version": a.vllm_version})
        elif (self.path.endswith("/server_info") or
              (self.path.endswith("/get_server_info") and not a.no_get_server_info)) and \
                a.flavor.startswith("sglang"):
            self.send_json(shapes.sglang_server_info(a.flavor == "sglang-det"))
        else:
            self.send_json({"error": "no such path"}, 404)

    def do_POST(self):
        st = self.server.state
        a = st.args
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        k = st.next_post()
        if every(a.drop_every, k):
            self.close_connection = True
            return
        if a.slow_every:
            m, ms = a.slow_every.split(":")
            if every(int(m), k):
                time.sleep(int(ms) / 1000.0)
        if every(a.fail_every, k):
            self.send_json({"error": {"message": "injected server error"}}, 500)
            return
        if k == a.client_error_at:
            self.send_json({"error": {"message": "injected bad request"}}, 400)
            return
        if k == a.malformed_at:
            self.send_json(None, raw=b'{"choices": [{"text": "unterminated')
            return
        try:
            req = json.loads(raw)
        except ValueError:
            self.send_json({"error": {"message": "request is not JSON"}}, 400)
            return
        model = req.get("model")
        path = self.path
        if path.endswith("/embeddings"):
            self.embeddings(req)
        elif path.endswith("/pooling"):
            self.pooling(req)
        elif path.endswith("/tokenize"):
            if a.tokenize_error:
                self.send_json({"error": {"message": "injected tokenizer failure", "code": 400}}, 400)
            elif a.flavor.startswith("llamacpp"):  # reads "content"; "prompt" is ignored
                text = req.get("content", "")
                toks = tokens(text)
                if req.get("parse_special", True):  # a special token's spelling is one token
                    toks = tokens(text.replace(SPECIAL, "\u2063"))
                self.send_json(shapes.llamacpp_tokenize(toks))
            elif a.flavor.startswith("sglang"):
                self.send_json(shapes.sglang_tokenize(tokens(req.get("prompt", ""))))
            else:
                self.send_json(shapes.vllm_tokenize(tokens(req.get("prompt", ""))))
        elif path.endswith("/chat/completions"):
            self.chat_prm(req)
        elif path.endswith("/completions") and model == "fake-prm":
            self.shepherd_prm(req)
        elif path.endswith("/completions"):
            self.policy(req)
        else:
            self.send_json({"error": {"message": "no such path"}}, 404)

    # ---- policy ---------------------------------------------------------------
    def policy(self, req):
        st = self.server.state
        a = st.args
        with st.lock:
            st.policy += 1
            pk = st.policy
        if a.die_after and pk >= a.die_after:
            os._exit(3)
        data = self.server.data
        q, rest = data.match_prefix(req["prompt"], "\n")
        if q is None:
            self.send_json({"error": {"message": "unknown question"}}, 400)
            return
        rest = rest.replace(" " + SPECIAL, "")  # --special-text: the recorded steps
        steps = rest.split("\n\n")[:-1] if rest else []
        n = int(req.get("n", 1))
        if a.flavor == "llamacpp-old" and n != 1:
            self.send_json(shapes.LLAMACPP_OLD_N_ERROR, 500)
            return
        if every(a.short_every, pk) and n > 1:
            n -= 1
        seed = int(req.get("seed", 0))
        cands = data.next_steps(q, steps)
        children = []
        bad = every(a.badutf8_every, pk)
        for j in range(n):
            if a.flavor == "sglang":       # seeds are not honoured
                rng = random.Random(os.urandom(8))
            elif a.flavor == "sglang-det":  # every copy carries the request's seed
                rng = random.Random(seed)
            else:                           # vLLM: child j is seeded seed + j
                rng = random.Random(seed + j)
            if cands:
                text, last = cands[rng.randrange(len(cands))]
                # the model's probability of this step: the share of the
                # recorded candidates that wrote it
                lp = math.log(sum(1 for c in cands if c[0] == text) / len(cands))
            else:
                text, last, lp = "", True, 0.0
            if bad and j == 0:
                text = text + "\u0001BADBYTE"
            if a.special_text and text:
                text = text + " " + SPECIAL
            # the tokens generated: the text's and the stop string's, or an EOS
            gen = tokens(text) + ["</s>"] if last else tokens(text + "\n\n")
            children.append((text, gen, last, lp))
        model, pt = req.get("model"), len(tokens(req["prompt"]))
        if a.flavor.startswith("llamacpp"):
            body = shapes.llamacpp_completion(model, pt, children, a.split_stop)
        elif a.flavor.startswith("sglang"):
            body = shapes.sglang_completion(model, pt, children)
        else:
            body = shapes.vllm_completion(model, pt, children, a.eos_id or None)
        if pk == a.abort_at:
            body = shapes.sglang_abort(body)
        if a.lcpp_logprobs and not req.get("n_probs"):
            # a llama.cpp release that ignores "logprobs" (it reads n_probs only)
            for ch in body["choices"]:
                if a.lcpp_logprobs == "null":
                    ch["logprobs"] = None
                else:
                    ch.pop("logprobs", None)
        raw = json.dumps(body).encode("utf-8")
        if bad:
            raw = raw.replace(b"\\u0001BADBYTE", b"\xff")
        self.send_json(None, raw=raw)

    # ---- PRMs -------------------------------------------------------------------
    def path_score(self, q, steps):
        st = self.server.state
        with st.lock:
            st.prm += 1
            pk = st.prm
        self.prm_k = pk
        if every(st.args.noscore_every, pk):
            return None
        return self.server.data.score(q, steps)

    def top_list(self, p, k):
        """(id, text alone, text in context, logprob) entries, best first:
        the labels' two variants each (0.8 / 0.2 of the label's mass), then
        filler tokens up to k entries."""
        if p is None:
            top = [(450, "The", "The", -3.0), (13, "\n", "\n", -4.0)]
        else:
            p = min(max(p, 1e-6), 1 - 1e-6)
            top = [(648, "+", " +", math.log(0.8 * p)), (29974, "+", "+", math.log(0.2 * p)),
                   (387, "-", " -", math.log(0.8 * (1 - p))), (29899, "-", "-", math.log(0.2 * (1 - p)))]
        top.sort(key=lambda t: -t[3])
        i = 0
        while len(top) < k:
            top.append((3000 + i, f"w{i}", f"w{i}", -30.0 - i))
            i += 1
        return top

    def prm_top(self, req, p, chat):
        a = self.server.state.args
        k = int(req.get("top_logprobs" if chat else "logprobs", 20) or 20)
        top = self.bad_label(self.top_list(p, k))
        pk = getattr(self, "prm_k", 0)
        if a.prm_empty_at and pk == a.prm_empty_at:
            top = []
        return top, bool(req.get("return_tokens_as_token_ids")), bool(a.prm_shape_at and pk >= a.prm_shape_at)

    def shepherd_prm(self, req):
        a = self.server.state.args
        data = self.server.data
        q, rest = data.match_prefix(req["prompt"], " ")
        p = None
        rest = rest.replace(" " + SPECIAL, "") if rest else rest
        if q is not None and rest.endswith(TAG):
            steps = rest[:-len(TAG)].split(TAG + "\n")
            p = self.path_score(q, steps)
        top, ids, changed = self.prm_top(req, p, False)
        if not top:  # --prm-empty-at: an object with no entries
            body = shapes.vllm_prm_completion("fake-prm", [(0, "", "", -0.1)], False, False)
            body["choices"][0]["logprobs"]["top_logprobs"] = [{}]
        elif a.flavor.startswith("llamacpp") or changed:
            body = shapes.llamacpp_prm_completion("fake-prm", top)
        elif a.flavor.startswith("sglang"):
            body = shapes.sglang_prm_completion("fake-prm", top)
        else:
            body = shapes.vllm_prm_completion("fake-prm", top, ids, a.flavor == "vllm-alone")
        self.send_prm(body)

    BAD = -12345.678  # stands for --prm-bad's VALUE until the body is serialised

    def bad_label(self, top):
        """--prm-bad: on the K-th scoring request, "+" gets the bad value."""
        bad = self.server.state.args.prm_bad
        if bad and getattr(self, "prm_k", 0) == int(bad.split(":")[0]):
            top = [t if t[2] != "+" else (t[0], t[1], t[2], self.BAD) for t in top]
            self.prm_bad_now = bad.split(":", 1)[1].encode()
        return top

    def send_prm(self, body):
        raw = json.dumps(body).encode("utf-8")
        if getattr(self, "prm_bad_now", None):
            raw = raw.replace(str(self.BAD).encode(), self.prm_bad_now)
            self.prm_bad_now = None
        self.send_json(None, raw=raw)

    def chat_prm(self, req):
        data = self.server.data
        users = [m["content"] for m in req.get("messages", []) if m.get("role") == "user"]
        p = None
        if users:
            q, first = data.match_prefix(users[0], " ")
            if q is not None:
                p = self.path_score(q, [first] + users[1:])
        top, ids, _ = self.prm_top(req, p, True)
        if not top:
            body = shapes.vllm_prm_chat("fake-prm", [(0, "", "", -0.1)], ids)
            body["choices"][0]["logprobs"]["content"][0]["top_logprobs"] = []
        else:
            body = shapes.vllm_prm_chat("fake-prm", top, ids)
        self.send_prm(body)

    def pooling(self, req):
        a = self.server.state.args
        data = self.server.data
        text = req.get("input", "")
        q, rest = data.match_prefix(text, " ")
        p = None
        if q is not None and rest.endswith(TAG):
            p = self.path_score(q, rest[:-len(TAG)].split(TAG + "\n"))
        width = 3 if a.prm_shape_at and getattr(self, "prm_k", 0) >= a.prm_shape_at else 2
        rows = [[0.0] * width for _ in range(max(1, len(tokens(text)) - 1))]
        if p is not None:
            p = min(max(p, 1e-6), 1 - 1e-6)
            x = math.log(p / (1 - p))
            rows.append([x - 0.5, x + 0.5] + [x] * (width - 2))
        else:
            rows.append([float("nan")] + [0.0] * (width - 1))
        if a.pool_shape == "hidden":
            rows = [r + [0.0] * 62 for r in rows]
        elif a.pool_shape == "pair":
            rows = rows[-1][:2]
        field = shapes.vllm_pooling_act_field(a.vllm_version) if a.vllm_version else "use_activation"
        if a.pool_activation and field and req.get(field) is not False:
            # vLLM's token_classify default: the activation applied (sigmoid per value here)
            rows = [[1 / (1 + math.exp(-x)) if x == x else x for x in r] for r in rows] \
                if rows and isinstance(rows[0], list) else rows
        raw = json.dumps(shapes.vllm_pooling("fake-prm", rows)).encode("utf-8").replace(b"NaN", b"null")
        self.send_json(None, raw=raw)

    # ---- embeddings --------------------------------------------------------------
    def embeddings(self, req):
        inputs = req.get("input", [])
        if isinstance(inputs, str):
            inputs = [inputs]
        out = []
        for i, text in enumerate(inputs):
            v = [0.0] * 16
            for w in re.findall(r"\w+", text.lower()):
                h = int(hashlib.md5(w.encode("utf-8")).hexdigest(), 16)
                v[h % 16] += 1.0 if (h >> 8) & 1 else -1.0
            norm = math.sqrt(sum(x * x for x in v)) or 1.0
            if not any(v):
                v[0] = norm = 1.0
            out.append({"index": i, "object": "embedding", "embedding": [x / norm for x in v]})
        self.send_json({"object": "list", "data": out, "model": "fake-embed",
                        "usage": {"prompt_tokens": 0, "total_tokens": 0}})


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    for f in ("fail-every", "drop-every", "malformed-at", "client-error-at", "short-every",
              "badutf8-every", "noscore-every", "die-after", "prm-empty-at", "prm-shape-at",
              "eos-id", "abort-at"):
        ap.add_argument("--" + f, type=int, default=0)
    ap.add_argument("--slow-every", default="")
    ap.add_argument("--prm-bad", default="")
    ap.add_argument("--flavor", default="vllm", choices=["vllm", "vllm-alone", "sglang", "sglang-det",
                                                          "llamacpp", "llamacpp-old"])
    ap.add_argument("--owned-by", default="")
    ap.add_argument("--pool-shape", default="")
    ap.add_argument("--tokenize-error", action="store_true")
    ap.add_argument("--split-stop", action="store_true")
    ap.add_argument("--no-get-server-info", action="store_true")
    ap.add_argument("--vllm-version", default="")
    ap.add_argument("--pool-activation", action="store_true")
    ap.add_argument("--special-text", action="store_true")
    ap.add_argument("--lcpp-logprobs", default="", choices=["", "null", "absent"])
    ap.add_argument("--lifetime", type=float, default=600.0,
                    help="exit after this many seconds whatever happens (a test must never hang)")
    args = ap.parse_args()
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.data = Data(args.data)
    srv.state = State(args)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    threading.Timer(args.lifetime, lambda: os._exit(4)).start()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
