"""MiniMax image generation (POST /v1/image_generation), over real HTTP against the fake."""

import io

import pytest
from PIL import Image

from providers.base import EmbeddingRequest, ImageRequest, ProviderError
from providers.registry import get_adapter


def size_of(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


async def generate(config_for, **fields):
    return await get_adapter(config_for("minimax")).generate_images(ImageRequest(**fields))


async def test_images_come_back_as_jpeg_bytes_asked_for_in_base64(config_for, fake_upstream):
    model = "image-01@b64"
    result = await generate(config_for, model=model, prompt="a tea house in the rain", n=2)

    body = fake_upstream.last_body("minimax", model)
    assert (body["response_format"], body["n"]) == ("base64", 2)
    assert [i.mime_type for i in result.images] == ["image/jpeg", "image/jpeg"]
    assert [size_of(i.data) for i in result.images] == [(1024, 1024), (1024, 1024)]
    assert result.images[0].data != result.images[1].data
    assert result.usage.images == 2
    assert result.upstream_id


@pytest.mark.parametrize(
    ("size", "sent", "drawn"),
    [
        ("1280x720", {"aspect_ratio": "16:9"}, (1280, 720)),
        ("720x1280", {"aspect_ratio": "9:16"}, (720, 1280)),
        ("1344x576", {"aspect_ratio": "21:9"}, (1344, 576)),
        ("800x600", {"width": 800, "height": 600}, (800, 600)),
    ],
)
async def test_openai_sizes_map_to_an_aspect_ratio_or_a_custom_size(config_for, fake_upstream, size, sent, drawn):
    model = f"image-01@size={size}"
    result = await generate(config_for, model=model, prompt="a harbour", size=size)

    body = fake_upstream.last_body("minimax", model)
    assert {k: body[k] for k in sent} == sent
    assert not ({"aspect_ratio", "width", "height"} - set(sent)) & set(body)
    assert size_of(result.images[0].data) == drawn


async def test_its_own_aspect_ratio_is_sent_as_it_is(config_for, fake_upstream):
    model = "image-01@ratio"
    result = await generate(config_for, model=model, prompt="a harbour", aspect_ratio="4:3")

    assert fake_upstream.last_body("minimax", model)["aspect_ratio"] == "4:3"
    assert size_of(result.images[0].data) == (1152, 864)


async def test_urls_are_downloaded_when_the_upstream_answers_with_them(config_for):
    result = await generate(config_for, model="image-01@url", prompt="a bridge", n=2, size="1024x1024")

    assert [size_of(i.data) for i in result.images] == [(1024, 1024), (1024, 1024)]


async def test_an_image_withheld_by_moderation_is_not_delivered_nor_counted(config_for):
    result = await generate(config_for, model="image-01@partial", prompt="a bridge", n=3)

    assert (len(result.images), result.usage.images) == (2, 2)


async def test_every_image_withheld_is_a_content_filter_refusal(config_for):
    with pytest.raises(ProviderError) as caught:
        await generate(config_for, model="image-01@allfailed", prompt="a bridge", n=2)

    assert (caught.value.kind, caught.value.retryable) == ("content_filter", False)


async def test_a_sensitive_prompt_is_refused_through_base_resp(config_for):
    with pytest.raises(ProviderError) as caught:
        await generate(config_for, model="image-01", prompt="[[blocked]] a bridge")

    assert (caught.value.kind, caught.value.code, caught.value.status) == ("content_filter", "1026", 200)


@pytest.mark.parametrize(
    ("suffix", "kind", "code"),
    [
        ("@auth", "authentication", "1004"),
        ("@quota", "quota_exhausted", "1008"),
        ("@code=2049", "authentication", "2049"),
    ],
)
async def test_base_resp_errors_map_to_kinds_with_safe_messages(config_for, suffix, kind, code):
    with pytest.raises(ProviderError) as caught:
        await generate(config_for, model="image-01" + suffix, prompt="x")

    assert (caught.value.kind, caught.value.code) == (kind, code)
    assert "Authorization" not in caught.value.message


async def test_a_rate_limit_is_retried(config_for, fake_upstream):
    model = "image-01@429x1"
    result = await generate(config_for, model=model, prompt="x")

    assert len(result.images) == 1
    assert fake_upstream.requests("minimax", model) == 2


@pytest.mark.parametrize(
    ("fields", "refused"),
    [
        ({"n": 10}, "n"),
        ({"size": "300x300"}, "size"),
        ({"size": "1280x720", "aspect_ratio": "1:1"}, "size"),
        ({"aspect_ratio": "5:4"}, "aspect_ratio"),
        ({"quality": "hd"}, "quality"),
        ({"background": "transparent"}, "background"),
        ({"output_format": "png"}, "output_format"),
    ],
)
async def test_what_image_01_cannot_honour_is_refused_by_name(config_for, fake_upstream, fields, refused):
    fake_upstream.reset()
    with pytest.raises(ProviderError) as caught:
        await generate(config_for, model="image-01", prompt="x", **fields)

    assert caught.value.detail == refused
    assert fake_upstream.stats()["requests"] == {}


async def test_its_own_format_and_the_defaults_are_accepted(config_for):
    result = await generate(
        config_for, model="image-01", prompt="x", output_format="jpeg", quality="auto", background="auto", n=1
    )

    assert result.images[0].mime_type == "image/jpeg"


async def test_minimax_does_no_embeddings_here(config_for):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("minimax")).embed(EmbeddingRequest(model="embo-01", inputs=["x"]))

    assert (caught.value.code, caught.value.message) == ("unsupported_modality", "minimax does not do embeddings")
