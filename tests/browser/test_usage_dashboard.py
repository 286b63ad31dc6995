"""The usage dashboard's spend-by-door table in a real browser: axe in light and dark, on desktop and
phone, and no sideways scrolling."""

from decimal import Decimal

import pytest

from tests.browser.axe import serious_violations
from tests.conftest import PASSWORD
from tests.factories import GenerationFactory
from usage.models import Door

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


def _spend(user, door: str, cost_nano: int) -> None:
    """One billed call through `door`, in the ledger the dashboard reads."""
    GenerationFactory(user=user, door=door, cost=Decimal(cost_nano) / 10**9, total_tokens=1234)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_spend_by_door_passes_axe_and_fits_the_screen(new_context, alice, scheme, viewport):
    _spend(alice, Door.ANTHROPIC, 3 * 10**6)
    _spend(alice, Door.RESPONSES, 10**6)
    page = new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme).new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", alice.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    assert page.goto("/dashboard/").status == 200
    table = page.get_by_role("table", name="Spend by door (last 30 days)")
    rows = table.locator("tbody tr").all_inner_texts()
    assert rows[0].split("\t")[0] == "Anthropic Messages API" and "$0.00300000" in rows[0]
    assert rows[1].split("\t")[0] == "OpenAI Responses API" and "$0.00100000" in rows[1]
    assert serious_violations(page) == [], f"dashboard ({scheme}, {viewport})"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the dashboard scrolls sideways by {overflow}px ({scheme}, {viewport})"


def test_a_first_day_of_spend_is_a_visible_dot_on_the_cost_chart(new_context, alice):
    _spend(alice, Door.PLAYGROUND, 2 * 10**6)  # one day of use: a line has a single point
    page = new_context(viewport=VIEWPORTS["desktop"]).new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", alice.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/dashboard/")
    page.wait_for_function("window.switchboardCharts && window.switchboardCharts.length === 3")
    point = page.evaluate(
        """() => {
          const chart = window.switchboardCharts[1];
          const dot = chart.getDatasetMeta(0).data[0];
          return {x: dot.x, left: chart.chartArea.left, right: chart.chartArea.right, radius: dot.options.radius,
                  filled: dot.options.backgroundColor === dot.options.borderColor};
        }"""
    )
    assert point["radius"] >= 4 and point["filled"]
    middle = (point["left"] + point["right"]) / 2
    assert abs(point["x"] - middle) < 5  # the day sits in the middle of the chart, not on its axis
