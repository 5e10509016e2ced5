from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from walletdesk.core.money import Money
from walletdesk.payments import fx, wallets
from walletdesk.payments.models import FxRate
from walletdesk.payments.tests.factories import credit_wallet

pytestmark = pytest.mark.django_db


def test_rates_load_from_a_file_and_the_newest_applies(tmp_path: Path) -> None:
    first = tmp_path / "a.json"
    first.write_text(json.dumps({"rates": [{"base": "USD", "quote": "CNY", "rate": "7.0000"}]}))
    second = tmp_path / "b.json"
    second.write_text(json.dumps({"rates": [{"base": "USD", "quote": "CNY", "rate": "7.2000"}]}))
    call_command("fx_load_rates", file=first)
    call_command("fx_load_rates", file=second)
    assert FxRate.objects.count() == 2
    assert str(fx.mid_rate("USD", "CNY")) == "7.2000000000"
    assert fx.mid_rate("CNY", "USD").quantize(Decimal("0.0001")) == Decimal("0.1389")


@pytest.mark.parametrize("rate", ["0", "-1", "NaN", "abc"])
def test_bad_rate_files_are_refused_with_a_clear_error(tmp_path: Path, rate: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"rates": [{"base": "USD", "quote": "CNY", "rate": rate}]}))
    with pytest.raises(CommandError, match="not a valid rates file"):
        call_command("fx_load_rates", file=path)
    assert not FxRate.objects.exists()


def test_money_rows_are_read_only_in_the_admin(user_factory: Any) -> None:
    admin_user = user_factory(role="admin", is_superuser=True)
    customer = user_factory()
    wallets.open_wallet(customer.pk)
    credit_wallet(customer.pk, Money(10_00, "CNY"))
    client = Client()
    client.force_login(admin_user)
    for path in (
        "/admin/ledger/ledgeraccount/",
        "/admin/ledger/journalentry/",
        "/admin/payments/wallet/",
    ):
        assert client.get(path).status_code == 200
    assert client.get("/admin/ledger/journalentry/add/").status_code == 403
    assert client.get("/admin/payments/feerule/add/").status_code == 200
