"""The playground's Video tab: submit, watch progress (htmx polling that stops), play the clip."""

import re

import pytest
from django.urls import reverse

from playground.models import JobStatus, VideoJob

pytestmark = pytest.mark.django_db

POLLING = 'hx-trigger="every 2s"'


def test_the_page_lists_video_models_and_links_from_the_playground(client, alice, reel):
    client.force_login(alice)

    page = client.get(reverse("playground:video")).content.decode()

    assert '<option value="demo/reel">' in page
    assert reverse("playground:video-submit") in page
    assert reverse("playground:video") in client.get(reverse("playground:index")).content.decode()


def test_progress_polls_until_the_job_is_final_then_stops_and_plays_the_clip(client, alice, reel, committing):
    client.force_login(alice)
    # Submitted without running it yet: the job is open, so its partial polls itself.
    response = client.post(
        reverse("playground:video-submit"), {"model": "demo/reel", "prompt": "Waves"}, HTTP_HX_REQUEST="true"
    )
    job = VideoJob.objects.get(user=alice)
    assert POLLING in response.content.decode()
    progress_url = reverse("playground:video-progress", args=[job.pk])
    assert f'hx-get="{progress_url}"' in response.content.decode()

    from playground.jobs import video as jobs

    while jobs.video_job_step(job_id=job.pk) is not None:
        pass
    final = client.get(progress_url, HTTP_HX_REQUEST="true").content.decode()

    assert VideoJob.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED
    assert "hx-trigger" not in final
    [src] = re.findall(r'<video[^>]*src="([^"]+)"', final)
    assert src == reverse("playground:video-file", args=[job.pk])
    clip = client.get(src)
    assert clip.status_code == 200 and clip["Content-Type"] == "video/mp4"


def test_a_failed_job_shows_its_reason_and_stops_polling(client, alice, reel, committing):
    client.force_login(alice)
    with committing(execute=True):
        client.post(reverse("playground:video-submit"), {"model": "demo/reel", "prompt": "[[fail]]"})
    job = VideoJob.objects.get(user=alice)

    final = client.get(reverse("playground:video-progress", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()

    assert "hx-trigger" not in final
    assert "[[fail]]" in final


def test_a_refused_submit_shows_the_reason(client, alice, reel):
    client.force_login(alice)

    response = client.post(
        reverse("playground:video-submit"), {"model": "demo/reel", "prompt": ""}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 400
    assert "A video needs a prompt." in response.content.decode()


@pytest.mark.parametrize(
    ("name", "method"), [("video-progress", "get"), ("video-file", "get"), ("video-cancel", "post")]
)
def test_other_users_get_404_and_anonymous_are_sent_to_sign_in(client, alice, bob, reel, name, method):
    client.force_login(alice)
    client.post(reverse("playground:video-submit"), {"model": "demo/reel", "prompt": "mine"})
    job = VideoJob.objects.get(user=alice)
    url = reverse(f"playground:{name}", args=[job.pk])
    client.logout()

    anonymous = getattr(client, method)(url)
    client.force_login(bob)
    other = getattr(client, method)(url)

    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert other.status_code == 404
    assert VideoJob.objects.get(pk=job.pk).status == JobStatus.QUEUED


def test_the_owner_can_cancel_a_running_job_from_the_page(client, alice, reel):
    client.force_login(alice)
    client.post(reverse("playground:video-submit"), {"model": "demo/reel", "prompt": "stop me"})
    job = VideoJob.objects.get(user=alice)

    response = client.post(reverse("playground:video-cancel", args=[job.pk]), HTTP_HX_REQUEST="true")

    assert "hx-trigger" not in response.content.decode()
    assert VideoJob.objects.get(pk=job.pk).status == JobStatus.CANCELLED
