"""Every signed-in page in dark mode and on a phone: axe-core finds no serious violation, nothing scrolls
sideways, and the playground's composer is on the first screen."""

import pytest
from django.core.management import call_command

from tests.browser.axe import serious_violations
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_playground_flow import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.slow]

PAGES = [
    "/playground/",
    "/playground/history/",
    "/playground/video/",
    "/models/",
    "/models/demo/swift/",
    "/dashboard/",
    "/settings/",
    "/settings/keys/",
    "/settings/webhooks/",
]


@pytest.fixture
def conversation_url(transactional_db, browser_instance, app_server, alice, password):
    """A conversation whose answer has highlighted code in it, made through the page."""
    call_command("seed_catalog", verbosity=0)
    context = browser_instance.new_context(base_url=app_server.url)
    page = context.new_page()
    sign_in(page, alice, password)
    page.goto("/playground/?model=demo/swift")
    page.get_by_role("textbox", name="Message").fill("Show a code example in Python " + "with more words " * 12)
    page.get_by_role("textbox", name="Message").press("Enter")
    page.locator(".answer .md pre.code").first.wait_for()
    url = page.url
    context.close()
    return url.removeprefix(app_server.url)


@pytest.mark.parametrize(
    ("scheme", "width", "height"),
    [("dark", 1440, 900), ("dark", 390, 844), ("light", 390, 844)],
    ids=["dark-desktop", "dark-phone", "light-phone"],
)
def test_pages_pass_axe_and_fit(
    request, browser_instance, app_server, alice, password, conversation_url, scheme, width, height
):
    context = browser_instance.new_context(
        base_url=app_server.url, color_scheme=scheme, viewport={"width": width, "height": height}, bypass_csp=True
    )
    page = context.new_page()
    sign_in(page, alice, password)
    found = {}
    for path in [conversation_url, *PAGES]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        if violations := serious_violations(page):
            found[path] = violations
        overflow = page.evaluate("document.documentElement.scrollWidth") - width
        if overflow > 0:
            found.setdefault(path, []).append({"id": "scrolls-sideways", "by": overflow})
    page.goto(conversation_url)
    if request.config.getoption("--screenshots", default=False):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"playground-{scheme}-{width}.png"))
    for control in (page.get_by_role("textbox", name="Message"), page.get_by_role("button", name="Send", exact=True)):
        box = control.bounding_box()
        assert box["y"] + box["height"] <= height, "the composer is below the first screen"
    if scheme == "dark":
        code_bg = page.locator(".answer .md pre.code").first.evaluate("el => getComputedStyle(el).backgroundColor")
        assert code_bg != "rgb(248, 248, 248)"
    context.close()
    assert found == {}
