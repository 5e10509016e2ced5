from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from walletdesk.core.money import Money
from walletdesk.identity.facade import set_payment_password
from walletdesk.payments import operations, wallets
from walletdesk.payments.models import Transfer
from walletdesk.payments.tests.factories import credit_wallet, make_merchant

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_customer(user_factory: Any) -> Any:
    """A customer with payments, transfers in and out, and a refund."""
    user = user_factory(display_name="陈静")
    friend = user_factory(display_name="赵磊")
    for person in (user, friend):
        wallets.open_wallet(person.pk)
    credit_wallet(user.pk, Money(1_000_00, "CNY"))
    credit_wallet(friend.pk, Money(100_00, "CNY"))
    set_payment_password(user.pk, "258036")
    shop = make_merchant()
    for n in range(6):
        operations.transfer(
            payer=operations.Payer.customer(user.pk),
            recipient=friend.login_name,
            amount=f"{n + 1}.00",
            currency="CNY",
            idempotency_key=uuid.uuid4().hex,
            confirmed=True,
        )
        operations.pay_merchant(
            payer=operations.Payer.customer(user.pk),
            merchant_id=str(shop.public_id),
            amount="9.90",
            payment_password="258036",
            idempotency_key=uuid.uuid4().hex,
        )
    operations.transfer(
        payer=operations.Payer.customer(friend.pk),
        recipient=user.login_name,
        amount="5.00",
        currency="CNY",
        idempotency_key=uuid.uuid4().hex,
        confirmed=True,
    )
    return user


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_home_shows_balance_and_recent_records(
    busy_customer: Any, django_assert_num_queries: Any
) -> None:
    client = client_for(busy_customer)
    # session, user, wallet, balances, recent records, announcements; then the session is saved
    # for the idle timeout (savepoint, update, release)
    with django_assert_num_queries(9):
        response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "¥924.60" in html  # 1000 − 21 (transfers) − 59.40 (payments) + 5
    assert "退出登录" in html and "注销" not in html


def test_records_page_query_count_does_not_grow_with_rows(
    busy_customer: Any, django_assert_num_queries: Any
) -> None:
    client = client_for(busy_customer)
    # session, user, count, one page of records, announcements; session save (3)
    with django_assert_num_queries(8):
        response = client.get("/records/")
    assert response.status_code == 200
    assert response.content.decode().count('class="list-item"') == 13


def test_record_detail_is_scoped_to_its_owner(busy_customer: Any, user_factory: Any) -> None:
    from walletdesk.payments.models import Activity

    row = Activity.objects.filter(user=busy_customer, type="payment").first()
    assert row is not None
    path = f"/records/payment/{row.object_public_id}/"
    assert client_for(busy_customer).get(path).status_code == 200
    assert client_for(user_factory()).get(path).status_code == 404
    assert Client().get(path).status_code == 302


def test_english_pages(busy_customer: Any) -> None:
    client = client_for(busy_customer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert "Available balance (CNY)" in html and "Log out" in html


def test_staff_land_on_staff_pages_and_get_no_wallet(user_factory: Any) -> None:
    from walletdesk.payments.models import Wallet

    agent = user_factory(role="agent")
    response = client_for(agent).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/help/editor/"
    assert not Wallet.objects.filter(user=agent).exists()


def test_transfer_page_and_api_reach_a_customer_by_the_email_they_bound(
    user_factory: Any,
) -> None:
    sender = user_factory(display_name="陈静")
    friend = user_factory(display_name="赵磊")
    type(friend).objects.filter(pk=friend.pk).update(email="zhao.lei@example.com")
    for person in (sender, friend):
        wallets.open_wallet(person.pk)
    credit_wallet(sender.pk, Money(100_00, "CNY"))
    set_payment_password(sender.pk, "258036")
    client = client_for(sender)

    response = client.post(
        "/transfer/",
        {
            "idempotency_key": uuid.uuid4().hex,
            "recipient": "zhao.lei@example.com",
            "amount": "12.00",
            "memo": "",
            "step": "confirm",
            "payment_password": "258036",
        },
    )
    assert response.status_code == 302, response.content.decode()
    transfer = Transfer.objects.get(recipient=friend)
    assert response["Location"] == f"/records/transfer_out/{transfer.public_id}/"

    response = client.post(
        "/api/v1/transfers",
        json.dumps(
            {"recipient": "Zhao.Lei@example.com", "amount": "3.00", "payment_password": "258036"}
        ),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="email-transfer-1",
    )
    assert response.status_code == 201, response.content.decode()
    assert response.json()["recipient"] == "赵磊"
    assert wallets.wallet_account(friend.pk, "CNY").posted == 15_00
