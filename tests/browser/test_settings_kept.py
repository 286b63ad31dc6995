"""The settings panel is part of a conversation, in Chromium: the tools and the JSON schema a turn was sent
with come back when the conversation is opened again from the history, and a preset keeps them too."""

import json
import re

import pytest
from django.core.management import call_command

from playground.models import Conversation, Preset
from tests.browser.axe import serious_violations
from tests.browser.test_playground_flow import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.slow]
WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
CLOCK = {"type": "object", "properties": {"zone": {"type": "string"}}}


@pytest.fixture
def catalog(transactional_db):
    call_command("seed_catalog", verbosity=0)


def fill_panel(page) -> None:
    page.get_by_label("Max tokens").fill("321")
    page.get_by_label("Tool 1 name").fill("get_weather")
    page.get_by_label("Tool 1 description").fill("The weather in a city")
    page.get_by_label("Tool 1 parameters (JSON Schema)").fill(json.dumps(WEATHER))
    page.get_by_role("button", name="Add a tool").click()
    page.get_by_label("Tool 2 name").fill("get_time")
    page.get_by_label("Tool 2 parameters (JSON Schema)").fill(json.dumps(CLOCK))
    page.get_by_label("Format").select_option("json_schema")
    page.get_by_label("Schema name").fill("weather")
    page.get_by_label("JSON Schema", exact=True).fill(json.dumps(WEATHER))


def assert_panel_filled(page) -> None:
    assert page.get_by_label("Tool 1 name").input_value() == "get_weather"
    assert page.get_by_label("Tool 1 description").input_value() == "The weather in a city"
    assert json.loads(page.get_by_label("Tool 1 parameters (JSON Schema)").input_value()) == WEATHER
    assert page.get_by_label("Tool 2 name").input_value() == "get_time"
    assert json.loads(page.get_by_label("Tool 2 parameters (JSON Schema)").input_value()) == CLOCK
    assert page.get_by_label("Format").input_value() == "json_schema"
    assert page.get_by_label("Schema name").input_value() == "weather"
    schema = page.get_by_label("JSON Schema", exact=True)
    assert schema.is_visible()
    assert json.loads(schema.input_value()) == WEATHER


def test_tools_and_schema_come_back_with_the_conversation_and_with_a_preset(page, alice, password, catalog):
    sign_in(page, alice, password)
    page.goto("/playground/?model=demo/swift")
    fill_panel(page)
    page.get_by_role("textbox", name="Message").fill("Weather in Oslo?")
    page.get_by_role("textbox", name="Message").press("Enter")
    page.wait_for_url(re.compile(r"/playground/c/"))
    page.wait_for_function(
        "document.querySelectorAll('.turn').length === 1 && !document.querySelector('.turn.is-streaming')"
    )

    page.goto("/playground/history/")
    page.get_by_role("link", name=re.compile("Weather in Oslo")).click()
    page.wait_for_url(re.compile(r"/playground/c/"))
    assert_panel_filled(page)
    assert page.get_by_label("Max tokens").input_value() == "321"
    assert serious_violations(page) == []
    saved = Conversation.objects.get().settings
    assert [t["function"]["name"] for t in saved["tools"]] == ["get_weather", "get_time"]

    # The same panel saved as a preset, then applied to a new chat.
    page.get_by_label("Preset name").fill("Weather tools")
    page.get_by_role("button", name="Save preset").click()
    page.get_by_text("Saved preset “Weather tools”.").wait_for()
    assert Preset.objects.get(user=alice, name="Weather tools").params["response_format"]["type"] == "json_schema"
    page.goto("/playground/")
    assert page.get_by_label("Tool 1 name").input_value() == ""
    assert page.get_by_label("JSON Schema", exact=True).is_hidden()
    page.get_by_label("Preset", exact=True).select_option(label="Weather tools")
    page.wait_for_function("document.getElementById('tool-1-name').value === 'get_weather'")
    assert_panel_filled(page)
    assert page.get_by_label("Max tokens").input_value() == "321"


def test_a_preset_with_a_broken_tool_is_not_saved(page, alice, password, catalog):
    sign_in(page, alice, password)
    page.goto("/playground/")
    page.get_by_label("Tool 1 name").fill("get weather")  # a space: not a function name
    page.get_by_label("Preset name").fill("Broken")
    page.get_by_role("button", name="Save preset").click()
    page.get_by_text(re.compile("Not saved: Tool 1: the name must be")).wait_for()
    assert not Preset.objects.filter(name="Broken").exists()
