"""Batches of texts to embed and of image prompts: each item through the one path, charged on its own,
its vector or its pictures in the results."""

from decimal import Decimal

import pytest
from django.test import Client

from playground.models import GeneratedImage
from tests.factories import AIModelFactory, ProviderFactory
from usage.models import Generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    return ProviderFactory(slug="demo", name="Demo", adapter_kind="demo")


@pytest.fixture
def atlas(demo):
    return AIModelFactory(provider=demo, upstream_id="atlas", slug="demo/atlas", kind="embedding",
                          input_price_per_1m=Decimal("0.10"), output_price_per_1m=None, supports_dimensions=True,
                          embedding_dimensions=1024)  # fmt: skip


@pytest.fixture
def sketch(demo):
    prices = {"image_prices": {"*": {"*": "0.01"}}, "input_price_per_1m": None, "output_price_per_1m": None}
    return AIModelFactory(provider=demo, upstream_id="sketch", slug="demo/sketch", kind="image", **prices)


def _submit(client, committing, **body):
    with committing(execute=True):
        return client.post("/api/v1/ai/batch", body, format="json")


def test_an_embeddings_batch_keeps_each_vector_in_its_results(alice_api, atlas, committing):
    prompts = ["a red fox runs", "a blue whale swims", "a red fox runs"]
    response = _submit(alice_api, committing, model="demo/atlas", prompts=prompts, parameters={"dimensions": 512})
    assert response.status_code == 202, response.content
    data = response.json()["data"]
    assert data["kind"] == "embedding"
    results = alice_api.get(f"/api/v1/ai/batch/{data['id']}/results.json").json()["results"]
    vectors = [r["embedding"] for r in results]
    assert [r["status"] for r in results] == ["succeeded"] * 3
    assert len(vectors[0]) == 512 and vectors[0] == vectors[2] != vectors[1]
    rows = Generation.objects.filter(door="batch")
    assert rows.count() == 3 and all(r.input_messages == [] for r in rows)


def test_an_image_batch_lists_each_items_pictures_with_signed_links(alice_api, alice, sketch, committing):
    response = _submit(alice_api, committing, model="demo/sketch", prompts=["a kite", "a bell"],
                       parameters={"size": "24x24", "n": 2})  # fmt: skip
    batch = alice_api.get(f"/api/v1/ai/batch/{response.json()['data']['id']}").json()["data"]
    assert batch["progress"]["succeeded"] == 2 and batch["cost"] == "0.04000000"  # 4 pictures at $0.01
    results = alice_api.get(f"/api/v1/ai/batch/{batch['id']}/results.json").json()["results"]
    assert [len(r["images"]) for r in results] == [2, 2] and results[0]["images"][0]["width"] == 24
    picture = Client().get(results[0]["images"][0]["url"])  # a signed link needs no session
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert GeneratedImage.objects.filter(user=alice).count() == 4


def test_media_batch_parameters_are_checked_at_submission(alice_api, atlas, sketch, committing):
    cases = [
        ({"model": "demo/atlas", "prompts": ["x"], "parameters": {"temperature": 0}}, "temperature"),
        ({"model": "demo/atlas", "prompts": ["x"], "parameters": {"dimensions": 5000}}, "dimensions"),
        ({"model": "demo/sketch", "prompts": ["x"], "parameters": {"n": 11}}, "n"),
        ({"model": "demo/sketch", "prompts": ["x"], "parameters": {"quality": "ultra"}}, "quality"),
    ]
    for body, word in cases:
        response = _submit(alice_api, committing, **body)
        assert response.status_code == 400 and word in response.content.decode(), body
    assert not Generation.objects.exists()
