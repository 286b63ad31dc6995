"""The "view code" samples are real programs: the Python one runs against a server speaking our /v1."""

import json
import shlex
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from playground.pages.snippets import KEY_PLACEHOLDER, all_snippets, curl_snippet

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": 'It\'s a test: say "hi"'}]
PARAMS = {"temperature": 0.3, "max_tokens": 64, "top_p": None}


def test_curl_sample_is_valid_shell_with_the_exact_body():
    snippet = curl_snippet(base_url="https://sb.example.com/", model="demo/swift", messages=MESSAGES, params=PARAMS)
    words = shlex.split(snippet.replace("\\\n", " "))
    assert words[:2] == ["curl", "https://sb.example.com/v1/chat/completions"]
    body = json.loads(words[words.index("-d") + 1])
    assert body == {"model": "demo/swift", "messages": MESSAGES, "temperature": 0.3, "max_tokens": 64}
    assert f"Bearer {KEY_PLACEHOLDER}" in snippet


def test_javascript_sample_sends_the_same_body():
    snippet = all_snippets(base_url="https://sb.example.com", model="demo/swift", messages=MESSAGES, params=PARAMS)[
        "javascript"
    ]
    body = snippet.split("body: JSON.stringify(", 1)[1].rsplit("),\n});", 1)[0]
    assert json.loads(body)["messages"] == MESSAGES


class _OpenAIishServer(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _OpenAIishServer.seen.append({"auth": self.headers["Authorization"], "body": body})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": body["model"]}
        events = [
            {
                **chunk,
                "choices": [{"index": 0, "delta": {"role": "assistant", "content": "hi"}, "finish_reason": None}],
            },
            {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            {**chunk, "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10}},
        ]
        for event in events:
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")


@pytest.mark.slow
def test_python_sample_runs_with_the_openai_package():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OpenAIishServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        code = all_snippets(base_url=base, model="demo/swift", messages=MESSAGES, params=PARAMS)["python"]
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("hi")
    assert "total_tokens=10" in result.stdout
    sent = _OpenAIishServer.seen[-1]
    assert sent["auth"] == f"Bearer {KEY_PLACEHOLDER}"
    assert sent["body"]["messages"] == MESSAGES
    assert sent["body"]["temperature"] == 0.3 and sent["body"]["stream"] is True


def test_the_curl_sample_from_the_page_runs_against_the_server_that_served_it(app_server, alice, password, alice_key):
    """The page's own curl sample, with only the key filled in, answers from the server it came from."""
    import html as html_lib
    import re

    import httpx
    from django.core.management import call_command

    call_command("seed_catalog", verbosity=0)
    web = httpx.Client(base_url=app_server.url)
    web.get("/accounts/login/")
    web.post(
        "/accounts/login/",
        data={"login": alice.email, "password": password, "csrfmiddlewaretoken": web.cookies["csrftoken"]},
    )
    page = web.get("/playground/code", params={"models": "demo/swift", "prompt": "Say hi"}).text
    curl = html_lib.unescape(re.search(r'<pre id="code-curl"><code>(.*?)</code></pre>', page, re.S).group(1))
    assert curl.startswith(f"curl {app_server.url}/v1/chat/completions")
    ran = subprocess.run(
        ["sh", "-c", curl.replace(KEY_PLACEHOLDER, alice_key) + " --silent --show-error --max-time 20"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    answer = json.loads(ran.stdout)
    assert answer["object"] == "chat.completion" and answer["choices"][0]["message"]["content"]


def test_a_configured_site_url_wins_over_the_request(client, alice, settings):
    settings.SITE_URL_CONFIGURED = "https://switchboard.example.org"
    client.force_login(alice)
    html = client.get("/playground/code", {"models": "demo/swift", "prompt": "Hi"}).content.decode()
    assert "curl https://switchboard.example.org/v1/chat/completions" in html
