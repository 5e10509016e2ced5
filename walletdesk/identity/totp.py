"""TOTP second factor (RFC 6238): SHA-1, 6 digits, 30 s step, ±1 step, each step used once.

The codes come from PyOTP, the maintained implementation most authenticator setups are tested
against; this module adds what it leaves to the caller: the window of accepted steps and refusing a
step that was already used (RFC 6238 §5.2), which PyOTP's `verify` does not track.
"""

from __future__ import annotations

import hmac
import time

import pyotp

from walletdesk.identity.otp import is_well_formed

STEP = 30
DRIFT = 1


def new_secret() -> str:
    # 160 bits, the HMAC-SHA1 key length RFC 4226 recommends; base32 without padding.
    return pyotp.random_base32(length=32)


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=6, interval=STEP)


def code_at(secret: str, step: int) -> str:
    return _totp(secret).generate_otp(step)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP)


def match_step(secret: str, raw: object, last_used_step: int) -> int | None:
    """The step `raw` belongs to, if it is valid now and newer than the last accepted step."""
    if not is_well_formed(raw):
        return None
    assert isinstance(raw, str)
    now = current_step()
    generator = _totp(secret)
    for step in range(now - DRIFT, now + DRIFT + 1):
        if step > last_used_step and hmac.compare_digest(generator.generate_otp(step), raw):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return _totp(secret).provisioning_uri(name=account, issuer_name=issuer)
