"""Standard Webhooks signatures: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, secrets `whsec_<base64>`."""

import base64
import binascii
import hashlib
import hmac
import secrets as random_secrets

PREFIX = "whsec_"
MIN_KEY_BYTES = 24
MAX_KEY_BYTES = 64
DEFAULT_KEY_BYTES = 32


def generate_secret(size: int = DEFAULT_KEY_BYTES) -> str:
    return PREFIX + base64.b64encode(random_secrets.token_bytes(size)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key: the base64 part after `whsec_`, decoded."""
    raw = secret.removeprefix(PREFIX)
    return base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)


def is_valid_secret(secret: str) -> bool:
    if not secret.startswith(PREFIX):
        return False
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
