"""The analytics page: right totals for staff, refused to users; rollups and live figures agree."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import AIModelFactory, GenerationFactory, UserFactory
from usage.analytics import analytics_data
from usage.rollups import rollup_days

pytestmark = pytest.mark.django_db


def test_analytics_page_shows_the_right_totals_to_staff(client, moderator, alice, bob):
    model = AIModelFactory()
    now = timezone.now()
    GenerationFactory(user=alice, model=model, total_tokens=100, cost=Decimal("0.5"))
    GenerationFactory(user=alice, model=model, total_tokens=50, status="error", duration_ms=900)
    GenerationFactory(user=bob, model=model, total_tokens=10, created_at=now - timedelta(days=10))
    GenerationFactory(user=bob, model=model, total_tokens=10, created_at=now - timedelta(days=40))
    today = timezone.localdate()
    rollup_days(first=today - timedelta(days=60), last=today)
    client.force_login(moderator)
    response = client.get(reverse("admin-analytics"))
    assert response.status_code == 200
    data = response.context["data"]
    assert data["generations"]["today"] == 2
    assert data["generations"]["total"] == 4
    assert data["generations"]["tokens_total"] == 170
    assert data["users"]["total"] == 3
    assert (data["users"]["active_7d"], data["users"]["active_30d"]) == (1, 2)
    assert data["top_models"][0] == {"model": model.slug, "requests": 3, "cost": "0.50002200"}
    provider = data["providers"][0]
    assert provider["requests"] == 2 and provider["error_rate"] == 50.0
    assert provider["p95_ms"] >= provider["p50_ms"] > 0
    assert b"chart-cost" in response.content and b"chart.umd.min.js" in response.content


def test_analytics_page_is_refused_to_users_and_anonymous(client, alice):
    assert client.get(reverse("admin-analytics")).status_code == 302
    client.force_login(alice)
    response = client.get(reverse("admin-analytics"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_analytics_is_cached_for_a_minute(db):
    first = analytics_data()
    UserFactory()
    assert analytics_data()["users"]["total"] == first["users"]["total"]
    assert analytics_data(fresh=True)["users"]["total"] == first["users"]["total"] + 1


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_the_admin_home_page_links_the_analytics_page_for_every_staff_role(client, alice, role):
    from accounts.roles import user_set_role

    client.force_login(user_set_role(user=alice, role=role))
    home = client.get(reverse("admin:index"))

    assert home.status_code == 200
    assert f'href="{reverse("admin-analytics")}"'.encode() in home.content
    assert client.get(reverse("admin-analytics")).status_code == 200
