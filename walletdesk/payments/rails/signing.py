"""Signed rail callbacks (security guide API-7).

Header (one line, like Stripe's):

    X-WalletDesk-Signature: t=1767225600,v1=5257a869e7ec…(64 hex digits)

`v1` is the lowercase hex HMAC-SHA256 of ``f"{t}.".encode() + raw_body`` keyed with
``settings.WALLETDESK["RAIL_CALLBACK_SECRET"]``. Several `v1=` parts may be sent while a secret is
rotated; one matching is enough. A callback is refused when the timestamp is more than
``RAIL_CALLBACK_TOLERANCE_SECONDS`` (300 s) away from our clock, in either direction.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

from django.conf import settings

from walletdesk.payments.errors import CallbackSignatureError, CallbackStaleError

SIGNATURE_HEADER = "X-WalletDesk-Signature"
MAX_HEADER_LENGTH = 1024
_TIMESTAMP = re.compile(r"\A[0-9]{1,12}\Z", re.ASCII)
_HEX_DIGEST = re.compile(r"\A[0-9a-f]{64}\Z", re.ASCII)


def callback_secret() -> bytes:
    return str(settings.WALLETDESK["RAIL_CALLBACK_SECRET"]).encode()


def tolerance_seconds() -> int:
    return int(str(settings.WALLETDESK.get("RAIL_CALLBACK_TOLERANCE_SECONDS", 300)))


def compute_signature(raw_body: bytes, timestamp: int, secret: bytes | None = None) -> str:
    key = callback_secret() if secret is None else secret
    return hmac.new(key, f"{timestamp}.".encode() + raw_body, hashlib.sha256).hexdigest()


def signature_header(
    raw_body: bytes, timestamp: int | None = None, secret: bytes | None = None
) -> str:
    """The header value a rail sends with `raw_body` (used by the sandbox and by tests)."""
    ts = int(time.time()) if timestamp is None else timestamp
    return f"t={ts},v1={compute_signature(raw_body, ts, secret)}"


def _parse_header(header: str | None) -> tuple[int, list[str]]:
    if not header or len(header) > MAX_HEADER_LENGTH:
        raise CallbackSignatureError()
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise CallbackSignatureError()
        if name == "t":
            if timestamp is not None or not _TIMESTAMP.match(value):
                raise CallbackSignatureError()
            timestamp = int(value)
        elif name == "v1" and _HEX_DIGEST.match(value):
            signatures.append(value)
    if timestamp is None or not signatures:
        raise CallbackSignatureError()
    return timestamp, signatures


def verify_signature(raw_body: bytes, header: str | None, *, now: float | None = None) -> int:
    """Check the signature over the raw body, then the timestamp; return the timestamp.

    Raises CallbackSignatureError (bad or missing signature, or no secret configured: we fail
    closed) or CallbackStaleError (timestamp outside the tolerance).
    """
    secret = callback_secret()
    if not secret:
        raise CallbackSignatureError()
    timestamp, signatures = _parse_header(header)
    expected = compute_signature(raw_body, timestamp, secret)
    matched = False
    for candidate in signatures:
        # Compare every candidate so the time taken does not depend on which one matched.
        matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise CallbackSignatureError()
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds():
        raise CallbackStaleError()
    return timestamp
