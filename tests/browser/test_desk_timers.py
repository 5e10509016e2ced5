"""The SLA timers on an agent's ticket page in Chromium: the time left counts down every second
without a reload, a timer turns to breached the moment it is past due, and the card re-reads the
ticket's timers on its own (a reply sent from elsewhere shows as achieved)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from tests.browser.test_agent_desk import _agent_signs_in, _customer_with_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_ticket_pages_timers_count_down_breach_and_re_read_without_a_reload(
    page: Page, live_server: Any
) -> None:
    from walletdesk.core.actors import Actor
    from walletdesk.identity.models import User
    from walletdesk.tickets import actions
    from walletdesk.tickets.models import SlaTimer

    _customer, number = _customer_with_ticket("+8613800138301", "zh-hans")
    # A target minutes long cannot be waited for in a test: the deadline is brought to a few
    # seconds away, as a ticket close to its deadline would be.
    SlaTimer.objects.filter(ticket__number=number, metric="first_reply").update(
        due_at=timezone.now() + timedelta(seconds=6)
    )
    _agent_signs_in(page, live_server.url, "+8613800138302")
    page.goto(f"{live_server.url}/desk/{number}/")
    page.evaluate("window.drawnOnce = true")

    timer = page.locator("#sla-timers li[data-metric='first_reply']")
    left = timer.locator(".timer-left")
    assert timer.locator(".badge").inner_text() == "计时中"
    first = left.inner_text()
    assert first.startswith("剩余 0:00:0"), first
    page.wait_for_function(
        "([el, before]) => el.textContent !== before", arg=[left.element_handle(), first]
    )
    assert left.inner_text().startswith("剩余 0:00:0")

    page.wait_for_function(
        "el => el.textContent === '已超时'",
        arg=timer.locator(".badge").element_handle(),
        timeout=10_000,
    )
    assert left.inner_text().startswith("已超时 0:00:")
    assert "timer-breached" in (timer.get_attribute("class") or "")

    agent = User.objects.get(phone="+8613800138302")
    actions.add_message(Actor.agent(agent.pk), number, "您好，我们正在核查这笔充值。")
    page.wait_for_function(
        "() => document.querySelector(\"#sla-timers li[data-metric='first_reply'] .badge\")"
        ".textContent === '已达成'",
        timeout=20_000,
    )
    assert page.evaluate("window.drawnOnce") is True
    assert page.url == f"{live_server.url}/desk/{number}/"
