"""Sliding-window counters in the shared cache (Redis in production) for brute-force limits.

A window is split into one-minute buckets; a key is over its limit when the buckets covering the
last `window` seconds hold `limit` hits or more. Each hit is one atomic INCR, so parallel requests
cannot slip past the limit. Locks therefore last between `window` and `window` + 1 minute after
the last counted hit, and always end on their own: nothing here can lock an account for good.

Sign-in uses escalating cool-offs on top (`Lockout`, AUTH-3 and DESIGN.md "Decisions"): each lock
lasts 30 minutes, twice as long as the one before, at most 24 hours. Only the identity actions
close the password path for good, after 100 consecutive failures, until the owner resets it.
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


# AUTH-3 with the hardening decision: every `threshold` consecutive failures on a username
# (5 for customers, 10 for staff) start a cool-off; 20 failures from one IP inside 10 minutes
# start one for that IP. Cool-offs go 30 min, 1 h, 2 h, … and stay at 24 h.
FIRST_COOL_OFF = 30 * 60
MAX_COOL_OFF = 24 * 3600
# How long a key's escalation is remembered after its last failure: well past the longest
# cool-off, so waiting out one lock does not reset the schedule.
LOCKOUT_MEMORY = 30 * 86400


@dataclass(frozen=True, slots=True)
class Lockout:
    name: str
    threshold: int
    # None: count consecutive failures (reset only by a success); else failures inside `window`.
    window: int | None = None
    memory: int = LOCKOUT_MEMORY


LOGIN_LOCK_USERNAME = Lockout("lock_user", 5)
LOGIN_LOCK_USERNAME_STAFF = Lockout("lock_user", 10)
# An address is shared (offices, carrier NAT): its escalation is forgotten after two quiet days.
LOGIN_LOCK_IP = Lockout("lock_ip", 20, 10 * 60, memory=2 * 86400)
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


def cool_off_seconds(level: int) -> int:
    """Length of the `level`-th lock (1-based): 30 min doubling, capped at 24 h."""
    if level < 1:
        return 0
    doublings: int = min(level - 1, 16)
    return min(FIRST_COOL_OFF << doublings, MAX_COOL_OFF)


def _lock_keys(lockout: Lockout, key: str) -> tuple[str, str, str]:
    digest = _digest(key)
    base = f"thr:{lockout.name}:{digest}"
    return f"{base}:n", f"{base}:level", f"{base}:until"


def _increment(cache_key: str, memory: int) -> int:
    if cache.add(cache_key, 1, memory):
        return 1
    try:
        value = int(cache.incr(cache_key))
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, memory)
        value = 1
    cache.touch(cache_key, memory)
    return value


def locked_for(lockout: Lockout, key: str) -> int:
    """Seconds left of the current cool-off for `key`, 0 when it may try."""
    until = cache.get(_lock_keys(lockout, key)[2])
    if until is None:
        return 0
    return max(0, int(float(until) - time.time() + 0.999))


def record_failure(lockout: Lockout, key: str, *, consecutive: int | None = None) -> int:
    """Count one failure; return the length in seconds of the cool-off it started, or 0.

    `consecutive` lets the caller pass a sturdier count (the account's own failure streak in the
    database) for a consecutive lockout: the larger of it and the cached count decides, so a
    flushed cache does not restart the schedule from the first, short lock."""
    counter, level_key, until_key = _lock_keys(lockout, key)
    if lockout.window is None:
        count = max(_increment(counter, lockout.memory), consecutive or 0)
        if count % lockout.threshold:
            return 0
        level = count // lockout.threshold
    else:
        rule = Rule(lockout.name, lockout.threshold, lockout.window)
        if hit(rule, key) != lockout.threshold:
            return 0
        reset(rule, key)
        level = _increment(level_key, lockout.memory)
    seconds = cool_off_seconds(level)
    cache.set(until_key, time.time() + seconds, seconds)
    return seconds


def start_cool_off(lockout: Lockout, key: str, seconds: int) -> None:
    """Lock `key` for `seconds` from now whatever its count (demo seeding renews the lock of
    its locked account this way, without counting failures nobody made)."""
    cache.set(_lock_keys(lockout, key)[2], time.time() + seconds, seconds)


def clear_lockout(lockout: Lockout, key: str) -> None:
    """A success (or the owner's password reset): the consecutive count and any lock end."""
    counter, _level, until_key = _lock_keys(lockout, key)
    cache.delete_many([counter, until_key])
