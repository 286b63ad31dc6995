"""Each model has one kind (chat, embedding, image, video) and the price units of that kind."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from catalog.models import AIModel, ModelKind, Provider
from catalog.pricing import embedding_cost, image_cost, image_max_cost, video_cost
from tests.factories import AIModelFactory, CategoryFactory, ProviderFactory, UserFactory

# OpenAI's GET /v1/models answer (its public API reference), with the kinds of model it really lists.
OPENAI_LIST = {
    "object": "list",
    "data": [
        {"id": model_id, "object": "model", "created": 1698785189, "owned_by": "system"}
        for model_id in (
            "gpt-4o-mini",
            "dall-e-3",
            "gpt-image-1",
            "whisper-1",
            "tts-1",
            "gpt-4o-mini-tts",
            "gpt-4o-transcribe",
            "omni-moderation-latest",
            "text-embedding-3-small",
            "text-embedding-ada-002",
            "gpt-4o-realtime-preview",
            "sora-2",
        )
    ],
}


# --- the migration keeps existing rows right --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_modalities_into_kinds_and_fixes_misfiled_rows():
    executor = MigrationExecutor(connection)
    old = [("catalog", "0005_model_price")]
    executor.migrate(old)
    old_apps = executor.loader.project_state(old).apps
    provider = old_apps.get_model("catalog", "Provider").objects.create(
        slug="openai", name="OpenAI", adapter_kind="openai"
    )
    old_model = old_apps.get_model("catalog", "AIModel")
    for upstream, modality in [
        ("gpt-4o", "text"),
        ("gpt-4o-mini", "chat"),
        ("dall-e-3", "chat"),
        ("text-embedding-3-small", "chat"),
        ("whisper-1", "chat"),
        ("sora-2", "video"),
    ]:
        old_model.objects.create(
            slug=f"openai/{upstream}", display_name=upstream, provider=provider, upstream_id=upstream, modality=modality
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = {m.upstream_id: (m.kind, m.is_active) for m in AIModel.objects.all()}
    assert rows == {
        "gpt-4o": ("chat", True),
        "gpt-4o-mini": ("chat", True),
        "dall-e-3": ("image", True),
        "text-embedding-3-small": ("embedding", True),
        "whisper-1": ("chat", False),  # no door serves speech-to-text: out of users' sight
        "sora-2": ("video", True),
    }


# --- cost per kind ----------------------------------------------------------------------------------


def _image_model(**fields) -> AIModel:
    return AIModel(slug="t/img", upstream_id="img", kind=ModelKind.IMAGE, **fields)


DALLE3 = {"1024x1024": {"standard": "0.04", "hd": "0.08"}, "1792x1024": {"standard": "0.08", "hd": "0.12"}}


def test_embeddings_cost_their_input_tokens_and_unpriced_is_none_not_zero():
    model = AIModel(kind=ModelKind.EMBEDDING, input_price_per_1m=Decimal("0.02"))
    assert embedding_cost(model=model, input_tokens=50_000) == Decimal("0.00100000")
    assert embedding_cost(model=AIModel(kind=ModelKind.EMBEDDING), input_tokens=50_000) is None


def test_an_image_costs_its_size_and_quality_times_n():
    model = _image_model(image_prices=DALLE3)
    assert image_cost(model=model, size="1792x1024", quality="hd", n=2) == Decimal("0.24000000")
    assert image_cost(model=model, size="1024x1024", quality="standard") == Decimal("0.04000000")
    assert image_cost(model=model, size="512x512", quality="standard") is None  # a size it has no price for


def test_wildcards_price_any_size_or_quality():
    model = _image_model(image_prices={"*": {"*": "0.01"}, "1024x1024": {"hd": "0.05"}})
    assert image_cost(model=model, size="1024x1024", quality="hd") == Decimal("0.05000000")
    assert image_cost(model=model, size="256x256", quality="low", n=3) == Decimal("0.03000000")


def test_token_priced_images_use_the_upstream_token_counts():
    model = _image_model(
        image_prices={"1024x1024": {"high": "0.167"}},
        input_price_per_1m=Decimal("5"),
        image_output_price_per_1m=Decimal("40"),
    )
    # 20 prompt tokens and 4,160 image tokens: 20*5/1M + 4160*40/1M
    assert image_cost(model=model, size="1024x1024", quality="high", prompt_tokens=20, image_tokens=4160) == Decimal(
        "0.16650000"
    )
    # Without token counts, the per-image table decides.
    assert image_cost(model=model, size="1024x1024", quality="high") == Decimal("0.16700000")


def test_reservation_for_auto_quality_takes_the_dearest_price_of_the_size():
    model = _image_model(image_prices={"1024x1024": {"low": "0.011", "medium": "0.042", "high": "0.167"}})
    assert image_max_cost(model=model, size="1024x1024", quality="auto", n=2) == Decimal("0.33400000")
    assert image_max_cost(model=_image_model(), size="1024x1024", quality="auto") is None


def test_video_is_priced_per_second_or_per_clip():
    per_second = AIModel(kind=ModelKind.VIDEO, price_per_video_second=Decimal("0.05"))
    per_clip = AIModel(kind=ModelKind.VIDEO, price_per_video=Decimal("0.45"))
    assert video_cost(model=per_second, duration_s=6) == Decimal("0.30000000")
    assert video_cost(model=per_clip, duration_s=6) == Decimal("0.45000000")
    assert video_cost(model=AIModel(kind=ModelKind.VIDEO), duration_s=6) is None


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_the_admin_refuses_a_malformed_image_price_table(admin_client):
    model = AIModelFactory(kind=ModelKind.IMAGE, image_prices={"1024x1024": {"standard": "0.04"}})
    form = {
        "slug": model.slug,
        "display_name": model.display_name,
        "provider": model.provider_id,
        "upstream_id": model.upstream_id,
        "kind": "image",
        "status": "active",
        "is_active": "on",
        "tags": "[]",
        "capabilities": "[]",
        "image_prices": '{"big": {"standard": "0.04"}, "1024x1024": {"standard": "-1"}}',
        "currency": "USD",
        "temperature_min": "0",
        "temperature_max": "2",
        "temperature_default": "1",
        "top_p_min": "0",
        "top_p_max": "1",
        "top_p_default": "1",
        "max_tokens_default": "1024",
        "fallback_links-TOTAL_FORMS": "0",
        "fallback_links-INITIAL_FORMS": "0",
        "price_history-TOTAL_FORMS": "0",
        "price_history-INITIAL_FORMS": "0",
    }
    response = admin_client.post(f"/admin/catalog/aimodel/{model.pk}/change/", form)
    page = response.content.decode()
    assert response.status_code == 200
    assert "&quot;big&quot; is not a size" in page
    assert "is not a price" in page
    model.refresh_from_db()
    assert model.image_prices == {"1024x1024": {"standard": "0.04"}}


# --- the shipped catalog ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_shipped_catalog_has_embedding_and_image_models_priced_in_their_units():
    call_command("seed_catalog", verbosity=0)
    kinds = dict(AIModel.objects.values_list("slug", "kind"))
    for slug in (
        "openai/text-embedding-3-small",
        "openai/text-embedding-3-large",
        "openai/text-embedding-ada-002",
        "openrouter/openai/text-embedding-3-small",
        "huggingface/sentence-transformers/all-MiniLM-L6-v2",
        "ollama/nomic-embed-text",
        "demo/compass",
        "demo/atlas",
    ):
        assert kinds[slug] == "embedding", slug
    for slug in (
        "openai/gpt-image-1",
        "openai/dall-e-3",
        "minimax/image-01",
        "huggingface/black-forest-labs/FLUX.1-schnell",
        "demo/sketch",
        "demo/canvas",
    ):
        assert kinds[slug] == "image", slug
    ada = AIModel.objects.get(slug="openai/text-embedding-ada-002")
    assert (ada.input_price_per_1m, ada.embedding_dimensions) == (Decimal("0.10"), 1536)
    gpt_image = AIModel.objects.get(slug="openai/gpt-image-1")
    assert image_cost(model=gpt_image, size="1536x1024", quality="high") == Decimal("0.25000000")
    dalle = AIModel.objects.get(slug="openai/dall-e-3")
    assert image_cost(model=dalle, size="1024x1792", quality="hd") == Decimal("0.12000000")
    # Prices nobody publishes are unpriced, never 0.
    for slug in ("minimax/image-01", "huggingface/black-forest-labs/FLUX.1-schnell"):
        model = AIModel.objects.get(slug=slug)
        assert not model.is_priced and image_cost(model=model, size="1024x1024", quality="standard") is None
    for model in AIModel.objects.exclude(kind="chat"):
        model.full_clean()  # the image price tables pass the same validation as the admin's


# --- sync classifies by kind ------------------------------------------------------------------------


@pytest.mark.django_db
def test_sync_files_models_by_kind_and_skips_what_no_door_serves(list_server, capsys):
    list_server.routes["/v1/models"] = OPENAI_LIST
    Provider.objects.create(slug="openai", name="OpenAI", adapter_kind="openai", base_url=list_server.url + "/v1")
    call_command("sync_catalog", provider="openai")
    kinds = dict(AIModel.objects.values_list("upstream_id", "kind"))
    assert kinds == {
        "gpt-4o-mini": "chat",
        "dall-e-3": "image",
        "gpt-image-1": "image",
        "text-embedding-3-small": "embedding",
        "text-embedding-ada-002": "embedding",
        "sora-2": "video",
    }
    out = capsys.readouterr().out
    assert "6 created, 6 skipped" in out
    for skipped, why in (
        ("whisper-1", "speech-to-text"),
        ("gpt-4o-transcribe", "speech-to-text"),
        ("tts-1", "text-to-speech"),
        ("gpt-4o-mini-tts", "text-to-speech"),
        ("omni-moderation-latest", "moderation"),
        ("gpt-4o-realtime-preview", "audio"),
    ):
        assert f"skipped {skipped}: {why}" in out


@pytest.mark.django_db
def test_sync_trusts_the_outputs_a_provider_states(list_server):
    def entry(model_id: str, outputs: list[str]) -> dict:
        architecture = {
            "modality": f"text->{'+'.join(outputs)}",
            "input_modalities": ["text"],
            "output_modalities": outputs,
        }
        pricing = {"prompt": "0.00000002", "completion": "0"}
        return {
            "id": model_id,
            "name": model_id,
            "context_length": 8192,
            "architecture": architecture,
            "pricing": pricing,
        }

    list_server.routes["/api/v1/models"] = {
        "data": [
            entry("openai/text-embedding-3-small", ["embeddings"]),
            entry("google/gemini-2.5-flash-image", ["image", "text"]),
            entry("black-forest-labs/flux-pro", ["image"]),
            entry("openai/gpt-4o-mini-tts", ["audio"]),
        ]
    }
    Provider.objects.create(
        slug="openrouter", name="OpenRouter", adapter_kind="openrouter", base_url=list_server.url + "/api/v1"
    )
    call_command("sync_catalog", provider="openrouter", verbosity=0)
    kinds = dict(AIModel.objects.values_list("upstream_id", "kind"))
    assert kinds == {
        "openai/text-embedding-3-small": "embedding",
        "google/gemini-2.5-flash-image": "chat",  # text comes out too: the chat door serves it
        "black-forest-labs/flux-pro": "image",
    }
    assert AIModel.objects.get(upstream_id="openai/text-embedding-3-small").input_price_per_1m == Decimal("0.02")


# --- pages and API ------------------------------------------------------------------------------------


@pytest.fixture
def one_of_each(db):
    demo = ProviderFactory(slug="demo", name="Demo", adapter_kind="demo")
    return {
        "chat": AIModelFactory(provider=demo, upstream_id="swift", display_name="Demo Swift"),
        "embedding": AIModelFactory(
            provider=demo,
            upstream_id="compass",
            display_name="Demo Compass",
            kind="embedding",
            output_price_per_1m=None,
            embedding_dimensions=256,
        ),
        "image": AIModelFactory(
            provider=demo,
            upstream_id="canvas",
            display_name="Demo Canvas",
            kind="image",
            input_price_per_1m=None,
            output_price_per_1m=None,
            image_prices={"1024x1024": {"standard": "0.02", "hd": "0.04"}},
        ),
        "video": AIModelFactory(
            provider=demo,
            upstream_id="reel",
            display_name="Demo Reel",
            kind="video",
            input_price_per_1m=None,
            output_price_per_1m=None,
            price_per_video_second=Decimal("0.05"),
        ),
    }


def test_the_catalog_page_filters_by_kind(client, one_of_each):
    html = client.get("/models/", {"kind": "image"}).content.decode()
    assert "Demo Canvas" in html and "$0.02 – $0.04" in html
    assert "Demo Swift" not in html and "Demo Compass" not in html and "Demo Reel" not in html
    assert re.search(r'<input type="radio" name="kind" value="image"[^>]* checked>', html)


def test_a_card_names_the_kind_once(client, one_of_each):
    one_of_each["chat"].category = CategoryFactory(slug="chat", name="Chat")
    one_of_each["chat"].save()
    html = client.get("/models/", {"kind": "chat"}).content.decode()
    meta = re.search(r'<p class="model-meta">(.*?)</p>', html, re.S).group(1)
    assert " ".join(re.sub(r"<[^>]+>", "", meta).split()) == "Demo · Chat"


@pytest.mark.parametrize(
    ("kind", "link"),
    [
        ("chat", '/playground/?model=demo/swift">Open in playground'),
        ("embedding", '/playground/embeddings?model=demo/compass">Try in the embeddings playground'),
        ("image", '/playground/images?model=demo/canvas">Generate images'),
        ("video", '/playground/video/?model=demo/reel">Generate a video'),
    ],
)
def test_the_model_page_offers_the_try_it_form_of_its_kind(client, one_of_each, kind, link):
    html = client.get(f"/models/{one_of_each[kind].slug}/").content.decode()
    assert link in html


def test_the_api_exposes_kind_and_price_units(api, one_of_each):
    items = {m["slug"]: m for m in api.get("/api/models", {"limit": 10}).json()["data"]["items"]}
    assert {slug: (m["kind"], m["pricing"]["unit"]) for slug, m in items.items()} == {
        "demo/swift": ("chat", "1m_tokens"),
        "demo/compass": ("embedding", "1m_input_tokens"),
        "demo/canvas": ("image", "image"),
        "demo/reel": ("video", "second"),
    }
    assert items["demo/canvas"]["pricing"]["per_image"] == {"1024x1024": {"standard": "0.02", "hd": "0.04"}}
    assert items["demo/canvas"]["pricing"]["unpriced"] is False
    assert items["demo/compass"]["embedding_dimensions"] == 256
    only_images = api.get("/api/models", {"kind": "image"}).json()["data"]["items"]
    assert [m["slug"] for m in only_images] == ["demo/canvas"]
