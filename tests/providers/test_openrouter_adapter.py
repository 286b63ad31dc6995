from decimal import Decimal

import pytest

from providers.base import ProviderError
from providers.registry import get_adapter
from tests.providers.helpers import ask, collect


def openrouter(config_for, **overrides):
    return get_adapter(
        config_for("openrouter", app_url="https://switchboard.example", app_name="Switchboard", **overrides)
    )


async def test_whole_reply_reports_the_cost_openrouter_charged(config_for):
    result = await openrouter(config_for).chat(ask("openai/gpt-4o-mini", "Say hi"))

    assert result.content == "Echo from openai/gpt-4o-mini: Say hi"
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (2, 5)
    # The fake charges $1/M prompt and $2/M completion tokens.
    assert result.usage.reported_cost == Decimal("0.000012")
    assert result.upstream_id.startswith("gen-")


async def test_stream_skips_processing_comments_and_keeps_usage_and_cost(config_for):
    text, end = await collect(openrouter(config_for).stream_chat(ask("anthropic/claude-sonnet-4.5", "Hello there")))

    assert text == "Echo from anthropic/claude-sonnet-4.5: Hello there"
    assert (end.usage.prompt_tokens, end.usage.completion_tokens, end.usage.total_tokens) == (2, 5, 7)
    assert end.usage.reported_cost == Decimal("0.000012")
    assert end.finish_reason == "stop"


async def test_attribution_headers_are_sent(config_for, fake_upstream):
    await openrouter(config_for).chat(ask("openai/gpt-4o@attribution"))

    headers = fake_upstream.stats()["last"]["openrouter:openai/gpt-4o@attribution"]["headers"]
    assert headers["http-referer"] == "https://switchboard.example"
    assert headers["x-title"] == "Switchboard"


async def test_mid_stream_error_chunk_raises_with_openrouters_message(config_for):
    received = []
    with pytest.raises(ProviderError) as caught:
        async for item in openrouter(config_for).stream_chat(ask("openai/gpt-4o@midstream-error", "a b c d")):
            received.append(item.content)

    assert received == ["Echo", " from"]
    assert caught.value.kind == "unavailable"
    assert caught.value.detail == "Provider returned error"


async def test_out_of_credits_is_quota_exhausted_and_not_retried(config_for, fake_upstream):
    with pytest.raises(ProviderError) as caught:
        await openrouter(config_for).chat(ask("openai/gpt-4o@quota"))

    assert (caught.value.kind, caught.value.status) == ("quota_exhausted", 402)
    assert "Insufficient credits" in caught.value.detail
    assert fake_upstream.requests("openrouter", "openai/gpt-4o@quota") == 1


async def test_rate_limited_stream_is_retried_before_the_first_token(config_for, fake_upstream):
    text, _ = await collect(openrouter(config_for).stream_chat(ask("openai/gpt-4o@429x1@or")))

    assert text.startswith("Echo")
    assert fake_upstream.requests("openrouter", "openai/gpt-4o@429x1@or") == 2


async def test_models_come_with_prices_per_million_tokens(config_for):
    models = {m.id: m for m in await openrouter(config_for).list_models()}

    sonnet = models["anthropic/claude-sonnet-4.5"]
    assert sonnet.input_price_per_1m == Decimal("3")
    assert sonnet.output_price_per_1m == Decimal("15")
    assert sonnet.context_length == 1000000
    assert sonnet.max_output_tokens == 64000
    assert models["openai/gpt-4o-mini"].input_price_per_1m == Decimal("0.15")
