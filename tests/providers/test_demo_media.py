"""The demo provider's embedding models (compass, atlas) and image models (sketch, canvas), offline."""

import io
import math

import pytest
from PIL import Image

from providers.base import EmbeddingRequest, ImageRequest, ProviderConfig, ProviderError
from providers.registry import get_adapter


def demo():
    return get_adapter(ProviderConfig(kind="demo", base_url="", options={"pace": 0}))


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


async def embed(model: str, texts: list[str], **fields) -> list[list[float]]:
    return (await demo().embed(EmbeddingRequest(model=model, inputs=texts, **fields))).vectors


@pytest.mark.parametrize(("model", "dimensions"), [("compass", 256), ("atlas", 1024)])
async def test_vectors_have_the_models_dimensions_and_unit_length(model, dimensions):
    result = await demo().embed(EmbeddingRequest(model=model, inputs=["a quiet harbour at dawn", "x"]))

    assert result.dimensions == dimensions
    assert [len(v) for v in result.vectors] == [dimensions, dimensions]
    assert all(math.isclose(math.sqrt(cosine(v, v)), 1.0, abs_tol=1e-9) for v in result.vectors)


async def test_equal_texts_give_equal_vectors_across_calls_and_batches():
    alone = await embed("compass", ["the cat sat on the mat"])
    batch = await embed("compass", ["something else", "the cat sat on the mat"])

    assert alone[0] == batch[1]
    assert alone[0] != batch[0]


@pytest.mark.parametrize("model", ["compass", "atlas"])
async def test_similar_texts_are_closer_than_unrelated_ones(model):
    cat, kitten, revenue = await embed(
        model, ["The cat sat on the mat", "A cat was sitting on the mat", "Quarterly revenue grew by twelve percent"]
    )

    assert cosine(cat, kitten) > 0.3
    assert cosine(cat, kitten) > cosine(cat, revenue) + 0.2
    assert cosine(kitten, revenue) < 0.25


async def test_the_two_models_see_texts_differently():
    texts = ["The cat sat on the mat", "A cat was sitting on the mat"]
    compass, atlas = await embed("compass", texts), await embed("atlas", texts)

    assert round(cosine(*compass), 3) != round(cosine(*atlas), 3)


async def test_atlas_shortens_on_request_to_unit_length():
    full = (await embed("atlas", ["a lighthouse"]))[0]
    short = (await embed("atlas", ["a lighthouse"], dimensions=64))[0]

    assert len(short) == 64
    assert math.isclose(math.sqrt(cosine(short, short)), 1.0, abs_tol=1e-9)
    assert cosine(short, full[:64]) == pytest.approx(math.sqrt(cosine(full[:64], full[:64])), abs=1e-9)


async def test_usage_is_an_estimate_and_says_so():
    result = await demo().embed(EmbeddingRequest(model="compass", inputs=["twelve chars", "abcd"]))

    assert (result.usage.prompt_tokens, result.usage.completion_tokens, result.usage.estimated) == (4, 0, True)


@pytest.mark.parametrize(
    ("request_", "refused"),
    [
        (EmbeddingRequest(model="compass", inputs=["x"], dimensions=128), "dimensions"),
        (EmbeddingRequest(model="atlas", inputs=["x"], dimensions=2048), "dimensions"),
        (EmbeddingRequest(model="atlas", inputs=[[1, 2]]), "input"),
        (EmbeddingRequest(model="atlas", inputs=["x"], extra={"input_type": "query"}), "input_type"),
    ],
)
async def test_what_the_demo_cannot_honour_is_refused_by_name(request_, refused):
    with pytest.raises(ProviderError) as caught:
        await demo().embed(request_)

    assert (caught.value.code, caught.value.detail) == ("unsupported_field", refused)


async def test_unknown_models_empty_texts_and_the_fail_trigger_are_errors():
    for request_, kind in [
        (EmbeddingRequest(model="swift", inputs=["x"]), "model_not_found"),
        (EmbeddingRequest(model="compass", inputs=["ok", ""]), "bad_request"),
        (EmbeddingRequest(model="compass", inputs=["[[fail]] please"]), "unavailable"),
    ]:
        with pytest.raises(ProviderError) as caught:
            await demo().embed(request_)
        assert caught.value.kind == kind


async def draw(**fields):
    return await demo().generate_images(ImageRequest(**fields))


async def test_sketch_draws_a_png_at_the_requested_size():
    result = await draw(model="sketch", prompt="a lighthouse at dusk", size="320x200")

    image = decoded(result.images[0].data)
    assert (image.format, image.size, result.images[0].mime_type) == ("PNG", (320, 200), "image/png")
    assert len(image.getcolors(maxcolors=100000) or []) > 50  # a picture, not a blank canvas
    assert result.usage.images == 1


async def test_the_same_prompt_gives_the_same_image_and_others_differ():
    first = await draw(model="sketch", prompt="a lighthouse at dusk", size="256x256")
    again = await draw(model="sketch", prompt="a lighthouse at dusk", size="256x256")
    other = await draw(model="sketch", prompt="a field of sunflowers", size="256x256")
    canvas = await draw(model="canvas", prompt="a lighthouse at dusk", size="256x256")

    assert first.images[0].data == again.images[0].data
    assert decoded(first.images[0].data).tobytes() != decoded(other.images[0].data).tobytes()
    assert first.images[0].data != canvas.images[0].data


async def test_n_images_are_all_different():
    result = await draw(model="sketch", prompt="tiles", n=4, size="128x128")

    assert len({decoded(i.data).tobytes() for i in result.images}) == 4
    assert result.usage.images == 4


async def test_hd_draws_more_detail_than_standard():
    standard = await draw(model="canvas", prompt="a harbour", size="512x512", quality="standard")
    hd = await draw(model="canvas", prompt="a harbour", size="512x512", quality="hd")

    colours = [len(decoded(r.images[0].data).getcolors(maxcolors=1 << 20)) for r in (standard, hd)]
    assert colours[1] > colours[0]


@pytest.mark.parametrize(("fmt", "pil"), [("jpeg", "JPEG"), ("webp", "WEBP")])
async def test_other_formats_are_encoded_as_asked(fmt, pil):
    result = await draw(model="sketch", prompt="dunes", size="200x100", output_format=fmt)

    assert decoded(result.images[0].data).format == pil
    assert result.images[0].mime_type == f"image/{fmt}"


async def test_a_transparent_background_leaves_the_corners_clear():
    result = await draw(model="sketch", prompt="a logo", size="256x256", background="transparent")

    image = decoded(result.images[0].data)
    assert image.mode == "RGBA"
    assert min(image.getpixel(corner)[3] for corner in [(0, 0), (255, 0)]) < 255


@pytest.mark.parametrize(
    ("fields", "refused"),
    [
        ({"model": "canvas", "size": "300x300"}, "size"),
        ({"model": "sketch", "size": "4096x4096"}, "size"),
        ({"model": "canvas", "quality": "ultra"}, "quality"),
        ({"model": "sketch", "output_format": "svg"}, "output_format"),
        ({"model": "sketch", "background": "transparent", "output_format": "jpeg"}, "background"),
        ({"model": "sketch", "n": 11}, "n"),
        ({"model": "sketch", "aspect_ratio": "16:9"}, "aspect_ratio"),
    ],
)
async def test_image_fields_the_demo_cannot_honour_are_refused_by_name(fields, refused):
    with pytest.raises(ProviderError) as caught:
        await draw(prompt="x", **fields)

    assert (caught.value.code, caught.value.detail) == ("unsupported_field", refused)


async def test_canvas_draws_each_size_of_its_price_table():
    for size in ("256x256", "512x512", "1024x1024"):
        result = await draw(model="canvas", prompt="a kite", size=size)
        assert decoded(result.images[0].data).size == tuple(int(s) for s in size.split("x"))


async def test_unknown_image_models_and_the_fail_trigger_are_errors():
    for fields, kind in [
        ({"model": "compass", "prompt": "x"}, "model_not_found"),
        ({"model": "sketch", "prompt": "  "}, "bad_request"),
        ({"model": "sketch", "prompt": "[[fail]] x"}, "unavailable"),
    ]:
        with pytest.raises(ProviderError) as caught:
            await draw(**fields)
        assert caught.value.kind == kind


async def test_the_media_models_are_listed_with_their_kinds():
    models = {m.id: m.modality for m in await demo().list_models()}

    assert {k: models[k] for k in ("compass", "atlas", "sketch", "canvas")} == {
        "compass": "text->embedding",
        "atlas": "text->embedding",
        "sketch": "text->image",
        "canvas": "text->image",
    }
