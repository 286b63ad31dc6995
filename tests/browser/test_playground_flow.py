"""The playground as a person uses it, in Chromium: compare, stop, metrics, history, share, keys, charts."""

import re

import pytest
from django.core.management import call_command

from accounts.models import ApiKey
from usage.models import Generation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def catalog(transactional_db):
    call_command("seed_catalog", verbosity=0)


def sign_in(page, user, password):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_compare_two_models_stop_one_and_share(page, alice, password, catalog, new_context, screenshot):
    sign_in(page, alice, password)
    page.goto("/playground/")
    search = page.get_by_role("combobox", name="Add a model")
    search.fill("deliberate")
    search.press("ArrowDown")
    search.press("Enter")  # demo/swift is already chosen: it is the default model
    page.get_by_label("Max tokens").fill("600")
    page.get_by_role("textbox", name="Message").fill("Compare rivers and lakes, with a code example")
    page.get_by_role("textbox", name="Message").press("Enter")

    slow = page.locator('.answer[data-model="demo/deliberate"]')
    fast = page.locator('.answer[data-model="demo/swift"]')
    slow_text = slow.locator(".answer-stream")
    slow_text.wait_for()
    page.wait_for_function(
        "document.querySelector('.answer[data-model=\"demo/deliberate\"] .answer-stream')?.textContent.length > 10"
    )
    first = len(slow_text.inner_text())
    page.wait_for_timeout(400)
    assert len(slow_text.inner_text()) > first  # the answer grows while it streams
    screenshot("playground-compare")

    slow.get_by_role("button", name="Stop").click()
    page.wait_for_function(
        "document.querySelector('.answer[data-model=\"demo/deliberate\"]').dataset.status === 'cancelled'"
    )
    fast.locator(".md").wait_for()  # the other model finished and was rendered as markdown
    metrics = fast.locator(".answer-metrics").inner_text()
    assert re.search(r"\d+ in / \d+ out", metrics) and "$" in metrics and "first token" in metrics
    page.wait_for_url(re.compile(r"/playground/c/"))
    assert Generation.objects.get(model_slug="demo/deliberate").status == "cancelled"

    page.goto("/playground/history/")
    page.get_by_role("link", name=re.compile("Compare rivers")).click()
    page.locator(".answer .md").first.wait_for()
    assert "cancelled" in page.locator('.answer[data-model="demo/deliberate"]').get_attribute("data-status")

    page.get_by_role("button", name="Share").click()
    page.get_by_role("button", name="Create link").click()
    link = page.locator("#share-url").input_value()
    anonymous = new_context().new_page()
    anonymous.goto(link)
    assert "Compare rivers and lakes" in anonymous.content()
    assert alice.email not in anonymous.content()
    screenshot("shared", anonymous)


def test_api_key_shown_once_and_dashboard_charts(page, alice, password, catalog, screenshot):
    sign_in(page, alice, password)
    page.goto("/settings/keys/")
    page.get_by_label("Name").fill("laptop")
    page.get_by_role("button", name="Create key").click()
    shown = page.locator("#new-key").input_value()
    assert shown.startswith("sk_live_")
    assert ApiKey.objects.get(user=alice, name="laptop").prefix == shown[: len(ApiKey.objects.get().prefix)]
    screenshot("api-keys")
    page.reload()
    assert page.locator("#new-key").count() == 0
    assert shown not in page.content()

    page.goto("/dashboard/")
    page.wait_for_function("window.switchboardCharts && window.switchboardCharts.length === 3")
    assert page.locator("canvas#chart-daily").bounding_box()["height"] > 100
    screenshot("dashboard")
    page.goto("/models/")
    screenshot("models")


def test_playground_fits_a_small_phone(browser_instance, app_server, alice, password, catalog):
    context = browser_instance.new_context(base_url=app_server.url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    sign_in(page, alice, password)
    page.goto("/playground/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    assert page.get_by_role("textbox", name="Message").is_visible()
    context.close()
