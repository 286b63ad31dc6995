"""Embeddings through the OpenAI-wire adapters (OpenAI, OpenAI-compatible servers, OpenRouter), over
real HTTP against the fake."""

import math
from decimal import Decimal

import pytest

from providers.base import EmbeddingRequest, ProviderError
from providers.registry import get_adapter
from providers.testing.openai_media import embedding_size
from providers.testing.pictures import fake_vector, shortened

SMALL = "text-embedding-3-small"


def norm(vector: list[float]) -> float:
    return math.sqrt(sum(x * x for x in vector))


async def test_a_string_comes_back_as_one_vector_with_the_models_dimensions(config_for, fake_upstream):
    result = await get_adapter(config_for("openai")).embed(
        EmbeddingRequest.from_openai({"model": SMALL, "input": "hi"})
    )

    assert result.vectors == [fake_vector(SMALL, "hi", 1536)]
    assert result.dimensions == 1536
    assert result.model == SMALL
    assert (result.usage.prompt_tokens, result.usage.total_tokens, result.usage.estimated) == (1, 1, False)


async def test_openai_is_asked_for_base64_and_the_vectors_are_floats(config_for, fake_upstream):
    model = f"{SMALL}@b64"
    result = await get_adapter(config_for("openai")).embed(EmbeddingRequest(model=model, inputs=["a b", "c"]))

    assert fake_upstream.last_body("openai", model)["encoding_format"] == "base64"
    assert result.vectors == [fake_vector(model.split("@")[0], text, 1536) for text in ("a b", "c")]
    assert all(isinstance(x, float) for x in result.vectors[0])


async def test_a_compatible_server_is_asked_for_floats_and_gives_the_same_vectors(config_for, fake_upstream):
    model = f"{SMALL}@floats"
    request = EmbeddingRequest(model=model, inputs=["a b", "c"], encoding_format="base64")
    compatible = await get_adapter(config_for("openai_compatible")).embed(request)
    body = fake_upstream.last_body("openai", model)
    openai = await get_adapter(config_for("openai")).embed(request)

    assert body["encoding_format"] == "float"  # the caller's base64 is the door's to render
    assert compatible.vectors == openai.vectors


async def test_vectors_come_back_in_input_order_even_when_listed_out_of_order(config_for):
    texts = ["first text", "second one", "third"]
    result = await get_adapter(config_for("openai")).embed(EmbeddingRequest(model=f"{SMALL}@shuffled", inputs=texts))

    assert result.vectors == [fake_vector(SMALL, text, 1536) for text in texts]


async def test_token_arrays_are_sent_as_they_are_and_counted_by_the_upstream(config_for, fake_upstream):
    model = f"{SMALL}@tokens"
    request = EmbeddingRequest.from_openai({"model": model, "input": [[15339, 1917], [9906]]})
    result = await get_adapter(config_for("openai")).embed(request)

    assert fake_upstream.last_body("openai", model)["input"] == [[15339, 1917], [9906]]
    assert result.vectors[1] == fake_vector(SMALL, [9906], 1536)
    assert result.usage.prompt_tokens == 3


async def test_dimensions_shorten_the_vector_to_unit_length(config_for, fake_upstream):
    model = f"{SMALL}@dims"
    result = await get_adapter(config_for("openai")).embed(EmbeddingRequest(model=model, inputs=["x"], dimensions=256))

    assert fake_upstream.last_body("openai", model)["dimensions"] == 256
    assert result.dimensions == 256
    assert result.vectors[0] == shortened(fake_vector(SMALL, "x", 1536), 256)
    assert norm(result.vectors[0]) == pytest.approx(1.0, abs=1e-6)


async def test_dimensions_on_ada_are_refused_by_name_before_any_call(config_for, fake_upstream):
    model = "text-embedding-ada-002@refused"
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("openai")).embed(EmbeddingRequest(model=model, inputs=["x"], dimensions=256))

    assert (caught.value.kind, caught.value.code, caught.value.detail) == (
        "bad_request",
        "unsupported_field",
        "dimensions",
    )
    assert fake_upstream.requests("openai", model) == 0


async def test_the_upstreams_own_refusal_keeps_its_words(config_for):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("openai_compatible")).embed(EmbeddingRequest(model=SMALL, inputs=[""]))

    assert caught.value.kind == "bad_request"
    assert caught.value.status == 400
    assert caught.value.message.startswith("'$.input' is invalid.")


async def test_user_is_forwarded(config_for, fake_upstream):
    model = f"{SMALL}@user"
    await get_adapter(config_for("openai")).embed(EmbeddingRequest(model=model, inputs=["x"], user="u-42"))

    assert fake_upstream.last_body("openai", model)["user"] == "u-42"


async def test_without_usage_the_tokens_are_estimated_and_marked(config_for):
    result = await get_adapter(config_for("openai")).embed(
        EmbeddingRequest(model=f"{SMALL}@nousage", inputs=["twelve chars"])
    )

    assert (result.usage.prompt_tokens, result.usage.estimated) == (3, True)


@pytest.mark.parametrize(
    ("suffix", "kind"),
    [("@auth", "authentication"), ("@quota", "quota_exhausted"), ("@404", "model_not_found"), ("@html", "unavailable")],
)
async def test_errors_map_to_kinds_with_safe_messages(config_for, suffix, kind):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("openai", max_retries=0)).embed(
            EmbeddingRequest(model=SMALL + suffix, inputs=["x"])
        )

    assert caught.value.kind == kind
    assert "sk-fake" not in caught.value.message and "<html" not in caught.value.message


async def test_a_rate_limit_is_retried(config_for, fake_upstream):
    model = f"{SMALL}@429x1"
    result = await get_adapter(config_for("openai")).embed(EmbeddingRequest(model=model, inputs=["x"]))

    assert result.dimensions == 1536
    assert fake_upstream.requests("openai", model) == 2


async def test_a_reply_that_is_not_json_is_a_protocol_error(config_for):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("openai")).embed(EmbeddingRequest(model=f"{SMALL}@malformed", inputs=["x"]))

    assert caught.value.kind == "protocol"


async def test_openrouter_embeddings_report_their_cost(config_for, fake_upstream):
    model = "openai/text-embedding-3-small"
    result = await get_adapter(config_for("openrouter")).embed(EmbeddingRequest(model=model, inputs=["one two three"]))

    assert fake_upstream.last_body("openrouter", model)["encoding_format"] == "base64"
    assert result.vectors == [fake_vector(model, "one two three", embedding_size(model))]
    assert result.usage.prompt_tokens == 3
    assert result.usage.reported_cost == Decimal("0.000003")


async def test_openrouter_errors_come_in_its_own_envelope(config_for):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("openrouter")).embed(
            EmbeddingRequest(model="openai/text-embedding-3-small@quota", inputs=["x"])
        )

    assert (caught.value.kind, caught.value.status) == ("quota_exhausted", 402)


async def test_a_hung_upstream_times_out(config_for):
    adapter = get_adapter(config_for("openai", read_timeout=0.3, max_retries=0))
    with pytest.raises(ProviderError) as caught:
        await adapter.embed(EmbeddingRequest(model=f"{SMALL}@hang", inputs=["x"]))

    assert caught.value.kind == "timeout"


async def test_a_dropped_connection_is_retried_and_then_unavailable(config_for, fake_upstream):
    model = f"{SMALL}@reset"
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("openai")).embed(EmbeddingRequest(model=model, inputs=["x"]))

    assert caught.value.kind == "unavailable"
    assert fake_upstream.requests("openai", model) == 3
