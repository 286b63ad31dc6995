"""Image generation through the OpenAI adapter, over real HTTP against the fake: GPT image models,
DALL-E 3, URLs downloaded into bytes, and what is refused."""

import io

import pytest
from PIL import Image

from providers.base import ImageRequest, ProviderError
from providers.registry import get_adapter
from providers.testing.pictures import colour_for


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


async def generate(config_for, **fields) -> object:
    return await get_adapter(config_for("openai")).generate_images(ImageRequest(**fields))


async def test_gpt_image_returns_png_bytes_at_the_size_asked_and_reports_image_tokens(config_for, fake_upstream):
    model = "gpt-image-1@sizes"
    result = await generate(
        config_for, model=model, prompt="a red fox in snow", size="1536x1024", quality="low", response_format="url"
    )

    body = fake_upstream.last_body("openai", model)
    assert "response_format" not in body  # GPT image models refuse it; the door renders URLs itself
    assert (body["size"], body["quality"]) == ("1536x1024", "low")
    image = decoded(result.images[0].data)
    assert (image.format, image.size, result.images[0].mime_type) == ("PNG", (1536, 1024), "image/png")
    assert image.getpixel((5, 5)) == colour_for("a red fox in snow", 0)
    assert (result.usage.images, result.usage.input_text_tokens, result.usage.output_tokens) == (1, 5, 408)


async def test_gpt_image_takes_format_background_and_n(config_for, fake_upstream):
    model = "gpt-image-1@formats"
    result = await generate(
        config_for, model=model, prompt="logo", n=3, size="1024x1024", background="transparent", output_format="webp"
    )

    body = fake_upstream.last_body("openai", model)
    assert (body["n"], body["background"], body["output_format"]) == (3, "transparent", "webp")
    images = [decoded(i.data) for i in result.images]
    assert [i.format for i in images] == ["WEBP"] * 3
    assert {i.mime_type for i in result.images} == {"image/webp"}
    assert images[0].getpixel((0, 0))[3] == 0  # transparent
    assert len({i.data for i in result.images}) == 3
    assert result.usage.images == 3


async def test_dall_e_3_is_asked_for_base64_and_keeps_the_revised_prompt(config_for, fake_upstream):
    model = "dall-e-3@b64"
    result = await generate(config_for, model=model, prompt="a lighthouse", size="1792x1024", quality="hd")

    body = fake_upstream.last_body("openai", model)
    assert (body["response_format"], body["quality"], body["size"]) == ("b64_json", "hd", "1792x1024")
    assert decoded(result.images[0].data).size == (1792, 1024)
    assert result.revised_prompt == "A vivid, detailed picture of a lighthouse"
    assert result.usage.output_tokens is None


async def test_an_image_returned_by_url_is_downloaded_into_bytes(config_for, fake_upstream):
    result = await generate(config_for, model="dall-e-3@url", prompt="a boat", size="1024x1024")

    image = decoded(result.images[0].data)
    assert (image.format, image.size) == ("PNG", (1024, 1024))
    assert image.getpixel((0, 0)) == colour_for("a boat", 0)
    assert result.revised_prompt == "A vivid, detailed picture of a boat"


async def test_several_urls_are_all_downloaded_in_order(config_for):
    result = await generate(config_for, model="dall-e-2@url", prompt="tiles", n=3, size="256x256")

    assert [decoded(i.data).getpixel((0, 0)) for i in result.images] == [colour_for("tiles", i) for i in range(3)]


async def test_a_url_on_another_host_goes_through_the_address_guard(config_for, fake_upstream):
    # The fake names itself "localhost" in the URL: a host other than the provider's, which the
    # guarded client refuses because it resolves to a loopback address.
    with pytest.raises(ProviderError) as caught:
        await generate(config_for, model="dall-e-3@foreign-url", prompt="a cat")

    assert caught.value.kind == "protocol"
    assert caught.value.message == "The provider returned an image at an address the gateway does not fetch from."
    assert "not a public address" in caught.value.detail


async def test_an_expired_url_is_a_protocol_error_not_the_callers_fault(config_for):
    with pytest.raises(ProviderError) as caught:
        await generate(config_for, model="dall-e-3@gone", prompt="a cat")

    assert (caught.value.kind, caught.value.message) == ("protocol", "The provider's image could not be downloaded.")


@pytest.mark.parametrize("model", ["dall-e-3@notimage", "dall-e-3@notimage@url", "gpt-image-1@notimage"])
async def test_something_that_is_not_a_raster_image_is_never_accepted(config_for, model):
    with pytest.raises(ProviderError) as caught:
        await generate(config_for, model=model, prompt="a cat")

    assert (caught.value.kind, caught.value.message) == ("protocol", "The provider did not return an image.")


async def test_no_images_in_the_reply_is_a_protocol_error(config_for):
    with pytest.raises(ProviderError) as caught:
        await generate(config_for, model="gpt-image-1@empty", prompt="a cat")

    assert caught.value.kind == "protocol"


async def test_a_blocked_prompt_is_a_content_filter_refusal(config_for):
    with pytest.raises(ProviderError) as caught:
        await generate(config_for, model="gpt-image-1", prompt="[[blocked]] something")

    assert (caught.value.kind, caught.value.retryable) == ("content_filter", False)
    assert caught.value.message == "Your request was rejected as a result of our safety system."


@pytest.mark.parametrize(
    ("fields", "refused"),
    [
        ({"model": "dall-e-3", "n": 2}, ["n"]),
        ({"model": "dall-e-3", "size": "1536x1024"}, ["size"]),
        ({"model": "dall-e-3", "quality": "high"}, ["quality"]),
        ({"model": "dall-e-3", "background": "transparent", "output_format": "webp"}, ["background", "output_format"]),
        ({"model": "dall-e-3", "aspect_ratio": "16:9"}, ["aspect_ratio"]),
        ({"model": "gpt-image-1", "background": "transparent", "output_format": "jpeg"}, ["background"]),
        ({"model": "gpt-image-1", "output_format": "svg"}, ["output_format"]),
        ({"model": "gpt-image-1", "size": "big"}, ["size"]),
        ({"model": "gpt-image-1", "n": 11}, ["n"]),
        ({"model": "my-local-diffusion", "background": "opaque"}, ["background"]),
        ({"model": "gpt-image-1", "extra": {"style": "vivid"}}, ["style"]),
    ],
)
async def test_what_a_model_cannot_honour_is_refused_by_name_before_any_call(
    config_for, fake_upstream, fields, refused
):
    fake_upstream.reset()
    with pytest.raises(ProviderError) as caught:
        await generate(config_for, prompt="a cat", **fields)

    assert (caught.value.code, caught.value.detail) == ("unsupported_field", ", ".join(refused))
    assert fake_upstream.stats()["requests"] == {}


async def test_no_effect_values_are_honoured_without_sending_them_to_dall_e(config_for, fake_upstream):
    model = "dall-e-3@defaults"
    await generate(config_for, model=model, prompt="a cat", n=1, quality="auto", background="auto", output_format="png")

    body = fake_upstream.last_body("openai", model)
    assert "quality" not in body and "background" not in body and "output_format" not in body


async def test_an_operator_allowed_extra_field_is_forwarded(config_for, fake_upstream):
    config = config_for("openai", passthrough_fields=frozenset({"style"}))
    model = "dall-e-3@style"
    await get_adapter(config).generate_images(ImageRequest(model=model, prompt="a cat", extra={"style": "natural"}))

    assert fake_upstream.last_body("openai", model)["style"] == "natural"


async def test_openrouter_does_not_generate_images_here(config_for, fake_upstream):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("openrouter")).generate_images(ImageRequest(model="x", prompt="a cat"))

    assert (caught.value.kind, caught.value.code) == ("bad_request", "unsupported_modality")
    assert caught.value.message == "openrouter does not generate images"
