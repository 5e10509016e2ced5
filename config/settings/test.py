"""Test settings. The database comes from DATABASE_URL like everywhere else (SQLite by default)."""

import os
from typing import Any

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-use-0000")
os.environ.setdefault("WALLETDESK_RAIL_CALLBACK_SECRET", "test-rail-callback-secret")
os.environ.setdefault("DJANGO_DEBUG", "0")

from config.settings.base import *  # noqa: F403
from config.settings.base import CHANNEL_LAYERS, REDIS_URL, STORAGES

# Hashing with Argon2 at full cost dominates test time; the tests that check hashing parameters
# switch back explicitly with override_settings.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Each test process keeps its own cache unless Redis is given (the PostgreSQL + Redis pass).
if not REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests deliver webhooks and channel replies to real HTTP servers on loopback.
WALLETDESK_WEBHOOKS = {**WALLETDESK_WEBHOOKS, "ALLOW_LOOPBACK": True}  # noqa: F405
STORAGES["attachments"] = {
    "BACKEND": "django.core.files.storage.InMemoryStorage",
}
# xdist workers share one Redis but each has its own database, where user ids overlap: without a
# prefix of its own, worker 1's agent no. 7 would hear worker 2's `user.7` events (a chat that
# is not in their database appeared in their console). Server processes a test starts inherit
# the worker's environment and so its prefix.
# The cache likewise: rate-limit counters, session states and pauses keyed by user id or by
# 127.0.0.1 would add up across workers (one worker's failed sign-ins locking out the other's).
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
_layer: dict[str, Any] = dict(CHANNEL_LAYERS["default"])
if REDIS_URL and "prefix" in _layer.get("CONFIG", {}):
    _layer["CONFIG"] = {**_layer["CONFIG"], "prefix": f"walletdesk:test:{_worker}:channels"}
    CHANNEL_LAYERS = {"default": _layer}
if REDIS_URL:
    CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": f"walletdesk:test:{_worker}"}}
# A lock wait the test cannot end (a row held by a server thread the test waits for) fails with
# PostgreSQL's "canceling statement due to lock timeout" instead of hanging; the concurrency
# tests wait on each other's locks for milliseconds.
if DATABASE_IS_POSTGRES:  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c lock_timeout=60s"  # noqa: F405
