"""The stream parsers must give the same result however the network splits the bytes."""

import itertools
import json
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from providers.base import ProviderConfig, ProviderError
from providers.ndjson import NDJSONDecoder
from providers.registry import get_adapter
from providers.sse import SSEDecoder, SSEEvent
from tests.providers.helpers import ask, collect

RECORDINGS = Path(__file__).parent / "recordings"
SSE_RECORDINGS = sorted(p.name for p in RECORDINGS.glob("*.sse"))


def parse_sse(chunks: list[bytes]) -> list[SSEEvent]:
    decoder = SSEDecoder()
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    return events + decoder.flush()


def parse_ndjson(chunks: list[bytes]) -> list:
    decoder = NDJSONDecoder()
    items = [item for chunk in chunks for item in decoder.feed(chunk)]
    return items + decoder.flush()


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    edges = [0, *sorted(set(cuts)), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


def test_crlf_comments_multiline_data_and_fields_are_understood():
    events = parse_sse([(RECORDINGS / "crlf_multiline.sse").read_bytes()])

    assert [e.data for e in events] == [
        '{"choices":[{"delta":{"content":"line one"}}]}',
        "first part\nsecond part",
        "no-space",
        '{"error":{"message":"boom","type":"server_error"}}',
        "[DONE]",
    ]
    assert events[0].id == "7"
    assert events[-1].retry == 3000


def test_openrouter_keepalive_comments_produce_no_events():
    decoder = SSEDecoder()
    events = decoder.feed((RECORDINGS / "openrouter_with_comments.sse").read_bytes()) + decoder.flush()

    assert decoder.comments == 1
    assert all(e.data.startswith("{") or e.data == "[DONE]" for e in events)


def test_a_final_event_without_its_blank_line_is_still_delivered():
    assert [e.data for e in parse_sse([b"data: a\n\ndata: b"])] == ["a", "b"]


@pytest.mark.parametrize("name", SSE_RECORDINGS)
def test_every_single_split_point_of_a_recorded_sse_stream_gives_the_same_events(name):
    data = (RECORDINGS / name).read_bytes()
    whole = parse_sse([data])

    assert whole
    for cut in range(1, len(data)):
        assert parse_sse([data[:cut], data[cut:]]) == whole, f"split at byte {cut}"


@pytest.mark.parametrize("name", SSE_RECORDINGS)
def test_byte_by_byte_sse_gives_the_same_events(name):
    data = (RECORDINGS / name).read_bytes()

    assert parse_sse([data[i : i + 1] for i in range(len(data))]) == parse_sse([data])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(SSE_RECORDINGS), cuts=st.lists(st.integers(min_value=1, max_value=4095), max_size=40))
def test_any_sse_chunking_gives_the_same_events(name, cuts):
    data = (RECORDINGS / name).read_bytes()
    cuts = [c for c in cuts if c < len(data)]

    assert parse_sse(split_at(data, cuts)) == parse_sse([data])


def test_every_split_point_of_a_recorded_ndjson_stream_gives_the_same_lines():
    data = (RECORDINGS / "ollama_chat.ndjson").read_bytes()
    whole = parse_ndjson([data])

    assert whole[-1]["done"] is True
    for cut in range(1, len(data)):
        assert parse_ndjson([data[:cut], data[cut:]]) == whole


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(min_value=1, max_value=4095), max_size=40))
def test_any_ndjson_chunking_gives_the_same_lines(cuts):
    data = (RECORDINGS / "ollama_chat.ndjson").read_bytes()

    assert parse_ndjson(split_at(data, [c for c in cuts if c < len(data)])) == parse_ndjson([data])


def test_ndjson_tolerates_crlf_blank_lines_and_a_missing_final_newline():
    assert parse_ndjson([b'{"a": 1}\r\n\r\n{"b": 2}']) == [{"a": 1}, {"b": 2}]


def test_ndjson_garbage_raises_value_error():
    with pytest.raises(ValueError):
        parse_ndjson([b"{not json}\n"])


class ChunkedStream(httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    async def __aiter__(self):
        for chunk in self.chunks:
            yield chunk


def replay(chunks: list[bytes], content_type: str) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": content_type}, stream=ChunkedStream(chunks))

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


ADAPTER_RECORDINGS = {
    "openai_include_usage.sse": ("openai", "text/event-stream"),
    "openrouter_with_comments.sse": ("openrouter", "text/event-stream"),
    "minimax_no_done.sse": ("minimax", "text/event-stream"),
    "huggingface_tgi.sse": ("huggingface_legacy", "text/event-stream"),
    "ollama_chat.ndjson": ("ollama", "application/x-ndjson"),
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(ADAPTER_RECORDINGS)), cuts=st.lists(st.integers(1, 4095), max_size=30))
async def test_adapters_read_the_same_reply_from_any_chunking(name, cuts):
    kind, content_type = ADAPTER_RECORDINGS[name]
    data = (RECORDINGS / name).read_bytes()
    config = ProviderConfig(kind=kind, base_url="http://upstream.test", max_retries=0)

    async with replay([data], content_type) as client:
        whole = await collect(get_adapter(config, client).stream_chat(ask("m")))
    async with replay(split_at(data, [c for c in cuts if c < len(data)]), content_type) as client:
        pieces = await collect(get_adapter(config, client).stream_chat(ask("m")))

    assert pieces == whole
    assert whole[0].startswith("Echo from")
    assert whole[1].usage.completion_tokens == len(whole[0].split())


def test_recordings_are_valid_json_events():
    for name in SSE_RECORDINGS:
        for event in parse_sse([(RECORDINGS / name).read_bytes()]):
            if event.data != "[DONE]" and event.data.startswith("{"):
                json.loads(event.data)


SSE_CHAT_KINDS = ["openai", "openrouter", "huggingface", "huggingface_legacy", "minimax"]


@pytest.mark.parametrize("kind", SSE_CHAT_KINDS)
@pytest.mark.parametrize("event", [b"data: [1, 2]\n\n", b"data: {not json\n\n"], ids=["not-an-object", "bad-json"])
async def test_a_stream_event_that_is_not_a_json_object_is_a_protocol_error_for_every_sse_adapter(kind, event):
    config = ProviderConfig(kind=kind, base_url="http://upstream.test", max_retries=0)

    async with replay([event], "text/event-stream") as client:
        adapter = get_adapter(config, client)
        with pytest.raises(ProviderError) as caught:
            await collect(adapter.stream_chat(ask("m")))

    assert caught.value.kind == "protocol"
    assert caught.value.provider == adapter.name
