"""The customer's side of the live chat in Chromium at phone width (390 px), in Chinese and in
English: the assistant answers first with quick replies and 「转人工」 one tap away; a picture
sent in the chat; ending the chat and the transcript by email; the web widget on the
operator's page."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.test import override_settings
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from walletdesk.identity.tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _team() -> None:
    from walletdesk.tickets.models import BusinessCalendar, Team

    Team.objects.create(
        name="chat-desk",
        title_zh="在线客服",
        title_en="Live chat",
        calendar=BusinessCalendar.objects.get(name="24x7"),
        position=1,
    )


def _customer(language: str) -> Any:
    from walletdesk.identity.models import User

    return User.objects.create_user(
        "+8613800138402",
        PASSWORD,
        phone="+8613800138402",
        display_name="王芳",
        email="wang.fang@example.com",
        preferred_language=language,
    )


def _phone(browser: Browser, url: str, language: str) -> Page:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN" if language == "zh-hans" else "en-US"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{url}/account/login/")
    page.fill("input[name=username]", "13800138402")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    return page


@pytest.mark.usefixtures("live_chat_assistant")
@pytest.mark.parametrize(
    ("language", "text", "handoff", "queued"),
    [
        ("zh-hans", "怎么提现到银行卡", "转人工", "第 1 位"),
        ("en", "how do I withdraw to my bank card", "Talk to a person", "number 1"),
    ],
)
def test_the_assistant_answers_first_and_a_person_is_one_tap_away(
    browser: Browser, asgi_live_server: str, language: str, text: str, handoff: str, queued: str
) -> None:
    _team()
    _customer(language)
    phone = _phone(browser, asgi_live_server, language)
    try:
        phone.goto(f"{asgi_live_server}/support/chat/")
        expect(phone.locator("#chat")).to_have_attribute("data-state", "bot")
        phone.fill("#chat-input", text)
        phone.click("#chat-send")
        answer = phone.locator("li.chat-assistant").first
        expect(answer).to_be_visible()
        expect(answer.locator("button[data-quick=handoff]")).to_contain_text(handoff)
        # The customer's message is shown once, not doubled by the assistant.
        expect(phone.locator("li.chat-customer")).to_have_count(1)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        answer.locator("button[data-quick=handoff]").click()
        expect(phone.locator("#chat-status")).to_contain_text(queued)
    finally:
        phone.context.close()


# Holds the page's `join` frames until `window.releaseJoin()`: the socket is open but the chat
# not yet named, as on a slow line right after the page loads.
_HOLD_THE_JOIN = """
(() => {
  const send = WebSocket.prototype.send;
  const held = [];
  WebSocket.prototype.send = function (data) {
    if (!window.joinReleased && String(data).includes('"type":"join"')) {
      held.push([this, data]);
      return;
    }
    return send.call(this, data);
  };
  window.joinsHeld = () => held.length;
  window.releaseJoin = () => {
    window.joinReleased = true;
    held.splice(0).forEach(([socket, data]) => send.call(socket, data));
  };
})();
"""


@pytest.mark.usefixtures("live_chat_assistant")
def test_a_message_sent_while_the_chat_is_still_opening_goes_out_once_it_opens(
    browser: Browser, asgi_live_server: str
) -> None:
    _team()
    _customer("zh-hans")
    phone = _phone(browser, asgi_live_server, "zh-hans")
    try:
        phone.add_init_script(_HOLD_THE_JOIN)
        phone.goto(f"{asgi_live_server}/support/chat/")
        phone.wait_for_function("() => window.joinsHeld() > 0")
        phone.fill("#chat-input", "我的提现三天还没到账")
        phone.click("#chat-send")
        # Taken at once: shown as sending, the box cleared for the next line.
        expect(phone.locator("li.chat-customer.chat-pending")).to_have_text("我的提现三天还没到账")
        expect(phone.locator("#chat-input")).to_have_value("")
        assert phone.evaluate("document.querySelector('#chat').dataset.conversation") is None

        phone.evaluate("window.releaseJoin()")
        expect(phone.locator("li.chat-customer")).to_have_count(1)
        expect(phone.locator("li.chat-customer.chat-pending")).to_have_count(0)
        expect(phone.locator("li.chat-assistant").first).to_be_visible()
    finally:
        phone.context.close()


def _png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (60, 40), (20, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("language", "end", "transcript", "sent"),
    [
        ("zh-hans", "结束会话", "把聊天记录发到我的邮箱", "聊天记录已发送到 w***@example.com"),
        ("en", "End chat", "Email me the transcript", "Transcript sent to w***@example.com"),
    ],
)
def test_a_picture_in_the_chat_then_the_end_and_the_transcript_by_email(
    browser: Browser, asgi_live_server: str, language: str, end: str, transcript: str, sent: str
) -> None:
    from walletdesk.notifications.models import Message as Outbox

    _team()
    customer = _customer(language)
    phone = _phone(browser, asgi_live_server, language)
    try:
        phone.goto(f"{asgi_live_server}/support/chat/")
        expect(phone.locator("#chat")).to_have_attribute("data-state", "bot")
        phone.locator("#chat-file").set_input_files(
            {"name": "screenshot.png", "mimeType": "image/png", "buffer": _png()}
        )
        picture = phone.locator("li.chat-customer img.chat-img")
        expect(picture).to_have_count(1)
        expect(phone.locator("li.chat-customer").first).to_have_attribute("data-seq", "1")
        # The picture is read back from the server (its own request) and loads lazily: bring it
        # into view, then wait for it to load.
        picture.scroll_into_view_if_needed()
        phone.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=picture.element_handle()
        )
        assert picture.evaluate("img => img.naturalWidth") == 60

        phone.locator("#chat-handoff").click()
        expect(phone.locator("#chat")).to_have_attribute("data-state", "waiting")
        phone.get_by_role("button", name=end).click()
        expect(phone.locator("#chat")).to_have_attribute("data-state", "ended")
        phone.get_by_role("button", name=transcript).click()
        expect(phone.locator("#chat-transcript-note")).to_contain_text(sent)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        phone.context.close()
    assert Outbox.objects.filter(user=customer, kind="chat_transcript").count() == 1


@pytest.mark.parametrize(("language", "label"), [("zh-hans", "在线咨询"), ("en", "Chat with us")])
def test_the_widget_opens_the_chat_in_a_panel_on_the_operators_page(
    browser: Browser, asgi_live_server: str, language: str, label: str
) -> None:
    _team()
    _customer(language)
    with override_settings(CHAT_WIDGET_ORIGINS=[asgi_live_server]):
        phone = _phone(browser, asgi_live_server, language)
        try:
            phone.goto(f"{asgi_live_server}/support/chat/widget-demo/")
            phone.locator("#walletdesk-chat-button").click()
            expect(phone.locator("#walletdesk-chat-panel")).to_be_visible()
            frame = phone.frame_locator("#walletdesk-chat-frame")
            expect(frame.locator("#chat")).to_have_attribute("data-state", "bot")
            expect(frame.locator("#chat-handoff")).to_be_visible()
            assert phone.locator("#walletdesk-chat-button").get_attribute("id")
            assert label  # the button's label is the page's translated "Chat with us"
            expect(phone.locator("#walletdesk-chat-button")).to_be_hidden()
            phone.locator("#walletdesk-chat-close").click()
            expect(phone.locator("#walletdesk-chat-button")).to_have_text(label)
        finally:
            phone.context.close()
