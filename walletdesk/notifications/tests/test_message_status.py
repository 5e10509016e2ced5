"""A message's delivery status moves only through `actions.move_status` (core.statemachine):
checked against MESSAGE_TRANSITIONS, with its history row (who, when, old → new, reason)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from walletdesk.core.errors import InvalidStateTransitionError
from walletdesk.core.statemachine import status_history
from walletdesk.notifications import actions, facade
from walletdesk.notifications.enums import Status
from walletdesk.notifications.models import Message
from walletdesk.notifications.providers import SendResult

pytestmark = pytest.mark.django_db


class RefusingGateway:
    name = "refusing"

    def send(self, to: str, text: str) -> SendResult:
        return SendResult(ok=False, error="number_unreachable")


def _history(message: Message) -> list[tuple[str, str, str, str]]:
    return [
        (row.from_status, row.to_status, row.actor, row.reason) for row in status_history(message)
    ]


def _security_sms(customer: Any, django_capture_on_commit_callbacks: Any) -> Message:
    with django_capture_on_commit_callbacks(execute=True):
        facade.notify(
            customer.pk,
            "security_change",
            {"change": "Password changed", "time": "now", "link": "https://x/"},
            ["sms"],
        )
    return Message.objects.get(user=customer, channel="sms")


def test_a_sent_sms_has_its_history_row(customer, django_capture_on_commit_callbacks):
    message = _security_sms(customer, django_capture_on_commit_callbacks)
    assert message.status == Status.SENT and message.attempts == 1
    assert _history(message) == [("queued", "sent", "system", "dev-outbox")]


def test_an_sms_out_of_attempts_fails_with_the_reason(
    customer, settings, django_capture_on_commit_callbacks
):
    settings.WALLETDESK_NOTIFICATIONS = {
        **settings.WALLETDESK_NOTIFICATIONS,
        "SMS_PROVIDER": f"{__name__}.RefusingGateway",
    }
    message = _security_sms(customer, django_capture_on_commit_callbacks)
    assert message.status == Status.QUEUED and _history(message) == []  # retried later
    Message.objects.filter(pk=message.pk).update(attempts=actions.MAX_ATTEMPTS - 1)
    actions.deliver_queued([message.pk])
    message.refresh_from_db()
    assert (message.status, message.error) == (Status.FAILED, "number_unreachable")
    assert _history(message) == [("queued", "failed", "system", "number_unreachable")]


def test_the_sweep_fails_stale_codes_through_the_same_primitive(customer):
    message_id = actions.send_code(
        user_id=customer.pk,
        channel="sms",
        destination=customer.phone,
        purpose="login",
        code="123456",
    )
    Message.objects.filter(pk=message_id).update(created_at=timezone.now() - timedelta(hours=1))
    assert actions.retry_queued() == 1
    message = Message.objects.get(pk=message_id)
    assert (message.status, message.error) == (Status.FAILED, "not sent")
    assert _history(message) == [("queued", "failed", "system", "not sent")]


def test_a_move_the_map_forbids_is_refused_and_leaves_no_row(
    customer, django_capture_on_commit_callbacks
):
    message = _security_sms(customer, django_capture_on_commit_callbacks)
    with pytest.raises(InvalidStateTransitionError):
        actions.move_status(message, Status.QUEUED, reason="resend")
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert [row[:2] for row in _history(message)] == [("queued", "sent")]


def test_a_row_another_worker_moved_first_is_left_alone(
    customer, django_capture_on_commit_callbacks
):
    message = _security_sms(customer, django_capture_on_commit_callbacks)
    stale = Message.objects.get(pk=message.pk)
    stale.status = Status.QUEUED  # as a second worker read it before the first one sent it
    assert actions.move_status(stale, Status.SENT, reason="again") is False
    assert [row[:2] for row in _history(message)] == [("queued", "sent")]
