"""`/v1/embeddings` and `/api/v1/ai/embeddings`: the official `openai` package against the live server,
the demo's hash vectors and OpenAI's wire format on the fake upstream; metering, refusals, the cache."""

from decimal import Decimal

import openai
import pytest

from tests.ledger import flush_ledger
from usage.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)


def _client(server, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=key, max_retries=0, timeout=20)


def test_float_vectors_from_the_demo_are_equal_for_equal_texts(app_server, alice_key, compass):
    answer = _client(app_server, alice_key).embeddings.create(
        model="demo/compass", input=["a red fox", "a blue whale", "a red fox"], encoding_format="float"
    )
    vectors = [d.embedding for d in answer.data]
    assert [d.index for d in answer.data] == [0, 1, 2] and len(vectors[0]) == 256
    assert vectors[0] == vectors[2] and vectors[0] != vectors[1]
    assert answer.model == "demo/compass"
    flush_ledger()
    row = Generation.objects.get()
    assert (row.door, row.model_slug, row.status) == ("openai", "demo/compass", "success")
    assert row.prompt_tokens == answer.usage.prompt_tokens > 0
    # No texts and no vectors in the ledger; estimated tokens are recorded as such and not charged.
    assert row.input_messages == [] and row.content == "" and row.tokens_estimated and row.cost == 0


def test_base64_vectors_decode_to_the_float_ones(app_server, alice_key, small3):
    client = _client(app_server, alice_key)
    floats = client.embeddings.create(model=small3.slug, input="hello there world", encoding_format="float")
    packed = client.embeddings.create(model=small3.slug, input="hello there world", encoding_format="base64")
    assert isinstance(packed.data[0].embedding, str)
    decoded = __import__("providers.media", fromlist=["x"]).floats_from_base64(packed.data[0].embedding)
    assert decoded == pytest.approx(floats.data[0].embedding, abs=1e-6) and len(decoded) == 1536


def test_the_sdk_default_is_base64_and_reads_back_as_floats(app_server, alice_key, small3):
    answer = _client(app_server, alice_key).embeddings.create(model=small3.slug, input="hello there world")
    assert len(answer.data[0].embedding) == 1536 and isinstance(answer.data[0].embedding[0], float)


def test_reported_tokens_are_charged_at_the_input_price(app_server, alice_key, small3, fake_upstream):
    answer = _client(app_server, alice_key).embeddings.create(
        model=small3.slug, input=[[11, 12, 13], [14, 15, 16, 17]], dimensions=64, encoding_format="float"
    )
    assert [len(d.embedding) for d in answer.data] == [64, 64]
    assert fake_upstream.last_body("openai", "text-embedding-3-small")["dimensions"] == 64
    flush_ledger()
    row = Generation.objects.get()
    assert row.prompt_tokens == answer.usage.prompt_tokens == 7 and not row.tokens_estimated
    assert row.cost == Decimal(7) * Decimal("0.02") / 1_000_000
    assert row.parameters == {"inputs": 2, "dimensions": 64, "encoding_format": "float"}


def test_identical_inputs_are_answered_from_the_cache_and_not_charged(app_server, alice_key, small3, fake_upstream):
    client = _client(app_server, alice_key)
    fake_upstream.reset()
    first = client.embeddings.create(model=small3.slug, input=["cache me please"], encoding_format="float")
    second = client.embeddings.create(model=small3.slug, input=["cache me please"], encoding_format="float")
    assert second.data[0].embedding == pytest.approx(first.data[0].embedding, abs=1e-6)
    assert fake_upstream.requests("openai", "text-embedding-3-small") == 1
    flush_ledger()
    rows = list(Generation.objects.order_by("created_at"))
    assert [r.cache_hit for r in rows] == [False, True] and rows[1].cost == 0 and rows[0].cost > 0


def test_refusals_name_the_field_and_record_nothing(app_server, alice_key, compass, atlas, chat_model):
    client = _client(app_server, alice_key)
    cases = [
        ({"model": "demo/compass", "input": "x", "dimensions": 64}, "dimensions"),
        ({"model": "demo/atlas", "input": "x", "dimensions": 4096}, "dimensions"),
        ({"model": "demo/compass", "input": "x", "encoding_format": "int8"}, "encoding_format"),
        ({"model": "demo/compass", "input": []}, "input"),
        ({"model": "demo/compass", "input": ["ok", [1, 2]]}, "input"),
        ({"model": "demo/compass", "input": [[1, 2]]}, "input"),  # the demo embeds texts only
        ({"model": "demo/compass", "input": "x", "colour": "red"}, "colour"),
        ({"model": chat_model.slug, "input": "x"}, "model"),
    ]
    for body, param in cases:
        with pytest.raises(openai.BadRequestError) as caught:
            client.embeddings.create(**body) if "colour" not in body else client.post(
                "/embeddings", body=body, cast_to=object
            )
        assert caught.value.body["param"] == param, body
        assert caught.value.body["type"] == "invalid_request_error"
    with pytest.raises(openai.NotFoundError):
        client.embeddings.create(model="demo/nothing", input="x")
    flush_ledger()
    assert not Generation.objects.exists()


def test_an_upstream_failure_is_recorded_and_not_charged(app_server, alice_key, fake_provider):
    from tests.factories import AIModelFactory

    AIModelFactory(provider=fake_provider, upstream_id="text-embedding-3-small@400", slug="fakeai/broken",
                   kind="embedding", input_price_per_1m=Decimal("0.02"), output_price_per_1m=None)  # fmt: skip
    with pytest.raises(openai.APIStatusError):
        _client(app_server, alice_key).embeddings.create(model="fakeai/broken", input="x", encoding_format="float")
    flush_ledger()
    row = Generation.objects.get()
    assert row.status == "error" and row.cost == 0


def test_a_budget_too_small_for_the_inputs_is_refused_before_the_call(
    app_server, alice, alice_key, small3, fake_upstream
):
    alice.monthly_budget_usd = Decimal("0.000001")  # 50 tokens at $0.02 per 1M
    alice.save()
    fake_upstream.reset()
    with pytest.raises(openai.RateLimitError) as caught:
        _client(app_server, alice_key).embeddings.create(model=small3.slug, input="word " * 200)
    assert caught.value.body["code"] == "insufficient_quota"
    assert fake_upstream.requests("openai", "text-embedding-3-small") == 0
    flush_ledger()
    assert not Generation.objects.exists()


def test_rest_door_answers_in_the_envelope_with_cost(alice_keyed, small3):
    response = alice_keyed.post("/api/v1/ai/embeddings", {"model": small3.slug, "input": ["alpha beta"]}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["dimensions"] == 1536 and len(data["data"][0]["embedding"]) == 1536
    assert data["usage"]["prompt_tokens"] == 2 and data["cost"] == "0.00000004"
    row = Generation.objects.get()
    assert row.door == "rest" and row.cost == Decimal("0.00000004")
    bad = alice_keyed.post("/api/v1/ai/embeddings", {"model": small3.slug}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "VALIDATION_ERROR"


def test_models_list_tells_embedding_models_apart(app_server, alice_key, compass, chat_model):
    kinds = {m.id: m.kind for m in _client(app_server, alice_key).models.list()}
    assert kinds["demo/compass"] == "embedding" and kinds[chat_model.slug] == "chat"


def test_chat_doors_refuse_a_model_that_does_not_chat_by_name(app_server, alice_key, compass, sketch):
    client = _client(app_server, alice_key)
    for slug, where in (("demo/compass", "/v1/embeddings"), ("demo/sketch", "/v1/images/generations")):
        with pytest.raises(openai.BadRequestError) as caught:
            client.chat.completions.create(model=slug, messages=[{"role": "user", "content": "hi"}])
        assert caught.value.body["param"] == "model" and where in caught.value.body["message"]
    flush_ledger()
    assert not Generation.objects.exists()


def test_embeddings_count_against_the_daily_request_quota(app_server, alice_key, compass):
    import copy

    from usage.models import SystemSetting
    from usage.settings_store import get_setting

    limits = copy.deepcopy(get_setting("tier_limits"))
    limits["free"]["daily"] = 2
    SystemSetting.objects.create(key="tier_limits", value=limits, type="object", category="ai", is_public=True)
    client = _client(app_server, alice_key)
    for text in ("one", "two"):
        client.embeddings.create(model="demo/compass", input=text, encoding_format="float")
    with pytest.raises(openai.RateLimitError) as caught:
        client.embeddings.create(model="demo/compass", input="three", encoding_format="float")
    assert caught.value.body["code"] == "insufficient_quota" and "daily" in caught.value.body["message"]
    flush_ledger()
    assert Generation.objects.count() == 2
