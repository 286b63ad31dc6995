"""The usage dashboard."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_dashboard_needs_sign_in(client):
    response = client.get(reverse("usage:dashboard"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_dashboard_shows_quota_bars_and_chart_data(client, alice):
    client.force_login(alice)
    page = client.get(reverse("usage:dashboard")).content.decode()
    assert "Daily requests" in page and "0 / 50" in page  # free tier
    assert 'id="chart-data"' in page and "chart.umd.min.js" in page
