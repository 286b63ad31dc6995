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


def _ledger_says(today) -> dict:
    """The page's figures counted straight from the ledger."""
    from django.db.models import Count, Q, Sum

    from usage.models import Generation
    from usage.rollups import day_start

    def active(days: int) -> int:
        since = day_start(today - timedelta(days=days - 1))
        return Generation.objects.filter(created_at__gte=since).values("user_id").distinct().count()

    everything = Generation.objects.aggregate(n=Count("id"), tokens=Sum("total_tokens"), cost=Sum("cost"))
    day = Generation.objects.filter(created_at__gte=day_start(today))
    today_figures = day.aggregate(n=Count("id"), tokens=Sum("total_tokens"), cost=Sum("cost"))
    week = Generation.objects.filter(created_at__gte=day_start(today - timedelta(days=6)))
    errors = Count("id", filter=~Q(status="success"))
    per_provider = week.values("provider__name").annotate(n=Count("id"), errors=errors)
    return {
        "today": today_figures["n"],
        "tokens_today": today_figures["tokens"] or 0,
        "cost_today": f"{today_figures['cost'] or 0:.8f}",
        "total": everything["n"],
        "tokens_total": everything["tokens"],
        "cost_total": f"{everything['cost']:.8f}",
        "active_7d": active(7),
        "active_30d": active(30),
        "providers": {r["provider__name"]: (r["n"], round(r["errors"] * 100 / r["n"], 2)) for r in per_provider},
    }


def _page_says(client) -> dict:
    from django.core.cache import cache

    from usage.analytics import CACHE_KEY

    cache.delete(CACHE_KEY)
    data = client.get(reverse("admin-analytics")).context["data"]
    chart_today = data["cost_by_day"][-1]
    return {
        "today": data["generations"]["today"],
        "tokens_today": data["generations"]["tokens_today"],
        "cost_today": chart_today["cost"],
        "total": data["generations"]["total"],
        "tokens_total": data["generations"]["tokens_total"],
        "cost_total": data["generations"]["cost_total"],
        "active_7d": data["users"]["active_7d"],
        "active_30d": data["users"]["active_30d"],
        "providers": {p["provider"]: (p["requests"], p["error_rate"]) for p in data["providers"]},
    }


def test_the_page_agrees_with_the_ledger_before_between_and_after_rollups(client, moderator):
    """Today is its rollup up to the mark plus the ledger after it: every call counted once, whether the
    beat task has rolled today up or not, and calls after its run counted too."""
    from usage.models import LastActiveDay, RollupMark
    from usage.rollups import day_start

    now, today = timezone.now(), timezone.localdate()
    early_today = day_start(today) + (now - day_start(today)) / 4  # before the rollup's cut
    users = [UserFactory() for _ in range(6)]
    first, second = AIModelFactory(), AIModelFactory()
    GenerationFactory(user=users[0], model=first, created_at=early_today, total_tokens=7, cost=Decimal("0.3"))
    GenerationFactory(user=users[1], model=second, created_at=early_today, status="error", duration_ms=4000)
    GenerationFactory(user=users[2], model=first, created_at=now - timedelta(days=3), total_tokens=11)
    GenerationFactory(user=users[3], model=second, created_at=now - timedelta(days=20), cost=Decimal("1.25"))
    GenerationFactory(user=users[4], model=first, created_at=now - timedelta(days=45), total_tokens=13)
    client.force_login(moderator)

    # The past rolled up, today not yet: today is read from the ledger whole.
    rollup_days(first=today - timedelta(days=60), last=today - timedelta(days=1))
    assert not RollupMark.objects.filter(day=today).exists()
    assert _page_says(client) == _ledger_says(today)

    # Today rolled up (the beat task): the rows before the mark come from the rollups.
    rollup_days(first=today - timedelta(days=1), last=today)
    mark = RollupMark.objects.get(day=today).through
    assert early_today < mark < now
    assert LastActiveDay.objects.get(user=users[0]).day == today
    assert _page_says(client) == _ledger_says(today)

    # Calls after the run, one of them by a user last seen 45 days ago: read from the ledger after the mark.
    GenerationFactory(user=users[4], model=second, total_tokens=17, cost=Decimal("0.5"))
    GenerationFactory(user=users[5], model=first, status="timeout", duration_ms=90)
    GenerationFactory(user=users[0], model=first, total_tokens=19)
    says = _page_says(client)
    assert says == _ledger_says(today)
    assert (says["today"], says["active_7d"], says["active_30d"]) == (5, 5, 6)

    # The next run takes them into the rollups; still every call once.
    rollup_days(first=today - timedelta(days=1), last=today)
    assert _page_says(client) == _ledger_says(today)


def test_a_rollup_never_moves_a_last_active_day_back(db):
    from usage.models import LastActiveDay
    from usage.rollups import _last_active

    user = UserFactory()
    today = timezone.localdate()
    _last_active([(today, user.pk)])
    _last_active([(today - timedelta(days=9), user.pk), (today - timedelta(days=8), user.pk)])
    assert LastActiveDay.objects.get(user=user).day == today
