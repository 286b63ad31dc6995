"""JSON hygiene: bodies nested too deep, NUL bytes and lone surrogates are refused before any view runs."""

import json

import pytest

from config.api import hygiene
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

GOOD = {"url": "https://example.com/hook", "events": ["ai.task.completed"]}


def post_raw(client, path: str, raw: str | bytes):
    return client.generic("POST", path, raw, content_type="application/json")


def nested(lists: int, url: str = "https://example.com/hook") -> str:
    """A valid webhook body whose deepest value is `lists` + 1 levels down (the body object is level one)."""
    return f'{{"url": "{url}", "events": ["ai.task.completed"], "x": ' + "[" * lists + "]" * lists + "}"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (nested(10_000), "nested"),
        (nested(hygiene.MAX_DEPTH), "nested"),
        (json.dumps({**GOOD, "url": "https://example.com/a\u0000b"}), "NUL"),
        (json.dumps({**GOOD, "events": ["ai.task.completed\u0000"]}), "NUL"),
        (json.dumps({**GOOD, "k\u0000": 1}), "NUL"),
        ('{"url": "https://example.com/\\ud800", "events": ["ai.task.completed"]}', "surrogate"),
        ('{"url": "https://example.com/", "events": ["\\udfff"]}', "surrogate"),
        ('{"\\ud83d": 1}', "surrogate"),
        (b'{"url": "\xff\xfe"}', "UTF-8"),
    ],
)
def test_unsafe_bodies_are_a_validation_error_and_nothing_is_saved(alice_api, raw, words):
    response = post_raw(alice_api, "/api/v1/webhooks", raw)

    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert words in error["message"]
    assert not WebhookEndpoint.objects.exists()


def test_the_same_check_runs_before_authentication_matters(api):
    # The login door parses its body too: a deep body is a 400 there, not a 500.
    response = post_raw(api, "/api/auth/login", nested(10_000))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_a_body_at_the_depth_limit_and_a_surrogate_pair_are_fine(alice_api):
    at_limit = post_raw(alice_api, "/api/v1/webhooks", nested(hygiene.MAX_DEPTH - 1))
    # Parsed, and judged by the serializer, which refuses the unknown field by name.
    assert at_limit.json()["error"]["details"] == {"x": ["Unknown field."]}

    body = '{"url": "https://example.com/\\ud83d\\ude00", "events": ["ai.task.completed"]}'
    ok = post_raw(alice_api, "/api/v1/webhooks", body)
    assert ok.status_code == 201, ok.content[:300]
    assert WebhookEndpoint.objects.get().url == "https://example.com/\U0001f600"


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ({"a": [1, {"b": "x\x00"}]}, "a[1].b"),
        (["\ud800"], "[0]"),
        ({"\udc00": 1}, "a key"),
    ],
)
def test_the_check_names_where_the_problem_is(value, where):
    with pytest.raises(hygiene.UnsafeJSON) as caught:
        hygiene.check_json(value)
    assert where in str(caught.value)
    assert caught.value.path


def test_loads_refuses_what_json_cannot_even_parse():
    with pytest.raises(hygiene.UnsafeJSON, match="nested"):
        hygiene.loads("[" * 100_000 + "]" * 100_000)
    with pytest.raises(hygiene.UnsafeJSON, match="valid JSON"):
        hygiene.loads("{")
    with pytest.raises(hygiene.UnsafeJSON, match="NaN"):
        hygiene.loads('{"a": NaN}')
    assert hygiene.loads('{"a": ["b"]}') == {"a": ["b"]}
