from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_interactive_api_docs_render_under_the_csp(page: Page, live_server: Any) -> None:
    # ReDoc is not offered: its page loads web fonts from a CDN.
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.get_by_text("WalletDesk API").first.wait_for(timeout=15_000)
    assert [e for e in errors if "Content Security Policy" in e] == []
    assert page.get_by_text("/api/v1/transfers").first.is_visible()
