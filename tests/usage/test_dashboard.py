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


def test_the_dashboard_reads_the_ledger_once_and_its_figures_agree_with_it(client, alice):
    """The chart, the spend by door and the quota bars are sums of one read (closed days from the
    rollups, today from the ledger); each agrees with the ledger."""
    from datetime import timedelta
    from decimal import Decimal

    from django.db import connection
    from django.db.models import Count, Sum
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tests.factories import AIModelFactory, GenerationFactory
    from usage.models import Generation
    from usage.rollups import day_start, rollup_days

    now, today = timezone.now(), timezone.localdate()
    first, second = AIModelFactory(), AIModelFactory()
    GenerationFactory(user=alice, model=first, door="openai", cost=Decimal("0.5"), created_at=now - timedelta(days=2))
    GenerationFactory(user=alice, model=second, door="anthropic", cost=Decimal("0.25"))
    GenerationFactory(user=alice, model=first, door="openai", cost=Decimal("0.125"), status="error")
    rollup_days(first=today - timedelta(days=5), last=today)
    GenerationFactory(user=alice, model=second, door="playground", cost=Decimal("1"))  # after the rollup
    client.force_login(alice)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("usage:dashboard"))
    ledger_reads = [q["sql"] for q in queries.captured_queries if 'FROM "playground_generation"' in q["sql"]]
    assert len(ledger_reads) == 2  # the figures, grouped; the ten most recent rows

    summary, bars = response.context["summary"], {b["label"]: b for b in response.context["bars"]}
    month = Generation.objects.filter(user=alice, created_at__gte=day_start(today.replace(day=1)))
    thirty = Generation.objects.filter(user=alice, created_at__gte=day_start(today - timedelta(days=29)))
    in_30 = thirty.aggregate(n=Count("id"), cost=Sum("cost"))
    assert (summary["total_requests"], summary["total_cost"]) == (in_30["n"], f"{in_30['cost']:.8f}")
    today_count = Generation.objects.filter(user=alice, created_at__gte=day_start(today)).count()
    assert bars["Daily requests"]["used"] == today_count == 3
    assert bars["Monthly budget (USD)"]["used"] == f"{month.aggregate(c=Sum('cost'))['c']:.8f}"
    doors = {row["door"]: row["requests"] for row in response.context["doors"]}
    assert doors == {"OpenAI-compatible API": 2, "Anthropic Messages API": 1, "Playground": 1}
