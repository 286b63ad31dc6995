"""`/v1/images/generations` and `/api/v1/ai/images`: the official `openai` package against the live
server, with the demo's Pillow pictures and DALL-E 3 on the fake upstream; per-image metering with the
budget held before the call, signed links that expire, moderation of image prompts."""

import base64
from decimal import Decimal

import httpx
import openai
import pytest

from playground import image_store
from playground.models import GeneratedImage
from playground.moderation.rules import rules_changed
from tests.factories import ModerationRuleFactory
from tests.ledger import flush_ledger
from usage import counters
from usage.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)
PNG = b"\x89PNG\r\n\x1a\n"


def _client(server, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=key, max_retries=0, timeout=30)


def test_url_answers_are_signed_links_to_the_stored_picture(app_server, alice, alice_key, sketch):
    answer = _client(app_server, alice_key).images.generate(
        model="demo/sketch", prompt="a lighthouse at dusk", size="64x48"
    )
    fetched = httpx.get(answer.data[0].url)
    assert fetched.status_code == 200 and fetched.headers["content-type"] == "image/png"
    assert fetched.content.startswith(PNG) and fetched.headers["x-content-type-options"] == "nosniff"
    assert image_store.picture_size(fetched.content) == (64, 48) and answer.size == "64x48"
    flush_ledger()
    row = Generation.objects.get()
    assert (row.door, row.model_slug, row.cost) == ("openai", "demo/sketch", Decimal("0.01"))
    assert row.input_messages == [{"role": "user", "content": "a lighthouse at dusk"}]
    picture = GeneratedImage.objects.get()
    assert picture.user == alice and picture.generation_id == row.id and picture.width == 64


def test_b64_json_answers_carry_each_picture_and_are_charged_per_image(app_server, alice_key, sketch):
    answer = _client(app_server, alice_key).images.generate(
        model="demo/sketch", prompt="two moons", n=2, response_format="b64_json", size="32x32"
    )
    pictures = [base64.b64decode(d.b64_json) for d in answer.data]
    assert len(pictures) == 2 and all(p.startswith(PNG) for p in pictures) and pictures[0] != pictures[1]
    assert all(d.url is None for d in answer.data)
    flush_ledger()
    assert Generation.objects.get().cost == Decimal("0.02") and GeneratedImage.objects.count() == 2


def test_price_follows_size_and_quality(app_server, alice_key, canvas):
    client = _client(app_server, alice_key)
    client.images.generate(model="demo/canvas", prompt="a", size="512x512", quality="hd", response_format="b64_json")
    client.images.generate(model="demo/canvas", prompt="b", size="256x256", response_format="b64_json")
    client.images.generate(model="demo/canvas", prompt="c", response_format="b64_json")  # "auto" draws 1024x1024
    flush_ledger()
    costs = list(Generation.objects.order_by("created_at").values_list("cost", flat=True))
    assert costs == [Decimal("0.02"), Decimal("0.005"), Decimal("0.02")]


def test_dall_e_3_on_the_wire_is_fetched_stored_and_priced(app_server, alice_key, dalle3):
    answer = _client(app_server, alice_key).images.generate(
        model=dalle3.slug, prompt="a fox in snow", size="1792x1024", quality="hd"
    )
    assert answer.data[0].revised_prompt and answer.data[0].url.startswith(app_server.url)
    assert httpx.get(answer.data[0].url).status_code == 200
    flush_ledger()
    assert Generation.objects.get().cost == Decimal("0.12")


def test_the_budget_holds_the_most_the_images_can_cost(app_server, alice, alice_key, sketch):
    alice.monthly_budget_usd = Decimal("0.015")
    alice.save()
    client = _client(app_server, alice_key)
    with pytest.raises(openai.RateLimitError) as caught:
        client.images.generate(model="demo/sketch", prompt="x", n=2, size="16x16")  # $0.02 > $0.015
    assert caught.value.body["code"] == "insufficient_quota"
    client.images.generate(model="demo/sketch", prompt="x", size="16x16")  # $0.01 fits
    flush_ledger()
    used = counters.quota_used(user_id=alice.pk)
    assert used["held"] == 0 and used["spent"] == 10_000_000  # $0.01 in nano-dollars, nothing left held
    assert Generation.objects.count() == 1 and GeneratedImage.objects.count() == 1


def test_refusals_name_the_field_and_store_nothing(app_server, alice_key, sketch, canvas, chat_model):
    client = _client(app_server, alice_key)
    cases = [
        ({"model": "demo/sketch", "prompt": "x", "n": 11}, "n"),
        ({"model": "demo/sketch", "prompt": ""}, "prompt"),
        ({"model": "demo/sketch", "prompt": 42}, "prompt"),
        ({"model": "demo/sketch", "prompt": "x", "response_format": "xml"}, "response_format"),
        ({"model": "demo/canvas", "prompt": "x", "size": "640x480"}, "size"),
        ({"model": "demo/sketch", "prompt": "x", "style": "vivid"}, "style"),
        ({"model": chat_model.slug, "prompt": "x"}, "model"),
    ]
    for body, param in cases:
        with pytest.raises(openai.BadRequestError) as caught:
            client.post("/images/generations", body=body, cast_to=object)
        assert caught.value.body["param"] == param, body
    flush_ledger()
    assert not Generation.objects.exists() and not GeneratedImage.objects.exists()


def test_a_failed_drawing_is_recorded_free_and_keeps_no_picture(app_server, alice_key, sketch):
    with pytest.raises(openai.APIStatusError) as caught:
        _client(app_server, alice_key).images.generate(model="demo/sketch", prompt="[[fail]] please")
    assert caught.value.status_code == 502 and caught.value.body["type"] == "api_error"
    flush_ledger()
    row = Generation.objects.get()
    assert row.status == "error" and row.cost == 0 and not GeneratedImage.objects.exists()


def test_links_refuse_tampering_expiry_and_hidden_prompts(app_server, alice_key, sketch, settings):
    ModerationRuleFactory(pattern="forbidden lighthouse", action="hide")
    rules_changed()
    client = _client(app_server, alice_key)
    url = client.images.generate(model="demo/sketch", prompt="a calm sea", size="16x16").data[0].url
    assert httpx.get(url).status_code == 200
    assert httpx.get(url[:-3] + ("aaa" if not url.endswith("aaa") else "bbb")).status_code == 404
    settings.IMAGE_LINK_SECONDS = -1
    expired = client.images.generate(model="demo/sketch", prompt="a calm lake", size="16x16").data[0].url
    assert httpx.get(expired).status_code == 404
    settings.IMAGE_LINK_SECONDS = 3600
    hidden = client.images.generate(model="demo/sketch", prompt="a forbidden lighthouse", size="16x16").data[0].url
    flush_ledger()
    assert Generation.objects.get(input_messages__0__content="a forbidden lighthouse").hidden
    assert httpx.get(hidden).status_code == 404


def test_rest_door_answers_in_the_envelope(alice_keyed, sketch):
    response = alice_keyed.post(
        "/api/v1/ai/images", {"model": "demo/sketch", "prompt": "a kite", "size": "20x20"}, format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["cost"] == "0.01000000" and data["usage"]["images"] == 1
    assert data["images"][0]["width"] == 20 and data["images"][0]["url"].startswith("http")
    assert Generation.objects.get().door == "rest"
    bad = alice_keyed.post("/api/v1/ai/images", {"model": "demo/sketch", "prompt": "x", "n": 0}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "VALIDATION_ERROR"


def test_pictures_that_cannot_be_stored_are_not_charged(app_server, alice, alice_key, sketch, settings, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("media storage cannot create folders under a file")
    settings.MEDIA_ROOT = str(blocked)
    with pytest.raises(openai.InternalServerError) as caught:
        _client(app_server, alice_key).images.generate(model="demo/sketch", prompt="a kite", size="16x16")
    assert caught.value.body["type"] == "server_error"
    flush_ledger()
    row = Generation.objects.get()
    assert row.status == "error" and row.cost == 0 and not GeneratedImage.objects.exists()
    used = counters.quota_used(user_id=alice.pk)
    assert used["held"] == 0 and used["spent"] == 0


def test_gpt_image_is_charged_by_the_tokens_it_reports(app_server, alice_key, fake_provider):
    from tests.factories import AIModelFactory

    AIModelFactory(provider=fake_provider, upstream_id="gpt-image-1", slug="fakeai/gpt-image-1", kind="image",
                   input_price_per_1m=Decimal("5"), output_price_per_1m=None, image_output_price_per_1m=Decimal("40"),
                   image_prices={"1024x1024": {"low": "0.011", "medium": "0.042", "high": "0.167"}})  # fmt: skip
    answer = _client(app_server, alice_key).images.generate(
        model="fakeai/gpt-image-1", prompt="three words here", size="1024x1024", quality="medium"
    )
    assert answer.data[0].b64_json is None and answer.data[0].url  # stored and linked, though OpenAI sent base64
    assert (answer.usage.input_tokens, answer.usage.output_tokens) == (3, 1056)
    flush_ledger()
    row = Generation.objects.get()
    assert row.cost == (3 * Decimal(5) + 1056 * Decimal(40)) / 1_000_000  # not the table's $0.042
