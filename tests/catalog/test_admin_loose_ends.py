"""The admin's loose ends: an action log for every catalog action, seeding that never undoes an admin,
price history from sync, and Ollama's ":latest"."""

import json
from decimal import Decimal

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from catalog.models import AIModel, ModelPrice, Provider
from catalog.seed import DATA_FILE, seed_catalog
from tests.factories import AIModelFactory, ProviderFactory, UserFactory


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, root):
    client.force_login(root)
    return client


def _log(model) -> list[tuple[str, int, str]]:
    entries = LogEntry.objects.filter(object_id=str(model.pk), content_type__model=model._meta.model_name)
    return [(e.user.username, e.action_flag, e.get_change_message()) for e in entries.order_by("pk")]


# --- the action log -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "message", "field", "value"),
    [
        ("activate", "Turned on (bulk action)", "is_active", True),
        ("deactivate", "Turned off (bulk action)", "is_active", False),
        ("deprecate", "Marked deprecated (bulk action)", "status", "deprecated"),
        ("feature", "Featured (bulk action)", "featured", True),
        ("unfeature", "Stopped featuring (bulk action)", "featured", False),
    ],
)
def test_model_bulk_actions_are_in_the_action_log(admin_client, action, message, field, value):
    models = AIModelFactory.create_batch(2, is_active=not value if field == "is_active" else True)
    response = admin_client.post(
        "/admin/catalog/aimodel/", {"action": action, "_selected_action": [m.pk for m in models]}
    )
    assert response.status_code == 302
    for model in models:
        model.refresh_from_db()
        assert getattr(model, field) == value
        assert _log(model) == [("root", CHANGE, message)]


def test_provider_actions_and_connection_tests_are_in_the_action_log(admin_client, fake_upstream):
    provider = ProviderFactory(slug="lab", adapter_kind="openai_compatible", base_url=fake_upstream.base_url("openai"))
    admin_client.post("/admin/catalog/provider/", {"action": "disable", "_selected_action": [provider.pk]})
    admin_client.post("/admin/catalog/provider/", {"action": "test_connection", "_selected_action": [provider.pk]})
    log = _log(provider)
    assert log[0] == ("root", CHANGE, "Disabled (bulk action)")
    assert log[1][:2] == ("root", CHANGE) and log[1][2].startswith("Tested the connection: connected, 2 model(s)")


def test_an_import_logs_each_model_it_added_or_changed(admin_client):
    provider = ProviderFactory(slug="lab")
    existing = AIModelFactory(provider=provider, upstream_id="old")
    rows = [
        {"slug": "lab/old", "display_name": "Old, renamed", "provider": "lab", "upstream_id": "old"},
        {"slug": "lab/new", "display_name": "New", "provider": "lab", "upstream_id": "new"},
    ]
    upload = SimpleUploadedFile("models.json", json.dumps(rows).encode(), content_type="application/json")
    response = admin_client.post("/admin/catalog/aimodel/import/", {"file": upload})
    assert "Imported: 1 created, 1 updated." in response.content.decode()
    assert _log(existing) == [("root", CHANGE, "Changed by import of models.json")]
    assert _log(AIModel.objects.get(slug="lab/new")) == [("root", ADDITION, "Added by import of models.json")]


def test_a_failed_import_logs_nothing(admin_client):
    upload = SimpleUploadedFile("models.json", b'[{"slug": "nope"}]', content_type="application/json")
    admin_client.post("/admin/catalog/aimodel/import/", {"file": upload})
    assert not LogEntry.objects.exists()


# --- seeding never undoes an admin --------------------------------------------------------------------


def _admin_model_form(model: AIModel, **changes) -> dict:
    data = {
        "slug": model.slug,
        "display_name": model.display_name,
        "provider": model.provider_id,
        "upstream_id": model.upstream_id,
        "category": model.category_id or "",
        "kind": model.kind,
        "status": model.status,
        "description": model.description,
        "tags": json.dumps(model.tags),
        "capabilities": json.dumps(model.capabilities),
        "image_prices": json.dumps(model.image_prices),
        "currency": model.currency,
        "input_price_per_1m": model.input_price_per_1m,
        "output_price_per_1m": model.output_price_per_1m or "",
        "cached_input_price_per_1m": model.cached_input_price_per_1m or "",
        "price_date": model.price_date,
        "price_source": model.price_source,
        "context_window": model.context_window or "",
        "max_output_tokens": model.max_output_tokens or "",
        "temperature_min": model.temperature_min,
        "temperature_max": model.temperature_max,
        "temperature_default": model.temperature_default,
        "top_p_min": model.top_p_min,
        "top_p_max": model.top_p_max,
        "top_p_default": model.top_p_default,
        "max_tokens_default": model.max_tokens_default,
        "is_active": "on",
        "supports_stop": "on",
        "supports_system_prompt": "on",
        "supports_streaming": "on",
        "supports_tools": "true",
        "supports_vision": "true",
        "fallback_links-TOTAL_FORMS": "0",
        "fallback_links-INITIAL_FORMS": "0",
        "price_history-TOTAL_FORMS": "0",
        "price_history-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def test_reseeding_keeps_a_price_an_admin_edited_and_says_so(admin_client, capsys):
    call_command("seed_catalog")
    model = AIModel.objects.get(slug="openai/gpt-5")
    assert model.input_price_per_1m == Decimal("1.25")
    response = admin_client.post(
        f"/admin/catalog/aimodel/{model.pk}/change/", _admin_model_form(model, input_price_per_1m="99")
    )
    assert response.status_code == 302
    capsys.readouterr()
    call_command("seed_catalog")  # what every `make run` does
    model.refresh_from_db()
    assert model.input_price_per_1m == Decimal("99")
    out = capsys.readouterr().out
    assert "openai/gpt-5 input_price_per_1m: kept '99' (the file says '1.25')" in out


def test_seeding_fills_what_is_missing_and_follows_the_file_where_nobody_changed_anything(db, tmp_path):
    seed_catalog()
    AIModel.objects.filter(slug="openai/gpt-4o").update(context_window=None, description="")
    AIModel.objects.filter(slug="openai/gpt-4o-mini").update(output_price_per_1m=Decimal("7"))  # an admin's edit
    data = json.loads(DATA_FILE.read_text())
    for entry in data["models"]:
        if entry["slug"] == "openai/gpt-4o":
            entry["input"], entry["src"], entry["date"] = "2.00", "OpenAI pricing page, cut 2026-12-01", "2026-12-01"
        if entry["slug"] == "openai/gpt-4o-mini":
            entry["output"] = "0.50"
    changed_file = tmp_path / "models.json"
    changed_file.write_text(json.dumps(data))

    report = seed_catalog(changed_file)

    gpt4o = AIModel.objects.get(slug="openai/gpt-4o")
    assert gpt4o.context_window == 128000 and gpt4o.description  # filled back in
    assert gpt4o.input_price_per_1m == Decimal("2.00")  # nobody had touched it: the file's new price applies
    old = ModelPrice.objects.get(model=gpt4o)
    assert old.input_price_per_1m == Decimal("2.50") and old.source.startswith("LiteLLM price map")
    mini = AIModel.objects.get(slug="openai/gpt-4o-mini")
    assert mini.output_price_per_1m == Decimal("7")  # the admin's edit stays
    assert [(k.row, k.field) for k in report.kept] == [("openai/gpt-4o-mini", "output_price_per_1m")]
    assert seed_catalog(changed_file).outcomes == {"unchanged": len(data["models"])}


def test_reseeding_keeps_a_fallback_chain_an_admin_changed(db):
    seed_catalog()
    deliberate = AIModel.objects.get(slug="demo/deliberate")
    deliberate.fallback_links.all().delete()
    deliberate.fallback_links.create(fallback=AIModel.objects.get(slug="demo/echo"), position=0)
    report = seed_catalog()
    assert [m.slug for m in deliberate.ordered_fallbacks()] == ["demo/echo"]
    assert [(k.row, k.field) for k in report.kept] == [("demo/deliberate", "fallbacks")]


def test_reseeding_keeps_a_default_model_an_admin_chose(db):
    seed_catalog()
    Provider.objects.filter(slug="openai").update(default_model=AIModel.objects.get(slug="openai/gpt-4.1"))
    seed_catalog()
    assert Provider.objects.get(slug="openai").default_model.slug == "openai/gpt-4.1"


# --- sync keeps the old price; Ollama's :latest -------------------------------------------------------


def test_sync_keeps_the_replaced_price_in_the_history(db, fake_upstream):
    seed_catalog()
    Provider.objects.filter(slug="openrouter").update(base_url=fake_upstream.base_url("openrouter"))
    AIModel.objects.filter(slug="openrouter/openai/gpt-4o-mini").update(input_price_per_1m=Decimal("9"))
    call_command("sync_catalog", provider="openrouter", verbosity=0)
    model = AIModel.objects.get(slug="openrouter/openai/gpt-4o-mini")
    assert model.input_price_per_1m == Decimal("0.15")
    assert model.price_source == "OpenRouter model list (sync_catalog)"
    history = ModelPrice.objects.get(model=model)
    assert history.input_price_per_1m == Decimal("9")
    assert "LiteLLM price map" in history.source  # where the replaced price came from
    assert history.valid_to is not None and history.valid_from is not None
    call_command("sync_catalog", provider="openrouter", verbosity=0)
    assert ModelPrice.objects.filter(model=model).count() == 1  # an unchanged price adds nothing


def test_ollama_latest_is_the_seeded_model_not_a_second_one(db, fake_upstream):
    seed_catalog()
    Provider.objects.filter(slug="ollama").update(base_url=fake_upstream.base_url("ollama"))
    before = set(AIModel.objects.filter(provider__slug="ollama").values_list("slug", flat=True))
    call_command("sync_catalog", provider="ollama", verbosity=0)
    after = set(AIModel.objects.filter(provider__slug="ollama").values_list("slug", flat=True))
    assert after - before == {"ollama/qwen2.5:0.5b"}  # llama3.2:latest was the seeded ollama/llama3.2
    assert not AIModel.objects.filter(slug__endswith=":latest").exists()
    assert AIModel.objects.get(slug="ollama/llama3.2").is_active is True
