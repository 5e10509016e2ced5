"""Record pages and the wallet home follow the user's event socket: a change made elsewhere (a
late rail callback here) shows without a reload. Served by the real ASGI application."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import Page

from walletdesk.payments.models import TopUp
from walletdesk.payments.rails import sandbox
from walletdesk.payments.rails.sandbox_models import SandboxRailRecord
from walletdesk.payments.topups import create_top_up
from walletdesk.payments.wallets import open_wallet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def callbacks_to(settings: Any, asgi_live_server: str) -> str:
    """The sandbox rail POSTs its callbacks over HTTP to the ASGI server, as a real rail would."""
    settings.WALLETDESK = {
        **settings.WALLETDESK,
        "SANDBOX_RAIL_LATENCY_SECONDS": 0,
        "SANDBOX_CALLBACK_BASE_URL": asgi_live_server,
        "SANDBOX_RAIL_FORCE_MODE": "",
    }
    return asgi_live_server


def sign_in(page: Page, base_url: str, login_name: str) -> None:
    page.goto(f"{base_url}/account/login/")
    page.fill("input[name=username]", login_name)
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_the_top_up_page_and_home_update_when_a_late_callback_credits_it(
    page: Page, callbacks_to: str, user_factory: Any
) -> None:
    base_url = callbacks_to
    customer = user_factory(display_name="李娜")
    open_wallet(customer.pk)
    # The rail takes the money but its callback is lost: the top-up waits, as in 充值不到账.
    with sandbox.force_mode("callback_lost"):
        outcome = create_top_up(
            user_id=customer.pk,
            kyc_level=0,
            amount="2000.00",
            currency="CNY",
            method="third_party_wallet",
            card_id=None,
            idempotency_key=uuid.uuid4().hex,
        )
    top_up = TopUp.objects.get(public_id=outcome.body["id"])
    assert top_up.status == "pending"

    sign_in(page, base_url, customer.login_name)
    home = page.context.new_page()
    home.goto(f"{base_url}/")
    page.goto(f"{base_url}/records/top-up/{top_up.public_id}/")
    for tab in (page, home):
        tab.wait_for_selector("html[data-live-state=ready]", state="attached")
    assert "处理中" in page.locator("h1 .badge").inner_text()
    assert home.get_by_test_id("available-balance").inner_text() == "¥0.00"

    page.evaluate("window.stillTheSameDocument = true")
    # The callback arrives late, over HTTP, while both pages are open.
    record = SandboxRailRecord.objects.get(reference=str(top_up.public_id))
    sandbox.send_callback(record.method, sandbox.callback_payload(record, "succeeded"))

    for tab in (page, home):
        tab.wait_for_selector("html[data-live-state=updated]", state="attached")
    assert "成功" in page.locator("h1 .badge").inner_text()
    assert page.get_by_role("button", name="立即查询").count() == 0
    assert home.get_by_test_id("available-balance").inner_text() == "¥2,000.00"
    # Updated in place, not reloaded.
    assert page.evaluate("window.stillTheSameDocument") is True
