"""server_shapes.py -- reply bodies shaped exactly as the real model servers
serialise them, for tests/fake_servers.py (--flavor). Each function cites
the server file and commit whose serialisation it follows; the field names,
nesting, null/absent conventions and the quirks etsim must survive are the
servers', the content (texts, scores) is the caller's.

  vLLM       vllm/entrypoints/openai/protocol.py @ ec3b890c14b00f6670515d9df8d503b5270e95ca
             (CompletionResponse, CompletionLogProbs, ChatCompletionLogProbs,
             PoolingResponse, TokenizeResponse, ModelCard owned_by "vllm");
             vllm/entrypoints/openai/serving_completion.py, same tree
             (_create_completion_logprobs: top_logprobs is a dict built by
             a comprehension keyed by the decoded token, so keys that decode
             alike keep the last value; "token_id:N" keys with
             return_tokens_as_token_ids). The decode-each-token-alone era
             (PR #19209 until PR #48674) is flavor "vllm-alone".
  SGLang     python/sglang/srt/entrypoints/openai/serving_completions.py
             @ 7190e6fe8cfd50b0747f968bbdacfcc29ed98a4c and utils.py
             (to_openai_style_logprobs: {token_text: logprob}; text_offset
             -1; matched_stop: the stop string, or the EOS token id; usage
             summed over the n copies, which share one sampling seed).
  llama.cpp  tools/server/server-task.cpp @ 00efb3e184262872916bf136b3df63c1822a19bd
             (server_task_result_cmpl_final::to_json_oaicompat: logprobs
             {"content": probs_vector_to_json}, finish_reason "stop" for EOS
             and stop word alike; completion_token_output::to_json entries
             {id, token, bytes, logprob}); tools/server/server-context.cpp
             (send_final_response cuts the stop word's tokens from the
             probabilities; aggregate_results merges the n choices and keeps
             the first child's usage); tools/server/utils.hpp before PR
             #17775 ("Only one completion choice is allowed", HTTP 500);
             /tokenize reads "content" and answers {"tokens": [...]}, parsing
             special-token spellings unless "parse_special": false
             (server-context.cpp post_tokenize, text search);
             /v1/models owned_by "llamacpp".

Shapes found by auditing the servers' code (traces/capture/README.md,
"Checked against"):
  vLLM       vllm/sampling_params.py update_from_generation_config and
             vllm/v1/core/sched/utils.py check_stop @ 018d5dc78efa9af8a03457451b6f27d56bf3b9c2:
             the generation config's other eos_token_ids become stop_token_ids,
             and stopping on one reports stop_reason = that id (an int), not
             null (vllm_completion eos_id).
             vllm/outputs.py RequestOutput.from_seq_group (v0, before the
             0.6.4 rewrite): the n outputs of a request sorted by cumulative
             logprob; GET /version answers {"version": "0.6.3.post1"}
             (fake_servers.py --vllm-version).
             vllm/pooling_params.py _set_default_parameters: token_classify
             (reward heads) applies its activation unless the request says
             "use_activation": false (fake_servers.py --pool-activation).
  SGLang     python/sglang/srt/entrypoints/openai/serving_completions.py
             @ 004c82e07d876f6e4a0ad6e15325706b0f478f1a: a graceful abort (no
             status_code) is answered HTTP 200 with finish_reason "abort" and
             the text so far (sglang_abort).
             python/sglang/srt/entrypoints/http_server.py, same tree:
             /get_server_info is deprecated for /server_info (same body:
             server_args flattened, enable_deterministic_inference at the top).
  vLLM       pooling_params.py (text search): 0.10.0-0.11.0 switch a reward
             head's activation with "softmax" and ignore "use_activation"
             (fake_servers.py --vllm-version 0.10.1 --pool-activation).
  SGLang     serving_tokenize.py @ 0351c1fa: /tokenize (sglang_tokenize).
  llama.cpp  server-task.cpp to_json_oaicompat (text search): "logprobs" null
             unless entries were kept; releases from PR #10783 until PR #11344
             never read the request's "logprobs" into n_probs, so every reply
             has null (fake_servers.py --lcpp-logprobs null|absent).
  llama.cpp  tools/server/server-context.cpp process_token (a token that ends
             in a partial stop-word match releases "" and is held back) and
             send_final_response (cuts as many entries as the stop word
             tokenizes to alone): "\n\n" generated as "\n" + "\n" leaves a
             "" entry last (llamacpp_completion split_stop).
"""
import time

EOS_ID = 2


def models(flavor, ids):
    owned = {"vllm": "vllm", "vllm-alone": "vllm", "sglang": "sglang", "sglang-det": "sglang",
             "llamacpp": "llamacpp", "llamacpp-old": "llamacpp"}.get(flavor, flavor)
    return {"object": "list",
            "data": [{"id": i, "object": "model", "created": 0, "owned_by": owned} for i in ids]}


def _bytes(s):
    return list(s.encode("utf-8"))


# ---- policy: /v1/completions ----------------------------------------------------------------
# Each child is given as (text, gen_tokens, eos, logprob): gen_tokens are the
# tokens the server generated, the stop string's token or the EOS token
# included; logprob is the whole child's, spread evenly over its tokens.

def vllm_completion(model, prompt_tokens, children, eos_id=None):
    """eos_id: EOS children end on a generation-config EOS id (stop_reason = id)."""
    choices, total = [], 0
    for j, (text, gen, eos, lp) in enumerate(children):
        total += len(gen)
        t_lp = lp / max(1, len(gen))
        choices.append({
            "index": j, "text": text,
            "logprobs": {"text_offset": list(range(len(gen))), "token_logprobs": [t_lp] * len(gen),
                         "tokens": gen, "top_logprobs": [{t: t_lp} for t in gen]},
            "finish_reason": "stop", "stop_reason": (eos_id if eos else "\n\n"),
            "prompt_logprobs": None})
    return {"id": "cmpl-fake", "object": "text_completion", "created": int(time.time()),
            "model": model, "choices": choices,
            "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens + total,
                      "completion_tokens": total, "prompt_tokens_details": None}}


def sglang_completion(model, prompt_tokens, children):
    choices, total = [], 0
    for j, (text, gen, eos, lp) in enumerate(children):
        total += len(gen)
        t_lp = lp / max(1, len(gen))
        choices.append({
            "index": j, "text": text,
            "logprobs": {"text_offset": [-1] * len(gen), "token_logprobs": [t_lp] * len(gen),
                         "tokens": gen, "top_logprobs": [{t: t_lp} for t in gen]},
            "finish_reason": "stop", "matched_stop": EOS_ID if eos else "\n\n"})
    return {"id": "fake-sglang", "object": "text_completion", "created": int(time.time()),
            "model": model, "choices": choices,
            "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens + total,
                      "completion_tokens": total, "prompt_tokens_details": None}}


def _lcpp_entry(i, tok, lp):
    return {"id": i, "token": tok, "bytes": _bytes(tok), "logprob": lp}


SPLIT_NL_ID = 198  # "\n" alone; "\n\n" tokenizes to one token


def llamacpp_completion(model, prompt_tokens, children, split_stop=False):
    """One result per child, merged as aggregate_results merges them.
    split_stop: the stop word "\n\n" was generated as "\n" + "\n"; the
    first is held back (its entry releases ""), the second is cut."""
    arr = []
    for j, (text, gen, eos, lp) in enumerate(children):
        if split_stop and not eos and gen and gen[-1] == "\n\n":
            gen = gen[:-1] + ["\n", "\n"]
        t_lp = lp / max(1, len(gen))
        # stop word: its tokens are cut from the probabilities; EOS: kept,
        # rendered as "" (a control token's piece)
        shown = gen if eos else gen[:-1]
        content = []
        for k, t in enumerate(shown):
            tok = "" if (eos and k == len(shown) - 1) else t
            tid = EOS_ID if tok == "" else 1000 + k
            if split_stop and not eos and k == len(shown) - 1 and t == "\n":
                tok, tid = "", SPLIT_NL_ID  # held back; its own piece is "\n"
                e = _lcpp_entry(tid, tok, t_lp)
                e["top_logprobs"] = [_lcpp_entry(tid, "\n", t_lp)]
                content.append(e)
                continue
            e = _lcpp_entry(tid, tok, t_lp)
            e["top_logprobs"] = [_lcpp_entry(tid, tok, t_lp)]
            content.append(e)
        arr.append({"choices": [{"text": text, "index": j,
                                 "logprobs": {"content": content} if content else None,
                                 "finish_reason": "stop"}],
                    "created": int(time.time()), "model": model,
                    "system_fingerprint": "b0000-00efb3e1", "object": "text_completion",
                    "usage": {"completion_tokens": len(gen), "prompt_tokens": prompt_tokens,
                              "total_tokens": len(gen) + prompt_tokens},
                    "id": "chatcmpl-fake"})
    merged = arr[0]
    for r in arr[1:]:
        merged["choices"].append(r["choices"][0])
    return merged


def sglang_abort(body):
    """The first choice aborted gracefully: HTTP 200, finish_reason "abort",
    matched_stop null, the text cut short."""
    ch = body["choices"][0]
    ch["text"] = ch["text"][: len(ch["text"]) // 2]
    ch["finish_reason"], ch["matched_stop"] = "abort", None
    return body


LLAMACPP_OLD_N_ERROR = {"error": {"code": 500, "message": "Only one completion choice is allowed",
                                  "type": "server_error"}}


# ---- PRM: top logprobs of one generated token ---------------------------------------------------
# `top` is a list of (token_id, text_alone, text_in_context, logprob), best first.

def vllm_prm_completion(model, top, ids, alone):
    d = {}
    for tid, t_alone, t_ctx, lp in top:
        key = f"token_id:{tid}" if ids else (t_alone if alone else t_ctx)
        d[key] = lp  # a dict comprehension: a repeated key keeps the last value
    first = top[0]
    return {"id": "cmpl-prm", "object": "text_completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "text": first[2],
                         "logprobs": {"text_offset": [0], "token_logprobs": [first[3]],
                                      "tokens": [f"token_id:{first[0]}" if ids else first[2]],
                                      "top_logprobs": [d]},
                         "finish_reason": "length", "stop_reason": None, "prompt_logprobs": None}],
            "usage": {"prompt_tokens": 1, "total_tokens": 2, "completion_tokens": 1}}


def vllm_prm_chat(model, top, ids):
    def tok(t):
        return f"token_id:{t[0]}" if ids else t[2]
    first = top[0]
    return {"id": "chatcmpl-prm", "object": "chat.completion", "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": first[2]},
                         "logprobs": {"content": [{
                             "token": tok(first), "logprob": first[3], "bytes": _bytes(first[2]),
                             "top_logprobs": [{"token": tok(t), "logprob": t[3], "bytes": _bytes(t[2])}
                                              for t in top]}]},
                         "finish_reason": "length", "stop_reason": None}],
            "usage": {"prompt_tokens": 1, "total_tokens": 2, "completion_tokens": 1}}


def sglang_prm_completion(model, top):
    d = {}
    for tid, t_alone, t_ctx, lp in top:
        d[t_ctx] = lp
    first = top[0]
    return {"id": "fake-sglang-prm", "object": "text_completion", "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "text": first[2],
                         "logprobs": {"text_offset": [-1], "token_logprobs": [first[3]],
                                      "tokens": [first[2]], "top_logprobs": [d]},
                         "finish_reason": "length", "matched_stop": None}],
            "usage": {"prompt_tokens": 1, "total_tokens": 2, "completion_tokens": 1}}


def llamacpp_prm_completion(model, top):
    first = top[0]
    e = _lcpp_entry(first[0], first[2], first[3])
    e["top_logprobs"] = [_lcpp_entry(t[0], t[2], t[3]) for t in top]
    return {"choices": [{"text": first[2], "index": 0, "logprobs": {"content": [e]},
                         "finish_reason": "length"}],
            "created": int(time.time()), "model": model, "system_fingerprint": "b0000-00efb3e1",
            "object": "text_completion",
            "usage": {"completion_tokens": 1, "prompt_tokens": 1, "total_tokens": 2},
            "id": "chatcmpl-prm"}


# ---- vLLM /pooling, /tokenize; llama.cpp /tokenize; SGLang /get_server_info -------------------

def vllm_pooling(model, rows):
    return {"id": "pool-fake", "object": "list", "created": int(time.time()), "model": model,
            "data": [{"index": 0, "object": "pooling", "data": rows}],
            "usage": {"prompt_tokens": len(rows), "total_tokens": len(rows),
                      "completion_tokens": 0, "prompt_tokens_details": None}}


def vllm_tokenize(toks):
    return {"count": len(toks), "max_model_len": 4096, "tokens": list(range(len(toks))),
            "token_strs": None}


def llamacpp_tokenize(toks):
    return {"tokens": list(range(len(toks)))}


def sglang_tokenize(toks):
    """python/sglang/srt/entrypoints/openai/serving_tokenize.py
    @ 0351c1fafe4c53c91c331dea205af48b018af559 (OpenAIServingTokenize, routed
    from /tokenize and /v1/tokenize in http_server.py) and protocol.py
    TokenizeRequest/TokenizeResponse: reads "prompt" (a string or a list)
    and "add_special_tokens" (default true), answers tokens, count and
    max_model_len (the tokenizer's model_max_length)."""
    return {"tokens": list(range(len(toks))), "count": len(toks), "max_model_len": 32768}


def vllm_pooling_act_field(version):
    """The /pooling field that switches a reward head's activation, by vLLM
    release (pooling_params.py, text search): "softmax" from PR #20538
    (0.10.0) to 0.11.0, "use_activation" from PRs #25370/#25524 (0.11.1);
    None before 0.10.0 (no switch: the reward pooler applies none). Every
    release ignores an unknown request field."""
    try:
        parts = [int("".join(ch for ch in x if ch.isdigit()) or 0) for x in version.split(".")[:3]]
    except ValueError:
        return "use_activation"
    parts += [0] * (3 - len(parts))
    n = parts[0] * 1000000 + parts[1] * 1000 + parts[2]
    if n < 10000:
        return None
    return "softmax" if n < 11001 else "use_activation"


def sglang_server_info(deterministic):
    return {"model_path": "fake-policy", "enable_deterministic_inference": deterministic,
            "random_seed": 0, "version": "fake"}
