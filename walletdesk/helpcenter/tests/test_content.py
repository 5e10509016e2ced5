from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from walletdesk.helpcenter.content_files import LANGUAGE_DIRS, load_content_files
from walletdesk.helpcenter.models import Article, ArticleTranslation, ArticleVersion, Category

LANGUAGES = tuple(LANGUAGE_DIRS)

INTENTS_WITHOUT_ARTICLE = {"greeting", "thanks_goodbye", "out_of_scope"}
REQUIRED_INTENTS = {
    "forgot_password", "reset_payment_password", "verification_code_not_received",
    "account_frozen", "emergency_freeze", "suspicious_login", "unauthorized_transaction",
    "enable_2fa", "change_phone", "update_account_info", "identity_verification",
    "close_account", "topup_how", "topup_not_arrived", "topup_failed", "withdraw_how",
    "withdraw_not_arrived", "withdraw_failed", "fees", "payment_failed", "payment_limit",
    "duplicate_charge", "balance_incorrect", "transfer_not_received", "transfer_how",
    "refund_request", "refund_not_received", "merchant_refused_refund", "bind_card",
    "unbind_card", "card_declined", "international_payment", "exchange_rate",
    "transaction_history", "balance_inquiry", "report_fraud", "complaint", "feedback",
    "app_issue", "service_status", "promotions", "human_agent",
}  # fmt: skip


def test_at_least_45_articles_in_each_language_with_matching_slugs() -> None:
    files = load_content_files()
    for language in LANGUAGE_DIRS:
        assert sum(1 for item in files.values() if language in item) >= 45
    assert all(set(item) == {"zh-hans", "en"} for item in files.values())


def test_every_how_to_intent_has_an_article() -> None:
    covered = {i for item in load_content_files().values() for i in item["zh-hans"].intents}
    assert covered >= REQUIRED_INTENTS
    assert not covered & INTENTS_WITHOUT_ARTICLE


def test_internal_links_and_related_slugs_exist() -> None:
    files = load_content_files()
    for item in files.values():
        for content in item.values():
            for slug in re.findall(r"/help/a/([a-z0-9-]+)/", content.body):
                assert slug in files, f"{content.path}: broken link to {slug}"
            for slug in content.related:
                assert slug in files, f"{content.path}: unknown related {slug}"


def test_product_facts_are_consistent() -> None:
    files = load_content_files()
    zh = files["how-to-withdraw"]["zh-hans"].body
    en = files["how-to-withdraw"]["en"].body
    assert "0.1%" in zh and "0.10 元" in zh and "5 次" in zh and "2,000 元" in zh
    assert "0.1%" in en and "¥0.10" in en and "5 withdrawals per hour" in en
    assert "60 秒" in files["exchange-rate"]["zh-hans"].body
    assert "0.5%" in files["exchange-rate"]["en"].body
    assert "3 小时" in files["payment-password-locked"]["zh-hans"].body


@pytest.mark.django_db
def test_load_help_content_is_idempotent_and_updates_changed_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = len(load_content_files())
    out = StringIO()
    call_command("load_help_content", stdout=out)
    assert f"{files} created, 0 updated, 0 unchanged" in out.getvalue()
    articles = Article.objects.count()
    assert articles == files
    translations = ArticleTranslation.objects.count()
    versions = ArticleVersion.objects.count()
    assert articles >= 45 and translations == 2 * articles
    assert Category.objects.count() == 16

    out = StringIO()
    call_command("load_help_content", stdout=out)
    assert f"0 created, 0 updated, {articles} unchanged" in out.getvalue()
    assert (Article.objects.count(), ArticleVersion.objects.count()) == (articles, versions)

    # An edited file updates its article with a new version and nothing else.
    from walletdesk.helpcenter import content_files

    original = content_files.load_content_files

    def edited(content_dir: Path = content_files.CONTENT_DIR) -> dict[str, Any]:
        data = original(content_dir)
        item = data["how-to-top-up"]["en"]
        from dataclasses import replace

        data["how-to-top-up"]["en"] = replace(item, body=item.body + "\nNew tip.\n")
        return data

    monkeypatch.setattr(
        "walletdesk.helpcenter.management.commands.load_help_content.load_content_files", edited
    )
    out = StringIO()
    call_command("load_help_content", stdout=out)
    assert "0 created, 1 updated" in out.getvalue()
    assert ArticleVersion.objects.count() == versions + 1
    assert (
        "New tip."
        in ArticleTranslation.objects.get(article__slug="how-to-top-up", language="en").body
    )


SPREAD = {
    "zh-hans": re.compile(r"(\d+(?:\.\d+)?)%\s*(?:的|汇率)?\s*点差"),
    "en": re.compile(r"(\d+(?:\.\d+)?)% (?:exchange-rate )?spread"),
}
QUOTE_SECONDS = {"zh-hans": re.compile(r"(\d+)\s*秒"), "en": re.compile(r"(\d+) seconds")}


def test_foreign_currency_pages_describe_what_the_product_does() -> None:
    """The wallet has no conversion screen (balances in different currencies can't be exchanged;
    a rate is used only to pay a foreign merchant from the CNY balance), so no article sends
    anyone to one; the spread and the quote's validity are the ones payments.fx applies."""
    from walletdesk.payments import fx

    files = load_content_files()
    for item in files.values():
        for content in item.values():
            text = "\n".join([content.title, content.summary, content.body])
            assert not re.search(r"\*\*(换汇|Convert)\*\*", text), content.path
            assert "换成人民币再提现" not in text and "converting to CNY" not in text, content.path
    for language in LANGUAGES:
        for slug in ("exchange-rate", "supported-currencies"):
            body = files[slug][language].body
            assert ("没有换汇功能" if language == "zh-hans" else "no currency conversion") in body
        for slug in ("exchange-rate", "international-payment", "fees-overview"):
            content = files[slug][language]
            text = "\n".join([content.summary, content.body])
            spreads = SPREAD[language].findall(text)
            assert spreads, content.path
            assert {Decimal(s) for s in spreads} == {Decimal(fx.DEFAULT_SPREAD_BP) / 100}
        for slug in ("exchange-rate", "international-payment"):
            content = files[slug][language]
            seconds = QUOTE_SECONDS[language].findall(content.summary + content.body)
            assert seconds, content.path
            assert {int(s) for s in seconds} == {fx.QUOTE_VALIDITY.total_seconds()}
