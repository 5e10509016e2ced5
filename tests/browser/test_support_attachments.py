"""A customer attaches a screenshot to a new request; it shows in the thread, without EXIF."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import FilePayload, Page

from walletdesk.tickets.models import Attachment, Ticket
from walletdesk.tickets.tests.test_attachments import jpeg_with_gps

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_attaches_a_screenshot_to_a_new_request(
    page: Page, live_server: Any, customer: Any, login_in_browser: Any
) -> None:
    login_in_browser(page, customer.login_name)
    page.goto(f"{live_server.url}/support/new/")
    page.locator("select[name=category]").select_option("payment_failed")
    page.fill("input[name=subject]", "付款失败")
    page.fill("textarea[name=body]", "付款时提示失败，截图见附件。")
    screenshot: FilePayload = {
        "name": "截屏 2026-12-03.jpg",
        "mimeType": "image/jpeg",
        "buffer": jpeg_with_gps((320, 200)),
    }
    page.set_input_files("#attachments", files=[screenshot])
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state("networkidle")

    ticket = Ticket.objects.get(customer=customer)
    assert page.locator("#ticket-number").inner_text() == ticket.number
    row = Attachment.objects.get(ticket=ticket)
    assert row.original_name == "截屏 2026-12-03.jpg"
    thumb = page.locator("#ticket-messages img.attachment-thumb")
    assert thumb.get_attribute("alt") == "截屏 2026-12-03.jpg"
    # The picture really renders through the download view's headers (nosniff, sandbox CSP).
    page.wait_for_function("() => document.querySelector('img.attachment-thumb').naturalWidth > 0")
    assert thumb.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [320, 200]
    with row.file.open("rb") as stored:
        assert dict(Image.open(BytesIO(stored.read())).getexif()) == {}
    assert "截屏 2026-12-03.jpg" in page.locator("#ticket-messages .attachment-link").inner_text()
