"""Production: PostgreSQL, Redis and a job-queue broker, refusing to start on unsafe settings."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASE_IS_POSTGRES, DEBUG, REDIS_URL, SECRET_KEY, WALLETDESK

_KNOWN_DEFAULT_SECRETS = {
    "dev-only-insecure-secret-key-change-me",
    "test-secret-key-not-for-production-use-0000",
    "change-me",
}

if DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production (config.settings.prod).")
if SECRET_KEY in _KNOWN_DEFAULT_SECRETS or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is a default or shorter than 50 characters. Generate one with: "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )
if not DATABASE_IS_POSTGRES:
    raise ImproperlyConfigured("Production needs PostgreSQL: set DATABASE_URL=postgres://...")
if not REDIS_URL:
    raise ImproperlyConfigured("Production needs Redis: set REDIS_URL=redis://...")
if len(str(WALLETDESK["RAIL_CALLBACK_SECRET"])) < 32:
    raise ImproperlyConfigured("WALLETDESK_RAIL_CALLBACK_SECRET must be at least 32 characters.")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
