"""The withdrawal fee the help center states is the fee the product charges: the rate and minimum
in every article that names them, the worked examples and the table of withdrawal-fee.md and the
example in how-to-withdraw.md (both languages) are what `quote_withdrawal` computes with the fee
rule seed_demo installs. Change the rule or the article alone and this fails."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from walletdesk.demo.management.commands.seed_demo import FEES
from walletdesk.helpcenter.content_files import ContentFile, load_content_files
from walletdesk.payments.enums import WithdrawalFeeMethod
from walletdesk.payments.facade import ensure_rules
from walletdesk.payments.models import FeeRule
from walletdesk.payments.withdrawals import quote_withdrawal

pytestmark = pytest.mark.django_db

ARTICLES = load_content_files()
LANGUAGES = ("zh-hans", "en")
# Articles that state the withdrawal fee's rate and minimum.
FEE_STATED_IN = (
    "withdrawal-fee",
    "how-to-withdraw",
    "withdrawal-limits",
    "fees-overview",
    "balance-incorrect",
)
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
# "0.1%，最低 0.10 元", "0.1% 的手续费，最低 0.10 元", "0.1%（最低 0.10 元）"
RATE_AND_MINIMUM = {
    "zh-hans": re.compile(r"(\d+(?:\.\d+)?)%[^\n\d%]{0,8}?最低\s*(\d+\.\d{2})\s*元"),
    # "0.1%, minimum ¥0.10", "0.1% of the amount, minimum ¥0.10", "0.1% (min ¥0.10)"
    "en": re.compile(r"(\d+(?:\.\d+)?)%[^\n\d%]{0,20}?\bmin(?:imum)? ¥(\d+\.\d{2})"),
}


def numbers(text: str) -> list[Decimal]:
    return [Decimal(n.replace(",", "")) for n in NUMBER.findall(text)]


def article(slug: str, language: str) -> ContentFile:
    return ARTICLES[slug][language]


@pytest.fixture
def rule() -> FeeRule:
    """The withdrawal fee rule exactly as `seed_demo` installs it."""
    ensure_rules(FEES, [])
    return FeeRule.objects.get(operation="withdrawal", currency="CNY", is_active=True)


@pytest.fixture
def quote(rule: FeeRule, wallet_factory: Any, card_factory: Any) -> Any:
    user = wallet_factory()
    card = card_factory(user)

    def figures(amount: Decimal) -> list[Decimal]:
        """[amount, fee, on top: leaves / arrives, from the amount: leaves / arrives]."""
        quoted = quote_withdrawal(
            user_id=user.pk, amount=f"{amount:.2f}", currency="CNY", card_id=str(card.public_id)
        )
        on_top = quoted.option(WithdrawalFeeMethod.ON_TOP)
        taken = quoted.option(WithdrawalFeeMethod.FROM_AMOUNT)
        return [
            Decimal(money.to_decimal_string())
            for money in (
                quoted.amount,
                quoted.fee,
                on_top.total_debit,
                on_top.arrives,
                taken.total_debit,
                taken.arrives,
            )
        ]

    return figures


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("slug", FEE_STATED_IN)
def test_the_stated_rate_and_minimum_are_the_seeded_rule(
    rule: FeeRule, slug: str, language: str
) -> None:
    item = article(slug, language)
    text = "\n".join([item.title, item.summary, item.body])
    stated = RATE_AND_MINIMUM[language].findall(text)
    assert stated, f"{item.path}: the withdrawal fee's rate and minimum are not stated"
    for rate, minimum in stated:
        assert Decimal(rate) == Decimal(rule.rate_bp) / 100, item.path
        assert Decimal(minimum) == Decimal(rule.minimum) / 100, item.path


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_table_of_examples_is_what_the_quote_computes(quote: Any, language: str) -> None:
    body = article("withdrawal-fee", language).body
    rows = [
        numbers(line)
        for line in body.splitlines()
        if line.startswith("|") and not line.startswith("|---") and NUMBER.search(line)
    ]
    assert len(rows) >= 4
    for row in rows:
        assert row == quote(row[0]), row


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_fee_method_s_worked_example_is_what_the_quote_computes(
    quote: Any, language: str
) -> None:
    body = article("withdrawal-fee", language).body
    for method, figures in (
        (WithdrawalFeeMethod.ON_TOP, slice(2, 4)),
        (WithdrawalFeeMethod.FROM_AMOUNT, slice(4, 6)),
    ):
        # Each way is named as the withdrawal page names it.
        with translation.override(language):
            label = str(method.label)
        (line,) = [line for line in body.splitlines() if line.startswith(f"- **{label}**")]
        amount, leaves, arrives = numbers(line)
        assert [leaves, arrives] == quote(amount)[figures], line


@pytest.mark.parametrize("language", LANGUAGES)
def test_how_to_withdraw_s_example_is_what_the_quote_computes(
    rule: FeeRule, quote: Any, language: str
) -> None:
    body = article("how-to-withdraw", language).body
    (line,) = [line for line in body.splitlines() if line.startswith("- ") and "%" in line]
    rate, minimum, *example = numbers(line)
    assert (rate, minimum) == (Decimal(rule.rate_bp) / 100, Decimal(rule.minimum) / 100)
    assert example == quote(example[0]), line
