"""Hugging Face feature extraction and text-to-image through the router's hf-inference task API, over
real HTTP against the fake."""

import io

import pytest
from PIL import Image

from providers.base import EmbeddingRequest, ImageRequest, ProviderError
from providers.registry import get_adapter
from providers.testing.pictures import colour_for, fake_vector

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
FLUX = "black-forest-labs/FLUX.1-schnell"


@pytest.fixture(params=["huggingface", "huggingface_legacy"])
def hf(request, config_for):
    return get_adapter(config_for(request.param))


async def test_texts_are_embedded_in_order_with_estimated_usage(hf, fake_upstream):
    texts = ["The cat sat", "on the mat today"]
    result = await hf.embed(EmbeddingRequest(model=MINILM, inputs=texts))

    assert fake_upstream.last_body("hf_features", MINILM) == {"inputs": texts}
    assert result.vectors == [fake_vector(MINILM, t, 384) for t in texts]
    assert result.dimensions == 384
    assert (result.usage.prompt_tokens, result.usage.estimated) == (7, True)


async def test_one_text_is_sent_as_a_list_of_one(config_for, fake_upstream):
    model = f"{MINILM}@one"
    result = await get_adapter(config_for("huggingface")).embed(
        EmbeddingRequest.from_openai({"model": model, "input": "hi"})
    )

    assert fake_upstream.last_body("hf_features", model) == {"inputs": ["hi"]}
    assert len(result.vectors) == 1


@pytest.mark.parametrize(
    ("request_", "refused"),
    [
        (EmbeddingRequest(model=MINILM, inputs=["x"], dimensions=128), "dimensions"),
        (EmbeddingRequest(model=MINILM, inputs=[[101, 2023]]), "input"),
    ],
)
async def test_dimensions_and_token_arrays_are_refused_by_name(config_for, fake_upstream, request_, refused):
    fake_upstream.reset()
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("huggingface")).embed(request_)

    assert (caught.value.code, caught.value.detail) == ("unsupported_field", refused)
    assert fake_upstream.stats()["requests"] == {}


async def test_token_level_features_are_a_protocol_error_not_averaged(config_for):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("huggingface")).embed(
            EmbeddingRequest(model=f"{MINILM}@tokens", inputs=["a", "b"])
        )

    assert caught.value.kind == "protocol"
    assert caught.value.message == "The model returns token features, not sentence embeddings."


async def test_a_loading_model_is_retried_after_its_estimated_time(config_for, fake_upstream):
    model = f"{MINILM}@503loadingx1@eta=0.05"
    result = await get_adapter(config_for("huggingface")).embed(EmbeddingRequest(model=model, inputs=["x"]))

    assert result.dimensions == 384
    assert fake_upstream.requests("hf_features", model) == 2


async def test_a_long_load_is_unavailable_with_the_wait(config_for):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("huggingface")).embed(
            EmbeddingRequest(model=f"{MINILM}@503loading@eta=90", inputs=["x"])
        )

    assert (caught.value.kind, caught.value.retry_after) == ("unavailable", 90.0)
    assert caught.value.message == "The model is loading at the provider; try again in about 90 s."


async def test_text_to_image_returns_the_bytes_at_the_size_asked(hf, fake_upstream):
    result = await hf.generate_images(ImageRequest(model=FLUX, prompt="a misty forest", size="768x512"))

    assert fake_upstream.last_body("hf_image", FLUX) == {
        "inputs": "a misty forest",
        "parameters": {"width": 768, "height": 512},
    }
    image = Image.open(io.BytesIO(result.images[0].data))
    assert (image.format, image.size, result.images[0].mime_type) == ("JPEG", (768, 512), "image/jpeg")
    assert result.usage.images == 1


async def test_without_a_size_no_parameters_are_sent(config_for, fake_upstream):
    model = f"{FLUX}@nosize"
    result = await get_adapter(config_for("huggingface")).generate_images(ImageRequest(model=model, prompt="dunes"))

    assert fake_upstream.last_body("hf_image", model) == {"inputs": "dunes"}
    pixel = Image.open(io.BytesIO(result.images[0].data)).convert("RGB").getpixel((10, 10))
    assert all(abs(a - b) <= 3 for a, b in zip(pixel, colour_for("dunes", 0), strict=True))  # JPEG is lossy


@pytest.mark.parametrize(
    ("fields", "refused"),
    [
        ({"n": 2}, "n"),
        ({"quality": "hd"}, "quality"),
        ({"background": "transparent"}, "background"),
        ({"output_format": "png"}, "output_format"),
        ({"aspect_ratio": "16:9"}, "aspect_ratio"),
        ({"size": "wide"}, "size"),
    ],
)
async def test_image_fields_the_task_api_lacks_are_refused_by_name(config_for, fake_upstream, fields, refused):
    fake_upstream.reset()
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("huggingface")).generate_images(ImageRequest(model=FLUX, prompt="x", **fields))

    assert caught.value.detail == refused
    assert fake_upstream.stats()["requests"] == {}


async def test_an_html_page_instead_of_an_image_is_refused(config_for):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("huggingface")).generate_images(ImageRequest(model=f"{FLUX}@notimage", prompt="x"))

    assert (caught.value.kind, caught.value.message) == ("protocol", "The provider did not return an image.")


async def test_a_bad_token_is_an_authentication_error(config_for):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("huggingface")).generate_images(ImageRequest(model=f"{FLUX}@auth", prompt="x"))

    assert (caught.value.kind, caught.value.status) == ("authentication", 401)
    assert caught.value.message == "The provider rejected the gateway's credentials."
