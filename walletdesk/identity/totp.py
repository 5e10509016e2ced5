"""TOTP second factor (RFC 6238): SHA-1, 6 digits, 30 s step, ±1 step, each step used once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

from walletdesk.identity.otp import is_well_formed

STEP = 30
DRIFT = 1


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret + "=" * (-len(secret) % 8)
    return base64.b32decode(padded, casefold=True)


def code_at(secret: str, step: int) -> str:
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP)


def match_step(secret: str, raw: object, last_used_step: int) -> int | None:
    """The step `raw` belongs to, if it is valid now and newer than the last accepted step."""
    if not is_well_formed(raw):
        return None
    assert isinstance(raw, str)
    now = current_step()
    for step in range(now - DRIFT, now + DRIFT + 1):
        if step > last_used_step and hmac.compare_digest(code_at(secret, step), raw):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    label = quote(f"{issuer}:{account}")
    query = urlencode({"secret": secret, "issuer": issuer, "digits": 6, "period": STEP})
    return f"otpauth://totp/{label}?{query}"
