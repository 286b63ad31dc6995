"""Redis down: every door answers 503 SERVICE_UNAVAILABLE with Retry-After (OpenAI's shape on /v1),
charges and records nothing, and recovers on its own when Redis is back; the pages that do not need
Redis keep working; calls in flight when it went down are recorded and settled once it returns.

Each test runs the app against a redis-server of its own, which it stops and starts again."""

import threading
import time
from decimal import Decimal

import httpx
import pytest
import redis
from django.test import Client, override_settings

from config import store
from tests.redis_server import caches_for, redis_server
from tests.servers import ThreadServer
from usage import counters, tasks
from usage.models import Generation, PendingSettlement

pytestmark = pytest.mark.django_db(transaction=True)
HELLO = [{"role": "user", "content": "hello"}]


def _forget_clients() -> None:
    """This process's Redis client and the scripts registered on it belong to the Redis before."""
    store.redis_client.cache_clear()
    store._scripts.clear()


def _app(server_options: tuple[str, ...] = ()):
    class App:
        def __enter__(self):
            self.redis_cm = redis_server(*server_options)
            self.redis = self.redis_cm.__enter__()
            self.settings_cm = override_settings(CACHES=caches_for(self.redis.url), ALLOWED_HOSTS=["127.0.0.1"])
            self.settings_cm.__enter__()
            _forget_clients()
            self.server_cm = ThreadServer()
            self.server = self.server_cm.__enter__()
            return self

        def __exit__(self, *exc):
            self.server_cm.__exit__(*exc)
            self.settings_cm.__exit__(*exc)
            _forget_clients()
            self.redis_cm.__exit__(*exc)

    return App()


def _doors(alice_key: str, model: str) -> dict[str, tuple[str, str, dict, dict | None]]:
    bearer, keyed = {"Authorization": f"Bearer {alice_key}"}, {"X-API-Key": alice_key}
    return {
        "/v1 chat": ("POST", "/v1/chat/completions", bearer, {"model": model, "messages": HELLO}),
        "/v1 models": ("GET", "/v1/models", bearer, None),
        "REST chat": ("POST", "/api/v1/ai/chat", keyed, {"model": model, "messages": HELLO}),
        "REST stream": ("GET", f"/api/v1/ai/stream?prompt=hello&models={model}", keyed, None),
        "model list": ("GET", "/api/models", {}, None),
    }


def _session_cookie(user) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value}


def test_redis_down_every_door_says_503_and_recovers_without_a_restart(alice, alice_key, chat_model, password):
    with _app() as app, httpx.Client(base_url=app.server.url, timeout=30) as http:
        doors = _doors(alice_key, chat_model.slug)
        cookies = _session_cookie(alice)
        for name, (method, path, headers, body) in doors.items():
            assert http.request(method, path, headers=headers, json=body).status_code == 200, name
        rows = Generation.objects.count()

        app.redis.stop()
        for name, (method, path, headers, body) in doors.items():
            response = http.request(method, path, headers=headers, json=body)
            assert response.status_code == 503, (name, response.text)
            assert response.headers["Retry-After"] == "5", name
            error = response.json()["error"]
            assert error["code"] == ("service_unavailable" if path.startswith("/v1/") else "SERVICE_UNAVAILABLE")
        assert Generation.objects.count() == rows and not PendingSettlement.objects.exists()  # nothing charged
        # Pages that do not need Redis: the sign-in page, the home page, a signed-in page (sessions in the database).
        assert http.get("/accounts/login/").status_code == 200
        assert http.get("/").status_code == 200
        assert http.get("/settings/", cookies=cookies).status_code == 200
        # Signing in on the page works (a session in the database), and the new session is signed in.
        login_page = http.get("/accounts/login/")
        token = login_page.cookies["csrftoken"]
        signed_in = http.post(
            "/accounts/login/",
            data={"login": alice.email, "password": password},
            cookies={"csrftoken": token},
            headers={"X-CSRFToken": token, "Referer": f"{app.server.url}/accounts/login/"},
        )
        assert signed_in.status_code == 302
        assert http.get("/settings/", cookies={"sessionid": signed_in.cookies["sessionid"]}).status_code == 200
        # The playground's Send (an htmx request) says what happened on the page it came from.
        page = http.get("/playground/", cookies=cookies)
        assert page.status_code == 200 and 'id="request-errors"' in page.text
        token = http.cookies.get("csrftoken") or page.cookies.get("csrftoken")
        send = http.post(
            "/playground/send",
            cookies={**cookies, "csrftoken": token},
            headers={"HX-Request": "true", "X-CSRFToken": token},
            data={"prompt": "hello", "models": chat_model.slug},
        )
        assert send.status_code == 503 and send.headers["HX-Retarget"] == "#request-errors"
        assert "nothing was charged" in send.text and send.headers["Retry-After"] == "5"

        app.redis.start()  # the same address, empty: a restart without persistence
        for name, (method, path, headers, body) in doors.items():
            assert http.request(method, path, headers=headers, json=body).status_code == 200, name


def test_a_call_in_flight_when_redis_dies_is_recorded_and_its_hold_released_when_redis_returns(
    alice, alice_key, make_model
):
    slow = make_model("gpt-4o-mini@latency=1500", input_price_per_1m=Decimal("1"), output_price_per_1m=Decimal("2"))
    with _app(("--appendonly", "yes")) as app:  # a Redis that persists: it comes back with the hold
        outcome: dict = {}

        def call() -> None:
            outcome["response"] = httpx.post(
                f"{app.server.url}/v1/chat/completions",
                headers={"Authorization": f"Bearer {alice_key}"},
                json={"model": slow.slug, "messages": HELLO},
                timeout=30,
            )

        caller = threading.Thread(target=call)
        caller.start()
        deadline = time.monotonic() + 10
        while counters.quota_used(user_id=alice.pk)["held"] == 0:  # admitted, waiting for the upstream
            assert time.monotonic() < deadline, outcome
            time.sleep(0.05)
        held = counters.quota_used(user_id=alice.pk)["held"]
        app.redis.stop()
        caller.join(30)

        assert outcome["response"].status_code == 200  # answered, and billed
        answer = outcome["response"].json()
        row = Generation.objects.get(user=alice)  # stored at once, not queued in the Redis that is gone
        assert row.content == answer["choices"][0]["message"]["content"] and row.cost > 0
        pending = PendingSettlement.objects.get()
        assert (pending.reserved_nano, pending.generation_id) == (held, row.id)

        with pytest.raises(redis.ConnectionError):  # Redis still down: the sweep leaves it for later
            tasks.ledger_sweep()
        app.redis.start()
        assert counters.quota_used(user_id=alice.pk)["held"] == held  # the hold came back with Redis
        assert tasks.ledger_sweep()["settled"] == 1
        used = counters.quota_used(user_id=alice.pk)
        assert used["held"] == 0 and used["spent"] == pending.cost_nano > 0
        assert not PendingSettlement.objects.exists()
        assert Generation.objects.filter(user=alice).count() == 1
