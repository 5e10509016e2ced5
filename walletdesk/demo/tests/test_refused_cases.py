"""The demo's refused payment and refused transfer (walletdesk/demo/refused_cases.py)."""

from __future__ import annotations

import ast
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management.base import CommandError
from django.utils import translation

from walletdesk.core.money import parse_amount
from walletdesk.demo import cases, refused_cases
from walletdesk.demo.refused_cases import CUSTOMER_PHONE, seed_refused_attempts
from walletdesk.identity.facade import verify_payment_password
from walletdesk.identity.models import User
from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import JournalEntry
from walletdesk.payments import facade
from walletdesk.payments.models import Activity, RefusedAttempt
from walletdesk.payments.tests.factories import credit_wallet, make_merchant

pytestmark = pytest.mark.django_db


def test_two_refusals_with_different_reasons_once(user_factory: Any) -> None:
    make_merchant("瑞幸咖啡", name_en="Luckin Coffee")
    entries = JournalEntry.objects.count()
    out = StringIO()
    assert seed_refused_attempts(out) == ["payment_refused", "transfer_refused"]
    customer = User.objects.get(login_name=CUSTOMER_PHONE)
    with translation.override("zh-hans"):
        refused = facade.recent_refused_attempts(customer.pk)
    assert sorted((row.kind, row.reason) for row in refused) == [
        ("payment", "insufficient_balance"),
        ("transfer", "wrong_payment_password"),
    ]
    payment = next(row for row in refused if row.kind == "payment")
    assert (payment.merchant, payment.amount) == ("瑞幸咖啡", "¥32.00")
    transfer = next(row for row in refused if row.kind == "transfer")
    assert (transfer.recipient, transfer.amount) == ("138****8000", "¥50.00")
    assert "余额不足" in out.getvalue() and "支付密码错误" in out.getvalue()
    assert JournalEntry.objects.count() == entries
    assert check_ledger().ok

    state = (
        list(RefusedAttempt.objects.values_list("pk", "repeat_count", "last_refused_at")),
        Activity.objects.count(),
    )
    again = StringIO()
    assert seed_refused_attempts(again) == ["payment_refused", "transfer_refused"]
    assert again.getvalue().count("already there") == 2
    assert (
        list(RefusedAttempt.objects.values_list("pk", "repeat_count", "last_refused_at")),
        Activity.objects.count(),
    ) == state


def test_a_case_that_cannot_be_made_stops_with_its_name() -> None:
    with pytest.raises(CommandError, match="payment_refused: the merchant 瑞幸咖啡"):
        seed_refused_attempts(StringIO())
    make_merchant("瑞幸咖啡")
    customer = User.objects.get(login_name=CUSTOMER_PHONE)
    credit_wallet(customer.pk, parse_amount("100.00", "CNY"))
    with pytest.raises(CommandError, match=re.escape("payment_refused: 罗军 has ¥100.00")):
        seed_refused_attempts(StringIO())


def test_the_customer_has_the_published_demo_credentials_from_cases_py() -> None:
    # One source for the published credentials: refused_cases imports them from cases.py
    # rather than repeating them (a copy could drift from what seed_demo prints).
    tree = ast.parse(Path(refused_cases.__file__).read_text(encoding="utf-8"))
    assigned = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }
    assert not assigned & {"DEMO_PASSWORD", "DEMO_PAYMENT_PASSWORD"}
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "walletdesk.demo.cases"
        for alias in node.names
    }
    assert {"DEMO_PASSWORD", "DEMO_PAYMENT_PASSWORD"} <= imported
    assert refused_cases.WRONG_PAYMENT_PASSWORD != cases.DEMO_PAYMENT_PASSWORD

    make_merchant("瑞幸咖啡")
    seed_refused_attempts(StringIO())
    customer = User.objects.get(login_name=CUSTOMER_PHONE)
    assert customer.check_password(cases.DEMO_PASSWORD)
    verify_payment_password(customer.pk, cases.DEMO_PAYMENT_PASSWORD)  # raises when wrong
