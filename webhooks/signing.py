"""Standard Webhooks signatures: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.

Two kinds of secret: `whsec_<base64>` (Standard Webhooks; the key is the decoded base64, what the
official `standardwebhooks` package expects), and any other string of at least MIN_RAW_SECRET_CHARS
characters (the product spec's example is `"your-webhook-secret"`; the key is its UTF-8 bytes, what a
receiver that computes the HMAC itself, or `Webhook(secret.encode())`, uses).
"""

import base64
import binascii
import hashlib
import hmac
import secrets as random_secrets

PREFIX = "whsec_"
MIN_KEY_BYTES = 24
MAX_KEY_BYTES = 64
DEFAULT_KEY_BYTES = 32
MIN_RAW_SECRET_CHARS = 16
SECRET_RULE = (
    f"Use at least {MIN_RAW_SECRET_CHARS} characters (signed with their UTF-8 bytes), a Standard Webhooks "
    f"secret (whsec_ followed by base64 of {MIN_KEY_BYTES} to {MAX_KEY_BYTES} random bytes), "
    "or leave it out and one is generated."
)


def generate_secret(size: int = DEFAULT_KEY_BYTES) -> str:
    return PREFIX + base64.b64encode(random_secrets.token_bytes(size)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key: the base64 part after `whsec_`, decoded; for a raw secret, its UTF-8 bytes."""
    if not secret.startswith(PREFIX):
        return secret.encode("utf-8")
    raw = secret.removeprefix(PREFIX)
    return base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)


def is_valid_secret(secret: str) -> bool:
    if not secret.startswith(PREFIX):
        return len(secret) >= MIN_RAW_SECRET_CHARS
    try:
        key = secret_key(secret)
    except (binascii.Error, ValueError):
        return False
    return MIN_KEY_BYTES <= len(key) <= MAX_KEY_BYTES


def sign(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets: list[str], *, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers; several secrets (during a rotation) give space-separated signatures."""
    signatures = " ".join(sign(s, msg_id=msg_id, timestamp=timestamp, body=body) for s in secrets)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }
