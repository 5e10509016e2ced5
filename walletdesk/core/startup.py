"""The start-up guard: a server or job worker refuses to start on a failing system check.

Production settings set ``WALLETDESK_STARTUP_CHECKS = True``; `config/asgi.py`, `config/wsgi.py`
and the Celery worker and beat start-ups then run every system check, the deployment ones
included (the same ones ``manage.py check --deploy`` runs), and stop on any error. Warnings are
logged by ``check --deploy`` and do not block.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def startup_checks_enabled() -> bool:
    return bool(getattr(settings, "WALLETDESK_STARTUP_CHECKS", False))


def deployment_errors() -> list[checks.CheckMessage]:
    messages = checks.run_checks(include_deployment_checks=True)
    return [message for message in messages if message.is_serious() and not message.is_silenced()]


def enforce_deployment_checks() -> None:
    """Raise ImproperlyConfigured listing every failing check, when production asks for it."""
    if not startup_checks_enabled():
        return
    errors = deployment_errors()
    if errors:
        listing = "\n".join(str(error) for error in errors)
        raise ImproperlyConfigured(
            "WalletDesk refuses to start with these settings "
            "(fix them, or see docs/deployment.md):\n" + listing
        )
