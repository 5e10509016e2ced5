"""Emptying this site's own cache entries without touching anyone else's.

`cache.clear()` is FLUSHDB on Redis: it would also wipe the channel layer's groups (which share
the Redis server) and any other site's keys. This deletes only the keys the default cache wrote.
"""

from __future__ import annotations

from django.core.cache import cache


def clear_own_cache() -> int:
    """Delete the default cache's own entries; returns how many (-1 when the backend cannot say)."""
    backend = getattr(cache, "_cache", None)
    if backend is None or not hasattr(backend, "get_client"):
        cache.clear()  # in-memory, files or the database: nothing else lives there
        return -1
    client = backend.get_client(write=True)
    keys = list(client.scan_iter(match=cache.make_key("*"), count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)
