"""The export card of the settings page in a real browser: the job's progress, then the download;
axe in light and dark, desktop and phone, in both states."""

import gzip
import json
from pathlib import Path

import pytest

from accounts.models import AccountExport, ExportStatus
from tests.browser.axe import serious_violations
from tests.browser.test_profile_pages import VIEWPORTS, signed_in  # noqa: F401  (shared fixture)

pytestmark = pytest.mark.browser


def test_an_export_is_prepared_then_downloaded_from_the_settings_page(signed_in, alice):  # noqa: F811
    page = signed_in(viewport=VIEWPORTS["desktop"])
    page.goto("/settings/")
    page.get_by_role("button", name="Export everything (JSON lines)").click()
    link = page.get_by_role("link", name="Download your export")
    link.wait_for()  # the job ran (eagerly here) and the card swapped in place
    with page.expect_download() as download:
        link.click()
    lines = gzip.decompress(Path(download.value.path()).read_bytes()).decode().splitlines()
    assert json.loads(lines[1])["data"]["email"] == alice.email


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_export_card_passes_axe_while_running_and_when_ready(signed_in, alice, scheme, viewport):  # noqa: F811
    page = signed_in(viewport=VIEWPORTS[viewport], color_scheme=scheme)
    export = AccountExport.objects.create(user=alice, status=ExportStatus.RUNNING, rows_total=10, rows_done=4)
    page.goto("/settings/")
    assert page.locator("#export-progress").get_attribute("value") == "40"
    assert serious_violations(page) == [], f"running ({scheme}, {viewport})"
    AccountExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED)
    page.get_by_text("The last export failed").wait_for()  # the poll picked up the final state
    assert serious_violations(page) == [], f"final ({scheme}, {viewport})"
