"""The Images and Embeddings tabs in Chromium with the Content-Security-Policy enforced: two demo models
compared side by side, the gallery's download and share links, the similarity heat maps; axe-core finds
no serious problem in light and dark, on a desktop and a phone, and nothing scrolls sideways."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.axe import serious_violations
from tests.browser.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.slow]

VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(e.violatedDirective));
"""


@pytest.fixture
def catalog(app_server, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("seed_catalog", verbosity=0)


@pytest.fixture
def enforced(browser_instance, app_server):
    """A browser context with the policy enforced (no bypass), recording violations and script errors."""
    contexts = []

    def make(**kwargs):
        context = browser_instance.new_context(base_url=app_server.url, **kwargs)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20000)
        page.problems = []
        page.add_init_script(WATCH)
        page.on("console", lambda m: page.problems.append(m.text) if "Content Security Policy" in m.text else None)
        page.on("pageerror", lambda e: page.problems.append(f"script error: {e}"))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot(request):
    """`make screenshots` (pytest --screenshots) saves the page to docs/screenshots/<name>.png."""

    def take(page, name: str) -> None:
        if request.config.getoption("--screenshots", default=False):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


def sign_in(page, user, password) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/login" not in url)


def draw_two(page) -> None:
    page.goto("/playground/images")
    page.get_by_label("Prompt").fill("A paper boat on a pond")
    page.locator('input[name="models"][value="demo/sketch"]').check()
    page.locator('input[name="models"][value="demo/canvas"]').check()
    page.get_by_label("Size").select_option("256x256")
    page.get_by_role("button", name="Generate").click()
    for slug in ("demo/sketch", "demo/canvas"):
        expect(page.locator(f'.media-pane[data-model="{slug}"] .pane-metrics')).to_be_visible()


def compare_texts(page) -> None:
    page.goto("/playground/embeddings")
    page.get_by_label("Texts").fill("a red fox\na red fox\nquarterly earnings")
    page.locator('input[name="models"][value="demo/compass"]').check()
    page.locator('input[name="models"][value="demo/atlas"]').check()
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("table.similarity")).to_have_count(2)


def test_images_tab_compares_two_demo_models_and_keeps_a_gallery(enforced, catalog, alice, password, shot):
    page = enforced(viewport=VIEWPORTS["desktop"])
    sign_in(page, alice, password)
    draw_two(page)
    shot(page, "playground-images")
    for slug, cost in (("demo/sketch", "$0.01000000"), ("demo/canvas", "$0.00500000")):
        pane = page.locator(f'.media-pane[data-model="{slug}"]')
        assert cost in pane.locator(".pane-cost").inner_text() and "ms" in pane.locator(".pane-time").inner_text()
        picture = pane.locator("img")
        expect(picture).to_have_js_property("naturalWidth", 256)  # the PNG really loaded, at the size asked
    page.reload()
    items = page.locator(".gallery-item")
    expect(items).to_have_count(2)
    download = items.first.get_by_role("link", name="Download")
    assert download.get_attribute("href").endswith("?download=1")
    with page.expect_download() as fetched:
        download.click()
    assert fetched.value.suggested_filename.endswith(".png")
    share = items.first.get_by_role("link", name="Share link").get_attribute("href")
    stranger = enforced()  # another browser, signed in as nobody
    response = stranger.request.get(share)
    assert response.status == 200 and response.headers["content-type"] == "image/png"
    assert page.problems == [] and page.evaluate("window.__csp") == []


def test_embeddings_tab_draws_a_heat_map_per_model(enforced, catalog, alice, password, shot):
    page = enforced(viewport=VIEWPORTS["desktop"])
    sign_in(page, alice, password)
    compare_texts(page)
    shot(page, "playground-embeddings")
    compass = page.locator('.media-pane[data-model="demo/compass"]')
    assert "256 dimensions" in compass.locator(".pane-metrics").inner_text()
    assert "1024 dimensions" in page.locator('.media-pane[data-model="demo/atlas"] .pane-metrics').inner_text()
    first_row = compass.locator("tbody tr").first.locator("td")
    assert first_row.all_inner_texts()[:2] == ["1.00", "1.00"]  # equal texts, equal vectors
    background = first_row.first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(15, 32, 66)"  # the hottest cell's colour, from the stylesheet
    assert page.problems == [] and page.evaluate("window.__csp") == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_media_tabs_pass_axe_and_fit_the_screen(enforced, catalog, alice, password, scheme, viewport):
    page = enforced(viewport=VIEWPORTS[viewport], color_scheme=scheme, bypass_csp=True)  # axe is injected inline
    sign_in(page, alice, password)
    for run in (draw_two, compare_texts):
        run(page)
        assert serious_violations(page) == [], f"{run.__name__} ({scheme}, {viewport})"
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{run.__name__} scrolls sideways by {overflow}px ({scheme}, {viewport})"
    page.goto("/playground/images")  # the gallery, with the pictures just drawn
    assert serious_violations(page) == [], f"gallery ({scheme}, {viewport})"


def test_a_first_visit_starts_with_a_model_that_answers(enforced, catalog, alice, password):
    page = enforced(viewport=VIEWPORTS["desktop"])
    sign_in(page, alice, password)
    page.goto("/playground/embeddings")
    chosen = page.locator('input[name="models"]:checked')
    expect(chosen).to_have_count(1)
    assert chosen.get_attribute("value").startswith("demo/")  # needs no key
    assert "needs an api key" in page.get_by_text("text-embedding-3-large (OpenAI)").inner_text()
    page.get_by_role("button", name="Compare").click()  # the example texts and the model: nothing to fill in
    expect(page.locator("table.similarity")).to_have_count(1)

    page.goto("/playground/images")
    expect(page.locator('input[name="models"]:checked')).to_have_count(1)
    page.get_by_label("Prompt").fill("A paper boat on a pond")
    page.get_by_role("button", name="Generate").click()
    expect(page.locator(".media-pane img")).to_have_count(1)
    assert page.problems == []
