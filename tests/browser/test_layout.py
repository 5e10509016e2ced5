"""Phone widths: the top bar stays one row and the language selector stays whole and usable;
every page has a favicon."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from walletdesk.payments.wallets import open_wallet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_top_bar_fits(page: Page, width: int) -> None:
    select = page.locator("#lang-select")
    box = select.bounding_box()
    assert box is not None and select.is_visible()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    topbar = page.locator(".topbar").bounding_box()
    brand = page.locator(".topbar .brand").bounding_box()
    assert topbar is not None and brand is not None
    # One row: the brand and the selector sit side by side (centres level), and no control of
    # the bar starts below another one's bottom edge.
    assert abs((brand["y"] + brand["height"] / 2) - (box["y"] + box["height"] / 2)) < 10
    rows = page.evaluate(
        """() => [...document.querySelectorAll('.topbar .brand, .topnav > *')]
            .filter((e) => e.getClientRects().length)
            .map((e) => e.getBoundingClientRect()).map((r) => [r.top, r.bottom])"""
    )
    assert max(top for top, _ in rows) < min(bottom for _, bottom in rows), rows
    assert box["y"] >= topbar["y"] and box["y"] + box["height"] <= topbar["y"] + topbar["height"]
    # No control is squeezed: each is as wide as it wants to be (a squeezed select cuts off
    # "English" to "Eng", a squeezed button or name wraps into a column of characters).
    squeezed = page.evaluate(
        """() => [...document.querySelectorAll('.topnav > *')]
            .filter((e) => e.getClientRects().length)
            .map((e) => {
                const clone = e.cloneNode(true);
                clone.removeAttribute('id');
                Object.assign(clone.style, {position: 'absolute', visibility: 'hidden',
                                            left: '0', top: '0'});
                e.parentElement.appendChild(clone);
                const natural = clone.getBoundingClientRect().width;
                clone.remove();
                return [e.tagName + '.' + e.className, e.getBoundingClientRect().width, natural];
            })
            .filter(([, actual, natural]) => actual + 0.5 < natural)"""
    )
    assert squeezed == [], squeezed
    # Nothing sticks out sideways (no horizontal scrolling).
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The selector is on top where it is drawn: a click lands on it, not on a neighbour.
    hit = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.id",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert hit == "lang-select"


@pytest.mark.parametrize("width", [390, 320])
def test_the_wallet_top_bar_keeps_the_language_selector_whole(
    page: Page, live_server: Any, user_factory: Any, login_in_browser: Any, width: int
) -> None:
    customer = user_factory(display_name="欧阳娜娜娜")
    open_wallet(customer.pk)
    page.set_viewport_size({"width": width, "height": 700})
    login_in_browser(page, customer.login_name)
    for path in ("/", "/help/", "/records/"):
        page.goto(f"{live_server.url}{path}")
        assert_top_bar_fits(page, width)
    page.goto(f"{live_server.url}/")
    page.select_option("#lang-select", "en")
    page.wait_for_selector("html[lang='en']", state="attached")
    assert_top_bar_fits(page, width)


def test_pages_link_a_favicon_that_is_served(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/help/")
    href = page.locator("link[rel=icon]").first.get_attribute("href")
    assert href and href.startswith("/static/")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
