from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _import_prod(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE", "REDIS", "WALLETDESK_"))
    }
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings.prod"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


GOOD = {
    "DJANGO_SECRET_KEY": "x" * 64,
    "DATABASE_URL": "postgres://walletdesk@127.0.0.1:5432/walletdesk",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "WALLETDESK_RAIL_CALLBACK_SECRET": "y" * 40,
    "DJANGO_ALLOWED_HOSTS": "wallet.example",
}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"DJANGO_DEBUG": "1"}, "DJANGO_DEBUG must be off"),
        (
            {"DJANGO_SECRET_KEY": "dev-only-insecure-secret-key-change-me"},
            "DJANGO_SECRET_KEY is a default",
        ),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY is a default"),
        ({"DATABASE_URL": "sqlite:////tmp/x.sqlite3"}, "Production needs PostgreSQL"),
        ({"REDIS_URL": ""}, "Production needs Redis"),
    ],
)
def test_production_settings_refuse_unsafe_configuration(
    override: dict[str, str], message: str
) -> None:
    result = _import_prod({**GOOD, **override})
    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings_refuse_a_missing_secret() -> None:
    env = dict(GOOD)
    del env["DJANGO_SECRET_KEY"]
    result = _import_prod(env)
    assert result.returncode != 0
    assert "Set the environment variable DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_start_when_configured() -> None:
    result = _import_prod(GOOD)
    assert result.returncode == 0, result.stderr
