"""The customer 360 and the safe actions in Chromium: an agent signs in with the authenticator,
opens a customer's ticket, reads the 360 beside it (masked phone, balance, the stuck top-up),
freezes the account after confirming their second factor, and re-queries the stuck top-up.
Once in Chinese at phone width (390 px), once in English on a desktop from the live-chat console."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import TestCase
from django.utils import timezone
from playwright.sync_api import Browser, Page

from walletdesk.identity import totp
from walletdesk.identity.enums import Role
from walletdesk.identity.tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _customer(phone: str, language: str) -> tuple[Any, str, str]:
    """A customer with ¥2,000, a top-up stuck on the sandbox rail and an open ticket."""
    from tests.browser.test_agent_desk import _desk_data
    from walletdesk.core.actors import Actor
    from walletdesk.core.money import Money
    from walletdesk.identity.models import User
    from walletdesk.payments import wallets
    from walletdesk.payments.rails import sandbox
    from walletdesk.payments.tests.factories import credit_wallet
    from walletdesk.payments.topups import create_top_up
    from walletdesk.tickets import actions

    _desk_data()
    customer = User.objects.create_user(
        phone,
        PASSWORD,
        phone=phone,
        display_name="王芳" if language == "zh-hans" else "Fang Wang",
        preferred_language=language,
    )
    wallets.open_wallet(customer.pk)
    credit_wallet(customer.pk, Money(2_000_00, "CNY"))
    with sandbox.force_mode("awaiting_requery"), TestCase.captureOnCommitCallbacks(execute=True):
        outcome = create_top_up(
            user_id=customer.pk,
            kyc_level=0,
            amount="300.00",
            currency="CNY",
            method="third_party_wallet",
            card_id=None,
            idempotency_key=uuid.uuid4().hex,
        )
    ticket = actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject="手机丢了" if language == "zh-hans" else "I lost my phone",
        body="请帮我冻结账户。" if language == "zh-hans" else "Please freeze my account.",
        category="topup_not_arrived",
        language=language,
    )
    return customer, ticket.number, str(outcome.body["id"])


def _agent_signs_in(page: Page, url: str, phone: str, role: str = Role.AGENT) -> tuple[Any, str]:
    from walletdesk.identity.models import TotpDevice, User

    agent = User.objects.create_user(
        phone, PASSWORD, phone=phone, role=role, display_name="客服小周"
    )
    secret = totp.new_secret()
    TotpDevice.objects.create(user=agent, secret=secret, confirmed_at=timezone.now())
    page.goto(f"{url}/account/login/")
    page.fill("input[name=username]", phone.removeprefix("+86"))
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/account/login/verify/")
    page.fill("input[name=code]", totp.code_at(secret, totp.current_step()))
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{url}/account/staff/")
    return agent, secret


def _step_up(page: Page, secret: str) -> None:
    """The panel refused the freeze (no fresh second factor): confirm and come back."""
    page.click("#c360-step-up")
    page.wait_for_url("**/account/security/verify/**")
    page.fill("input[name=password]", PASSWORD)
    # The sign-in used this period's code; a code is accepted once, so use the next period's.
    page.fill("input[name=code]", totp.code_at(secret, totp.current_step() + 1))
    page.locator("main form button[type=submit]").click()


def test_an_agent_freezes_from_the_ticket_page_at_phone_width(page: Page, live_server: Any) -> None:
    from walletdesk.console.models import ConsoleAction
    from walletdesk.identity.models import User

    customer, number, top_up = _customer("+8613812340001", "zh-hans")
    agent, secret = _agent_signs_in(page, live_server.url, "+8613800138301")

    # The unified inbox above the desk's list: the customer's new ticket waits unassigned.
    page.goto(f"{live_server.url}/desk/")
    page.wait_for_selector("#inbox-strip")
    assert "未分配" in page.locator("#inbox-unassigned").inner_text()
    assert page.locator("#inbox-unassigned strong").inner_text() == "1"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto(f"{live_server.url}/desk/{number}/")
    page.wait_for_selector("#customer-360")
    assert page.locator("#c360-phone").inner_text() == "138****0001"
    assert "¥2,000.00" in page.locator("#c360-balances").inner_text()
    assert page.locator(f"#c360-in-flight li[data-record='{top_up}']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.click("#c360-freeze-button")
    page.wait_for_selector("#c360-error[data-error-code='step_up_required']")
    _step_up(page, secret)
    page.wait_for_url(f"**/desk/{number}/")
    page.wait_for_selector("#customer-360")
    page.select_option("#c360-freeze select[name=reason]", "customer_lost_phone")
    page.click("#c360-freeze-button")
    page.wait_for_selector("#c360-flash")
    assert "已完成" in page.locator("#c360-flash").inner_text()
    assert page.locator("#c360-frozen").is_visible()
    assert page.locator("#c360-notes li[data-action='freeze']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    assert User.objects.get(pk=customer.pk).frozen_at is not None
    assert ConsoleAction.objects.get().agent_id == agent.pk
    # The internal note is on the ticket's timeline after a reload.
    page.reload()
    assert "紧急冻结" in page.locator("#ticket-timeline").inner_text()


def test_an_agent_re_queries_a_top_up_from_the_chat_console_in_english(
    browser: Browser, live_server: Any, settings: Any
) -> None:
    # The rail answers a re-query at once (else, on a fast run, the click can come before the
    # sandbox's latency is over and the rail rightly says "still processing").
    settings.WALLETDESK = {**settings.WALLETDESK, "SANDBOX_RAIL_LATENCY_SECONDS": 0}
    from tests.browser.helpers import choose_language
    from walletdesk.chat.live_models import ChatState, LiveChat
    from walletdesk.chat.models import Conversation
    from walletdesk.payments.models import TopUp

    customer, _number, top_up = _customer("+8613812340002", "en")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        agent, _secret = _agent_signs_in(page, live_server.url, "+8613800138302")
        conversation = Conversation.objects.create(customer=customer, channel="live")
        LiveChat.objects.create(conversation=conversation, state=ChatState.ASSIGNED, agent=agent)

        page.goto(f"{live_server.url}/desk/chats/")
        if page.locator("html").get_attribute("lang") != "en":
            choose_language(page, "en")
        page.click(f"li.console-chat[data-conversation='{conversation.public_id}'] .console-open")
        page.wait_for_selector("#customer-360")
        assert page.locator("#c360-name").inner_text() == "Fang Wang"
        assert "Customer 360" in page.locator("#c360-profile h2").inner_text()
        row = page.locator(f"#c360-in-flight li[data-record='{top_up}']")
        row.locator("button[type=submit]").click()
        page.wait_for_selector("#c360-flash")
        assert "Done" in page.locator("#c360-flash").inner_text()
        assert TopUp.objects.get(public_id=top_up).status == "succeeded"
        assert "¥2,300.00" in page.locator("#c360-balances").inner_text()
    finally:
        context.close()
