"""The web widget's frame: the chat page with `?embed=1` may be framed only by the operator's
sites in CHAT_WIDGET_ORIGINS; without a session it asks to sign in (in a new tab)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


@override_settings(CHAT_WIDGET_ORIGINS=["https://www.operator.example"])
def test_the_embedded_chat_may_be_framed_by_the_allowed_origins_only(
    customer_client: Client,
) -> None:
    embedded = customer_client.get("/support/chat/?embed=1")
    assert embedded.status_code == 200
    assert "X-Frame-Options" not in embedded
    assert "frame-ancestors https://www.operator.example" in embedded["Content-Security-Policy"]
    page = embedded.content.decode()
    assert 'id="chat"' in page and "chat-back" not in page

    normal = customer_client.get("/support/chat/")
    assert normal["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in normal["Content-Security-Policy"]


def test_without_allowed_origins_nothing_may_frame_it(customer_client: Client) -> None:
    embedded = customer_client.get("/support/chat/?embed=1")
    assert embedded["X-Frame-Options"] == "DENY"


@override_settings(CHAT_WIDGET_ORIGINS=["https://www.operator.example"])
def test_signed_out_the_frame_offers_sign_in_and_the_demo_page_loads_the_widget(
    client: Client, settings: Any
) -> None:
    framed = client.get("/support/chat/?embed=1")
    assert framed.status_code == 200
    assert 'target="_blank"' in framed.content.decode()
    assert client.get("/support/chat/").status_code == 302
    demo = client.get("/support/chat/widget-demo/").content.decode()
    assert "chat/widget.js" in demo
