"""Content-Security-Policy on every HTML page, no inline script in our templates, and the security
headers on the `/v1` door (which runs on its own handler and middleware list)."""

import re
from pathlib import Path

import httpx
import pytest
from django.test import Client

from tests.factories import UserFactory, WebhookEndpointFactory
from tests.servers import ThreadServer

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {d[0]: d[1:] for d in directives}


def assert_strict(response) -> None:
    csp = policy(response)
    assert csp, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    assert csp["script-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/models/", "/api/docs/"])
def test_public_pages_carry_the_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert_strict(response)


@pytest.mark.django_db
def test_signed_in_pages_and_the_admin_carry_the_policy(alice):
    endpoint = WebhookEndpointFactory(user=alice)
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(alice)
    for path in ["/playground/", "/playground/history/", "/dashboard/", "/settings/", "/settings/keys/",
                 "/settings/webhooks/", f"/settings/webhooks/{endpoint.pk}/"]:  # fmt: skip
        response = browser.get(path)
        assert response.status_code == 200, path
        assert_strict(response)
    browser.force_login(admin)
    for path in ["/admin/", "/admin/webhooks/webhookendpoint/", "/admin/analytics/"]:
        response = browser.get(path)
        assert response.status_code == 200, path
        assert_strict(response)


@pytest.mark.django_db
def test_redoc_keeps_scripts_strict(client):
    # Redoc's styling library writes <style> elements, so only its page allows inline styles.
    response = client.get("/api/redoc/")
    csp = policy(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert "fonts.googleapis.com" not in response.content.decode()


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.I)
STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_templates_have_no_inline_script_handlers_or_styles(template):
    text = template.read_text()
    assert not INLINE_SCRIPT.findall(text), "inline <script>: move it to static/js"
    assert not HANDLER.findall(text), "inline event handler: use a listener in static/js"
    assert not STYLE.findall(text), "inline style: use a class, or a data attribute read by static/js"


@pytest.mark.django_db(transaction=True)
def test_the_v1_door_sends_the_security_headers():
    with ThreadServer() as server:
        response = httpx.get(f"{server.url}/v1/models", headers={"Authorization": "Bearer sk_live_nope"})

    assert response.status_code == 401
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_v1_door_sends_hsts_over_https_only(settings):
    """The gateway's security middleware works its headers out once: HSTS must still go on secure
    responses alone, and a header the view set must be left as it is."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from config.middleware import SecurityMiddleware

    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_SSL_REDIRECT = False

    def view(request):
        response = HttpResponse("{}")
        response["Referrer-Policy"] = "no-referrer"
        return response

    middleware = SecurityMiddleware(view)
    secure = middleware.process_response(RequestFactory().get("/v1/models", secure=True), view(None))
    plain = middleware.process_response(RequestFactory().get("/v1/models"), view(None))

    assert secure.headers["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"
    assert "Strict-Transport-Security" not in plain.headers
    assert secure.headers["X-Content-Type-Options"] == "nosniff" and plain.headers["X-Frame-Options"] == "DENY"
    assert secure.headers["Referrer-Policy"] == "no-referrer"
