"""A customer reaches a person: contact support about a record, read the reply, rate the help."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import choose_language
from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.payments.facade import ensure_wallet
from walletdesk.payments.topups import create_top_up
from walletdesk.tickets import actions
from walletdesk.tickets.enums import TicketStatus
from walletdesk.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stuck_top_up(customer: Any) -> str:
    """A top-up that reached the rail and never came back (sandbox amount xx.54)."""
    ensure_wallet(customer.pk)
    outcome = create_top_up(
        user_id=customer.pk,
        kyc_level=0,
        amount="2000.54",  # the sandbox never calls back: it stays pending here
        currency="CNY",
        method="third_party_wallet",
        card_id=None,
        idempotency_key="stuck-top-up",
    )
    return str(outcome.body["id"])


def test_a_customer_asks_about_a_stuck_top_up_reads_the_reply_and_rates_it(
    page: Page,
    live_server: Any,
    customer: Any,
    stuck_top_up: str,
    user_factory: Any,
    login_in_browser: Any,
) -> None:
    login_in_browser(page, customer.login_name)
    page.goto(f"{live_server.url}/records/top_up/{stuck_top_up}/")
    page.get_by_role("link", name="就这笔记录咨询客服").click()
    page.wait_for_load_state("networkidle")

    assert "2,000.54" in page.locator("#linked-record").inner_text()
    assert page.locator("select[name=category]").input_value() == "topup_not_arrived"
    page.fill("input[name=subject]", "充值两千还没到")
    page.fill("textarea[name=body]", "昨天晚上充的，银行卡已经扣款了。")
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state("networkidle")

    ticket = Ticket.objects.get(customer=customer)
    assert page.locator("#ticket-number").inner_text() == ticket.number
    assert ticket.number in page.locator(".flash-success").inner_text()
    assert "已受理" in page.locator("#ticket-status").inner_text()
    assert "处理中" in page.locator("#ticket-head ~ section").first.inner_text()

    agent = Actor.agent(user_factory(role=Role.AGENT).pk)
    reply = "银行还在处理，我们已催办，预计今天到账。"
    actions.add_message(agent, ticket.number, reply, then_status=TicketStatus.SOLVED)
    page.reload()
    assert "银行还在处理" in page.locator("#ticket-messages").inner_text()
    assert "已解决" in page.locator("#ticket-status").inner_text()

    page.locator("#rating-form input[name=score][value='5']").check()
    page.fill("#rating-form textarea[name=comment]", "回复很快")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_load_state("networkidle")
    assert "5" in page.locator("#rating-given").inner_text()
    ticket.refresh_from_db()
    assert (ticket.rating.score, ticket.rating.comment) == (5, "回复很快")

    # The same request in English, at phone width, from the list of requests.
    choose_language(page, "en")
    page.goto(f"{live_server.url}/support/")
    page.locator("#my-tickets a.ticket-link").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#ticket-status").inner_text() == "Solved"
    assert page.get_by_role("button", name="Not solved? Reopen").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


def test_contact_support_is_on_every_page_and_a_complaint_promises_a_reply_time(
    page: Page, live_server: Any, customer: Any, login_in_browser: Any
) -> None:
    login_in_browser(page, customer.login_name)
    page.goto(f"{live_server.url}/help/")
    page.locator("#contact-support-link").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="投诉").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("input[name=kind][value=complaint]").is_checked()
    page.select_option("select[name=category]", "complaint_general")
    page.fill("input[name=subject]", "客服电话一直打不通")
    page.fill("textarea[name=body]", "打了三次热线都没人接。")
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#reply-due").is_visible()
    assert "12315" in page.locator("#complaint-escalation").inner_text()
