"""A suspended user is cut off by every route at once: session, JWT, refresh, sign-in."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import user_reactivate, user_suspend

pytestmark = pytest.mark.django_db


def test_suspension_ends_browser_session(client, alice):
    client.force_login(alice)
    assert client.get("/api/auth/me").status_code == 200
    user_suspend(user=alice)
    assert client.get("/api/auth/me").status_code == 401


def test_suspension_ends_jwt_and_refresh(api, alice, jwt_for):
    tokens = jwt_for(alice)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['token']}")
    user_suspend(user=alice)
    assert client.get("/api/auth/me").status_code == 401
    assert api.post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json").status_code == 401


def test_suspended_user_cannot_sign_in_by_api_or_page(api, client, alice, password):
    user_suspend(user=alice)
    response = api.post("/api/auth/login", {"email": alice.email, "password": password}, format="json")
    assert response.status_code == 401
    page = client.post(reverse("account_login"), {"login": alice.email, "password": password})
    assert "_auth_user_id" not in client.session
    assert page.status_code in (200, 302)


def test_suspension_that_is_lifted_lets_the_user_sign_in_again(api, alice, password):
    user_suspend(user=alice)
    user_reactivate(user=alice)
    response = api.post("/api/auth/login", {"email": alice.email, "password": password}, format="json")
    assert response.status_code == 200


def test_deleted_user_is_refused_like_a_suspended_one(api, alice, jwt_for, password):
    tokens = jwt_for(alice)
    alice.status = "deleted"
    alice.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['token']}")
    assert client.get("/api/auth/me").status_code == 401
    assert api.post("/api/auth/login", {"email": alice.email, "password": password}, format="json").status_code == 401
