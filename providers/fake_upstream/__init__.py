"""A fake AI upstream that speaks every provider's real wire format over real HTTP/1.1.

Run it with `python -m providers.fake_upstream --port 8765` or `python manage.py fake_upstream`.

Base URLs (with the server on 127.0.0.1:8765):

    openai / openai_compatible  http://127.0.0.1:8765/openai/v1
    openrouter                  http://127.0.0.1:8765/openrouter/api/v1
    huggingface (router)        http://127.0.0.1:8765/hf
    huggingface_legacy          http://127.0.0.1:8765/hf
    minimax                     http://127.0.0.1:8765/minimax
    ollama                      http://127.0.0.1:8765/ollama

Replies are deterministic. For chat formats the reply is the words
"Echo from <model>:" followed by the words of the last user message (the legacy HF task API echoes
all of `inputs`). One whitespace-separated word is one token: completion_tokens is the number of
reply words (cut at the requested max tokens, with finish_reason "length"), prompt_tokens the number
of words across all messages. Streams send one word per chunk.

Faults are chosen per request by suffixes on the model name, e.g. "gpt-4o-mini@latency=200@slow=20":

    @latency=MS       wait before the response headers
    @slow=MS          wait between streamed tokens
    @429              always 429, with Retry-After: 1 and retry-after-ms: 50
    @429xN            429 for the first N requests of this exact model string, then succeed
    @500, @500xN      server error (likewise @502, @503, @400, @403, @404 and any other status)
    @noms             leave out retry-after-ms, so only Retry-After (seconds) is sent
    @503loading       HF legacy: 503 {"error": "... is currently loading", "estimated_time": ETA}
    @503loadingxN     the same, for the first N requests
    @eta=SECONDS      estimated_time for @503loading (default 20)
    @hang             send nothing until the client gives up
    @reset            drop the connection partway through the body
    @malformed        a 200 whose body (or first stream event) is not JSON
    @midstream-error  a few tokens, then the provider's in-stream error
    @quota            out of credit: OpenAI 429 insufficient_quota, OpenRouter 402, MiniMax 1008
    @auth             401 (MiniMax: HTTP 200 with base_resp 1004)
    @code=N           MiniMax: HTTP 200 with base_resp.status_code N
    @nousage          omit usage from the reply
    @nodone           end the stream without `data: [DONE]`
    @cached=N         report N cached prompt tokens
    @reasoning=N      report N reasoning tokens
    @fail             MiniMax video: the task ends in Fail

Bookkeeping for tests:

    GET  /_fake/stats  {"requests": {"<provider>:<model>": n}, "closed_early": {...},
                        "completed": {...}, "last": {"<provider>:<model>": {"headers", "body"}}}
    POST /_fake/reset  clear all of it

"closed_early" counts streams the client closed before the fake finished sending.
"""

from providers.fake_upstream.app import FakeUpstream, count_tokens, reply_words
from providers.fake_upstream.server import RunningFake, run, start_in_thread

__all__ = ["FakeUpstream", "RunningFake", "count_tokens", "reply_words", "run", "start_in_thread"]
