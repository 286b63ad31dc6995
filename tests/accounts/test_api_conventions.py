"""Every client mistake ends in the documented envelope: never HTML, never a 500."""

import pytest

pytestmark = pytest.mark.django_db


def assert_envelope_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == code
    assert body["timestamp"].endswith("Z")
    return body["error"]


def test_malformed_json_is_a_validation_error(client):
    response = client.post("/api/auth/login", "{not json", content_type="application/json")
    error = assert_envelope_error(response, 400, "VALIDATION_ERROR")
    assert "JSON" in error["message"]


def test_wrong_content_type_is_a_validation_error(client):
    response = client.post(
        "/api/auth/login", "email=a@b.c&password=x", content_type="application/x-www-form-urlencoded"
    )
    assert_envelope_error(response, 400, "VALIDATION_ERROR")


def test_oversized_body_is_refused(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"email": "a@b.co", "password": "' + "x" * 5000 + '"}'
    response = client.post("/api/auth/login", body, content_type="application/json")
    error = assert_envelope_error(response, 400, "VALIDATION_ERROR")
    assert "large" in error["message"]


def test_wrong_types_name_the_field(client):
    response = client.post("/api/auth/login", {"email": ["x"], "password": {"a": 1}}, content_type="application/json")
    error = assert_envelope_error(response, 400, "VALIDATION_ERROR")
    assert set(error["details"]) == {"email", "password"}


def test_unknown_api_url_is_a_not_found_envelope(client):
    assert_envelope_error(client.get("/api/does-not-exist"), 404, "NOT_FOUND")
    assert_envelope_error(client.get("/api/v1/nothing/here"), 404, "NOT_FOUND")


def test_wrong_method_is_an_envelope_too(client):
    response = client.get("/api/auth/login")
    assert response.status_code == 405
    assert response.json()["success"] is False


def test_successful_responses_are_wrapped(alice_api):
    body = alice_api.get("/api/auth/me").json()
    assert body["success"] is True and "data" in body and body["timestamp"]


def test_every_response_carries_a_request_id(client):
    response = client.get("/api/auth/me")
    assert len(response["X-Request-Id"]) >= 16
    echoed = client.get("/api/auth/me", HTTP_X_REQUEST_ID="trace-12345678")
    assert echoed["X-Request-Id"] == "trace-12345678"


def test_openapi_schema_and_docs_are_served_locally(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/auth/register" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"drf_spectacular_sidecar" in docs.content or b"/static/" in docs.content
    assert b"cdn" not in docs.content.lower()
    assert client.get("/api/redoc/").status_code == 200
