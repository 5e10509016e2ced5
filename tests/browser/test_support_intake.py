"""People who cannot sign in reach a person through the public form (email code), and a customer
asks to be called back at a time of their choosing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page

from tests.browser.helpers import choose_language
from walletdesk.tickets.enums import Channel, TicketKind
from walletdesk.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def emailed_code(address: str) -> str:
    for message in reversed(mail.outbox):
        if address in message.to:
            found = re.search(r"\b(\d{6})\b", str(message.body))
            if found:
                return found.group(1)
    raise AssertionError(f"no code sent to {address}")


def test_someone_locked_out_writes_from_the_login_page_and_proves_the_email(
    page: Page, live_server: Any
) -> None:
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_role("link", name="无法登录？联系客服").click()
    page.wait_for_load_state("networkidle")
    assert "无法登录？给我们留言" in page.locator("h1").inner_text()

    page.fill("input[name=email]", "lost.phone@example.com")
    page.fill("input[name=phone]", "138 0013 8000")
    page.fill("input[name=name]", "王先生")
    page.select_option("select[name=topic]", "change_phone")
    page.fill("input[name=subject]", "手机丢了，登录不了")
    page.fill("textarea[name=body]", "手机昨天丢了，收不到验证码。")
    page.get_by_role("button", name="发送验证码").click()
    page.wait_for_load_state("networkidle")
    assert "请查收邮件" in page.locator("h1").inner_text()
    assert "l***@example.com" in page.locator("#contact-verify").inner_text()

    page.fill(
        "input[name=code]",
        "000000" if emailed_code("lost.phone@example.com") != "000000" else "111111",
    )
    page.get_by_role("button", name="提交请求").click()
    page.wait_for_load_state("networkidle")
    assert "验证码不正确或已过期" in page.locator("#contact-verify").inner_text()
    assert not Ticket.objects.exists()

    page.fill("input[name=code]", emailed_code("lost.phone@example.com"))
    page.get_by_role("button", name="提交请求").click()
    page.wait_for_load_state("networkidle")
    ticket = Ticket.objects.get()
    assert page.locator("#contact-ticket-number").inner_text() == ticket.number
    assert ticket.customer_id is None
    assert (ticket.contact_email, ticket.channel) == ("lost.phone@example.com", Channel.WEB_FORM)

    # The help center leads there too, in English.
    page.goto(f"{live_server.url}/help/")
    choose_language(page, "en")
    page.locator("#help-cannot-sign-in").click()
    page.wait_for_load_state("networkidle")
    assert "Can't sign in? Write to us" in page.locator("h1").inner_text()


def test_a_customer_asks_to_be_called_back_tomorrow_morning(
    page: Page, live_server: Any, customer: Any, login_in_browser: Any
) -> None:
    login_in_browser(page, customer.login_name)
    page.goto(f"{live_server.url}/support/")
    assert "400" in page.locator(".contact-support").inner_text()  # the hotline and its hours
    page.get_by_role("link", name="预约客服回电").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("input[name=phone]").input_value() == customer.phone

    tomorrow = (timezone.localtime() + timedelta(days=1)).replace(
        hour=10, minute=30, second=0, microsecond=0
    )
    page.fill("input[name=preferred_at]", tomorrow.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("select[name=topic]", "topup_not_arrived")
    page.fill("textarea[name=note]", "上午方便接电话")
    page.get_by_role("button", name="预约回电").click()
    page.wait_for_load_state("networkidle")

    ticket = Ticket.objects.get(customer=customer)
    assert (ticket.kind, ticket.channel) == (TicketKind.CALLBACK, Channel.PHONE)
    assert ticket.callback_at == tomorrow
    assert page.locator("#ticket-number").inner_text() == ticket.number
    assert tomorrow.strftime("%Y-%m-%d %H:%M") in page.locator(".flash-success").inner_text()

    # A second request while the first waits is refused on the form.
    page.goto(f"{live_server.url}/support/callback/")
    page.fill("input[name=preferred_at]", tomorrow.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("select[name=topic]", "topup_not_arrived")
    page.get_by_role("button", name="预约回电").click()
    page.wait_for_load_state("networkidle")
    assert ticket.number in page.locator("#callback-form").inner_text()
    assert Ticket.objects.filter(customer=customer).count() == 1
