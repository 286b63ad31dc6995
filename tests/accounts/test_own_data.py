"""People can take their data with them, and delete their account for good."""

import json

import pytest
from rest_framework.test import APIClient

from accounts import hooks
from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_export_contains_my_profile_and_no_one_elses(alice_api, alice, bob, export_of):
    data = export_of(alice_api)
    assert data["profile"][0]["email"] == "alice@example.com"
    assert "bob@example.com" not in json.dumps(data)


def test_export_includes_sections_other_apps_register(alice_api, monkeypatch, export_of):
    monkeypatch.setattr(hooks, "_exporters", [lambda user: {"conversations": [{"owner": user.username}]}])
    assert export_of(alice_api)["conversations"] == [{"owner": "alice"}]


def test_export_requires_sign_in(api):
    assert api.get("/api/auth/export").status_code == 401
    assert api.post("/api/auth/export").status_code == 401


def test_only_the_owner_downloads_an_export(alice_api, bob, jwt_for, export_of):
    export_of(alice_api)
    url = alice_api.get("/api/auth/export").json()["data"]["download_url"]
    bob_api = APIClient()
    bob_api.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(bob)['token']}")
    refused = bob_api.get(url)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "NOT_FOUND"
    assert APIClient().get(url).status_code == 401


def test_account_deletion_needs_confirmation_and_password(alice_api, alice):
    assert alice_api.delete("/api/auth/account", {"confirm": "yes"}, format="json").status_code == 400
    wrong = alice_api.delete("/api/auth/account", {"confirm": "DELETE", "password": "nope"}, format="json")
    assert wrong.status_code == 400
    alice.refresh_from_db()
    assert alice.status == "active"


def test_deleting_my_account_removes_personal_data_and_ends_access(api, alice, jwt_for, password, monkeypatch):
    erased = []
    monkeypatch.setattr(hooks, "_erasers", [erased.append])
    tokens = jwt_for(alice)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['token']}")
    response = client.delete("/api/auth/account", {"confirm": "DELETE", "password": password}, format="json")
    assert response.status_code == 200

    tombstone = User.objects.get(pk=alice.pk)
    assert tombstone.status == "deleted"
    assert "alice" not in tombstone.email and "alice" not in tombstone.username
    assert not tombstone.has_usable_password()
    assert erased == [tombstone]  # other apps were asked to erase their part
    assert client.get("/api/auth/me").status_code == 401
    assert api.post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json").status_code == 401
    login = api.post("/api/auth/login", {"email": "alice@example.com", "password": password}, format="json")
    assert login.status_code == 401
    # The address is free again for a new account.
    again = api.post(
        "/api/auth/register", {"username": "alice", "email": "alice@example.com", "password": password}, format="json"
    )
    assert again.status_code == 201


def _seed_everything(user, other):
    from decimal import Decimal

    from accounts.api_keys import api_key_create
    from catalog.models import Favorite
    from playground.models import Conversation
    from tests.factories import AIModelFactory
    from usage.models import Generation

    model = AIModelFactory()
    Favorite.objects.create(user=user, model=model)
    key, _ = api_key_create(user=user, name="laptop", scopes=["ai:read"], expires_in_days=30)
    for owner, text in ((user, "my secret plan"), (other, "bob's private note")):
        c = Conversation.objects.create(owner=owner, title=text)
        Generation.objects.create(
            conversation=c, user=owner, requested_model=model.slug, model_slug=model.slug, ip="10.0.0.9",
            input_messages=[{"role": "user", "content": text}], content=f"answer to {text}",
            total_tokens=42, cost=Decimal("0.5"), status="success",
        )  # fmt: skip
    return key


def test_export_has_conversations_generations_keys_and_favorites_of_mine_only(alice_api, alice, bob, export_of):
    key = _seed_everything(alice, bob)
    data = export_of(alice_api)
    assert [c["title"] for c in data["conversations"]] == ["my secret plan"]
    assert data["generations"][0]["content"] == "answer to my secret plan"
    assert data["api_keys"][0]["prefix"] == key.prefix and "hash" not in data["api_keys"][0]
    assert len(data["favorites"]) == 1
    assert "bob's private note" not in json.dumps(data)


def test_deletion_revokes_keys_removes_content_and_keeps_totals(alice_api, alice, bob, password):
    from django.db.models import Sum

    from accounts.models import ApiKey
    from playground.models import Conversation
    from usage.models import Generation

    key = _seed_everything(alice, bob)
    before = Generation.objects.aggregate(tokens=Sum("total_tokens"), cost=Sum("cost"))
    response = alice_api.delete("/api/auth/account", {"confirm": "DELETE", "password": password}, format="json")
    assert response.status_code == 200
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert not ApiKey.objects.filter(user=alice, revoked_at__isnull=True).exists()
    assert not Conversation.objects.filter(owner=alice).exists()
    mine = Generation.objects.get(user=alice)
    assert (mine.content, mine.input_messages, mine.ip) == ("", [], None)
    assert Generation.objects.aggregate(tokens=Sum("total_tokens"), cost=Sum("cost")) == before
    assert Conversation.objects.filter(owner=bob).exists()  # nobody else's data is touched
