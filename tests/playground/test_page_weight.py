"""The playground page ships at most 150 KB of JavaScript and CSS, compressed, all served by us."""

import gzip
import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

BUDGET_BYTES = 150 * 1024


def test_playground_assets_are_local_and_within_budget(client, alice):
    client.force_login(alice)
    html = client.get("/playground/").content.decode()
    urls = re.findall(r'<(?:script[^>]+src|link[^>]+href)="([^"]+\.(?:js|css))"', html)
    assert urls, "the page should load its scripts and styles"
    total = 0
    for url in urls:
        assert url.startswith("/"), f"{url} is not served by us"
        if url.startswith("/static/"):
            path = finders.find(url.removeprefix("/static/"))
            assert path, url
            body = open(path, "rb").read()  # noqa: SIM115
        else:
            body = client.get(url).content  # generated stylesheet (code highlighting)
        total += len(gzip.compress(body, compresslevel=9))
    assert total <= BUDGET_BYTES, f"{total} bytes compressed"
    assert "chart.umd" not in html  # the chart library is only on the dashboard
