"""Real SMTP peers on loopback for the email tests: the intake listener and a sink that stands
in for the outgoing mail server."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator, Sequence
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import make_msgid
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from walletdesk.tickets.mail_intake import smtp_controller

SUPPORT = "support@walletdesk.local"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Sink:
    """Collects what our SMTP client delivers."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def use_sink(settings: Any, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def smtp_sink(settings: Any, tmp_path: Any) -> Iterator[Sink]:
    settings.WALLETDESK_PRIVATE_FILES_DIR = tmp_path / "private"
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    use_sink(settings, port)
    yield sink
    controller.stop()


@pytest.fixture
def listener(smtp_sink: Sink) -> Iterator[int]:
    """The intake listener, as `manage.py mail_smtp_listener` runs it, on a free port."""
    port = free_port()
    controller = smtp_controller("127.0.0.1", port)
    controller.start()
    yield port
    controller.stop()


def make_mail(
    *,
    subject: str = "充值没到账",
    body: str = "我昨天充值了 2000 元，到现在还没到账。",
    sender: str = "li.lei@example.com",
    to: str = SUPPORT,
    message_id: str | None = None,
    headers: Sequence[tuple[str, str]] = (),
    html: str | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="example.com")
    for name, value in headers:
        msg[name] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for name, ctype, data in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def send(port: int, msg: EmailMessage, *, to: Sequence[str] | None = None) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(msg, to_addrs=list(to) if to is not None else None)


def bare_id(header: str) -> str:
    return header.strip().strip("<>").lower()
