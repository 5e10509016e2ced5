"""Production: PostgreSQL, Redis and a job-queue broker, refusing to start on unsafe settings.

The refusals are Django system checks with stable ids (walletdesk/core/checks.py and each app's
checks.py), so ``manage.py check --deploy`` lists them all at once; ``WALLETDESK_STARTUP_CHECKS``
makes the ASGI/WSGI application and the Celery worker and beat run the same checks when they start
and stop on any error (walletdesk/core/startup.py). docs/deployment.md lists them.
"""

from config.settings.base import *  # noqa: F403

WALLETDESK_STARTUP_CHECKS = True

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
