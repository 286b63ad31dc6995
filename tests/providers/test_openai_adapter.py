import asyncio
import pickle
import time

import pytest

from providers.base import ProviderError, StreamDelta
from providers.registry import get_adapter
from tests.providers.helpers import ask, collect


async def test_whole_reply_has_content_and_exact_usage(config_for):
    result = await get_adapter(config_for("openai")).chat(ask("gpt-4o-mini", "Say hi"))

    assert result.content == "Echo from gpt-4o-mini: Say hi"
    assert result.finish_reason == "stop"
    assert (result.usage.prompt_tokens, result.usage.completion_tokens, result.usage.total_tokens) == (2, 5, 7)
    assert result.usage.estimated is False
    assert result.upstream_id.startswith("chatcmpl-")


async def test_streamed_reply_arrives_in_pieces_and_ends_with_usage(config_for):
    stream = get_adapter(config_for("openai")).stream_chat(ask("gpt-4o-mini", "Tell me a story"))

    text, end = await collect(stream)

    assert text == "Echo from gpt-4o-mini: Tell me a story"
    assert end.finish_reason == "stop"
    assert (end.usage.prompt_tokens, end.usage.completion_tokens) == (4, 7)
    assert end.usage.estimated is False


async def test_stream_asks_for_usage_and_openai_gets_max_completion_tokens(config_for, fake_upstream):
    await collect(get_adapter(config_for("openai")).stream_chat(ask("gpt-4o-mini@req-shape", max_tokens=3)))

    body = fake_upstream.stats()["last"]["openai:gpt-4o-mini@req-shape"]["body"]
    assert body["stream_options"] == {"include_usage": True}
    assert body["max_completion_tokens"] == 3
    assert "max_tokens" not in body


async def test_compatible_servers_get_max_tokens_and_a_cut_reply_says_length(config_for, fake_upstream):
    result = await get_adapter(config_for("openai_compatible")).chat(ask("llama@compat", "one two three", max_tokens=3))

    body = fake_upstream.stats()["last"]["openai:llama@compat"]["body"]
    assert body["max_tokens"] == 3
    assert "max_completion_tokens" not in body
    assert result.content == "Echo from llama:"
    assert result.finish_reason == "length"


async def test_requests_carry_the_key_and_the_switchboard_user_agent(config_for, fake_upstream):
    await get_adapter(config_for("openai", api_key="sk-abc")).chat(ask("gpt-4o-mini@headers"))

    headers = fake_upstream.stats()["last"]["openai:gpt-4o-mini@headers"]["headers"]
    assert headers["authorization"] == "Bearer sk-abc"
    assert headers["user-agent"] == "Switchboard/1.0"


async def test_cached_and_reasoning_tokens_are_carried(config_for):
    result = await get_adapter(config_for("openai")).chat(ask("o4@cached=1@reasoning=3"))

    assert result.usage.cached_tokens == 1
    assert result.usage.reasoning_tokens == 3


async def test_missing_stream_usage_is_estimated_and_marked(config_for):
    text, end = await collect(get_adapter(config_for("openai")).stream_chat(ask("gpt-4o-mini@nousage")))

    assert text
    assert end.usage.estimated is True
    assert end.usage.completion_tokens > 0
    assert end.usage.total_tokens == end.usage.prompt_tokens + end.usage.completion_tokens


@pytest.mark.parametrize(
    ("fault", "kind", "status"),
    [
        ("auth", "authentication", 401),
        ("403", "permission", 403),
        ("404", "model_not_found", 404),
        ("400", "bad_request", 400),
        ("quota", "quota_exhausted", 429),
    ],
)
async def test_client_errors_map_to_their_kind_without_retrying(config_for, fake_upstream, fault, kind, status):
    model = f"gpt-4o-mini@{fault}@kinds"
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("openai")).chat(ask(model))

    assert (caught.value.kind, caught.value.status) == (kind, status)
    assert caught.value.provider == "openai"
    assert fake_upstream.requests("openai", model) == 1


async def test_the_providers_own_words_go_to_the_log_not_the_client(config_for):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("openai")).chat(ask("gpt-4o-mini@quota@msg"))

    assert "exceeded your current quota" in caught.value.detail  # for the log
    assert "exceeded your current quota" in str(caught.value)
    assert caught.value.message == "The provider account has run out of credit or quota."


async def test_rate_limits_are_retried_until_they_clear(config_for, fake_upstream):
    result = await get_adapter(config_for("openai", max_retries=2)).chat(ask("gpt-4o-mini@429x2"))

    assert result.content.startswith("Echo")
    assert fake_upstream.requests("openai", "gpt-4o-mini@429x2") == 3


async def test_retries_stop_at_max_retries(config_for, fake_upstream):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("openai", max_retries=1)).chat(ask("gpt-4o-mini@500@stops"))

    assert caught.value.kind == "unavailable"
    assert fake_upstream.requests("openai", "gpt-4o-mini@500@stops") == 2


async def test_retry_after_in_seconds_is_honoured(config_for, fake_upstream):
    started = time.monotonic()
    await get_adapter(config_for("openai", max_retries=1)).chat(ask("gpt-4o-mini@429x1@noms"))

    assert time.monotonic() - started >= 0.95
    assert fake_upstream.requests("openai", "gpt-4o-mini@429x1@noms") == 2


async def test_a_stream_is_retried_before_its_first_token(config_for, fake_upstream):
    text, _ = await collect(get_adapter(config_for("openai")).stream_chat(ask("gpt-4o-mini@500x1@s")))

    assert text.startswith("Echo")
    assert fake_upstream.requests("openai", "gpt-4o-mini@500x1@s") == 2


async def test_a_stream_that_breaks_after_tokens_is_not_retried(config_for, fake_upstream):
    received = []
    with pytest.raises(ProviderError) as caught:
        async for item in get_adapter(config_for("openai")).stream_chat(ask("gpt-4o-mini@reset", "a b c d e f")):
            received.append(item)

    assert caught.value.kind == "unavailable"
    assert received and all(isinstance(i, StreamDelta) for i in received)
    assert fake_upstream.requests("openai", "gpt-4o-mini@reset") == 1


async def test_mid_stream_error_event_raises_after_the_tokens_already_sent(config_for):
    received = []
    with pytest.raises(ProviderError) as caught:
        async for item in get_adapter(config_for("openai")).stream_chat(ask("gpt-4o-mini@midstream-error", "a b c")):
            received.append(item.content)

    assert received == ["Echo", " from"]
    assert "server had an error" in caught.value.detail
    assert caught.value.message == "The provider is unavailable right now."


async def test_garbage_json_is_a_protocol_error(config_for):
    adapter = get_adapter(config_for("openai"))
    with pytest.raises(ProviderError) as whole:
        await adapter.chat(ask("gpt-4o-mini@malformed"))
    with pytest.raises(ProviderError) as streamed:
        await collect(adapter.stream_chat(ask("gpt-4o-mini@malformed")))

    assert whole.value.kind == streamed.value.kind == "protocol"


async def test_a_hung_upstream_times_out_quickly(config_for):
    adapter = get_adapter(config_for("openai", read_timeout=0.3, max_retries=0))
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        await adapter.chat(ask("gpt-4o-mini@hang"))

    assert caught.value.kind == "timeout"
    assert time.monotonic() - started < 2


async def test_total_timeout_bounds_a_slow_stream(config_for):
    adapter = get_adapter(config_for("openai", total_timeout=0.3, max_retries=0))
    with pytest.raises(ProviderError) as caught:
        await collect(adapter.stream_chat(ask("gpt-4o-mini@slow=100", "one two three four five six seven")))

    assert caught.value.kind == "timeout"


async def test_stopping_a_stream_early_closes_the_upstream_connection(config_for, fake_upstream):
    model = "gpt-4o-mini@slow=30@cancel"
    stream = get_adapter(config_for("openai")).stream_chat(ask(model, " ".join(["word"] * 60)))
    async for item in stream:
        if isinstance(item, StreamDelta):
            break
    await stream.aclose()

    assert fake_upstream.closed_early("openai", model) == 1


async def test_refused_connections_are_unavailable_after_retries(config_for):
    adapter = get_adapter(config_for("openai", base_url="http://127.0.0.1:9/v1", max_retries=1))
    with pytest.raises(ProviderError) as caught:
        await adapter.chat(ask("gpt-4o-mini"))

    assert caught.value.kind == "unavailable"


async def test_models_are_listed(config_for):
    models = await get_adapter(config_for("openai")).list_models()

    assert [m.id for m in models] == ["gpt-4o-mini", "gpt-4o"]


async def test_video_is_refused_as_a_bad_request(config_for):
    from providers.base import VideoRequest

    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("openai")).video_submit(VideoRequest(model="x", prompt="cat"))

    assert caught.value.kind == "bad_request"


async def test_cancelling_the_consuming_task_closes_the_upstream_connection(config_for, fake_upstream):
    model = "gpt-4o-mini@slow=30@task-cancel"
    first_token = asyncio.Event()

    async def consume() -> None:
        async for _ in get_adapter(config_for("openai")).stream_chat(ask(model, " ".join(["word"] * 60))):
            first_token.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first_token.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert fake_upstream.closed_early("openai", model) == 1


async def test_breaking_out_without_aclose_still_closes_the_upstream_connection(config_for, fake_upstream):
    model = "gpt-4o-mini@slow=30@break"
    async for _ in get_adapter(config_for("openai")).stream_chat(ask(model, " ".join(["word"] * 60))):
        break
    await asyncio.sleep(0.05)  # the event loop finalises the abandoned generator

    assert fake_upstream.closed_early("openai", model) == 1


def test_provider_errors_survive_pickling():
    error = ProviderError("rate_limited", "slow down", status=429, retry_after=1.5, provider="openai", code="x")

    copy = pickle.loads(pickle.dumps(error))

    assert (copy.kind, copy.message, copy.status, copy.retry_after, copy.provider, copy.code) == (
        "rate_limited",
        "slow down",
        429,
        1.5,
        "openai",
        "x",
    )


async def test_adapters_share_one_pooled_connection_per_event_loop(config_for, fake_upstream):
    ports = []
    for _ in range(2):
        await get_adapter(config_for("openai")).chat(ask("gpt-4o-mini@pooled"))
        ports.append(fake_upstream.stats()["last"]["openai:gpt-4o-mini@pooled"]["client_port"])

    assert ports[0] == ports[1]


def test_the_api_key_stays_out_of_the_config_repr(config_for):
    assert "sk-secret" not in repr(config_for("openai", api_key="sk-secret"))


async def test_a_rate_limit_that_persists_is_rate_limited_with_its_retry_after(config_for, fake_upstream):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("openai", max_retries=0)).chat(ask("gpt-4o-mini@429@persist"))

    assert (caught.value.kind, caught.value.status, caught.value.retry_after) == ("rate_limited", 429, 0.05)
    assert "Rate limit reached" in caught.value.detail
    assert "org-fake" not in caught.value.message  # the operator's organisation stays in the log


async def test_latency_fault_delays_the_reply(config_for):
    started = time.monotonic()
    await get_adapter(config_for("openai")).chat(ask("gpt-4o-mini@latency=200"))

    assert time.monotonic() - started >= 0.2
