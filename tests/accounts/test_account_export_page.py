"""The account page's export: a background job with progress, then a download for the owner alone."""

import gzip
import json
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.models import AccountExport, ExportStatus
from accounts.services import user_delete_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _start(client, django_capture_on_commit_callbacks) -> AccountExport:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:export"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return AccountExport.objects.get()


def test_the_owner_prepares_an_export_and_downloads_it(client, alice, django_capture_on_commit_callbacks):
    client.force_login(alice)
    export = _start(client, django_capture_on_commit_callbacks)
    page = client.get(reverse("accounts:settings")).content.decode()
    download = reverse("accounts:export-download", args=[export.pk])
    assert "Download your export" in page and download in page
    response = client.get(download)
    assert response["Content-Type"] == "application/gzip" and "attachment" in response["Content-Disposition"]
    lines = gzip.decompress(b"".join(response.streaming_content)).decode().splitlines()
    profile = json.loads(lines[1])
    assert profile["section"] == "profile" and profile["data"]["email"] == "alice@example.com"


def test_progress_polls_while_the_job_runs_and_stops_when_it_is_ready(client, alice):
    export = AccountExport.objects.create(user=alice, status=ExportStatus.RUNNING, rows_total=1000, rows_done=250)
    client.force_login(alice)
    status_url = reverse("accounts:export-status", args=[export.pk])
    running = client.get(status_url).content.decode()
    assert 'value="25"' in running and "25%" in running and 'hx-trigger="every 2s"' in running
    export.status = ExportStatus.FAILED
    export.save()
    failed = client.get(status_url).content.decode()
    assert "hx-trigger" not in failed and "failed" in failed


def test_another_user_and_anonymous_cannot_reach_an_export(client, alice, bob, django_capture_on_commit_callbacks):
    client.force_login(alice)
    export = _start(client, django_capture_on_commit_callbacks)
    urls = [reverse("accounts:export-status", args=[export.pk]), reverse("accounts:export-download", args=[export.pk])]
    client.force_login(bob)
    assert [client.get(url).status_code for url in urls] == [404, 404]
    client.logout()
    assert all(client.get(url).status_code == 302 for url in urls)  # to sign in


def test_one_export_at_a_time_and_deletion_removes_the_file(client, alice, django_capture_on_commit_callbacks):
    client.force_login(alice)
    queued = AccountExport.objects.create(user=alice)
    client.post(reverse("accounts:export"))
    assert AccountExport.objects.get() == queued  # the one under way, not a second
    queued.delete()
    export = _start(client, django_capture_on_commit_callbacks)
    path = Path(export.file.path)
    assert path.exists()
    user_delete_account(user=alice)
    assert not path.exists() and not AccountExport.objects.exists()
