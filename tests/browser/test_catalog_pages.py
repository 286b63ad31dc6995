"""The catalog pages in a real browser: the kind filter, availability badges, light and dark, desktop and phone,
with axe-core finding no serious accessibility problem."""

import pytest
from django.core.management import call_command

from tests.browser.axe import serious_violations

pytestmark = pytest.mark.browser

PAGES = [
    "/models/",
    "/models/?kind=image",
    "/models/openai/gpt-4o-mini/",
    "/models/demo/canvas/",
    "/models/demo/swift/",
]
VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def catalog(app_server, settings):
    call_command("seed_catalog", verbosity=0)
    # No platform key for OpenAI here, so its models say how to get one.
    settings.PROVIDER_SETTINGS = {**settings.PROVIDER_SETTINGS, "openai": {"api_key": "", "base_url": ""}}


def test_picking_a_kind_narrows_the_grid_without_a_reload(page, catalog, screenshot):
    page.goto("/models/")
    page.get_by_role("radio", name="Image generation").check()
    page.wait_for_url("**/models/?*kind=image*")
    cards = page.locator(".model-card")
    cards.first.wait_for()
    kinds = set(page.locator(".model-card .kind").all_inner_texts())
    assert kinds == {"Image generation"}
    assert page.locator(".model-card h2", has_text="Demo Canvas").count() == 1
    screenshot("catalog-images")


def test_a_model_that_needs_a_key_says_so_and_links_to_adding_one(page, catalog):
    page.goto("/models/openai/gpt-4o-mini/")
    note = page.locator(".availability-note")
    assert "Needs an API key" in note.inner_text()
    assert note.get_by_role("link", name="Sign in to add your own key").count() == 1
    page.goto("/models/demo/canvas/")
    link = page.get_by_role("link", name="Generate images")
    assert link.get_attribute("href") == "/playground/images?model=demo/canvas"
    assert page.locator("table.image-prices tbody tr").count() == 6


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_catalog_pages_pass_axe_and_fit_the_screen(new_context, catalog, scheme, viewport, request):
    context = new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme)
    page = context.new_page()
    for path in PAGES:
        assert page.goto(path).status == 200, path
        assert serious_violations(page) == [], f"{path} ({scheme}, {viewport})"
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px ({scheme}, {viewport})"
        if request.config.getoption("--screenshots", default=False):
            name = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-") or "models"
            page.screenshot(path=f"/tmp/catalog-shots/{name}-{scheme}-{viewport}.png", full_page=True)
