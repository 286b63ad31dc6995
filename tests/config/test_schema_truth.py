"""The OpenAPI schema tells the truth: what it says is what the running API answers.

schemathesis generates requests for every operation of the served schema (valid and invalid, a
bounded number each) and sends them to the app under uvicorn, calling the demo provider; any 5xx,
undocumented status, response that does not match its schema, valid request refused or invalid
request accepted fails the test, with schemathesis's report of each failure.
"""

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.urls import reverse

from accounts.api_keys import api_key_create
from accounts.models import Tier
from catalog.models import AIModel
from config.api.schema import _route_paths
from tests.factories import PASSWORD, AIModelFactory, ProviderFactory, UserFactory
from tests.servers import ThreadServer

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CONFIG = Path(__file__).with_name("schemathesis.toml")
# Bounded: a few generated cases per operation and phase keeps the whole run well under two minutes.
MAX_EXAMPLES = "3"


def _schema(client) -> dict:
    response = client.get(reverse("schema"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def test_every_api_route_is_in_the_schema(client, db):
    documented = set(_schema(client)["paths"])
    routes = {path for path, _ in _route_paths() if path.startswith(("/api/", "/v1/"))}
    served_elsewhere = {"/api/schema/", "/api/docs/", "/api/redoc/"}

    assert routes - served_elsewhere - documented == set()


def test_successes_are_documented_in_the_envelope_and_errors_in_their_doors_shape(client, db):
    paths = _schema(client)["paths"]

    usage = paths["/api/v1/usage"]["get"]["responses"]
    page = usage["200"]["content"]["application/json"]["schema"]
    assert set(page["properties"]) == {"success", "data", "message", "timestamp"}
    assert usage["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorEnvelope")
    assert {"401", "403", "429", "503"} <= set(usage)

    chat = paths["/v1/chat/completions"]["post"]["responses"]
    assert set(chat["200"]["content"]) == {"application/json", "text/event-stream"}
    assert set(chat["429"]["content"]["application/json"]["schema"]["properties"]) == {"error"}


@pytest.fixture
def served(transactional_db, settings):
    """The app under uvicorn with a user who may call the demo provider's model, and their JWT and key."""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    # The per-caller limit (tested in tests/usage) would answer most generated requests with a 429.
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000
    demo = ProviderFactory(slug="demo", name="Demo", adapter_kind="demo")
    AIModelFactory(
        provider=demo, upstream_id="swift", slug="demo/swift", status="active", supports_penalties=True,
        supports_seed=True, max_output_tokens=64, max_tokens_default=16,
    )  # fmt: skip
    assert AIModel.objects.filter(slug="demo/swift").exists()
    user = UserFactory(username="tester", email="tester@example.com", tier=Tier.ENTERPRISE)
    scopes = ["ai:read", "ai:write", "usage:read"]
    key = api_key_create(user=user, name="schemathesis", scopes=scopes, expires_in_days=1)[1]
    with ThreadServer() as server:
        login = httpx.post(f"{server.url}/api/auth/login", json={"email": user.email, "password": PASSWORD})
        yield server.url, login.json()["data"]["token"], key


# Signing out or deleting the account ends the credential every other operation is called with: last.
ENDING = ("--include-path", "/api/auth/logout", "--include-path", "/api/auth/account")
NOT_ENDING = tuple(a.replace("include", "exclude") for a in ENDING)


def _start(url: str, schema: Path, header: str, selection: tuple[str, ...]) -> subprocess.Popen:
    command = [
        str(SCHEMATHESIS), "--config-file", str(CONFIG), "run", str(schema), "--url", url,
        "--phases", "examples,coverage,fuzzing", "--max-examples", MAX_EXAMPLES, "--workers", "2",
        "--generation-deterministic", "--header", header,
        "--generation-with-security-parameters", "false", "--no-color", *selection,
    ]  # fmt: skip
    # Run beside the schema file, so schemathesis keeps its cache out of the repository.
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=schema.parent)


def _finish(runs: dict[str, subprocess.Popen]) -> dict[str, str]:
    """The report of each run that failed, by credential."""
    reports = {name: run.communicate(timeout=300)[0] for name, run in runs.items()}
    return {name: report[-15000:] for name, report in reports.items() if runs[name].returncode != 0}


def test_schemathesis_finds_nothing_the_schema_does_not_say(served, tmp_path):
    """Once with a JWT and once with an API key (some operations take only one), side by side; then
    the operations that end a credential, one credential after the other."""
    url, token, key = served
    schema = tmp_path / "openapi.json"
    schema.write_text(httpx.get(f"{url}/api/schema/?format=json").text)
    headers = {"jwt": f"Authorization: Bearer {token}", "api_key": f"X-API-Key: {key}"}

    failed = _finish({name: _start(url, schema, header, NOT_ENDING) for name, header in headers.items()})
    for name, header in headers.items():
        failed |= _finish({f"{name} (sign-out)": _start(url, schema, header, ENDING)})

    assert not failed, "\n\n".join(f"=== {name}\n{report}" for name, report in failed.items())
