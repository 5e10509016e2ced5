"""Email in and out through real SMTP on loopback: the intake listener (aiosmtpd, as
`mail_smtp_listener` runs it) fed with smtplib, and an aiosmtpd sink standing in for the
outgoing mail server. Threading, requester matching, sanitising, trimming, automatic replies,
loops, bounces, attachments, idempotency and at-least-once delivery."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email.utils import make_msgid
from typing import Any

import pytest
from django.utils import timezone

from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.tickets import actions, email_in, email_out
from walletdesk.tickets.enums import AuthorKind, Channel, EventKind, TicketStatus, Visibility
from walletdesk.tickets.mail_models import (
    InboundEmail,
    InboundOutcome,
    OutboundEmail,
    OutboundKind,
    OutboundStatus,
)
from walletdesk.tickets.models import Ticket, TicketEvent
from walletdesk.tickets.tests.mail_helpers import (
    SUPPORT,
    Sink,
    bare_id,
    free_port,
    listener,
    make_mail,
    send,
    smtp_sink,
    use_sink,
)

__all__ = ["listener", "smtp_sink"]  # fixtures


def _text(msg: Any) -> str:
    return str(msg.get_body(preferencelist=("plain",)).get_content())


def _html(msg: Any) -> str:
    return str(msg.get_body(preferencelist=("html",)).get_content())


# --- End to end through the listener ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_mail_opens_a_ticket_and_the_receipt_threads_on_it(
    listener: int, smtp_sink: Sink
) -> None:
    msg = make_mail(sender="Li Lei <Li.Lei@Example.com>")
    send(listener, msg)

    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.EMAIL
    assert ticket.customer_id is None and ticket.contact_email == "li.lei@example.com"
    assert ticket.language == "zh-hans"
    assert ticket.messages.get().body == "我昨天充值了 2000 元，到现在还没到账。"
    inbound = InboundEmail.objects.get()
    assert inbound.outcome == InboundOutcome.CREATED and inbound.via == "smtp"
    assert inbound.message_id == bare_id(msg["Message-ID"])

    (receipt,) = smtp_sink.messages
    assert smtp_sink.recipients == [["li.lei@example.com"]]
    assert receipt["Subject"].strip().startswith(f"[{ticket.number}]")
    assert bare_id(receipt["In-Reply-To"]) == inbound.message_id
    assert bare_id(receipt["References"]) == inbound.message_id
    assert receipt["Reply-To"] == f"support+{ticket.number.lower()}@walletdesk.local"
    assert receipt["Auto-Submitted"] == "auto-replied"
    assert bare_id(receipt["Message-ID"]).endswith("@walletdesk.local")
    assert ticket.number in _text(receipt) and ticket.number in _html(receipt)
    assert "我们已收到" in _text(receipt)
    assert OutboundEmail.objects.get().status == OutboundStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_round_trip_agent_reply_threads_and_the_customer_answer_lands_on_the_ticket(
    listener: int, smtp_sink: Sink, user_factory: Any
) -> None:
    customer = user_factory(email="han.mei@example.com", preferred_language="en")
    agent = user_factory(role=Role.AGENT)
    first = make_mail(sender="han.mei@example.com", subject="Top-up missing", body="Where is it?")
    send(listener, first)
    ticket = Ticket.objects.get()
    assert ticket.customer_id == customer.pk and ticket.contact_email == ""
    assert ticket.language == "en"

    actions.add_message(
        Actor.agent(agent.pk),
        ticket.number,
        "Please send us the bank reference.",
        then_status=TicketStatus.PENDING,
    )
    receipt, reply = smtp_sink.messages
    assert "We have received your request" in _text(receipt)
    assert reply["Subject"].strip() == f"[{ticket.number}] Re: Top-up missing"
    assert reply["Auto-Submitted"] is None  # a person wrote it
    assert "Please send us the bank reference." in _text(reply)
    assert "Please send us the bank reference." in _html(reply)
    assert bare_id(reply["In-Reply-To"]) == bare_id(first["Message-ID"])
    assert [bare_id(x) for x in reply["References"].split()] == [
        bare_id(first["Message-ID"]),
        bare_id(receipt["Message-ID"]),
    ]
    row = OutboundEmail.objects.get(kind=OutboundKind.REPLY)
    assert row.ticket_message is not None and row.language == "en"

    # The customer's client answers with fresh subject text but keeps the threading header and
    # quotes our mail below.
    answer = make_mail(
        sender="han.mei@example.com",
        subject="my reference",
        body=(
            "It is 88812345.\n\nOn Thu, 3 Dec 2026 at 10:00, WalletDesk Support "
            "<support@walletdesk.local> wrote:\n> ##- Please type your reply above this line -##"
            "\n> Please send us the bank reference."
        ),
        headers=[("In-Reply-To", reply["Message-ID"]), ("References", reply["References"])],
    )
    send(listener, answer)
    ticket.refresh_from_db()
    assert Ticket.objects.count() == 1
    latest = ticket.messages.order_by("-pk").first()
    assert latest is not None and latest.body == "It is 88812345."
    assert latest.author_kind == AuthorKind.CUSTOMER and latest.author_id == customer.pk
    assert ticket.status == TicketStatus.OPEN  # back from waiting for the customer
    assert InboundEmail.objects.get(message_id=bare_id(answer["Message-ID"])).outcome == (
        InboundOutcome.APPENDED
    )
    assert len(smtp_sink.messages) == 2  # a customer's reply is not acknowledged


@pytest.mark.django_db(transaction=True)
def test_auto_replies_and_loops_are_recorded_and_never_answered(
    listener: int, smtp_sink: Sink
) -> None:
    send(listener, make_mail(subject="Out of office", headers=[("Auto-Submitted", "auto-replied")]))
    send(listener, make_mail(subject="Away", headers=[("X-Autoreply", "yes")]))
    send(listener, make_mail(subject="News", headers=[("Precedence", "bulk")]))
    # Our own message coming back (a forwarding rule pointing at us).
    send(listener, make_mail(message_id=make_msgid(domain="walletdesk.local")))
    assert Ticket.objects.count() == 0
    assert smtp_sink.messages == []
    outcomes = sorted(InboundEmail.objects.values_list("outcome", flat=True))
    assert outcomes == ["auto_reply", "auto_reply", "auto_reply", "loop"]


@pytest.mark.django_db(transaction=True)
def test_the_listener_refuses_other_recipients_and_oversized_mail(
    listener: int, smtp_sink: Sink, settings: Any
) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(listener, make_mail(to="ceo@walletdesk.local"))
    # Plus-addressed support addresses are accepted.
    send(listener, make_mail(), to=["support+anything@walletdesk.local"])
    assert Ticket.objects.count() == 1

    port = free_port()
    settings.WALLETDESK_MAIL = {**settings.WALLETDESK_MAIL, "MAX_MESSAGE_BYTES": 2_000}
    from walletdesk.tickets.mail_intake import smtp_controller

    small = smtp_controller("127.0.0.1", port)
    small.start()
    try:
        with pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused)) as refused:
            send(port, make_mail(body="长" * 3_000))
        assert getattr(refused.value, "smtp_code", 0) == 552
    finally:
        small.stop()
    assert Ticket.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_storing_is_a_temporary_error_and_the_retry_is_stored_once(
    listener: int, smtp_sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.files.storage import storages

    store = storages["attachments"]

    def disk_full(name: str, content: Any) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "_save", disk_full)  # attachments cannot be written
    msg = make_mail(attachments=[("截图.png", "image/png", _png())])
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(listener, msg)
    assert refused.value.smtp_code == 451  # the sending MTA keeps the message and retries
    assert Ticket.objects.count() == 0 and InboundEmail.objects.count() == 0
    assert smtp_sink.messages == []

    monkeypatch.undo()
    send(listener, msg)
    send(listener, msg)  # a second retry after a lost "250" changes nothing
    assert Ticket.objects.count() == 1
    assert len(InboundEmail.objects.get().attachments) == 1
    assert Ticket.objects.get().messages.get().attachments.count() == 1
    assert len(smtp_sink.messages) == 1


# --- Intake decisions (the same code the listener calls) --------------------------------------

pytestmark_db = pytest.mark.django_db


def receive(msg: Any, **kwargs: Any) -> email_in.IntakeResult:
    return email_in.receive(msg.as_bytes(), via="smtp", **kwargs)


@pytestmark_db
def test_the_same_message_twice_changes_nothing(django_capture_on_commit_callbacks: Any) -> None:
    msg = make_mail()
    first = receive(msg)
    again = receive(msg)
    assert again.duplicate and again.ticket_number == first.ticket_number
    assert Ticket.objects.count() == 1 and InboundEmail.objects.count() == 1
    assert OutboundEmail.objects.count() == 1


@pytestmark_db
def test_only_a_verified_email_attaches_the_ticket_to_an_account(user_factory: Any) -> None:
    verified = user_factory(email="zhang@example.com")
    user_factory(email="pending@example.com", is_active=False)  # sign-up never confirmed
    user_factory(role=Role.AGENT, email="agent@example.com")
    assert (
        Ticket.objects.get(
            number=receive(make_mail(sender="ZHANG@example.com")).ticket_number
        ).customer_id
        == verified.pk
    )
    for sender in ("pending@example.com", "agent@example.com", "stranger@example.com"):
        ticket = Ticket.objects.get(number=receive(make_mail(sender=sender)).ticket_number)
        assert ticket.customer_id is None and ticket.contact_email == sender


@pytestmark_db
def test_a_message_from_someone_else_never_lands_on_a_ticket(user_factory: Any) -> None:
    owner = user_factory(email="owner@example.com")
    ticket = actions.open_ticket(
        Actor.customer(owner.pk),
        customer_id=owner.pk,
        subject="冻结",
        body="帮我看看",
        category="other_question",
    )
    result = receive(make_mail(sender="mallory@example.com", subject=f"Re: [{ticket.number}]"))
    assert result.outcome == InboundOutcome.CREATED and result.ticket_number != ticket.number
    assert ticket.messages.count() == 1


@pytestmark_db
def test_threading_by_subject_number_and_by_the_ticket_address() -> None:
    created = receive(make_mail(sender="wang@example.com"))
    number = created.ticket_number
    assert number is not None
    by_subject = receive(make_mail(sender="wang@example.com", subject=f"回复：[{number}] 还没到"))
    assert by_subject.outcome == InboundOutcome.APPENDED and by_subject.ticket_number == number
    by_address = receive(
        make_mail(
            sender="wang@example.com",
            subject="again",
            to=f"support+{number.lower()}@walletdesk.local",
        )
    )
    assert by_address.outcome == InboundOutcome.APPENDED and by_address.ticket_number == number
    assert Ticket.objects.get(number=number).messages.count() == 3


@pytestmark_db
def test_a_reply_to_a_closed_ticket_opens_a_follow_up() -> None:
    number = receive(make_mail(sender="wang@example.com")).ticket_number
    assert number is not None
    actions.change_status(Actor.system(), number, TicketStatus.CLOSED)
    follow = receive(make_mail(sender="wang@example.com", subject=f"Re: [{number}]"))
    assert follow.outcome == InboundOutcome.CREATED and follow.ticket_number != number


@pytestmark_db
def test_html_is_reduced_to_safe_text_and_quoted_history_is_trimmed() -> None:
    html = (
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
        "<p>您好，<b>充值</b>没到账 &amp; 请查一下</p><div>订单 <a href='javascript:x'>123</a>"
        "</div><img src=x onerror=alert(2)><div class='gmail_quote'>在 2026年12月3日 写道："
        "<blockquote>旧的内容</blockquote></div></body></html>"
    )
    number = receive(make_mail(body="", html=html)).ticket_number
    body = Ticket.objects.get(number=number).messages.get().body
    assert body == "您好，充值没到账 & 请查一下\n\n订单 123"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (
            "好的，谢谢\n\n在 2026年12月3日 10:00，WalletDesk 客服 <support@x> 写道：\n> 旧",
            "好的，谢谢",
        ),
        ("OK\n\n-----原始邮件-----\n发件人: 客服\n主题: 旧", "OK"),
        ("Fine\n\nFrom: Support <s@x>\nSent: Thursday\nTo: me\nSubject: old", "Fine"),
        ("Thanks\nOn Thu, Dec 3, 2026 at 10:00 AM WalletDesk\n<s@x> wrote:\n> old", "Thanks"),
        ("Yes\n> ##- 请在此行以上回复 -##\n> old", "Yes"),
        ("From: my bank app, the transfer failed.", "From: my bank app, the transfer failed."),
    ],
)
def test_quoted_history_is_trimmed(text: str, kept: str) -> None:
    assert email_in.trim_quoted(text) == kept


@pytestmark_db
def test_many_mails_from_one_sender_within_an_hour_are_a_loop(settings: Any) -> None:
    settings.WALLETDESK_MAIL = {**settings.WALLETDESK_MAIL, "LOOP_LIMIT_PER_HOUR": 3}
    outcomes = [receive(make_mail(sender="robot@example.com")).outcome for _ in range(5)]
    assert outcomes[-1] == InboundOutcome.LOOP
    assert outcomes.count(InboundOutcome.LOOP) == 2
    # Only the first three were acknowledged.
    assert OutboundEmail.objects.filter(to_address="robot@example.com").count() == 3


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytestmark_db
def test_attachments_go_through_the_ticket_attachment_checks(smtp_sink: Sink) -> None:
    png = _png()
    number = receive(
        make_mail(
            attachments=[
                ("截图.png", "image/png", png),
                # Not a PDF at all: the attachment checks refuse it, and the row says why.
                ("回单.pdf", "application/pdf", b"%PDF-1.4"),
            ]
        )
    ).ticket_number
    row = InboundEmail.objects.get()
    ticket = Ticket.objects.get(number=number)
    message = ticket.messages.get()
    assert row.ticket_message == message
    kept, refused = row.attachments
    assert (kept["name"], kept["attached"], kept["refused"]) == ("截图.png", True, "")
    assert refused["attached"] is False
    assert refused["refused"].startswith("attachment_")
    stored = message.attachments.get()
    assert str(stored.public_id) == kept["reference"]
    assert stored.original_name == "截图.png"
    assert stored.content_type == "image/png"


def _dsn(original_id: str, action: str = "failed") -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        "To: support@walletdesk.local\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {make_msgid(domain='mx.example.com')}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; gone@example.com\r\n"
        f"Action: {action}\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <{original_id}>\r\nSubject: old\r\n\r\n"
        "--b1--\r\n"
    ).encode()


@pytestmark_db
def test_a_bounce_is_recorded_against_the_outbound_message(
    smtp_sink: Sink, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        number = receive(make_mail(sender="gone@example.com")).ticket_number
    sent = OutboundEmail.objects.get()
    assert sent.status == OutboundStatus.SENT
    result = email_in.receive(_dsn(sent.message_id), via="smtp")
    assert result.outcome == InboundOutcome.BOUNCE and result.ticket_number == number
    sent.refresh_from_db()
    assert sent.status == OutboundStatus.BOUNCED and sent.bounce_status == "5.1.1"
    assert "user unknown" in sent.bounce_detail
    event = TicketEvent.objects.get(ticket__number=number, kind=EventKind.EMAIL_BOUNCED)
    assert event.from_value == "gone@example.com"
    assert len(smtp_sink.messages) == 1  # a bounce is never answered
    assert Ticket.objects.count() == 1


# --- Outbound ---------------------------------------------------------------------------------


@pytestmark_db
def test_delivery_is_retried_until_the_server_takes_it(
    settings: Any, user_factory: Any, django_capture_on_commit_callbacks: Any, tmp_path: Any
) -> None:
    settings.WALLETDESK_PRIVATE_FILES_DIR = tmp_path
    use_sink(settings, free_port())  # nothing listens there yet
    agent = user_factory(role=Role.AGENT)
    number = receive(make_mail(sender="zhao@example.com")).ticket_number
    assert number is not None
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_message(Actor.agent(agent.pk), number, "您好，已为您查询。")
    row = OutboundEmail.objects.get(kind=OutboundKind.REPLY)
    assert row.status == OutboundStatus.QUEUED and row.attempts == 1 and row.error
    # The reply itself is saved whatever happens to the mail.
    assert (
        Ticket.objects.get(number=number).messages.filter(visibility=Visibility.PUBLIC).count() == 2
    )

    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    controller.start()
    try:
        assert email_out.deliver_due(timezone.now()) == 0  # not due yet
        assert email_out.deliver_due(timezone.now() + timedelta(hours=1)) == 2
    finally:
        controller.stop()
    row.refresh_from_db()
    assert row.status == OutboundStatus.SENT and row.error == ""
    subjects = [m["Subject"].strip() for m in sink.messages]
    assert len(subjects) == 2 and f"[{number}] 回复：充值没到账" in subjects
    assert email_out.deliver_due(timezone.now() + timedelta(hours=2)) == 0  # sent once


@pytestmark_db
def test_replies_on_app_tickets_of_customers_are_not_mailed(user_factory: Any) -> None:
    customer = user_factory(email="app@example.com")
    agent = user_factory(role=Role.AGENT)
    ticket = actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject="问题",
        body="内容",
        category="other_question",
    )
    actions.add_message(Actor.agent(agent.pk), ticket.number, "已处理")
    actions.add_message(
        Actor.agent(agent.pk), ticket.number, "内部", visibility=Visibility.INTERNAL
    )
    assert not OutboundEmail.objects.filter(kind=OutboundKind.REPLY).exists()


@pytestmark_db
def test_internal_notes_on_email_tickets_are_never_mailed(user_factory: Any) -> None:
    agent = user_factory(role=Role.AGENT)
    number = receive(make_mail(sender="zhou@example.com")).ticket_number
    assert number is not None
    actions.add_message(Actor.agent(agent.pk), number, "内部备注", visibility=Visibility.INTERNAL)
    assert list(OutboundEmail.objects.values_list("kind", flat=True)) == [OutboundKind.RECEIVED]


def test_the_reply_to_address_and_message_ids_use_the_configured_domain(settings: Any) -> None:
    settings.WALLETDESK_MAIL = {
        **settings.WALLETDESK_MAIL,
        "SUPPORT_ADDRESS": "help@wallet.example",
        "MESSAGE_ID_DOMAIN": "mail.wallet.example",
    }
    assert email_out.reply_to_address("WD-2612-000123") == "help+wd-2612-000123@wallet.example"
    assert email_out.new_message_id("WD-2612-000123").endswith(
        ".wd-2612-000123@mail.wallet.example"
    )
    assert email_out.support_address() != SUPPORT


@pytestmark_db
def test_a_reply_sent_from_the_desk_that_solves_the_ticket_mails_the_answer_and_the_survey(
    smtp_sink: Sink, user_factory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.test import Client

    agent = user_factory(role=Role.AGENT)
    client = Client()
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        number = receive(
            make_mail(sender="desk@example.com", subject="Refund?", body="Where is my refund?")
        ).ticket_number
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/desk/{number}/reply/", {"body": "The refund arrived today.", "status": "solved"}
        )
    assert response.status_code == 302
    kinds = list(OutboundEmail.objects.order_by("pk").values_list("kind", "status"))
    assert kinds == [
        (OutboundKind.RECEIVED, OutboundStatus.SENT),
        (OutboundKind.REPLY, OutboundStatus.SENT),
        (OutboundKind.CSAT, OutboundStatus.SENT),
    ]
    receipt, reply, survey = smtp_sink.messages
    assert "The refund arrived today." in _text(reply)
    # The survey threads on the conversation like any other message of the ticket.
    assert bare_id(survey["In-Reply-To"]) == bare_id(receipt["In-Reply-To"])
    assert bare_id(reply["Message-ID"]) in [bare_id(x) for x in survey["References"].split()]
    assert "How satisfied are you" in _text(survey)  # an English ticket (no Chinese in it)


@pytestmark_db
def test_mail_without_a_sender_or_from_our_own_addresses_is_never_answered() -> None:
    no_sender = make_mail(sender="undisclosed-recipients:;")
    ours = make_mail(sender="support+wd-2612-000001@walletdesk.local")
    assert receive(no_sender).outcome == InboundOutcome.AUTO_REPLY
    assert receive(ours).outcome == InboundOutcome.LOOP
    assert Ticket.objects.count() == 0 and OutboundEmail.objects.count() == 0


def test_the_procfile_command_listens_checks_recipients_and_stops_on_sigterm() -> None:
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "mail_smtp_listener", "--port", str(port)],
        cwd=root,
        env={**os.environ, "WALLETDESK_MAIL_MAX_MESSAGE_BYTES": "123456"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        client = None
        deadline = time.monotonic() + 60
        while client is None and time.monotonic() < deadline:
            try:
                client = smtplib.SMTP("127.0.0.1", port, timeout=5)
            except OSError:
                time.sleep(0.2)
        assert client is not None, "the listener did not start"
        with client:
            client.ehlo()
            assert client.esmtp_features.get("size") == "123456"
            assert client.mail("someone@example.com")[0] == 250
            assert client.rcpt("ceo@walletdesk.local")[0] == 550
            assert client.rcpt("support+wd-2612-000001@walletdesk.local")[0] == 250
            client.rset()
    finally:
        process.send_signal(signal.SIGTERM)
        output, _unused = process.communicate(timeout=30)
    assert process.returncode == 0
    assert f"accepting mail on 127.0.0.1:{port}" in output and "stopped" in output
