"""Production settings refuse to start on unsafe configuration (system checks + start-up guard)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks

from walletdesk.core.secret_strength import weakness
from walletdesk.core.tests.provider_plugins import AcquirerRail, SmsGateway
from walletdesk.notifications.providers import sms_provider
from walletdesk.payments.enums import RailMethod
from walletdesk.payments.rails import registry
from walletdesk.payments.rails.sandbox import SandboxRail

ROOT = Path(__file__).resolve().parents[3]

# Made once with secrets.token_urlsafe(64) and secrets.token_hex(24); fixed so no run is flaky.
STRONG_SECRET_KEY = (
    "Wn8sX2kq0Lr7VvB9yTc4HfJ1mZp6QeUd3GaRiKoN5tSwYxAhCjEbDlFgIuMzOv-P_q7r8s9t0uVwXyZ1aB2cD3eF"
)
STRONG_RAIL_SECRET = "9f2c4e7a1b8d3f60a5c2e9b47d1f3a86c0e5b2d9f4a7c1e3"


def _run(code: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE", "REDIS", "WALLETDESK_", "EMAIL"))
    }
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings.prod"
    return subprocess.run(  # noqa: S603 - our interpreter, our fixed arguments
        [sys.executable, *code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _start_asgi(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """What a web process does first: import the ASGI application."""
    return _run(["-c", "import config.asgi"], env)


GOOD = {
    "DJANGO_SECRET_KEY": STRONG_SECRET_KEY,
    "DATABASE_URL": "postgres://walletdesk@127.0.0.1:5432/walletdesk",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "WALLETDESK_RAIL_CALLBACK_SECRET": STRONG_RAIL_SECRET,
    "DJANGO_ALLOWED_HOSTS": "wallet.example",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://wallet.example",
    "WALLETDESK_TRUSTED_PROXIES": "10.0.0.0/8",
    "WALLETDESK_ALLOW_SANDBOX": "1",
}


def test_the_asgi_start_up_refuses_unsafe_settings_and_names_each_setting() -> None:
    result = _start_asgi(
        {
            **GOOD,
            "DJANGO_DEBUG": "1",
            "DJANGO_SECRET_KEY": "x" * 50,
            "WALLETDESK_RAIL_CALLBACK_SECRET": "y" * 40,
            "DJANGO_ALLOWED_HOSTS": "*",
            "DJANGO_CSRF_TRUSTED_ORIGINS": "https://wallet.example,http://wallet.example",
            "DATABASE_URL": "sqlite:////tmp/walletdesk-prod-check.sqlite3",
            "REDIS_URL": "",
            "WALLETDESK_TRUSTED_PROXIES": "",
        }
    )
    assert result.returncode != 0
    assert "refuses to start" in result.stderr
    for check_id, setting in [
        ("walletdesk.E001", "DJANGO_DEBUG"),
        ("walletdesk.E002", "DJANGO_SECRET_KEY"),
        ("payments.E001", "WALLETDESK_RAIL_CALLBACK_SECRET"),
        ("walletdesk.E004", "DATABASE_URL"),
        ("walletdesk.E005", "REDIS_URL"),
        ("walletdesk.E006", "DJANGO_ALLOWED_HOSTS"),
        ("walletdesk.E007", "DJANGO_CSRF_TRUSTED_ORIGINS"),
        ("walletdesk.E008", "WALLETDESK_TRUSTED_PROXIES"),
    ]:
        line = next((text for text in result.stderr.split("?: ") if f"({check_id})" in text), "")
        assert setting in line, (check_id, result.stderr)


def test_job_workers_refuse_to_start_too() -> None:
    """Celery worker and beat start-ups (they query the rails) run the same guard."""
    env = {key: value for key, value in GOOD.items() if key != "WALLETDESK_ALLOW_SANDBOX"}
    result = _run(
        ["-c", "from config.celery import refuse_unsafe_settings; refuse_unsafe_settings()"], env
    )
    assert result.returncode != 0
    assert "(payments.E002)" in result.stderr


def test_manage_check_deploy_runs_the_same_checks() -> None:
    result = _run(["manage.py", "check", "--deploy"], {**GOOD, "DJANGO_ALLOWED_HOSTS": "*"})
    assert result.returncode != 0
    assert "walletdesk.E006" in result.stderr


def test_production_settings_refuse_a_missing_secret() -> None:
    env = dict(GOOD)
    del env["DJANGO_SECRET_KEY"]
    result = _start_asgi(env)
    assert result.returncode != 0
    assert "Set the environment variable DJANGO_SECRET_KEY" in result.stderr


def test_production_starts_when_configured() -> None:
    result = _start_asgi(GOOD)
    assert result.returncode == 0, result.stderr


PLUGINS = "walletdesk.core.tests.provider_plugins"
REAL_PROVIDERS = {
    "WALLETDESK_RAIL_PROVIDER_BANK_CARD": f"{PLUGINS}.AcquirerRail",
    "WALLETDESK_RAIL_PROVIDER_BANK_TRANSFER": f"{PLUGINS}.AcquirerRail",
    "WALLETDESK_RAIL_PROVIDER_THIRD_PARTY_WALLET": f"{PLUGINS}.AcquirerRail",
    "WALLETDESK_SMS_PROVIDER": f"{PLUGINS}.SmsGateway",
    "DJANGO_EMAIL_BACKEND": "smtp",
}


def test_the_asgi_start_up_refuses_sandbox_money_and_the_developer_outbox() -> None:
    """Only the documented variables, as in the report: the sandbox would credit real top-ups."""
    env = {key: value for key, value in GOOD.items() if key != "WALLETDESK_ALLOW_SANDBOX"}
    result = _start_asgi({**env, "DJANGO_EMAIL_BACKEND": "dev-outbox"})
    assert result.returncode != 0
    for variable in [
        "WALLETDESK_RAIL_PROVIDER_BANK_CARD",
        "WALLETDESK_RAIL_PROVIDER_BANK_TRANSFER",
        "WALLETDESK_RAIL_PROVIDER_THIRD_PARTY_WALLET",
        "WALLETDESK_SMS_PROVIDER",
        "DJANGO_EMAIL_BACKEND",
    ]:
        assert variable in result.stderr, result.stderr
    assert result.stderr.count("(payments.E002)") == 3
    assert "(notifications.E001)" in result.stderr and "(notifications.E002)" in result.stderr


def test_production_starts_on_real_providers_without_the_sandbox_switch() -> None:
    env = {key: value for key, value in GOOD.items() if key != "WALLETDESK_ALLOW_SANDBOX"}
    result = _start_asgi({**env, **REAL_PROVIDERS})
    assert result.returncode == 0, result.stderr


def test_one_sandboxed_method_is_enough_to_refuse() -> None:
    env = {key: value for key, value in GOOD.items() if key != "WALLETDESK_ALLOW_SANDBOX"}
    result = _start_asgi(
        {**env, **REAL_PROVIDERS, "WALLETDESK_RAIL_PROVIDER_BANK_TRANSFER": "sandbox"}
    )
    assert result.returncode != 0
    assert result.stderr.count("(payments.E002)") == 1
    assert "WALLETDESK_RAIL_PROVIDER_BANK_TRANSFER" in result.stderr


@pytest.mark.parametrize(
    "value",
    [
        "x" * 50,
        "ab" * 25,
        "abcdefghij" * 5,
        "0123456789" * 5,
        "dev-only-insecure-secret-key-change-me-0123456789abcdef",
        "Correct-Horse-Battery-Staple-Example-1234567890-abcdefgh",
        "short-but-random-Qw8#",
    ],
)
def test_low_entropy_secrets_are_refused(value: str) -> None:
    assert weakness(value, min_length=50) is not None


@pytest.mark.parametrize(
    ("value", "min_length"),
    [(STRONG_SECRET_KEY, 50), (STRONG_RAIL_SECRET, 32), (STRONG_RAIL_SECRET[:32], 32)],
)
def test_secrets_made_by_the_secrets_module_pass(value: str, min_length: int) -> None:
    assert weakness(value, min_length=min_length) is None


def _deploy_check_ids() -> set[str]:
    return {message.id or "" for message in checks.run_checks(include_deployment_checks=True)}


def test_each_unsafe_setting_has_its_own_check_id(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = STRONG_SECRET_KEY
    settings.ALLOWED_HOSTS = ["wallet.example"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://wallet.example"]
    settings.WALLETDESK = {
        **settings.WALLETDESK,
        "RAIL_CALLBACK_SECRET": STRONG_RAIL_SECRET,
    }
    baseline = _deploy_check_ids()
    assert not {"walletdesk.E002", "walletdesk.E006", "walletdesk.E007", "payments.E001"} & baseline

    settings.ALLOWED_HOSTS = ["wallet.example", "*"]
    settings.CSRF_TRUSTED_ORIGINS = ["http://wallet.example"]
    settings.SECRET_KEY = "x" * 50
    settings.SECRET_KEY_FALLBACKS = ["y" * 60]
    settings.WALLETDESK = {
        **settings.WALLETDESK,
        "RAIL_CALLBACK_SECRET": "z" * 64,
    }
    assert {
        "walletdesk.E002",
        "walletdesk.E003",
        "walletdesk.E006",
        "walletdesk.E007",
        "payments.E001",
    } <= _deploy_check_ids()


def test_sandbox_checks_follow_the_configured_providers(settings):
    providers = {method: f"{PLUGINS}.AcquirerRail" for method in RailMethod.values}
    settings.WALLETDESK = {**settings.WALLETDESK, "ALLOW_SANDBOX": False}
    settings.WALLETDESK_NOTIFICATIONS = {
        **settings.WALLETDESK_NOTIFICATIONS,
        "SMS_PROVIDER": "dev-outbox",
    }
    settings.EMAIL_BACKEND = "walletdesk.notifications.providers.DevOutboxEmailBackend"
    ids = [message.id for message in checks.run_checks(include_deployment_checks=True)]
    assert ids.count("payments.E002") == len(RailMethod.values)
    assert "notifications.E001" in ids and "notifications.E002" in ids

    settings.WALLETDESK = {**settings.WALLETDESK, "RAIL_PROVIDERS": providers}
    settings.WALLETDESK_NOTIFICATIONS = {
        **settings.WALLETDESK_NOTIFICATIONS,
        "SMS_PROVIDER": f"{PLUGINS}.SmsGateway",
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    ids = [message.id for message in checks.run_checks(include_deployment_checks=True)]
    assert not {"payments.E002", "notifications.E001", "notifications.E002"} & set(ids)
    assert isinstance(registry.get_provider(RailMethod.BANK_CARD), AcquirerRail)
    assert isinstance(sms_provider(), SmsGateway)

    settings.WALLETDESK = {
        **settings.WALLETDESK,
        "RAIL_PROVIDERS": {**providers, "bank_card": "sandbox"},
        "ALLOW_SANDBOX": True,
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    ids = [message.id for message in checks.run_checks(include_deployment_checks=True)]
    assert not {"payments.E002", "notifications.E002"} & set(ids)
    assert isinstance(registry.get_provider(RailMethod.BANK_CARD), SandboxRail)


def test_a_provider_that_cannot_serve_is_reported(settings):
    settings.WALLETDESK = {
        **settings.WALLETDESK,
        "RAIL_PROVIDERS": {"bank_card": f"{PLUGINS}.NotARailProvider"},
    }
    settings.WALLETDESK_NOTIFICATIONS = {
        **settings.WALLETDESK_NOTIFICATIONS,
        "SMS_PROVIDER": "no.such.Gateway",
    }
    errors = {message.id: message.msg for message in checks.run_checks()}
    assert "WALLETDESK_RAIL_PROVIDER_BANK_CARD" in errors["payments.E003"]
    assert "WALLETDESK_SMS_PROVIDER" in errors["notifications.E003"]
