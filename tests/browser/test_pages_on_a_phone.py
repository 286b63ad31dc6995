"""Pages as a phone shows them, in Chromium at 390 x 844, light and dark: every link of the main menu
is on the screen, the history is a list of cards with their actions in view, the leaderboard's filters
are readable, the conversation's header is one row; and the playground's Stop shows only while an
answer runs, the model search empties once a model is added. axe-core finds nothing serious."""

import re

import pytest
from django.core.management import call_command

from playground.models import Conversation
from tests.browser.axe import serious_violations
from tests.browser.test_playground_flow import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.slow]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def catalog(transactional_db):
    call_command("seed_catalog", verbosity=0)


def off_screen(page, selector: str) -> list[str]:
    """The texts of the visible elements that end beyond the right edge of the window."""
    return page.locator(selector).evaluate_all(
        "els => els.filter(e => e.getClientRects().length && e.getBoundingClientRect().right > window.innerWidth + 0.5)"
        ".map(e => e.textContent.trim())"
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_menus_history_and_filters_fit_a_phone(new_context, alice, password, catalog, scheme):
    conversation = Conversation.objects.create(
        owner=alice, title="Rivers and lakes, compared in some detail", models=["demo/swift", "demo/deliberate"]
    )
    page = new_context(viewport=PHONE, color_scheme=scheme).new_page()
    sign_in(page, alice, password)

    page.goto("/playground/history/")
    assert off_screen(page, ".nav-links a") == []
    assert off_screen(page, "#results td, #results td button, #results td summary") == []
    delete = page.get_by_role("button", name="Delete")
    assert delete.is_visible()
    assert delete.evaluate("b => getComputedStyle(b).backgroundColor") == "rgba(0, 0, 0, 0)"  # styled, not grey
    assert serious_violations(page) == []

    page.goto("/arena/leaderboard/")
    assert page.get_by_label("Category").bounding_box()["width"] >= 120  # the chosen category can be read
    assert serious_violations(page) == []

    page.goto(conversation.get_absolute_url())
    header = page.locator("#conv-header").bounding_box()
    assert header["height"] < 48  # one row: the title, Export and Share
    page.get_by_text("Export", exact=True).click()
    assert page.get_by_role("link", name="Export Markdown").is_visible()
    assert off_screen(page, ".menu-pop a") == []
    assert serious_violations(page) == []


def test_stop_shows_while_answering_and_the_search_empties_after_a_pick(page, alice, password, catalog):
    sign_in(page, alice, password)
    page.goto("/playground/")
    stop = page.locator("#stop-all")
    assert stop.is_hidden()
    search = page.get_by_role("combobox", name="Add a model")
    search.fill("deliberate")
    search.press("ArrowDown")
    search.press("Enter")
    assert search.input_value() == ""
    options = page.locator("#model-options [role=option]")
    shown = options.evaluate_all("os => os.filter(o => !o.closest('[hidden]')).length")
    assert shown > 3  # the whole list again, not only the models matching "deliberate"

    page.get_by_label("Max tokens").fill("600")
    page.get_by_role("textbox", name="Message").fill("Compare rivers and lakes")
    page.get_by_role("textbox", name="Message").press("Enter")
    page.wait_for_function("document.querySelector('.answer-stream')?.textContent.length > 5")
    assert stop.is_visible()
    page.wait_for_url(re.compile(r"/playground/c/"))
    page.wait_for_function("!document.querySelector('.turn.is-streaming')", timeout=60000)
    assert stop.is_hidden()


def test_history_rows_line_up_on_a_desktop(new_context, alice, password, catalog):
    Conversation.objects.create(owner=alice, title="Rivers", models=["demo/swift"])
    page = new_context(viewport={"width": 1440, "height": 900}).new_page()
    sign_in(page, alice, password)
    page.goto("/playground/history/")
    bottoms = page.locator("#results tbody tr:first-child td").evaluate_all(
        "tds => tds.map(td => Math.round(td.getBoundingClientRect().bottom))"
    )
    assert len(bottoms) == 4 and len(set(bottoms)) == 1  # one line under the whole row
    rename = page.locator("#results summary").first
    assert rename.evaluate("s => getComputedStyle(s).borderTopStyle") == "solid"  # looks like the button it is
    assert serious_violations(page) == []
