"""The main pages under the Content-Security-Policy in Chromium: no violation, and what used to be
inline script (confirm dialogs, range outputs, htmx form resets, chart and colour styles) still works."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from catalog.models import AIModel, Category
from tests.factories import UserFactory, WebhookEndpointFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.slow]

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(browser_instance, app_server):
    """A page with the policy enforced (the shared `page` fixture bypasses it, since Playwright evaluates
    string predicates with eval), recording CSP violations (the DOM event and the console) and script errors.
    Waits here use locators and `expect`, which need no eval in the page."""
    context = browser_instance.new_context(base_url=app_server.url, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15000)
    problems: list[str] = []
    page.add_init_script(WATCH)
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.problems = problems
    yield page
    context.close()


def visit(page, path: str) -> None:
    response = page.goto(path)
    assert response.status == 200, path
    assert "script-src 'self'" in response.headers["content-security-policy"], path
    page.wait_for_load_state("networkidle")
    page.problems.extend(page.evaluate("window.__csp"))


def sign_in(page, user, password) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_public_pages_and_the_api_docs_run_without_violations(watched):
    call_command("seed_catalog", verbosity=0)
    category = Category.objects.create(name="Colour check", slug="colour-check", color="#12ab34")
    AIModel.objects.filter(slug="demo/swift").update(category=category)
    visit(watched, "/models/demo/swift/")
    border = watched.locator(".cat").first.evaluate("el => getComputedStyle(el).borderLeftColor")
    assert border == "rgb(18, 171, 52)"  # the category colour, set from data-cat-color
    for path in ["/", "/models/", "/accounts/login/", "/accounts/signup/"]:
        visit(watched, path)

    visit(watched, "/api/docs/")
    watched.locator(".opblock").first.wait_for()  # Swagger UI rendered the operations
    visit(watched, "/api/redoc/")
    watched.get_by_text("Switchboard API").first.wait_for()  # Redoc rendered the schema

    assert watched.problems == []


def test_signed_in_pages_run_without_violations_and_keep_working(watched, alice, password):
    call_command("seed_catalog", verbosity=0)
    endpoint = WebhookEndpointFactory(user=alice, url="https://example.com/hook")
    sign_in(watched, alice, password)

    visit(watched, "/playground/")
    slider = watched.locator("#temperature")
    slider.fill("1.5")
    assert watched.locator('output[for="temperature"]').inner_text() == "1.5"
    watched.locator("#preset").press("Enter")  # the settings form does not submit itself
    assert watched.url.endswith("/playground/")
    search = watched.get_by_role("combobox", name="Add a model")
    search.fill("deliberate")
    search.press("ArrowDown")
    search.press("Enter")
    assert watched.locator("#model-chips .chip").count() == 2
    watched.get_by_role("textbox", name="Message").fill("Hello")
    watched.get_by_role("textbox", name="Message").press("Enter")
    watched.locator(".turn").first.wait_for()
    expect(watched.get_by_role("textbox", name="Message")).to_have_value("")  # reset after the hx-post
    assert watched.locator("#empty-state").count() == 0

    visit(watched, "/dashboard/")
    bar = watched.locator(".bar span").first
    assert bar.evaluate("el => el.style.width") == bar.get_attribute("data-width-percent") + "%"
    for path in ["/playground/video/", "/playground/history/", "/settings/", "/settings/keys/", "/settings/webhooks/"]:
        visit(watched, path)
    visit(watched, f"/settings/webhooks/{endpoint.pk}/")
    asked: list[str] = []
    watched.on("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    watched.get_by_role("button", name="Delete endpoint").click()
    assert asked == ["Delete this endpoint and its delivery log?"]
    assert watched.url.endswith(f"/settings/webhooks/{endpoint.pk}/")  # dismissed: not deleted

    assert watched.problems == []


def test_the_admin_runs_without_violations(watched, password):
    call_command("seed_catalog", verbosity=0)
    admin = UserFactory(username="root", email="root@example.com", is_staff=True, is_superuser=True)
    endpoint = WebhookEndpointFactory(user=admin)
    sign_in(watched, admin, password)
    for path in ["/admin/", "/admin/catalog/aimodel/", "/admin/webhooks/webhookendpoint/",
                 f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/", "/admin/accounts/user/add/",
                 "/admin/analytics/"]:  # fmt: skip
        visit(watched, path)
    expect(watched.locator("#chart-cost")).to_have_attribute("height", re.compile(r"^[1-9]\d*$"))  # Chart.js drew it
    visit(watched, "/admin/catalog/aimodel/")
    watched.locator("#action-toggle").check()  # the admin's own scripts run
    assert watched.locator("tr.selected").count() > 0

    assert watched.problems == []
