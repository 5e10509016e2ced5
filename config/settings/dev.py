"""Local development and the embedded `make run` mode: SQLite, in-memory channel layer."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "dev-only-insecure-secret-key-change-me")
os.environ.setdefault("WALLETDESK_RAIL_CALLBACK_SECRET", "dev-only-rail-callback-secret")
os.environ.setdefault("DJANGO_DEBUG", "1")

from config.settings.base import *  # noqa: F403

INTERNAL_IPS = ["127.0.0.1"]

# A webhook receiver or a channel stub on this machine (http://127.0.0.1:…) is allowed here only.
WALLETDESK_WEBHOOKS = {**WALLETDESK_WEBHOOKS, "ALLOW_LOOPBACK": True}  # noqa: F405
