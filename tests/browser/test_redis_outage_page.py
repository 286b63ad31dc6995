"""The playground while Redis is down, in Chromium (light on a desktop, dark on a phone): the page
stays, Send says on the page that nothing was sent or charged, and works again once Redis is back."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from config import store
from tests.browser.axe import serious_violations
from tests.browser.test_playground_flow import sign_in
from tests.redis_server import caches_for, redis_server
from tests.servers import ThreadServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def own_redis_app(transactional_db):
    call_command("seed_catalog", verbosity=0)
    with (
        redis_server() as redis,
        override_settings(CACHES=caches_for(redis.url), ALLOWED_HOSTS=["127.0.0.1"], DEBUG=False),
    ):
        store.redis_client.cache_clear()
        store._scripts.clear()
        with ThreadServer() as server:
            yield redis, server
        store.redis_client.cache_clear()
        store._scripts.clear()


@pytest.mark.parametrize(
    ("scheme", "viewport"), [("light", {"width": 1280, "height": 860}), ("dark", {"width": 390, "height": 844})]
)
def test_send_while_redis_is_down_says_so_on_the_page_and_works_again_after(
    browser_instance, own_redis_app, alice, password, scheme, viewport
):
    redis, server = own_redis_app
    # Like the other browser tests, the policy is bypassed so that axe can be injected (test_csp.py runs
    # the pages with it enforced; the message is server-rendered HTML, no script of its own).
    context = browser_instance.new_context(base_url=server.url, color_scheme=scheme, viewport=viewport, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, alice, password)
    page.goto("/playground/")
    # demo/swift is the default model, already chosen in the picker
    assert page.locator('#model-picker input[name="models"][value="demo/swift"]').count() == 1

    redis.stop()
    page.get_by_label("Message").fill("Hello while the store is down")
    page.get_by_label("Message").press("Enter")
    alert = page.locator("#request-errors .message")
    alert.wait_for()
    assert "nothing was sent and nothing was charged" in alert.inner_text()
    assert "try again in 5 seconds" in alert.inner_text()
    assert page.url.endswith("/playground/")  # the page stayed
    assert serious_violations(page) == []

    redis.start()
    page.get_by_label("Message").fill("Hello again")
    page.get_by_label("Message").press("Enter")
    page.locator('.answer[data-model="demo/swift"] .md').wait_for()
    context.close()
