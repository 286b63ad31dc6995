from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.roles import user_set_role
from usage.models import SystemSetting
from usage.settings_store import get_setting, tier_limits

pytestmark = pytest.mark.django_db


def test_tier_limits_default_to_the_published_table():
    assert tier_limits("free") == {
        "per_minute": 10,
        "daily": 50,
        "weekly": 350,
        "monthly": 1500,
        "monthly_budget_usd": Decimal("5"),
    }
    assert tier_limits("enterprise")["daily"] is None


def test_admin_change_to_tier_limits_is_seen_at_once(client, alice):
    assert tier_limits("free")["per_minute"] == 10
    limits = get_setting("tier_limits")
    limits["free"]["per_minute"] = 3
    SystemSetting.objects.create(key="tier_limits", value=limits, type="object", category="ai", is_public=True)
    assert tier_limits("free")["per_minute"] == 3


def test_public_settings_endpoint_lists_only_public_ones(client):
    SystemSetting.objects.create(key="internal_note", value="secret", type="string", is_public=False)
    SystemSetting.objects.create(key="support_email", value="help@example.com", type="string", is_public=True)
    response = client.get("/api/v1/settings/public")
    assert response.status_code == 200
    data = response.json()["data"]["settings"]
    assert data["support_email"] == "help@example.com"
    assert "internal_note" not in data
    assert data["tier_limits"]["free"]["daily"] == 50


def test_admin_refuses_a_value_of_the_wrong_type(client, alice):
    client.force_login(user_set_role(user=alice, role="admin"))
    response = client.post(
        reverse("admin:usage_systemsetting_add"),
        {"key": "signup_enabled", "value": '"yes"', "type": "boolean", "category": "security"},
    )
    assert response.status_code == 200
    assert b"must be JSON of type boolean" in response.content
    assert not SystemSetting.objects.filter(key="signup_enabled").exists()


def test_admin_saves_a_setting_and_records_who(client, alice):
    admin_user = user_set_role(user=alice, role="admin")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:usage_systemsetting_add"),
        {
            "key": "maintenance_banner",
            "value": '"Back soon"',
            "type": "string",
            "category": "general",
            "is_public": "on",
        },
    )
    assert response.status_code == 302
    setting = SystemSetting.objects.get(key="maintenance_banner")
    assert setting.updated_by == admin_user
    assert get_setting("maintenance_banner") == "Back soon"


def test_changing_what_get_setting_returns_does_not_change_the_limits():
    limits = get_setting("tier_limits")
    limits["free"]["per_minute"] = 99999
    assert tier_limits("free")["per_minute"] == 10
    cache.clear()  # the next read rebuilds from the defaults, which must still be intact
    assert get_setting("tier_limits")["free"]["per_minute"] == 10


def test_an_empty_value_clears_the_maintenance_banner(client, alice):
    client.force_login(user_set_role(user=alice, role="admin"))
    banner = SystemSetting.objects.create(
        key="maintenance_banner", value="Upgrading at 22:00 UTC", type="string", category="general", is_public=True
    )
    assert b"Upgrading at 22:00 UTC" in client.get("/").content

    response = client.post(
        reverse("admin:usage_systemsetting_change", args=[banner.pk]),
        {"key": "maintenance_banner", "value": "", "type": "string", "category": "general", "is_public": "on"},
    )

    assert response.status_code == 302
    assert SystemSetting.objects.get(pk=banner.pk).value == ""
    assert b"Upgrading at 22:00 UTC" not in client.get("/").content
    assert b'class="banner"' not in client.get("/").content


def test_an_empty_value_is_refused_for_a_setting_that_is_not_text(client, alice):
    client.force_login(user_set_role(user=alice, role="admin"))
    response = client.post(
        reverse("admin:usage_systemsetting_add"),
        {"key": "signup_enabled", "value": "", "type": "boolean", "category": "security"},
    )
    assert response.status_code == 200
    assert b"A boolean setting needs a value" in response.content
    assert not SystemSetting.objects.filter(key="signup_enabled").exists()
