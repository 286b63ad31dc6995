"""The catalog knows what each model takes (tools, images, JSON schema...), for the gateway to refuse by name."""

import pytest
from django.core.management import call_command

from catalog.models import AIModel, Capability
from catalog.selectors import models_with
from tests.factories import AIModelFactory, ProviderFactory


@pytest.fixture
def models(db):
    demo = ProviderFactory(slug="demo", name="Demo", adapter_kind="demo")
    return {
        "full": AIModelFactory(
            provider=demo,
            upstream_id="full",
            display_name="Full",
            supports_tools=True,
            supports_vision=True,
            supports_json_schema=True,
            supports_json_mode=True,
        ),
        "tools_only": AIModelFactory(
            provider=demo, upstream_id="tools", display_name="Tools only", supports_tools=True
        ),
        "unknown": AIModelFactory(provider=demo, upstream_id="plain", display_name="Plain"),  # nothing known
        "hidden": AIModelFactory(
            provider=demo, upstream_id="hidden", supports_tools=True, supports_vision=True, is_active=False
        ),
    }


def test_lacks_names_what_a_model_cannot_do(models):
    assert models["full"].lacks({"tools", "vision", "json_schema"}) == set()
    assert models["tools_only"].lacks({"tools", "vision", "json_schema"}) == {"vision", "json_schema"}
    # Unknown counts as missing: the request is refused rather than sent without the field.
    assert models["unknown"].lacks({"tools", "logprobs"}) == {"tools", "logprobs"}


def test_lacks_refuses_a_capability_it_does_not_know():
    with pytest.raises(ValueError, match="Unknown capabilities: teleport"):
        AIModel().lacks({"tools", "teleport"})


def test_models_with_lists_visible_models_having_every_capability(models):
    assert {m.slug for m in models_with({"tools"})} == {"demo/full", "demo/tools"}
    assert [m.slug for m in models_with({"tools", "vision"})] == ["demo/full"]
    assert [m.slug for m in models_with({"tools"}, kind="embedding")] == []
    with pytest.raises(ValueError):
        models_with({"telepathy"})


def test_the_api_shows_what_each_model_takes_and_filters_by_it(api, models):
    items = {m["slug"]: m for m in api.get("/api/models").json()["data"]["items"]}
    assert set(items["demo/full"]["supports"]) == set(Capability.values)
    assert items["demo/full"]["supports"]["vision"] is True
    assert items["demo/tools"]["supports"] == {
        **{c: False for c in Capability.values},
        "tools": True,
        "stop": True,
        "system_prompt": True,
        "streaming": True,
    }
    filtered = api.get("/api/models", {"capability": "vision"}).json()["data"]["items"]
    assert [m["slug"] for m in filtered] == ["demo/full"]


def test_the_model_page_lists_what_it_takes(client, models):
    html = " ".join(client.get("/models/demo/tools/").content.decode().split())
    assert "What it takes" in html
    assert 'Tool calling<span class="sr-only">: supported' in html
    assert 'Image input<span class="sr-only">: not supported' in html


def test_the_discovery_filter_offers_capabilities(client, models):
    html = client.get("/models/", {"capability": "json_schema"}).content.decode()
    assert '<option value="json_schema" selected>JSON schema</option>' in html
    assert "Full" in html and "Tools only" not in html


@pytest.mark.django_db
def test_the_shipped_chat_models_all_say_what_they_take():
    call_command("seed_catalog", verbosity=0)
    for model in AIModel.objects.filter(kind="chat"):
        assert model.supports_tools is not None and model.supports_vision is not None, model.slug
    gpt = AIModel.objects.get(slug="openai/gpt-4o-mini")
    assert gpt.lacks({"tools", "vision", "json_schema", "json_mode", "logprobs", "n"}) == set()
    assert gpt.lacks({"reasoning_effort"}) == {"reasoning_effort"}
    assert AIModel.objects.get(slug="openai/o3-mini").lacks({"vision", "reasoning_effort"}) == {"vision"}
    assert AIModel.objects.get(slug="demo/swift").lacks({"tools", "vision", "json_schema"}) == set()
    assert AIModel.objects.get(slug="demo/echo").lacks({"tools"}) == {"tools"}
    assert AIModel.objects.get(slug="openai/text-embedding-3-small").lacks({"dimensions"}) == set()
    assert AIModel.objects.get(slug="openai/text-embedding-ada-002").lacks({"dimensions"}) == {"dimensions"}
    # A fallback for a tools request must have tools: the gateway filters the chain with lacks().
    chain = AIModel.objects.get(slug="demo/deliberate").ordered_fallbacks()
    assert [m.slug for m in chain if not m.lacks({"tools"})] == ["demo/swift"]
