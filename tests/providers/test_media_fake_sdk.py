"""The fake's embeddings and images checked against an independent client: the official openai package."""

import base64
import io

import httpx
import openai
import pytest
from PIL import Image

from providers.media import floats_from_base64
from providers.testing.pictures import colour_for, fake_vector


def sdk(fake_upstream) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=fake_upstream.base_url("openai"),
        api_key="sk-test",
        max_retries=0,
        http_client=httpx.Client(trust_env=False),
    )


def test_embeddings_create_with_floats(fake_upstream):
    response = sdk(fake_upstream).embeddings.create(
        model="text-embedding-3-small", input=["hello world", "bye"], encoding_format="float"
    )

    assert [d.index for d in response.data] == [0, 1]
    assert response.data[1].embedding == fake_vector("text-embedding-3-small", "bye", 1536)
    assert (response.usage.prompt_tokens, response.usage.total_tokens) == (3, 3)


def test_embeddings_create_with_base64_returns_the_same_numbers(fake_upstream):
    client = sdk(fake_upstream)
    encoded = client.embeddings.create(model="text-embedding-3-small", input="hello", encoding_format="base64")
    default = client.embeddings.create(model="text-embedding-3-small", input="hello", dimensions=8)

    expected = fake_vector("text-embedding-3-small", "hello", 1536)
    assert floats_from_base64(encoded.data[0].embedding) == expected
    assert len(default.data[0].embedding) == 8  # the package asks for base64 and decodes it itself


def test_embeddings_create_with_token_arrays(fake_upstream):
    response = sdk(fake_upstream).embeddings.create(model="text-embedding-3-small", input=[[1, 2, 3], [4]])

    assert len(response.data) == 2
    assert response.usage.prompt_tokens == 4


def test_embeddings_errors_reach_the_package_as_its_own_exceptions(fake_upstream):
    client = sdk(fake_upstream)
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model="text-embedding-ada-002", input="x", dimensions=8)
    assert caught.value.body["message"] == "This model does not support specifying dimensions."
    with pytest.raises(openai.AuthenticationError):
        client.embeddings.create(model="text-embedding-3-small@auth", input="x")


def test_images_generate_with_b64_json(fake_upstream):
    response = sdk(fake_upstream).images.generate(
        model="gpt-image-1", prompt="a red kite", size="1024x1536", quality="medium", output_format="jpeg"
    )

    image = Image.open(io.BytesIO(base64.b64decode(response.data[0].b64_json)))
    assert (image.format, image.size) == ("JPEG", (1024, 1536))
    assert response.usage.output_tokens == 1584
    assert response.usage.input_tokens_details.text_tokens == 3


def test_images_generate_with_url_and_the_url_serves_the_image(fake_upstream):
    response = sdk(fake_upstream).images.generate(
        model="dall-e-3", prompt="a boat", size="1024x1024", response_format="url"
    )

    assert response.data[0].revised_prompt == "A vivid, detailed picture of a boat"
    with httpx.Client(trust_env=False) as client:
        download = client.get(response.data[0].url)
    assert download.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(download.content)).getpixel((0, 0)) == colour_for("a boat", 0)


def test_images_generate_refusals_match_openais(fake_upstream):
    client = sdk(fake_upstream)
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="dall-e-3", prompt="x", n=2)
    assert caught.value.body["message"] == "You must provide n=1 for this model."
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="gpt-image-1", prompt="x", response_format="url")
    assert caught.value.body["param"] == "response_format"
