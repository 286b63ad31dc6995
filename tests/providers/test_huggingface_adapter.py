import time
from decimal import Decimal

import pytest

from providers.base import ProviderError
from providers.registry import get_adapter
from tests.providers.helpers import ask, collect


async def test_router_chat_uses_the_openai_format_under_v1(config_for, fake_upstream):
    adapter = get_adapter(config_for("huggingface"))

    result = await adapter.chat(ask("meta-llama/Llama-3.1-8B-Instruct", "Hello"))
    text, end = await collect(adapter.stream_chat(ask("meta-llama/Llama-3.1-8B-Instruct", "Hello")))

    assert result.content == text == "Echo from meta-llama/Llama-3.1-8B-Instruct: Hello"
    assert (end.usage.prompt_tokens, end.usage.completion_tokens) == (1, 4)
    assert fake_upstream.requests("hf", "meta-llama/Llama-3.1-8B-Instruct") == 2


async def test_router_models_take_the_price_of_a_live_provider(config_for):
    models = {m.id: m for m in await get_adapter(config_for("huggingface")).list_models()}

    llama = models["meta-llama/Llama-3.1-8B-Instruct"]
    assert (llama.input_price_per_1m, llama.output_price_per_1m) == (Decimal("0.05"), Decimal("0.08"))
    assert llama.context_length == 16384
    assert models["deepseek-ai/DeepSeek-V4-Pro"].input_price_per_1m is None  # its only provider is down


async def test_legacy_task_api_accepts_the_list_reply(config_for, fake_upstream):
    result = await get_adapter(config_for("huggingface_legacy")).chat(ask("gpt2", "Once upon a time", max_tokens=5))

    assert result.content == "Echo from gpt2: Once upon"
    assert result.finish_reason == "length"
    assert result.usage.completion_tokens == 5
    body = fake_upstream.stats()["last"]["hf_legacy:gpt2"]["body"]
    assert body["inputs"] == "Once upon a time"
    assert body["parameters"]["max_new_tokens"] == 5


async def test_legacy_stream_reads_tgi_events_and_exact_usage(config_for):
    text, end = await collect(get_adapter(config_for("huggingface_legacy")).stream_chat(ask("gpt2", "Hi there")))

    assert text == "Echo from gpt2: Hi there"
    assert end.finish_reason == "stop"
    assert (end.usage.prompt_tokens, end.usage.completion_tokens, end.usage.estimated) == (2, 5, False)


async def test_a_loading_model_is_unavailable_with_its_estimated_time(config_for, fake_upstream):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("huggingface_legacy")).chat(ask("bigmodel@503loading"))

    assert (caught.value.kind, caught.value.status, caught.value.retry_after) == ("unavailable", 503, 20.0)
    assert "currently loading" in caught.value.detail
    assert caught.value.message == "The model is loading at the provider; try again in about 20 s."
    assert fake_upstream.requests("hf_legacy", "bigmodel@503loading") == 1  # 20 s is too long to wait


async def test_a_model_that_loads_quickly_is_waited_for(config_for, fake_upstream):
    started = time.monotonic()
    result = await get_adapter(config_for("huggingface_legacy")).chat(ask("small@503loadingx1@eta=0.2"))

    assert result.content.startswith("Echo")
    assert time.monotonic() - started >= 0.2
    assert fake_upstream.requests("hf_legacy", "small@503loadingx1@eta=0.2") == 2


async def test_legacy_bad_credentials_are_an_authentication_error(config_for):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("huggingface_legacy")).chat(ask("gpt2@auth"))

    assert caught.value.kind == "authentication"
    assert caught.value.detail == "Invalid credentials in Authorization header"
    assert caught.value.message == "The provider rejected the gateway's credentials."


async def test_legacy_mid_stream_error_raises(config_for):
    with pytest.raises(ProviderError, match="Input validation error"):
        await collect(get_adapter(config_for("huggingface_legacy")).stream_chat(ask("gpt2@midstream-error", "a b c")))
