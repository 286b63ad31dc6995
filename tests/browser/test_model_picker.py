"""The model picker in Chromium: search, keyboard, availability and the chips' limit."""

import pytest
from django.core.management import call_command

from catalog.models import Provider
from tests.browser.test_playground_flow import sign_in
from tests.factories import AIModelFactory
from usage.models import Generation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def catalog(transactional_db):
    call_command("seed_catalog", verbosity=0)
    demo = Provider.objects.get(slug="demo")
    for n in (2, 3):  # enough models that answer without a key to reach the limit
        AIModelFactory(provider=demo, upstream_id="swift", slug=f"demo/swift-{n}", display_name=f"Demo Swift {n}")


def chips(page) -> list[str]:
    return page.locator("#model-chips input[name=models]").evaluate_all("els => els.map(e => e.value)")


def visible_options(page) -> list[str]:
    return page.locator("#model-options [role=option]:visible").evaluate_all("els => els.map(e => e.dataset.slug)")


def test_search_keyboard_and_availability(page, alice, password, catalog, screenshot):
    sign_in(page, alice, password)
    page.goto("/playground/")
    assert chips(page) == ["demo/swift"]  # the default model, already chosen and in view
    search = page.get_by_role("combobox", name="Add a model")
    search.click()
    assert search.get_attribute("aria-expanded") == "true"
    search.fill("swift")
    assert set(visible_options(page)) == {"demo/swift", "demo/swift-2", "demo/swift-3"}

    # Keyboard: arrows move the active option (announced through aria-activedescendant), Enter toggles.
    search.fill("deliberate")
    search.press("ArrowDown")
    active = page.locator("#" + search.get_attribute("aria-activedescendant"))
    assert active.get_attribute("data-slug") == "demo/deliberate"
    search.press("Enter")
    assert chips(page) == ["demo/swift", "demo/deliberate"]
    assert active.get_attribute("aria-selected") == "true"

    # A model that needs a key says so, links to where a key is added, and cannot be chosen.
    search.fill("gpt-4o-mini")
    needs_key = page.locator('#model-options [role=option][data-slug="openai/gpt-4o-mini"]').first
    assert needs_key.get_attribute("aria-disabled") == "true"
    assert "Needs an API key" in needs_key.inner_text()
    needs_key.click(force=True)  # a person can still click it; nothing is added
    assert chips(page) == ["demo/swift", "demo/deliberate"]
    note = page.locator("#picker-note")
    assert "needs an API key" in note.inner_text()
    assert note.get_by_role("link", name="Add your own key").get_attribute("href") == "/settings/"
    screenshot("picker-needs-key")

    # Chips: removable, at most four.
    search.fill("demo")
    for slug in ("demo/echo", "demo/swift-2", "demo/swift-3"):
        page.locator(f'#model-options [role=option][data-slug="{slug}"]').first.click()
    assert len(chips(page)) == 4 and "demo/swift-3" not in chips(page)
    assert "Up to 4 models" in note.inner_text()
    page.get_by_role("button", name="Remove Demo Deliberate").click()
    assert "demo/deliberate" not in chips(page)
    search.fill("")
    search.press("Escape")
    search.press("Escape")
    assert search.get_attribute("aria-expanded") == "false"

    page.get_by_role("textbox", name="Message").fill("Hello all")
    page.get_by_role("textbox", name="Message").press("Enter")
    page.wait_for_function(
        "document.querySelectorAll('.turn .answer').length === 3 && !document.querySelector('.turn.is-streaming')"
    )
    assert sorted(Generation.objects.values_list("requested_model", flat=True)) == sorted(chips(page))


def test_parameters_follow_the_chosen_models_ranges_and_explain_themselves(page, alice, password, catalog):
    narrow = AIModelFactory(
        provider=Provider.objects.get(slug="demo"), upstream_id="swift", slug="demo/narrow",
        display_name="Demo Narrow", temperature_max=1, max_output_tokens=500,
    )  # fmt: skip
    sign_in(page, alice, password)
    page.goto("/playground/")
    page.locator("#temperature").fill("1.5")
    search = page.get_by_role("combobox", name="Add a model")
    search.fill("narrow")
    search.press("ArrowDown")
    search.press("Enter")
    assert page.locator("#temperature").get_attribute("max") == "1"
    assert page.locator("#temperature").input_value() == "1"
    assert "Set to 1: Demo Narrow accepts 0 to 1." in page.locator("#temperature-note").inner_text()

    page.get_by_label("Max tokens").fill("900")
    assert page.locator("#max_tokens-note").inner_text() == f"At most 500 for {narrow.display_name}."
    page.get_by_role("textbox", name="Message").fill("Hello")
    page.get_by_role("textbox", name="Message").press("Enter")
    page.wait_for_function("document.getElementById('send-errors').textContent.includes('out of range')")
    assert "Max tokens" in page.locator("#send-errors").inner_text()
    assert page.locator(".turn").count() == 0 and not Generation.objects.exists()

    page.get_by_role("button", name="Remove Demo Narrow").click()  # only demo/swift left: its own ranges
    assert page.locator("#max_tokens-note").is_hidden()
    page.get_by_role("textbox", name="Message").press("Enter")
    page.locator(".turn").first.wait_for()
