"""Ollama's POST /api/embed, over real HTTP against the fake."""

import math

import pytest

from providers.base import EmbeddingRequest, ImageRequest, ProviderError
from providers.registry import get_adapter
from providers.testing.pictures import fake_vector, shortened

NOMIC = "nomic-embed-text"


async def test_texts_are_embedded_in_order_and_counted_by_ollama(config_for, fake_upstream):
    model = f"{NOMIC}@order"
    texts = ["why is the sky blue", "because of scattering"]
    result = await get_adapter(config_for("ollama")).embed(EmbeddingRequest(model=model, inputs=texts))

    assert fake_upstream.last_body("ollama", model) == {"model": model, "input": texts, "truncate": False}
    assert result.vectors == [fake_vector(NOMIC, t, 768) for t in texts]
    assert (result.usage.prompt_tokens, result.usage.estimated) == (8, False)
    assert result.model == NOMIC


async def test_dimensions_are_sent_and_honoured(config_for, fake_upstream):
    model = f"{NOMIC}@dims"
    result = await get_adapter(config_for("ollama")).embed(EmbeddingRequest(model=model, inputs=["x"], dimensions=64))

    assert fake_upstream.last_body("ollama", model)["dimensions"] == 64
    assert result.vectors == [shortened(fake_vector(NOMIC, "x", 768), 64)]
    assert math.sqrt(sum(v * v for v in result.vectors[0])) == pytest.approx(1.0, abs=1e-6)


async def test_an_input_over_the_context_is_refused_rather_than_cut_silently(config_for):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("ollama")).embed(EmbeddingRequest(model=NOMIC, inputs=["word " * 600]))

    assert (caught.value.kind, caught.value.status) == ("bad_request", 400)
    assert caught.value.message == "the input length exceeds the context length"


async def test_token_arrays_are_refused_by_name(config_for, fake_upstream):
    model = f"{NOMIC}@tokens"
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("ollama")).embed(EmbeddingRequest(model=model, inputs=[[1, 2, 3]]))

    assert caught.value.detail == "input"
    assert fake_upstream.requests("ollama", model) == 0


async def test_without_a_count_the_tokens_are_estimated(config_for):
    result = await get_adapter(config_for("ollama")).embed(
        EmbeddingRequest(model=f"{NOMIC}@nousage", inputs=["abcdefgh"])
    )

    assert (result.usage.prompt_tokens, result.usage.estimated) == (2, True)


async def test_a_model_that_is_not_pulled_is_not_found(config_for):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("ollama")).embed(EmbeddingRequest(model=f"{NOMIC}@404", inputs=["x"]))

    assert (caught.value.kind, caught.value.status) == ("model_not_found", 404)


async def test_ollama_generates_no_images(config_for):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("ollama")).generate_images(ImageRequest(model="x", prompt="a cat"))

    assert (caught.value.code, caught.value.message) == ("unsupported_modality", "ollama does not generate images")
