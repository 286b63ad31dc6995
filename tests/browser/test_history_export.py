"""The history page's CSV download in a real browser: the link downloads the signed-in user's answers,
and the page passes axe and fits the screen in light and dark, on desktop and phone."""

import csv
import io

import pytest

from tests.browser.axe import serious_violations
from tests.conftest import PASSWORD
from tests.factories import GenerationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


def _signed_in(new_context, user, **options):
    page = new_context(**options).new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def test_the_download_link_gives_my_answers_as_csv(new_context, app_server, alice, bob):
    GenerationFactory(user=alice, content="Alice's answer")
    GenerationFactory(user=bob, content="Bob's answer")
    page = _signed_in(new_context, alice, viewport=VIEWPORTS["desktop"], accept_downloads=True)
    page.goto("/playground/history/")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download all answers (CSV)").click()

    with open(download.value.path(), encoding="utf-8") as saved:
        rows = list(csv.DictReader(io.StringIO(saved.read())))
    assert [r["output"] for r in rows] == ["Alice's answer"]
    assert download.value.suggested_filename == "switchboard-history.csv"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_history_page_passes_axe_and_fits_the_screen(new_context, app_server, alice, scheme, viewport):
    page = _signed_in(new_context, alice, viewport=VIEWPORTS[viewport], color_scheme=scheme)

    assert page.goto("/playground/history/").status == 200
    assert serious_violations(page) == [], f"({scheme}, {viewport})"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"scrolls sideways by {overflow}px ({scheme}, {viewport})"
