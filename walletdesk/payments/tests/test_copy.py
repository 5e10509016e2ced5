"""What customers read: the right word for each use of a short msgid (pgettext contexts), plain
reasons instead of codes, one term per concept, names in the reader's language, and pages and
help articles that describe the same screen."""

from __future__ import annotations

import re
import uuid
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from walletdesk.identity.facade import set_payment_password
from walletdesk.payments import wallets
from walletdesk.payments.enums import FailureReason
from walletdesk.payments.models import TopUp, Withdrawal
from walletdesk.payments.rails import sandbox
from walletdesk.payments.tests.factories import credit_wallet, make_merchant
from walletdesk.payments.topups import create_top_up
from walletdesk.payments.withdrawals import create_withdrawal

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
HELP = ROOT / "walletdesk" / "helpcenter" / "content"


def signed_in(user: Any, language: str = "zh-hans") -> Client:
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Safari/604.1")
    response = client.post(
        "/account/login/", {"username": user.login_name, "password": "correct horse battery"}
    )
    assert response.status_code == 302
    if language != "zh-hans":
        client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client


def visible_text(html: str) -> str:
    """What a reader sees: no tags, scripts or attribute values."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return visible_text(response.content.decode())


def test_the_records_filter_says_start_and_end_date(customer: Any) -> None:
    text = page(signed_in(customer), "/records/")
    assert "开始日期" in text and "结束日期" in text
    assert "接收方" not in text


def test_set_is_a_status_on_one_side_and_an_action_on_the_other(customer: Any) -> None:
    client = signed_in(customer)
    html = client.get("/account/security/").content.decode()
    link = re.search(r'href="/account/security/payment-password/"[^>]*>([^<]+)<', html)
    assert link is not None and link.group(1) == "设置"
    assert "未设置" in visible_text(html)

    set_payment_password(customer.pk, "258036")
    html = client.get("/account/security/").content.decode()
    link = re.search(r'href="/account/security/payment-password/"[^>]*>([^<]+)<', html)
    assert link is not None and link.group(1) == "重置"
    assert "已设置" in visible_text(html)


def test_a_devices_last_activity_is_not_called_active_at(customer: Any) -> None:
    text = page(signed_in(customer), "/account/security/devices/")
    assert "最近活跃" in text and "活跃于" not in text


def test_a_balance_is_named_by_its_currency_name(customer: Any) -> None:
    wallets.open_wallet(customer.pk)
    credit_wallet(customer.pk, wallets_money("10.00"))
    text = page(signed_in(customer), "/account/close/")
    assert "你的人民币余额不为零" in text and "CNY 余额" not in text


def wallets_money(amount: str) -> Any:
    from walletdesk.core.money import parse_amount

    return parse_amount(amount, "CNY")


def test_english_pages_use_the_merchants_english_name(customer: Any) -> None:
    wallets.open_wallet(customer.pk)
    make_merchant("星巴克", name_en="Starbucks")
    assert "Starbucks" in page(signed_in(customer, "en"), "/pay/")
    chinese = page(signed_in(customer), "/pay/")
    assert "星巴克" in chinese and "Starbucks" not in chinese


@pytest.fixture
def failed_operations(customer: Any, django_capture_on_commit_callbacks: Any) -> list[str]:
    """A declined top-up, a top-up the bank refused and a withdrawal the bank refused, on a card
    whose issuer the sandbox does not know."""
    from walletdesk.payments.cards import bind_card

    wallets.open_wallet(customer.pk)
    credit_wallet(customer.pk, wallets_money("500.00"))
    card = bind_card(user_id=customer.pk, number="4111111111111111", expiry="12/39", cvv="123")
    paths = []
    for amount in ("100.51", "100.52"):
        with django_capture_on_commit_callbacks(execute=True):
            outcome = create_top_up(
                user_id=customer.pk,
                kyc_level=0,
                amount=amount,
                currency="CNY",
                method="bank_card",
                card_id=str(card.public_id),
                idempotency_key=uuid.uuid4().hex,
            )
        paths.append(f"/records/top-up/{outcome.body['id']}/")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = create_withdrawal(
            user_id=customer.pk,
            kyc_level=0,
            amount="200.52",
            currency="CNY",
            card_id=str(card.public_id),
            idempotency_key=uuid.uuid4().hex,
            confirmed=True,
        )
    paths.append(f"/records/withdrawal/{outcome.body['id']}/")
    assert TopUp.objects.filter(status="failed").count() == 2
    assert Withdrawal.objects.get().status == "failed"
    return paths


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_customer_page_shows_a_raw_reason_code_or_a_placeholder_bank(
    customer: Any, failed_operations: list[str], language: str
) -> None:
    client = signed_in(customer, language)
    codes = [code for code in FailureReason.values if "_" in code]
    for path in ["/", "/records/", "/notifications/", "/cards/", *failed_operations]:
        text = page(client, path)
        shown = [code for code in codes if code in text]
        assert shown == [], (path, shown)
        assert "Sandbox Bank" not in text, path
    detail = page(client, failed_operations[1])
    assert ("银行卡余额不足" if language == "zh-hans" else "Not enough money") in detail


def test_the_record_page_shows_what_the_help_article_promises(
    customer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """topup-not-arrived tells customers the detail page shows the status, the trace id (流水号)
    and the expected arrival time; bank-transfer top-ups need no receiving account or 附言."""
    wallets.open_wallet(customer.pk)
    with sandbox.force_mode("awaiting_requery"), django_capture_on_commit_callbacks(execute=True):
        outcome = create_top_up(
            user_id=customer.pk,
            kyc_level=0,
            amount="300.00",
            currency="CNY",
            method="bank_transfer",
            card_id=None,
            idempotency_key=uuid.uuid4().hex,
        )
    text = page(signed_in(customer), f"/records/top-up/{outcome.body['id']}/")
    article = (HELP / "zh" / "topup-not-arrived.md").read_text(encoding="utf-8")
    for promised in ("流水号", "预计到账时间"):
        assert promised in article and promised in text
    english = page(signed_in(customer, "en"), f"/records/top-up/{outcome.body['id']}/")
    assert "Expected arrival" in english
    assert (HELP / "en" / "topup-not-arrived.md").read_text().count("Expected arrival") >= 1
    for path in HELP.glob("*/*.md"):
        body = path.read_text(encoding="utf-8")
        assert "附言" not in body and "reference shown on the page" not in body, path.name


# One term per concept. Search aliases (front-matter synonyms, synonyms.json) may keep the others.
REJECTED_TERMS = {
    "双重验证": "两步验证",
    "追踪号": "流水号",
    "订单号": "交易单号",
    "交易号": "交易单号",
}


def _customer_copy() -> list[tuple[str, str]]:
    texts = []
    for path in sorted(ROOT.glob("walletdesk/*/locale/zh_Hans/LC_MESSAGES/django.po")):
        strings = re.findall(r'^msgstr(?:\[\d\])? "(.*)"$|^"(.*)"$', path.read_text(), flags=re.M)
        texts.append((str(path), "".join(a or b for a, b in strings)))
    for path in sorted((HELP / "zh").glob("*.md")):
        lines = path.read_text(encoding="utf-8").splitlines()
        texts.append((path.name, "\n".join(x for x in lines if not x.startswith("synonyms:"))))
    return texts


def test_one_term_per_concept_in_catalogues_and_help() -> None:
    for where, text in _customer_copy():
        for rejected, chosen in REJECTED_TERMS.items():
            stripped = text.replace("交易单号", "")
            assert rejected not in stripped, f"{where}: {rejected} (we say {chosen})"
        # 工单号 is a ticket's number, a different thing from a transaction's 交易单号.
        assert not re.search(r"(?<![交易工])单号", text), f"{where}: 单号 (we say 交易单号)"


def test_admin_columns_of_money_models_are_translated() -> None:
    """The admin's column headers are the fields' verbose names: every field listed or filtered
    on in the ledger's and payments' admin pages reads in Chinese."""
    from django.contrib import admin
    from django.core.exceptions import FieldDoesNotExist
    from django.utils import translation

    english = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ("ledger", "payments"):
            continue
        for name in [*model_admin.list_display, *(model_admin.list_filter or ())]:
            if not isinstance(name, str) or name in ("__str__", "public_id", "id"):
                continue
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            with translation.override("zh-hans"):
                header = str(getattr(field, "verbose_name", ""))
            if re.search(r"[A-Za-z]{2}", header):
                english.append(f"{model.__name__}.{name}: {header}")
    assert english == []
