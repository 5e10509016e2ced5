from __future__ import annotations

from pathlib import Path

from walletdesk.api.management.commands.error_codes import error_table, load_all_error_modules
from walletdesk.core.errors import ERROR_REGISTRY

DOC = Path(__file__).resolve().parents[3] / "docs" / "errors.md"


def test_every_error_has_a_distinct_lowercase_code_and_a_sane_status() -> None:
    load_all_error_modules()
    assert len(ERROR_REGISTRY) > 40
    for code, error in ERROR_REGISTRY.items():
        assert code == code.lower() and " " not in code
        assert 400 <= error.http_status <= 599, code


def test_docs_list_every_error_code() -> None:
    table = error_table()
    assert table in DOC.read_text(encoding="utf-8"), (
        "docs/errors.md is out of date: run "
        "`.venv/bin/python manage.py error_codes` and paste the table into it"
    )
