from __future__ import annotations

import socket
import time

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import transaction
from django.test import Client

from walletdesk.core.actors import Actor
from walletdesk.core.money import Money
from walletdesk.notifications import facade
from walletdesk.notifications.actions import save_preferences
from walletdesk.notifications.models import Message
from walletdesk.notifications.providers import dev_outbox

pytestmark = pytest.mark.django_db


def test_debit_alert_respects_the_threshold_and_channels(
    customer, django_capture_on_commit_callbacks
):
    save_preferences(
        customer.pk,
        actor=Actor.customer(customer.pk),
        debit_alert_minor=10000,
        transaction_sms=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        facade.notify_debit(customer.pk, Money(9999, "CNY"), "T-1", description="咖啡")
    assert Message.objects.filter(user=customer).count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        facade.notify_debit(customer.pk, Money(10000, "CNY"), "T-2", description="Coffee beans")
    rows = Message.objects.filter(user=customer).order_by("channel")
    assert [(r.channel, r.status) for r in rows] == [("inbox", "sent"), ("sms", "sent")]
    sent = dev_outbox()[0]
    assert sent["to"] == customer.phone
    assert "¥100.00" in sent["body"] and "T-2" in sent["body"] and "Coffee beans" in sent["body"]


def test_debit_alert_is_rendered_when_read_in_the_readers_language(customer):
    facade.notify_debit(
        customer.pk, Money(2000_00, "CNY"), "transfer:T-9", description_code="transfer"
    )
    message = Message.objects.get(user=customer, kind="debit")
    assert (message.subject, message.body) == ("", "")  # nothing rendered in the transaction
    zh_subject, zh_body = facade.message_text(message, "zh-hans")
    en_subject, en_body = facade.message_text(message, "en")
    assert zh_subject == "支出 ¥2,000.00" and "：转账（交易单号 transfer:T-9）" in zh_body
    assert (
        en_subject == "Payment of ¥2,000.00" and ": a transfer (reference transfer:T-9)" in en_body
    )
    # A fresh emergency-freeze link for the owner, in either language.
    link = zh_body.rsplit("：", 1)[1]
    assert "/account/freeze/link/" in link and link in en_body


def test_the_inbox_page_shows_alerts_in_the_page_language(customer, customer_client):
    facade.notify_debit(
        customer.pk, Money(5_00, "CNY"), "withdrawal:W-1", description_code="withdrawal"
    )
    zh = customer_client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "提现到银行卡" in zh and "支出 ¥5.00" in zh
    en = customer_client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "a withdrawal to your bank card" in en and "Payment of ¥5.00" in en


def test_debit_alert_inside_a_rolled_back_transaction_sends_nothing(
    customer, django_capture_on_commit_callbacks
):
    save_preferences(customer.pk, actor=Actor.customer(customer.pk), transaction_sms=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                facade.notify_debit(customer.pk, Money(500, "CNY"), "T-3", description="pay")
                raise RuntimeError("payment failed later")
        except RuntimeError:
            pass
    assert callbacks == [] and Message.objects.count() == 0 and dev_outbox() == []


def test_email_goes_out_over_real_smtp(customer, settings, django_capture_on_commit_callbacks):
    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
            received.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        customer.email = "owner@example.com"
        customer.save(update_fields=["email"])
        with django_capture_on_commit_callbacks(execute=True):
            facade.notify(
                customer.pk,
                "security_change",
                {"change": "Password changed", "time": "now", "link": "https://x/"},
                ["email"],
            )
        deadline = time.time() + 5
        while not received and time.time() < deadline:
            time.sleep(0.05)
    finally:
        controller.stop()
    assert received and received[0][0] == ["owner@example.com"]
    assert Message.objects.get(user=customer, channel="email").status == "sent"


def test_email_delivery_failure_is_recorded(customer, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # discard port: nobody listens
    settings.EMAIL_TIMEOUT = 2
    customer.email = "owner@example.com"
    customer.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        facade.notify(
            customer.pk, "security_change", {"change": "x", "time": "now", "link": ""}, ["email"]
        )
    message = Message.objects.get(user=customer, channel="email")
    assert message.status == "queued" and message.attempts == 1 and message.error


def test_inbox_page_lists_only_my_messages_and_marks_them_read(
    customer, user_factory, django_capture_on_commit_callbacks
):
    other = user_factory()
    with django_capture_on_commit_callbacks(execute=True):
        facade.notify(customer.pk, "kyc_approved", {}, ["inbox"])
        facade.notify(other.pk, "kyc_rejected", {"reason": "blurry"}, ["inbox"])
    client = Client()
    client.force_login(customer)
    page = client.get("/notifications/")
    body = page.content.decode()
    assert page.status_code == 200 and "实名认证已通过" in body  # zh-Hans, the default
    assert "blurry" not in body
    assert client.post("/notifications/read/").status_code == 302
    assert not Message.objects.filter(user=customer, read_at__isnull=True).exists()
    assert Message.objects.filter(user=other, read_at__isnull=True).exists()


def test_preferences_page_saves_threshold_strictly(customer):
    client = Client()
    client.force_login(customer)
    bad = client.post(
        "/notifications/preferences/", {"debit_alert_amount": "1e3", "transaction_inbox": "on"}
    )
    assert bad.status_code == 400
    good = client.post(
        "/notifications/preferences/", {"debit_alert_amount": "200.50", "transaction_sms": "on"}
    )
    assert good.status_code == 302
    prefs = customer.notification_preference
    assert (prefs.debit_alert_minor, prefs.transaction_sms, prefs.transaction_inbox) == (
        20050,
        True,
        False,
    )


def test_developer_outbox_page_is_debug_and_staff_only(customer, user_factory, settings):
    from walletdesk.identity.enums import Role

    agent = user_factory(role=Role.AGENT)
    client = Client()
    client.force_login(agent)
    settings.WALLETDESK_NOTIFICATIONS = {
        **settings.WALLETDESK_NOTIFICATIONS,
        "DEV_OUTBOX_PAGE": False,
    }
    assert client.get("/notifications/dev-outbox/").status_code == 404
    settings.WALLETDESK_NOTIFICATIONS = {
        **settings.WALLETDESK_NOTIFICATIONS,
        "DEV_OUTBOX_PAGE": True,
    }
    assert client.get("/notifications/dev-outbox/").status_code == 200
    client.force_login(customer)
    assert client.get("/notifications/dev-outbox/").status_code == 403
    assert mail.outbox == []


def test_saving_preferences_is_audited_with_who_and_where(customer):
    from walletdesk.identity.models import AuditEvent

    client = Client(REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="pref-test")
    client.force_login(customer)
    response = client.post(
        "/notifications/preferences/", {"debit_alert_amount": "5.00", "transaction_inbox": "on"}
    )
    assert response.status_code == 302
    row = AuditEvent.objects.get(action="notification_preferences")
    assert (row.subject_id, row.actor_id, row.actor_type) == (customer.pk, customer.pk, "customer")
    assert (row.ip, row.user_agent) == ("10.1.2.3", "pref-test")
