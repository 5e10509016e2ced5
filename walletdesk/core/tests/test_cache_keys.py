"""Emptying the cache between assistant evaluation scenarios leaves other keys on the same Redis
(the channel layer's groups, other workers and sites) alone."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache

from walletdesk.core.cache_keys import clear_own_cache


def test_only_the_caches_own_keys_are_deleted() -> None:
    backend = getattr(cache, "_cache", None)
    if not hasattr(backend, "get_client"):
        pytest.skip("needs the Redis cache (REDIS_URL): other backends hold nothing else")
    client = backend.get_client(write=True)  # type: ignore[union-attr]
    foreign = f"walletdesk:channels:group:{uuid.uuid4().hex}"
    client.set(foreign, b"member")
    cache.set("lockout", 5)
    try:
        assert clear_own_cache() >= 1
        assert cache.get("lockout") is None
        assert client.get(foreign) == b"member"
    finally:
        client.delete(foreign)


def test_other_backends_are_emptied() -> None:
    cache.set("lockout", 5)
    clear_own_cache()
    assert cache.get("lockout") is None
