"""Shared payments fixtures. Money enters wallets the real way: a top-up that the sandbox rail
completes through its signed callback (`wallet_factory`, `fund`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from walletdesk.core.money import Money
from walletdesk.payments.fees import invalidate_fee_cache
from walletdesk.payments.limits import invalidate_limit_cache
from walletdesk.payments.models import BankCard, FeeRule, LimitRule, TopUp
from walletdesk.payments.wallets import open_wallet, wallet_account

# Luhn-valid test card numbers (sandbox: numbers ending in 0002 are declined by the issuer).
UNIONPAY_CARD = "6222021234567890128"
VISA_CARD = "4111111111111111"
DECLINED_CARD = "4000000000000002"
# Every `wallet_factory` customer confirms withdrawals, transfers and payments with this.
PAY_PASSWORD = "246810"


@pytest.fixture(autouse=True)
def _payments_test_settings(settings: Any) -> Iterator[None]:
    """Rails answer at once and in process; fee and limit caches start empty."""
    settings.WALLETDESK = {
        **settings.WALLETDESK,
        "SANDBOX_RAIL_LATENCY_SECONDS": 0,
        "SANDBOX_CALLBACK_BASE_URL": "",
        "SANDBOX_RAIL_FORCE_MODE": "",
    }
    invalidate_fee_cache()
    invalidate_limit_cache()
    yield
    invalidate_fee_cache()
    invalidate_limit_cache()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """`with run_on_commit(): ...` runs what would run after commit (rail submission, the
    sandbox's callback job) when the block ends, as in production."""

    def make() -> Any:
        return django_capture_on_commit_callbacks(execute=True)

    return make


@pytest.fixture
def fund(run_on_commit: Callable[[], Any]) -> Callable[..., TopUp]:
    """Top up `user` with `amount` through the sandbox rail (third-party wallet, no fee rule
    needed) and return the settled top-up."""
    from walletdesk.payments.topups import create_top_up

    def make(user: Any, amount: str = "100.00", currency: str = "CNY") -> TopUp:
        with run_on_commit():
            outcome = create_top_up(
                user_id=user.pk,
                kyc_level=getattr(user, "kyc_level", 0),
                amount=amount,
                currency=currency,
                method="third_party_wallet",
                card_id=None,
                idempotency_key=f"fund-{uuid.uuid4().hex}",
            )
        top_up = TopUp.objects.get(public_id=outcome.body["id"])
        assert top_up.status == "succeeded", top_up.status
        return top_up

    return make


@pytest.fixture
def wallet_factory(
    user_factory: Callable[..., Any], fund: Callable[..., TopUp]
) -> Callable[..., Any]:
    """A customer with an opened wallet, funded by a real successful top-up when `balance` > 0."""

    def make(balance: str = "0.00", currency: str = "CNY", **user_fields: Any) -> Any:
        from walletdesk.identity.facade import set_payment_password

        user = user_factory(**user_fields)
        open_wallet(user.pk, (currency,))
        set_payment_password(user.pk, PAY_PASSWORD)
        if Money(0, currency).to_decimal_string() != balance and balance not in ("0", ""):
            fund(user, balance, currency)
        return user

    return make


@pytest.fixture
def card_factory() -> Callable[..., BankCard]:
    from walletdesk.payments.cards import bind_card

    def make(user: Any, number: str = UNIONPAY_CARD, expiry: str = "12/39") -> BankCard:
        return bind_card(user_id=user.pk, number=number, expiry=expiry, cvv="123")

    return make


@pytest.fixture
def fee_rule() -> Callable[..., FeeRule]:
    def make(
        operation: str,
        *,
        rate_bp: int = 0,
        minimum: int = 0,
        fixed: int = 0,
        method: str = "",
        currency: str = "CNY",
        maximum: int | None = None,
    ) -> FeeRule:
        rule = FeeRule.objects.create(
            operation=operation,
            method=method,
            currency=currency,
            rate_bp=rate_bp,
            minimum=minimum,
            fixed=fixed,
            maximum=maximum,
        )
        invalidate_fee_cache()
        return rule

    return make


@pytest.fixture
def limit_rule() -> Callable[..., LimitRule]:
    def make(
        operation: str,
        *,
        per_transaction: int,
        per_day: int,
        per_hour_count: int | None = None,
        kyc_level: int = 0,
        currency: str = "CNY",
    ) -> LimitRule:
        rule = LimitRule.objects.create(
            operation=operation,
            kyc_level=kyc_level,
            currency=currency,
            per_transaction=per_transaction,
            per_day=per_day,
            per_hour_count=per_hour_count,
        )
        invalidate_limit_cache()
        return rule

    return make


@pytest.fixture
def client_for() -> Callable[[Any], Client]:
    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def available(user: Any, currency: str = "CNY") -> int:
    """Available balance in minor units."""
    return wallet_account(user.pk, currency).available
