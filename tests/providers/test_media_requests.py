"""The media requests as doors build them, and the registry's answer to "can this provider honour it?"."""

import pytest

from providers.base import EmbeddingRequest, ImageRequest
from providers.media import IMAGE_TYPES, floats_from_base64, floats_to_base64, sniff_image
from providers.registry import ADAPTERS, modalities, unsupported_fields
from providers.testing.pictures import picture


@pytest.mark.parametrize(
    ("raw", "inputs", "tokens"),
    [
        ("hello", ["hello"], False),
        (["a", "b"], ["a", "b"], False),
        ([1, 2, 3], [[1, 2, 3]], True),
        ([[1, 2], [3]], [[1, 2], [3]], True),
    ],
)
def test_every_openai_input_shape_becomes_a_list_in_order(raw, inputs, tokens):
    request = EmbeddingRequest.from_openai({"model": "m", "input": raw, "encoding_format": "base64"})

    assert (request.inputs, request.token_input, request.encoding_format) == (inputs, tokens, "base64")


def test_unknown_embedding_fields_are_kept_as_extra():
    request = EmbeddingRequest.from_openai({"model": "m", "input": "x", "input_type": "query", "user": "u"})

    assert (request.extra, request.user) == ({"input_type": "query"}, "u")


def test_an_openai_images_body_maps_onto_the_typed_fields():
    body = {"model": "gpt-image-1", "prompt": "p", "n": 2, "size": "1024x1024", "style": "vivid"}
    body |= {"response_format": "b64_json", "moderation": "low"}
    request = ImageRequest.from_openai(body)

    assert (request.model, request.prompt, request.n, request.size) == ("gpt-image-1", "p", 2, "1024x1024")
    assert request.response_format == "b64_json"
    assert request.extra == {"style": "vivid", "moderation": "low"}


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
def test_image_types_are_read_from_the_bytes(fmt):
    assert sniff_image(picture("x", 0, (8, 8), fmt)) == IMAGE_TYPES[fmt]


@pytest.mark.parametrize(
    "data", [b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", b"<html></html>", b""]
)
def test_markup_is_never_taken_for_an_image(data):
    assert sniff_image(data) is None


def test_base64_vectors_round_trip_float32_values_exactly():
    vector = [0.5, -0.25, 0.0078125, 1.0]

    assert floats_from_base64(floats_to_base64(vector)) == vector
    assert floats_to_base64([1.0]) == "AACAPw=="  # little-endian float32, as OpenAI sends it


def test_the_registry_says_which_modalities_each_kind_serves():
    assert {kind: sorted(modalities(kind)) for kind in ADAPTERS} == {
        "openai": ["chat", "embedding", "image"],
        "openai_compatible": ["chat", "embedding", "image"],
        "openrouter": ["chat", "embedding"],
        "huggingface": ["chat", "embedding", "image"],
        "huggingface_legacy": ["chat", "embedding", "image"],
        "minimax": ["chat", "image", "video"],
        "ollama": ["chat", "embedding"],
        "demo": ["chat", "embedding", "image", "video"],
    }


@pytest.mark.parametrize(
    ("kind", "refused"),
    [
        ("openai", []),
        ("openrouter", []),
        ("huggingface", ["dimensions", "input"]),
        ("ollama", ["input"]),
        ("demo", ["input"]),
    ],
)
def test_embedding_fields_are_refused_by_name_per_kind(kind, refused):
    request = EmbeddingRequest(model="atlas", inputs=[[1, 2]], dimensions=64, user="u")

    assert unsupported_fields(kind, request) == refused


@pytest.mark.parametrize(
    ("kind", "refused"),
    [
        ("openai", []),
        ("huggingface", ["n", "quality", "background", "output_format"]),
        ("minimax", ["quality", "background", "output_format"]),
        ("demo", []),
    ],
)
def test_image_fields_are_refused_by_name_per_kind(kind, refused):
    request = ImageRequest(
        model="gpt-image-1", prompt="p", n=2, size="1024x1024", quality="hd", background="opaque", output_format="png"
    )

    assert unsupported_fields(kind, request) == refused


def test_attribution_and_rendering_choices_are_never_refused():
    request = ImageRequest(model="image-01", prompt="p", response_format="url", user="u", safety_identifier="s")

    assert unsupported_fields("minimax", request) == []
    assert unsupported_fields("huggingface", EmbeddingRequest(model="m", inputs=["x"], encoding_format="base64")) == []
