"""A fake AI upstream that speaks every provider's real wire format over real HTTP/1.1.

Run it with `python -m providers.testing --port 8765` or `python manage.py fake_upstream`.

Base URLs (with the server on 127.0.0.1:8765):

    openai / openai_compatible  http://127.0.0.1:8765/openai/v1
    openrouter                  http://127.0.0.1:8765/openrouter/api/v1
    huggingface (router)        http://127.0.0.1:8765/hf
    huggingface_legacy          http://127.0.0.1:8765/hf
    minimax                     http://127.0.0.1:8765/minimax
    ollama                      http://127.0.0.1:8765/ollama

One module per provider (openai_family: OpenAI, OpenRouter and the Hugging Face router; openai_media:
their embeddings and images; openrouter; huggingface and huggingface_media; minimax and
minimax_images; ollama), over shared plumbing (plumbing.py: requests, faults, the book) and shared
answers (replies.py for chat, pictures.py for vectors and images). Each speaks its provider's own
tool, image and JSON formats, and refuses a malformed request the way that provider does (a 400, or
MiniMax's base_resp 2013).

Replies are deterministic. For chat formats the reply is the words "Echo from <model>:" followed by
the words of the last user message, or of the tool results that end the conversation (the legacy HF
task API echoes all of `inputs`); "[N images]" is added when that message carried images, and
"(i)" to choice i > 1 when OpenAI is asked for n choices. Given tools (and a tool choice other than
"none"), the reply calls the named or first tool with arguments that satisfy its JSON Schema. A
JSON Schema format gets an object that satisfies it; JSON mode gets {"echo": text}. `stop` cuts the
reply; logprobs are returned when asked for. One whitespace-separated word is one token:
completion_tokens is the number of reply words (cut at the requested max tokens, with finish_reason
"length"), prompt_tokens the number of words across all messages. Streams send one word per chunk,
and tool calls as OpenAI streams them (id, type and name first, then argument fragments).

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
    @empty            an answer with nothing in it (a stream of only `data: [DONE]`)
    @html             a 502 whose body is an HTML page from a proxy
    @parallel         with tools, call the first two tools in one answer
    @stopfinish       OpenAI family: finish_reason "stop" after tool calls too (as some compatible servers send)

Embeddings and images (openai_media, huggingface_media, minimax_images, ollama's /api/embed):

    @shuffled         OpenAI embeddings listed in reverse order (each keeps its index)
    @tokens           HF feature extraction answers token-level features (no pooling)
    @url              image URLs whatever response_format asked (OpenAI, MiniMax)
    @foreign-url      OpenAI image URLs on "localhost" instead of the host the request used
    @gone             OpenAI image URLs that answer 404
    @notimage         the "image" is an HTML page (OpenAI base64 or URL, HF bytes)
    @partial          MiniMax withholds the last image (metadata.failed_count 1)
    @allfailed        MiniMax withholds every image
    "[[blocked]]" in an image prompt: OpenAI's moderation_blocked 400, MiniMax's base_resp 1026

Bookkeeping for tests:

    GET  /_fake/stats  {"requests": {"<provider>:<model>": n}, "closed_early": {...},
                        "completed": {...}, "last": {"<provider>:<model>": {"headers", "body"}}}
                       ("last" records the request body exactly as received, for tests to assert
                       what went upstream; RunningFake.last_body(provider, model) reads it)
    POST /_fake/reset  clear all of it

"closed_early" counts streams the client closed before the fake finished sending.
"""

from providers.testing.app import FakeUpstream
from providers.testing.replies import count_tokens, reply_words
from providers.testing.server import RunningFake, run, start_in_thread

__all__ = ["FakeUpstream", "RunningFake", "count_tokens", "reply_words", "run", "start_in_thread"]
