"""Sliding-window counters in the shared cache (Redis in production) for brute-force limits.

A window is split into one-minute buckets; a key is over its limit when the buckets covering the
last `window` seconds hold `limit` hits or more. Each hit is one atomic INCR, so parallel requests
cannot slip past the limit. Locks therefore last between `window` and `window` + 1 minute after
the last counted hit, and always end on their own: nothing here can lock an account for good.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache

BUCKET_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    limit: int
    window: int  # seconds


# AUTH-3: customers 5 failures / 30 min per username, staff 10 / 30 min;
# 20 failures / 10 min per IP.
LOGIN_USERNAME = Rule("login_user", 5, 30 * 60)
LOGIN_USERNAME_STAFF = Rule("login_user", 10, 30 * 60)
LOGIN_IP = Rule("login_ip", 20, 10 * 60)
# AUTH-7: at most 10 failed code entries per account per hour.
OTP_FAILURES = Rule("otp_fail", 10, 3600)
# AUTH-9 / AUTH-10 (zulip's numbers): 2 per hour and 5 per day per identifier / account.
RESET_HOURLY = Rule("reset_h", 2, 3600)
RESET_DAILY = Rule("reset_d", 5, 86400)
CONTACT_CHANGE_HOURLY = Rule("contact_h", 2, 3600)
CONTACT_CHANGE_DAILY = Rule("contact_d", 5, 86400)
# Sign-up and unauthenticated code sends per IP.
SIGNUP_IP = Rule("signup_ip", 10, 3600)
PASSKEY_LOGIN_IP = Rule("passkey_ip", 20, 10 * 60)
# Answers that told a customer "no wallet uses this phone number or email" (issue 12: look-ups
# must not enumerate customers): 10 an hour, then no transfers for an hour.
RECIPIENT_MISSES = Rule("recipient_miss", 10, 3600)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _bucket_keys(rule: Rule, key: str, now: float) -> list[str]:
    current = int(now // BUCKET_SECONDS)
    count = -(-rule.window // BUCKET_SECONDS) + 1
    digest = _digest(key)
    return [f"thr:{rule.name}:{digest}:{b}" for b in range(current - count + 1, current + 1)]


def count(rule: Rule, key: str) -> int:
    values = cache.get_many(_bucket_keys(rule, key, time.time()))
    return sum(int(v) for v in values.values())


def is_limited(rule: Rule, key: str) -> bool:
    return count(rule, key) >= rule.limit


def hit(rule: Rule, key: str) -> int:
    """Count one event; return the total inside the window including it."""
    now = time.time()
    bucket = _bucket_keys(rule, key, now)[-1]
    timeout = rule.window + 2 * BUCKET_SECONDS
    if not cache.add(bucket, 1, timeout):
        try:
            cache.incr(bucket)
        except ValueError:
            cache.set(bucket, 1, timeout)
    return count(rule, key)


def reset(rule: Rule, key: str) -> None:
    cache.delete_many(_bucket_keys(rule, key, time.time()))


def retry_after(rule: Rule) -> int:
    return rule.window
