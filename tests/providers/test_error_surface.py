"""Failures a client must be told about correctly: an empty answer is a protocol error for every
adapter, a rate limit that persists keeps its Retry-After, and no message carries what belongs in
the log (HTML pages, exception reprs, the operator's account details)."""

import pytest

from providers.base import ProviderError
from providers.registry import get_adapter
from tests.providers.helpers import ask, collect

EVERY_HTTP_KIND = [
    "openai",
    "openai_compatible",
    "openrouter",
    "huggingface",
    "huggingface_legacy",
    "minimax",
    "ollama",
]
OPENAI_WIRE = ["openai", "openrouter", "huggingface"]
FAKE_NAME = {"openai": "openai", "openrouter": "openrouter", "huggingface": "hf"}


@pytest.mark.parametrize("kind", EVERY_HTTP_KIND)
@pytest.mark.parametrize("stream", [False, True])
async def test_an_answer_with_nothing_in_it_is_a_protocol_error(config_for, kind, stream):
    adapter = get_adapter(config_for(kind))
    request = ask(f"m-{kind}@empty")

    with pytest.raises(ProviderError) as caught:
        if stream:
            await collect(adapter.stream_chat(request))
        else:
            await adapter.chat(request)

    assert caught.value.kind == "protocol"
    assert caught.value.message == "The provider sent an empty reply."
    assert caught.value.retryable is False


async def test_a_stream_of_only_done_is_refused_before_anything_is_handed_on(config_for):
    received = []
    with pytest.raises(ProviderError):
        async for item in get_adapter(config_for("openai")).stream_chat(ask("gpt-4o-mini@empty@only-done")):
            received.append(item)

    assert received == []


@pytest.mark.parametrize("kind", OPENAI_WIRE)
@pytest.mark.parametrize("stream", [False, True])
async def test_a_rate_limit_that_persists_after_retries_keeps_its_retry_after(config_for, fake_upstream, kind, stream):
    model = f"m-{kind}@429@persists-{int(stream)}"
    adapter = get_adapter(config_for(kind, max_retries=1))

    with pytest.raises(ProviderError) as caught:
        if stream:
            await collect(adapter.stream_chat(ask(model)))
        else:
            await adapter.chat(ask(model))

    assert (caught.value.kind, caught.value.status, caught.value.retry_after) == ("rate_limited", 429, 0.05)
    assert caught.value.retryable is True
    assert fake_upstream.requests(FAKE_NAME[kind], model) == 2  # one try, one retry, then handed on


async def test_retry_after_in_whole_seconds_is_kept_when_the_wait_is_not_taken(config_for):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("openai", max_retries=0)).chat(ask("gpt-4o-mini@429@noms@seconds"))

    assert (caught.value.kind, caught.value.retry_after) == ("rate_limited", 1.0)


@pytest.mark.parametrize("kind", OPENAI_WIRE)
async def test_an_html_error_page_stays_out_of_the_message(config_for, kind):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for(kind, max_retries=0)).chat(ask(f"m-{kind}@html"))

    error = caught.value
    assert (error.kind, error.status) == ("unavailable", 502)
    assert error.message == "The provider is unavailable right now."
    assert "<html" in error.detail and "10.0.3.17" in error.detail  # for the log
    assert "<" not in error.message and "10.0.3.17" not in error.message


async def test_a_read_timeout_says_so_without_the_exception_repr(config_for):
    adapter = get_adapter(config_for("openai", read_timeout=0.3, max_retries=0))

    with pytest.raises(ProviderError) as caught:
        await adapter.chat(ask("gpt-4o-mini@hang@repr"))

    assert caught.value.message == "The provider did not answer in time."
    assert "Timeout" in caught.value.detail
    assert "Timeout(" not in caught.value.message and "socket" not in caught.value.message


async def test_a_refused_connection_names_no_address(config_for):
    adapter = get_adapter(config_for("openai", base_url="http://127.0.0.1:9/v1", max_retries=0))

    with pytest.raises(ProviderError) as caught:
        await adapter.chat(ask("gpt-4o-mini"))

    assert caught.value.message == "The provider is unavailable right now."
    assert "127.0.0.1" in caught.value.detail


async def test_a_bad_request_keeps_the_providers_own_explanation(config_for):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("openai", max_retries=0)).chat(ask("gpt-4o-mini@400@explained"))

    assert (caught.value.kind, caught.value.message) == ("bad_request", "Fake error 400")


async def test_a_malformed_tool_result_is_refused_upstream_with_openais_words(config_for):
    request = ask("gpt-4o-mini@no-call-id")
    request.messages = [{"role": "tool", "content": "42"}]

    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("openai")).chat(request)

    assert caught.value.kind == "bad_request"
    assert caught.value.message == "Missing required parameter: 'messages[0].tool_call_id'."
