"""Test settings. The database comes from DATABASE_URL like everywhere else (SQLite by default)."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-use-0000")
os.environ.setdefault("WALLETDESK_RAIL_CALLBACK_SECRET", "test-rail-callback-secret")
os.environ.setdefault("DJANGO_DEBUG", "0")

from config.settings.base import *  # noqa: F403
from config.settings.base import STORAGES

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
if not REDIS_URL:  # noqa: F405
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests deliver webhooks and channel replies to real HTTP servers on loopback.
WALLETDESK_WEBHOOKS = {**WALLETDESK_WEBHOOKS, "ALLOW_LOOPBACK": True}  # noqa: F405
STORAGES["attachments"] = {
    "BACKEND": "django.core.files.storage.InMemoryStorage",
}
