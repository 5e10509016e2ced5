"""Deployment checks: what production must not run with.

Registered as Django system checks with stable ids, so ``manage.py check --deploy`` lists every
problem at once, and the ASGI/WSGI and job-worker start-ups refuse to run on any of them
(`walletdesk.core.startup`). Each message names the environment variable to change. Checks about
one app's own settings (rails, message delivery) live in that app's ``checks.py``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from walletdesk.core.client_address import parse_network
from walletdesk.core.secret_strength import GENERATE_HINT, weakness

SECRET_KEY_MIN_LENGTH = 50


@register(Tags.security, deploy=True)
def check_debug_is_off(**kwargs: Any) -> list[CheckMessage]:
    if settings.DEBUG:
        return [
            Error(
                "DEBUG is on: pages would show tracebacks and settings to anyone.",
                hint="Set DJANGO_DEBUG=0.",
                id="walletdesk.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_secret_keys(**kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    problem = weakness(str(settings.SECRET_KEY), min_length=SECRET_KEY_MIN_LENGTH)
    if problem:
        errors.append(
            Error(
                f"DJANGO_SECRET_KEY is too easy to guess: {problem}. It signs sessions, reset "
                "links and one-time-code digests.",
                hint=f"Set DJANGO_SECRET_KEY to 50+ random characters. {GENERATE_HINT}",
                id="walletdesk.E002",
            )
        )
    for position, fallback in enumerate(getattr(settings, "SECRET_KEY_FALLBACKS", [])):
        problem = weakness(str(fallback), min_length=SECRET_KEY_MIN_LENGTH)
        if problem:
            errors.append(
                Error(
                    f"SECRET_KEY_FALLBACKS[{position}] is too easy to guess: {problem}.",
                    hint="Remove it, or rotate to a key made by the secrets module.",
                    id="walletdesk.E003",
                )
            )
    return errors


@register(Tags.database, deploy=True)
def check_database_is_postgresql(**kwargs: Any) -> list[CheckMessage]:
    if not str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql"):
        return [
            Error(
                "Production needs PostgreSQL (the ledger's guards and concurrency rely on it).",
                hint="Set DATABASE_URL=postgres://user@host:5432/name.",
                id="walletdesk.E004",
            )
        ]
    return []


@register(Tags.caches, deploy=True)
def check_redis_is_configured(**kwargs: Any) -> list[CheckMessage]:
    if not getattr(settings, "REDIS_URL", None):
        return [
            Error(
                "Production needs Redis: rate limits, the channel layer and the job queue "
                "must be shared by every process.",
                hint="Set REDIS_URL=redis://host:6379/0.",
                id="walletdesk.E005",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_allowed_hosts(**kwargs: Any) -> list[CheckMessage]:
    if "*" in settings.ALLOWED_HOSTS:
        return [
            Error(
                'ALLOWED_HOSTS contains "*": any Host header is accepted, so links in email '
                "and password-reset messages can be pointed at another site.",
                hint="Set DJANGO_ALLOWED_HOSTS to the site's host names, comma-separated.",
                id="walletdesk.E006",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_csrf_trusted_origins(**kwargs: Any) -> list[CheckMessage]:
    plain = [
        origin for origin in settings.CSRF_TRUSTED_ORIGINS if not origin.startswith("https://")
    ]
    if plain:
        return [
            Error(
                f"CSRF_TRUSTED_ORIGINS has origins that are not https://: {', '.join(plain)}. "
                "A form posted over plain HTTP can be read and altered on the way.",
                hint="List only https:// origins in DJANGO_CSRF_TRUSTED_ORIGINS.",
                id="walletdesk.E007",
            )
        ]
    return []


@register(Tags.security)
def check_trusted_proxies_parse(**kwargs: Any) -> list[CheckMessage]:
    invalid = [
        entry
        for entry in getattr(settings, "WALLETDESK_TRUSTED_PROXIES", [])
        if parse_network(str(entry)) is None
    ]
    if invalid:
        return [
            Error(
                f"WALLETDESK_TRUSTED_PROXIES has entries that are not IP addresses or networks: "
                f"{', '.join(map(str, invalid))}.",
                hint="List the load balancer's addresses or CIDR networks, e.g. 10.0.0.0/8. "
                '"*" is not allowed: it would let anyone choose their own address.',
                id="walletdesk.E010",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_trusted_proxies(**kwargs: Any) -> list[CheckMessage]:
    entries = [str(entry) for entry in getattr(settings, "WALLETDESK_TRUSTED_PROXIES", [])]
    if not entries and getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return [
            Error(
                "WALLETDESK_TRUSTED_PROXIES is empty, but production runs behind a proxy that "
                "terminates TLS: every client would share the proxy's address (one lockout for "
                "everyone) and its X-Forwarded-Proto would be ignored.",
                hint="Set WALLETDESK_TRUSTED_PROXIES to the load balancer's addresses or networks.",
                id="walletdesk.E008",
            )
        ]
    everything = [
        entry
        for entry in entries
        if (network := parse_network(entry)) is not None and network.prefixlen == 0
    ]
    if everything:
        return [
            Error(
                f"WALLETDESK_TRUSTED_PROXIES trusts every address ({', '.join(everything)}): "
                "anyone could set X-Forwarded-For and escape per-address limits.",
                hint="List only the load balancer's addresses or networks.",
                id="walletdesk.E009",
            )
        ]
    return []
