"""The Images and Embeddings tabs as server-rendered pages: compare demo models, the gallery, who may
see a picture."""

import re

import pytest
from django.test import Client

from playground import image_store
from playground.models import GeneratedImage
from usage.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def alice_client(alice):
    client = Client()
    client.force_login(alice)
    return client


def test_pages_need_a_signed_in_user(client):
    for path in ("/playground/images", "/playground/embeddings"):
        assert client.get(path).status_code == 302


def test_images_tab_compares_two_models_with_cost_and_time(alice_client, alice, bob, sketch, canvas):
    page = alice_client.get("/playground/images?model=demo/canvas")
    assert page.status_code == 200 and b'value="demo/canvas"' in page.content
    body = {"prompt": "a paper boat", "models": ["demo/sketch", "demo/canvas"], "size": "256x256"}
    response = alice_client.post("/playground/images/compare", body, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    panes = re.findall(r'data-model="([^"]+)"', html)
    assert panes == ["demo/sketch", "demo/canvas"]
    assert "$0.01000000" in html and "$0.00500000" in html and html.count(" ms</span>") == 2
    images = list(GeneratedImage.objects.filter(user=alice))
    assert len(images) == 2 and Generation.objects.filter(door="playground").count() == 2
    own = alice_client.get(f"/playground/images/{images[0].pk}/file")
    assert own.status_code == 200 and own["Content-Type"] == "image/png"
    bob_client = Client()
    bob_client.force_login(bob)
    assert bob_client.get(f"/playground/images/{images[0].pk}/file").status_code == 404
    gallery = alice_client.get("/playground/images").content.decode()
    assert gallery.count('class="gallery-item card"') == 2 and "?download=1" in gallery
    share = re.search(r'href="(http://testserver/files/images/[^"]+)" class="share-link"', gallery).group(1)
    assert Client().get(share.removeprefix("http://testserver")).status_code == 200  # no session needed
    shared = image_store.image_for_token(share.rsplit("/", 1)[1])
    Generation.objects.filter(pk=shared.generation_id).update(hidden=True)  # a moderator hides its prompt
    assert Client().get(share.removeprefix("http://testserver")).status_code == 404
    gallery = alice_client.get("/playground/images").content.decode()
    assert gallery.count("Hidden by a moderator") == 1 and gallery.count('class="share-link"') == 1
    assert "a paper boat" not in bob_client.get("/playground/images").content.decode()


def test_a_failing_model_fails_its_own_pane_only(alice_client, sketch, demo):
    from tests.factories import AIModelFactory

    AIModelFactory(provider=demo, upstream_id="ghost", slug="demo/ghost", kind="image", image_prices={"*": {"*": "1"}})
    body = {"prompt": "a cube", "models": ["demo/sketch", "demo/ghost"], "size": "256x256"}
    html = alice_client.post("/playground/images/compare", body, HTTP_HX_REQUEST="true").content.decode()
    assert "The model provider failed" in html and html.count("<img") == 1


def test_more_than_four_models_are_refused(alice_client, sketch, canvas, demo):
    from tests.factories import AIModelFactory

    extra = [AIModelFactory(provider=demo, kind="image", image_prices={"*": {"*": "0.01"}}) for _ in range(3)]
    body = {"prompt": "x", "models": ["demo/sketch", "demo/canvas", *[m.slug for m in extra]]}
    response = alice_client.post("/playground/images/compare", body)
    assert response.status_code == 400 and b"at most 4 models" in response.content
    assert not Generation.objects.exists()


def test_embeddings_tab_shows_a_similarity_matrix_per_model(alice_client, compass, atlas):
    texts = "a red fox\na red fox\nquarterly earnings report"
    body = {"texts": texts, "models": ["demo/compass", "demo/atlas"]}
    html = alice_client.post("/playground/embeddings/compare", body, HTTP_HX_REQUEST="true").content.decode()
    assert html.count('<table class="similarity">') == 2
    assert "256 dimensions" in html and "1024 dimensions" in html
    cells = re.findall(r'<td class="heat-(\d+)">([-\d.]+)</td>', html)
    assert len(cells) == 18
    assert cells[0] == ("10", "1.00") and cells[1] == ("10", "1.00")  # equal texts: the same vector
    assert float(cells[2][1]) < 1.0
    assert Generation.objects.filter(door="playground").count() == 2


def test_embeddings_tab_refuses_a_single_text(alice_client, compass):
    response = alice_client.post("/playground/embeddings/compare", {"texts": "alone", "models": ["demo/compass"]})
    assert response.status_code == 400 and b"Enter 2 to 8 texts" in response.content
