"""`?page=&limit=&sort=` on every paginated DRF view: absurd values are a 400 in the envelope, never a 500."""

import pytest

from tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db

PAGINATED = ["/api/v1/webhooks", "/api/v1/usage", "/api/v1/sessions", "/api/v1/ai/tasks"]

ABSURD = [
    "page=2305843009213693953",  # past a bigint once multiplied by the limit
    "page=99999999999999999999999999",
    "page=-1",
    "page=0",
    "page=abc",
    "page=1.5",
    "page=%201",
    "page=1_000",
    "page=%D9%A1",  # an Arabic-Indic digit one, which int() accepts
    "limit=101",
    "limit=100000000000000000000",
    "limit=0",
    "limit=-5",
    "sort=sideways",
]


@pytest.mark.parametrize("path", PAGINATED)
@pytest.mark.parametrize("query", ABSURD)
def test_absurd_paging_is_a_validation_error(alice_api, path, query):
    response = alice_api.get(f"{path}?{query}")

    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == "VALIDATION_ERROR"
    assert set(body["error"]["details"]) & {"page", "limit", "sort"}


@pytest.mark.parametrize("path", PAGINATED)
def test_a_page_past_the_end_is_an_empty_page(alice_api, path):
    response = alice_api.get(f"{path}?page=1000000&limit=100")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["pagination"]["page"] == 1000000
    assert data["pagination"]["has_next"] is False


def test_webhooks_are_listed_under_the_spec_key_with_pagination(alice_api, alice, bob):
    WebhookEndpointFactory(user=alice)
    WebhookEndpointFactory(user=alice)
    WebhookEndpointFactory(user=bob)

    data = alice_api.get("/api/v1/webhooks?limit=1").json()["data"]

    assert set(data) == {"webhooks", "pagination"}
    assert len(data["webhooks"]) == 1
    assert data["pagination"] == {"page": 1, "limit": 1, "total": 2, "pages": 2, "has_next": True, "has_prev": False}


def test_lists_without_a_spec_key_keep_items(alice_api):
    assert set(alice_api.get("/api/v1/usage").json()["data"]) == {"items", "pagination"}


def test_the_schema_documents_the_named_list_key(alice_api):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    ok = schema["paths"]["/api/v1/webhooks"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    ref = ok["properties"]["data"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"webhooks", "pagination"}


@pytest.mark.parametrize("page", ["2305843009213693953", "0", "-1", "x"])
def test_the_public_model_list_refuses_absurd_pages(api, db, page):
    response = api.get(f"/api/models?page={page}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
