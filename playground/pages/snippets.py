""" "View code": the current playground request as curl, Python (openai package) and JavaScript fetch.

The user's key is always a placeholder; the page never embeds a real secret.
"""

import json
from typing import Any

KEY_PLACEHOLDER = "sk_live_YOUR_KEY"


def _request_body(
    *, model: str, messages: list[dict[str, str]], params: dict[str, Any], stream: bool
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "messages": messages}
    body.update({k: v for k, v in params.items() if v not in (None, "", [])})
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return body


def curl_snippet(*, base_url: str, model: str, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
    body = json.dumps(_request_body(model=model, messages=messages, params=params, stream=False), indent=2)
    quoted = body.replace("'", "'\\''")  # safe inside single quotes in any POSIX shell
    return (
        f"curl {base_url.rstrip('/')}/v1/chat/completions \\\n"
        f'  -H "Authorization: Bearer {KEY_PLACEHOLDER}" \\\n'
        f'  -H "Content-Type: application/json" \\\n'
        f"  -d '{quoted}'"
    )


def python_snippet(*, base_url: str, model: str, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
    kwargs = {k: v for k, v in params.items() if v not in (None, "", [])}
    lines = [
        "from openai import OpenAI",
        "",
        f'client = OpenAI(base_url="{base_url.rstrip("/")}/v1", api_key="{KEY_PLACEHOLDER}")',
        "",
        "stream = client.chat.completions.create(",
        f"    model={model!r},",
        f"    messages={json.dumps(messages, ensure_ascii=False)},",
        *[f"    {name}={value!r}," for name, value in kwargs.items()],
        "    stream=True,",
        '    stream_options={"include_usage": True},',
        ")",
        "for chunk in stream:",
        "    if chunk.choices and chunk.choices[0].delta.content:",
        '        print(chunk.choices[0].delta.content, end="", flush=True)',
        "    if chunk.usage:",
        "        print()",
        "        print(chunk.usage)",
    ]
    return "\n".join(lines)


def javascript_snippet(*, base_url: str, model: str, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
    body = json.dumps(_request_body(model=model, messages=messages, params=params, stream=False), indent=2)
    body = "\n".join("  " + line if i else line for i, line in enumerate(body.splitlines()))
    return (
        f'const response = await fetch("{base_url.rstrip("/")}/v1/chat/completions", {{\n'
        '  method: "POST",\n'
        "  headers: {\n"
        f'    "Authorization": "Bearer {KEY_PLACEHOLDER}",\n'
        '    "Content-Type": "application/json",\n'
        "  },\n"
        f"  body: JSON.stringify({body}),\n"
        "});\n"
        "const data = await response.json();\n"
        "console.log(data.choices[0].message.content, data.usage);"
    )


def all_snippets(
    *, base_url: str, model: str, messages: list[dict[str, str]], params: dict[str, Any]
) -> dict[str, str]:
    args = {"base_url": base_url, "model": model, "messages": messages, "params": params}
    return {"curl": curl_snippet(**args), "python": python_snippet(**args), "javascript": javascript_snippet(**args)}
