"""Local development and the embedded `make run` mode: SQLite, in-memory channel layer."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "dev-only-insecure-secret-key-change-me")
os.environ.setdefault("WALLETDESK_RAIL_CALLBACK_SECRET", "dev-only-rail-callback-secret")
os.environ.setdefault("DJANGO_DEBUG", "1")

from config.settings.base import *  # noqa: F403

INTERNAL_IPS = ["127.0.0.1"]
