"""The agent's reply path in Chromium: a customer's ticket waits in the desk; the agent signs in
with the enrolled authenticator, opens it from the list, applies a macro, sends the public reply
leaving the ticket waiting for the customer, and the customer's page shows it. Once in Chinese
at phone width (390 px), once in English on a desktop with the keyboard shortcuts."""

from __future__ import annotations

import importlib
import uuid
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import Browser, Page

from walletdesk.identity import totp
from walletdesk.identity.enums import Role
from walletdesk.identity.tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _desk_data() -> None:
    """Categories, SLA policies and macros come from data migrations, which a flush between
    transactional tests removes; put them back."""
    from walletdesk.tickets.models import BusinessCalendar, Category, Macro, SlaPolicy

    steps = (
        (BusinessCalendar, "0002_shipped_calendars", "create_calendars"),
        (Category, "0004_categories", "create_categories"),
        (SlaPolicy, "0006_default_sla_policies", "create_policies"),
        (Macro, "0009_desk_seed_macros", "create_macros"),
    )
    for model, module, function in steps:
        if not model.objects.exists():
            migration = importlib.import_module(f"walletdesk.tickets.migrations.{module}")
            getattr(migration, function)(apps, None)


def _customer_with_ticket(phone: str, language: str) -> tuple[Any, str]:
    from walletdesk.core.actors import Actor
    from walletdesk.identity.models import User
    from walletdesk.payments.models import Activity
    from walletdesk.tickets import actions
    from walletdesk.tickets.enums import LinkKind

    _desk_data()
    customer = User.objects.create_user(
        phone, PASSWORD, phone=phone, display_name="王芳" if language == "zh-hans" else "Fang Wang"
    )
    record = Activity.objects.create(
        user_id=customer.pk,
        type="top_up",
        status="pending",
        currency="CNY",
        amount=2_000_00,
        title="银行卡充值",
        object_public_id=uuid.uuid4(),
        created_at=timezone.now(),
    )
    ticket = actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject="充值两千元没到账" if language == "zh-hans" else "My top-up has not arrived",
        body="昨天充值的钱还没到。" if language == "zh-hans" else "Yesterday's top-up is missing.",
        category="topup_not_arrived",
        language=language,
        records=[actions.RecordRef(LinkKind.TOP_UP, str(record.object_public_id))],
    )
    return customer, ticket.number


def _agent_signs_in(page: Page, url: str, phone: str) -> None:
    from walletdesk.identity.models import TotpDevice, User

    agent = User.objects.create_user(
        phone, PASSWORD, phone=phone, role=Role.AGENT, display_name="客服小周"
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


def _customer_sees(page: Page, url: str, customer: Any, number: str, text: str) -> None:
    """The customer, on a device of their own (a browser context apart from the agent's, whose
    desk page may still have a refresh in flight that would bring the agent's session back),
    signs in and reads the reply on their request's page."""
    page.goto("about:blank")
    assert page.context.browser is not None
    own = page.context.browser.new_context(
        viewport=page.viewport_size,
        locale="en-US" if customer.preferred_language == "en" else "zh-CN",
    )
    try:
        phone = own.new_page()
        phone.set_default_timeout(10_000)
        phone.goto(f"{url}/account/login/")
        phone.fill("input[name=username]", customer.login_name)
        phone.fill("input[name=password]", PASSWORD)
        phone.locator("form button[type=submit]").click()
        phone.wait_for_load_state("networkidle")
        phone.goto(f"{url}/support/{number}/")
        assert text in phone.locator("#ticket-messages").inner_text()
        phone.goto("about:blank")
    finally:
        own.close()


def test_an_agent_answers_with_a_macro_at_phone_width(page: Page, live_server: Any) -> None:
    from walletdesk.tickets.models import Ticket

    customer, number = _customer_with_ticket("+8613800138201", "zh-hans")
    _agent_signs_in(page, live_server.url, "+8613800138202")

    page.goto(f"{live_server.url}/desk/")
    assert page.locator("h1").inner_text() == "客服工作台"
    row = page.locator(f"tr[data-number='{number}']")
    assert "王芳" in row.inner_text()
    row.locator("input[name=tickets]").check()
    page.get_by_role("button", name="分配给我").click()
    page.wait_for_selector(".flash-success:has-text('已更新 1 个工单')")
    row = page.locator(f"tr[data-number='{number}']")
    assert "客服小周" in row.inner_text()
    # At phone width each ticket is a card, never a table wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    row.locator("a[data-open]").click()
    page.wait_for_url(f"**/desk/{number}/")
    assert page.locator("#customer-phone").inner_text() == "138****8201"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.select_option(
        "#macro-select",
        label="充值未到账：请提供银行流水号 / Top-up not arrived: ask for the bank reference",
    )
    page.click("#macro-apply")
    page.wait_for_selector("#macro-actions")
    reply = page.locator("#reply-body").input_value()
    assert reply.startswith("王芳，您好") and "这笔 ¥2,000.00 的充值" in reply and number in reply
    assert page.locator("#reply-status").input_value() == "pending"
    page.click("#reply-send")
    page.wait_for_url(f"**/desk/{number}/")
    assert "回复已发送" in page.locator(".flash-success").inner_text()
    assert page.locator("#ticket-status").inner_text() == "等待客户回复"

    ticket = Ticket.objects.get(number=number)
    assert ticket.status == "pending" and ticket.tags == ["need-bank-ref", "topup"]
    _customer_sees(page, live_server.url, customer, number, "交易流水号")


def test_an_agent_works_the_desk_in_english_with_the_keyboard(
    browser: Browser, live_server: Any
) -> None:
    customer, number = _customer_with_ticket("+8613800138203", "en")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        _agent_signs_in(page, live_server.url, "+8613800138204")
        from tests.browser.helpers import choose_language

        page.goto(f"{live_server.url}/desk/")
        if page.locator("html").get_attribute("lang") != "en":
            choose_language(page, "en")
        assert page.locator("h1").inner_text() == "Ticket desk"
        page.keyboard.press("?")
        assert page.locator("#shortcut-help").get_attribute("open") is not None
        page.keyboard.press("j")
        assert "is-current" in (
            page.locator(f"tr[data-number='{number}']").get_attribute("class") or ""
        )
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/desk/{number}/")

        page.select_option("#macro-select", index=1)
        page.click("#macro-apply")
        page.wait_for_selector("#macro-actions")
        assert page.locator("#reply-body").input_value().startswith("Hi Fang Wang,")
        page.keyboard.press("Escape")
        page.locator("body").click(position={"x": 5, "y": 300})
        page.keyboard.press("r")
        assert page.evaluate("document.activeElement.id") == "reply-body"
        page.keyboard.press("End")
        page.keyboard.type("\nPS: we have also asked the bank.")
        page.select_option("#reply-status", "pending")
        page.click("#reply-send")
        page.wait_for_url(f"**/desk/{number}/")
        assert page.locator("#ticket-status").inner_text() == "Waiting for the customer"
        assert "we have also asked the bank" in page.locator("#ticket-timeline").inner_text()
        page.keyboard.press("n")
        assert page.evaluate("document.activeElement.id") == "note-body"
        page.evaluate("document.activeElement.blur()")
        page.keyboard.press("e")
        page.wait_for_selector("#ticket-status:has-text('Solved')")
        _customer_sees(page, live_server.url, customer, number, "we have also asked the bank")
    finally:
        context.close()
