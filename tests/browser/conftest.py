"""Real-browser tests: Debian's Chromium driven by Playwright against the app served by uvicorn.

The app runs under uvicorn in a thread of the test process (tests.servers.ThreadServer).
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import ThreadServer

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI needs Chromium at {CHROMIUM} for the browser tests.")
    skip = pytest.mark.skip(reason=f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def app_server(transactional_db, settings) -> Iterator[ThreadServer]:
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.DEBUG = False
    with ThreadServer() as server:
        yield server


@pytest.fixture(scope="module")
def browser_instance():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread while it runs; Django's database
    # teardown then believes it is in async code. Allowed only while this module's browser lives.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


# Playwright evaluates string predicates (wait_for_function) with eval, which the Content-Security-Policy
# forbids; these fixtures bypass the policy, and tests/browser/test_csp.py runs the pages with it enforced.
@pytest.fixture
def page(browser_instance, app_server):
    context = browser_instance.new_context(
        base_url=app_server.url, viewport={"width": 1280, "height": 860}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def new_context(browser_instance, app_server):
    contexts = []

    def make(**kwargs):
        ctx = browser_instance.new_context(base_url=app_server.url, bypass_csp=True, **kwargs)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def screenshot(request, page):
    enabled = request.config.getoption("--screenshots", default=False)

    def take(name: str, target=None) -> None:
        if enabled:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            (target or page).screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
