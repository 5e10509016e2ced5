"""The customer's support pages, through the test client (the browser walk is in tests/browser)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.payments.models import Activity
from walletdesk.tickets import actions
from walletdesk.tickets.enums import TicketKind, TicketStatus
from walletdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def pending_top_up(user_id: int) -> Activity:
    return Activity.objects.create(
        user_id=user_id,
        type="top_up",
        status="pending",
        currency="CNY",
        amount=2_000_00,
        title="银行卡充值",
        object_public_id=uuid.uuid4(),
        created_at=timezone.now(),
    )


def test_every_customer_page_offers_contact_support_and_the_hotline(
    customer_client: Client,
) -> None:
    for path in ("/", "/records/", "/help/", "/account/security/"):
        page = customer_client.get(path, follow=True).content.decode()
        assert 'id="contact-support-link"' in page, path
        assert "400-000-0000" in page, path


def test_asking_about_a_record_prefills_the_topic_and_links_it(
    customer: Any, customer_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    row = pending_top_up(customer.pk)
    from walletdesk.payments.facade import ensure_wallet
    from walletdesk.payments.topups import create_top_up

    ensure_wallet(customer.pk)
    with django_capture_on_commit_callbacks(execute=False):
        outcome = create_top_up(
            user_id=customer.pk,
            kyc_level=0,
            amount="200.00",
            currency="CNY",
            method="third_party_wallet",
            card_id=None,
            idempotency_key="ask-about-it",
        )
    top_up_id = outcome.body["id"]
    top_up_page = customer_client.get(f"/records/top_up/{top_up_id}/", follow=True)
    assert f"/support/new/?record=top_up:{top_up_id}" in top_up_page.content.decode()

    form = customer_client.get(f"/support/new/?record=top_up:{row.object_public_id}")
    html = form.content.decode()
    assert 'id="linked-record"' in html
    assert '<option value="topup_not_arrived" selected>' in html

    sent = customer_client.post(
        "/support/new/",
        {
            "kind": "question",
            "category": "topup_not_arrived",
            "subject": "充值不到账",
            "body": "充了 2,000 还没到",
            "record": f"top_up:{row.object_public_id}",
        },
    )
    ticket = Ticket.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/support/{ticket.number}/"
    assert ticket.links.get().object_id == str(row.object_public_id)
    page = customer_client.get(sent["Location"]).content.decode()
    assert ticket.number in page
    assert "银行卡充值" in page


def test_a_missing_field_keeps_what_was_typed_and_says_what_is_wrong(
    customer_client: Client,
) -> None:
    response = customer_client.post(
        "/support/new/",
        {"kind": "question", "category": "", "subject": "到账问题", "body": "很着急"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "很着急" in html and "到账问题" in html
    assert "errorlist" in html
    assert not Ticket.objects.exists()


def test_someone_elses_record_in_the_query_is_ignored(
    customer_client: Client, user_factory: Callable[..., Any]
) -> None:
    theirs = pending_top_up(user_factory().pk)
    html = customer_client.get(f"/support/new/?record=top_up:{theirs.object_public_id}")
    assert 'id="linked-record"' not in html.content.decode()


def test_a_complaint_shows_the_promised_reply_time_and_where_else_to_complain(
    customer: Any, customer_client: Client
) -> None:
    ticket = actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject="客服态度差",
        body="打了三次电话没人管",
        category="complaint_general",
        kind=TicketKind.COMPLAINT,
    )
    zh = customer_client.get(f"/support/{ticket.number}/").content.decode()
    assert 'id="reply-due"' in zh
    assert "12315" in zh and "12363" in zh
    customer_client.post("/i18n/setlang/", {"language": "en"})
    en = customer_client.get(f"/support/{ticket.number}/").content.decode()
    assert "consumer association" in en


def test_reply_reopen_and_rate_from_the_page(
    customer: Any, customer_client: Client, user_factory: Callable[..., Any]
) -> None:
    agent = Actor.agent(user_factory(role=Role.AGENT).pk)
    ticket = actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject="提现失败",
        body="被退回了",
        category="withdraw_failed",
    )
    actions.add_message(agent, ticket.number, "已处理，请查收。", then_status=TicketStatus.SOLVED)
    customer_client.post(f"/support/{ticket.number}/rate/", {"score": "4", "comment": "还行"})
    ticket.refresh_from_db()
    assert ticket.rating.score == 4
    customer_client.post(f"/support/{ticket.number}/reopen/")
    customer_client.post(f"/support/{ticket.number}/reply/", {"body": "其实还没到"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.messages.last().body == "其实还没到"  # type: ignore[union-attr]


def test_another_customers_ticket_page_is_a_404(
    customer_client: Client, user_factory: Callable[..., Any]
) -> None:
    other = user_factory()
    ticket = actions.open_ticket(
        Actor.customer(other.pk),
        customer_id=other.pk,
        subject="s",
        body="b",
        category="fees_general",
    )
    assert customer_client.get(f"/support/{ticket.number}/").status_code == 404
    assert (
        customer_client.post(f"/support/{ticket.number}/reply/", {"body": "x"}).status_code == 404
    )


def test_my_requests_page_costs_the_same_queries_for_one_or_ten(
    customer: Any, customer_client: Client
) -> None:
    def open_one() -> None:
        actions.open_ticket(
            Actor.customer(customer.pk),
            customer_id=customer.pk,
            subject="s",
            body="b",
            category="topup_failed",
        )

    open_one()
    customer_client.get("/support/")
    with CaptureQueriesContext(connection) as one:
        customer_client.get("/support/")
    for _ in range(9):
        open_one()
    with CaptureQueriesContext(connection) as ten:
        html = customer_client.get("/support/").content.decode()
    assert html.count('class="ticket-link"') == 10
    assert len(ten) == len(one)


def test_staff_do_not_use_the_customer_pages(user_factory: Callable[..., Any]) -> None:
    staff = Client()
    staff.force_login(user_factory(role=Role.AGENT))
    assert staff.get("/support/").status_code == 403
