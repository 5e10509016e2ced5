"""Production settings refuse to start on unsafe configuration (system checks + start-up guard)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks

from walletdesk.core.secret_strength import weakness

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
    ]:
        line = next((text for text in result.stderr.split("?: ") if f"({check_id})" in text), "")
        assert setting in line, (check_id, result.stderr)


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
