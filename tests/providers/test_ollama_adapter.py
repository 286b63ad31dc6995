import pytest

from providers.base import ProviderError, StreamDelta
from providers.registry import get_adapter
from tests.providers.helpers import ask, collect


async def test_ndjson_stream_gives_text_and_eval_counts(config_for):
    text, end = await collect(get_adapter(config_for("ollama")).stream_chat(ask("llama3.2", "why is the sky blue")))

    assert text == "Echo from llama3.2: why is the sky blue"
    assert end.finish_reason == "stop"
    assert (end.usage.prompt_tokens, end.usage.completion_tokens, end.usage.estimated) == (5, 8, False)


async def test_whole_reply_sends_options(config_for, fake_upstream):
    request = ask("llama3.2@opts", "a b c", max_tokens=4, temperature=0.5, seed=7, stop=["\n"])
    result = await get_adapter(config_for("ollama")).chat(request)

    assert result.content == "Echo from llama3.2: a"
    assert result.finish_reason == "length"
    body = fake_upstream.stats()["last"]["ollama:llama3.2@opts"]["body"]
    assert body["options"] == {"temperature": 0.5, "num_predict": 4, "seed": 7, "stop": ["\n"]}
    assert body["stream"] is False


async def test_mid_stream_error_line_raises(config_for):
    received = []
    with pytest.raises(ProviderError, match="failed to generate"):
        async for item in get_adapter(config_for("ollama")).stream_chat(ask("llama3.2@midstream-error", "a b c")):
            received.append(item)

    assert len(received) == 2 and all(isinstance(i, StreamDelta) for i in received)


async def test_missing_model_is_model_not_found(config_for):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("ollama")).chat(ask("nope@404"))

    assert caught.value.kind == "model_not_found"
    assert "not found, try pulling it" in caught.value.detail
    assert caught.value.message == "The provider does not know this model."


async def test_garbage_line_is_a_protocol_error(config_for):
    with pytest.raises(ProviderError) as caught:
        await collect(get_adapter(config_for("ollama")).stream_chat(ask("llama3.2@malformed")))

    assert caught.value.kind == "protocol"


async def test_missing_counts_are_estimated(config_for):
    _, end = await collect(get_adapter(config_for("ollama")).stream_chat(ask("llama3.2@nousage")))

    assert end.usage.estimated is True and end.usage.completion_tokens > 0


async def test_tags_become_the_model_list(config_for):
    models = await get_adapter(config_for("ollama")).list_models()

    assert [m.id for m in models] == ["llama3.2:latest", "qwen2.5:0.5b"]
