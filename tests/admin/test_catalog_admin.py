"""Models and providers in the admin: bulk import is all or nothing, prices keep their history."""

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import AIModel, ModelPrice, ModelStatus, Provider
from tests.factories import AIModelFactory, GenerationFactory, ProviderFactory

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.fixtures_upstream"]
IMPORT_URL = "admin:catalog_aimodel_import"


def _upload(client, name: str, body: str):
    return client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile(name, body.encode())})


def test_import_with_one_bad_row_imports_nothing_and_names_the_row(client, administrator):
    ProviderFactory(slug="acme")
    rows = [
        {"slug": "acme/one", "display_name": "One", "provider": "acme", "upstream_id": "one"},
        {
            "slug": "acme/two",
            "display_name": "Two",
            "provider": "acme",
            "upstream_id": "two",
            "input_price_per_1m": "-1",
        },
        {"slug": "acme/three", "display_name": "Three", "provider": "acme", "upstream_id": "three"},
    ]
    client.force_login(administrator)
    response = _upload(client, "models.json", json.dumps(rows))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "row 2" in page and "input_price_per_1m" in page
    assert not AIModel.objects.filter(slug__startswith="acme/").exists()


def test_csv_import_creates_and_updates_in_one_go(client, administrator):
    acme = ProviderFactory(slug="acme")
    AIModelFactory(provider=acme, upstream_id="old", slug="acme/old", input_price_per_1m=Decimal("1"))
    csv_body = (
        "slug,display_name,provider,upstream_id,input_price_per_1m,status,featured\n"
        "acme/new,New,acme,new,0.5,beta,true\n"
        "acme/old,Old,acme,old,3,,\n"
    )
    client.force_login(administrator)
    response = _upload(client, "models.csv", csv_body)
    page = response.content.decode()
    assert "1 created, 1 updated" in page, page[page.find("import-errors") :][:1500]
    new = AIModel.objects.get(slug="acme/new")
    assert (new.status, new.featured, new.input_price_per_1m) == (ModelStatus.BETA, True, Decimal("0.5"))
    old = AIModel.objects.get(slug="acme/old")
    assert old.input_price_per_1m == Decimal("3")
    assert ModelPrice.objects.get(model=old).input_price_per_1m == Decimal("1")


def test_import_refuses_unknown_provider_and_bad_slug(client, administrator):
    ProviderFactory(slug="acme")
    rows = [
        {"slug": "Not A Slug", "display_name": "X", "provider": "acme", "upstream_id": "x"},
        {"slug": "ghost/y", "display_name": "Y", "provider": "ghost", "upstream_id": "y"},
    ]
    client.force_login(administrator)
    page = _upload(client, "m.json", json.dumps(rows)).content.decode()
    assert "row 1" in page and "row 2" in page and "provider" in page
    assert AIModel.objects.count() == 0


def test_price_change_keeps_history_and_old_generation_keeps_its_cost(client, administrator):
    model = AIModelFactory(input_price_per_1m=Decimal("1.00"), output_price_per_1m=Decimal("2.00"))
    generation = GenerationFactory(model=model, cost=Decimal("0.00001100"))
    client.force_login(administrator)
    url = reverse("admin:catalog_aimodel_change", args=[model.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        input_price_per_1m="4.00",
        output_price_per_1m="8.00",
        tags="[]",
        capabilities='["chat"]',
        **{f"fallback_links-{k}": v for k, v in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()},
        **{f"price_history-{k}": v for k, v in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()},
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    model.refresh_from_db()
    assert model.input_price_per_1m == Decimal("4.00")
    history = ModelPrice.objects.get(model=model)
    assert (history.input_price_per_1m, history.output_price_per_1m) == (Decimal("1.00"), Decimal("2.00"))
    generation.refresh_from_db()
    assert generation.cost == Decimal("0.00001100")
    assert b"4.00" in client.get(url).content


def test_test_connection_reports_success_against_the_fake_upstream(client, administrator, fake_upstream):
    provider = ProviderFactory(slug="openai-fake", adapter_kind="openai", base_url=fake_upstream.base_url("openai"))
    client.force_login(administrator)
    response = client.post(
        reverse("admin:catalog_provider_changelist"),
        {"action": "test_connection", "_selected_action": [provider.pk]},
        follow=True,
    )
    assert "connected" in response.content.decode()


def test_test_connection_reports_failure(client, administrator):
    provider = ProviderFactory(slug="down", adapter_kind="openai", base_url="http://127.0.0.1:9/v1")
    client.force_login(administrator)
    response = client.post(
        reverse("admin:catalog_provider_changelist"),
        {"action": "test_connection", "_selected_action": [provider.pk]},
        follow=True,
    )
    assert "failed" in response.content.decode()
    assert Provider.objects.get(pk=provider.pk).enabled
