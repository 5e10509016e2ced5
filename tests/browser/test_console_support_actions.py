"""The console's support actions in Chromium: on a customer's ticket, an agent shows the full phone
number once with a reason (it is masked again after the next action and on reload), then sends
the customer the sign-in check code they did not receive again, to their own phone, without
ever seeing it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from tests.browser.test_console_360 import _agent_signs_in, _customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_reveals_a_phone_with_a_reason_and_sends_a_code_again(
    page: Page, live_server: Any
) -> None:
    from walletdesk.console.models import ConsoleAction
    from walletdesk.identity import otp
    from walletdesk.identity.models import AuditEvent, OneTimeCode
    from walletdesk.identity.tests.conftest import last_code

    customer, number, _top_up = _customer("+8613812340003", "zh-hans")
    # The customer asked for an identity-check code two minutes ago and says it never came.
    otp.issue_code(customer, "step_up")
    OneTimeCode.objects.filter(user=customer).update(
        created_at=timezone.now() - timedelta(minutes=2)
    )
    agent, _secret = _agent_signs_in(page, live_server.url, "+8613800138303")

    page.goto(f"{live_server.url}/desk/{number}/")
    page.wait_for_selector("#customer-360")
    assert page.locator("#c360-phone").inner_text() == "138****0003"

    page.click("#c360-reveal_phone summary")
    page.select_option("#c360-reveal_phone select[name=reason]", "customer_contact")
    page.click("#c360-reveal_phone button[type=submit]")
    page.wait_for_selector("#c360-phone-shown-once")
    assert page.locator("#c360-phone").inner_text() == "+8613812340003"
    assert "审计日志" in page.locator("#c360-flash").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.select_option("#c360-resend select[name=reason]", "code_not_received")
    page.click("#c360-resend-button")
    page.wait_for_selector("#c360-phone-shown-once", state="detached")
    flash = page.locator("#c360-flash").inner_text()
    assert "138****0003" in flash and "短信" in flash
    assert page.locator("#c360-phone").inner_text() == "138****0003"
    assert page.locator("#c360-notes li[data-action='resend_code']").count() == 1
    assert page.locator("#c360-notes li[data-action='reveal_phone']").count() == 1
    code = last_code("+8613812340003")
    assert code not in flash and code not in page.locator("#c360-notes").inner_text()

    assert OneTimeCode.objects.filter(user=customer, purpose="step_up").count() == 2
    assert ConsoleAction.objects.filter(agent=agent).count() == 2
    revealed = AuditEvent.objects.get(action="contact_reveal")
    assert (revealed.actor_id, revealed.data["reason_code"]) == (agent.pk, "customer_contact")
    page.reload()
    page.wait_for_selector("#customer-360")
    assert page.locator("#c360-phone").inner_text() == "138****0003"
    assert "+8613812340003" not in page.content()
