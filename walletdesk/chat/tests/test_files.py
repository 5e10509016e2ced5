"""Pictures and PDFs in the live chat: uploaded over HTTP under the ticket attachment rules
(type checks, re-encoding without metadata), then named in one `send`; only the conversation's
customer and desk staff read them."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from walletdesk.chat import files as chat_files
from walletdesk.chat import live_actions
from walletdesk.chat.errors import ChatFileNotFoundError
from walletdesk.chat.live_models import ChatFile
from walletdesk.chat.models import Message
from walletdesk.core.actors import Actor

pytestmark = pytest.mark.django_db


def _png_with_exif() -> bytes:
    buffer = BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG", exif=exif)
    return buffer.getvalue()


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_picture_is_checked_re_encoded_and_sent_in_one_message(
    user_factory: Callable[..., Any],
) -> None:
    user = user_factory()
    customer = Actor.customer(user.pk)
    conversation = str(live_actions.open_chat(customer).public_id)
    client = _client(user)
    picture = SimpleUploadedFile("截图.png", _png_with_exif(), content_type="image/png")
    response = client.post("/support/chat/files/", {"conversation": conversation, "file": picture})
    assert response.status_code == 201, response.content
    described = response.json()
    assert described["name"] == "截图.png" and described["content_type"] == "image/png"
    row = ChatFile.objects.get(public_id=described["id"])
    stored = row.file.read()
    assert b"SecretCam" not in stored and Image.open(BytesIO(stored)).size == (40, 30)

    sent = live_actions.send(
        customer, conversation, text="", client_id="f1", files=[str(row.public_id)]
    )
    again = live_actions.send(
        customer, conversation, text="", client_id="f1", files=[str(row.public_id)]
    )
    assert not again.created and again.message.pk == sent.message.pk
    message = Message.objects.get(pk=sent.message.pk)
    assert message.payload["files"] == [described]
    row.refresh_from_db()
    assert row.message_id == message.pk
    # The file can be named once only.
    with pytest.raises(ChatFileNotFoundError):
        live_actions.send(
            customer, conversation, text="再发一次", client_id="f2", files=[str(row.public_id)]
        )

    download = client.get(described["url"])
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")


def test_files_outside_the_rules_or_of_another_customer_are_refused(
    user_factory: Callable[..., Any],
) -> None:
    user, stranger = user_factory(), user_factory()
    conversation = str(live_actions.open_chat(Actor.customer(user.pk)).public_id)
    client = _client(user)
    script = SimpleUploadedFile("x.png", b"<script>alert(1)</script>", content_type="image/png")
    response = client.post("/support/chat/files/", {"conversation": conversation, "file": script})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "attachment_type_not_allowed"

    # Another customer's conversation is "not found", for uploading and for reading.
    picture = SimpleUploadedFile("a.png", _png_with_exif(), content_type="image/png")
    other = _client(stranger).post(
        "/support/chat/files/", {"conversation": conversation, "file": picture}
    )
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "chat_conversation_not_found"
    picture = SimpleUploadedFile("a.png", _png_with_exif(), content_type="image/png")
    mine = client.post("/support/chat/files/", {"conversation": conversation, "file": picture})
    assert _client(stranger).get(mine.json()["url"]).status_code == 404
    with pytest.raises(ChatFileNotFoundError):
        chat_files.file_for(Actor.customer(stranger.pk), mine.json()["id"])
