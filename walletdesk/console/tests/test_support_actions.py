"""The console's support actions on a customer's account: send the code they are waiting for
again, lift the payment-password lock, review their identity verification, and show the full
phone number or email once. Each: the role's permission (refusals audited), a reason code, one
run per form key, a `console_action` audit row beside identity's own row."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from walletdesk.console.models import ConsoleAction
from walletdesk.console.tests.conftest import PAY_PASSWORD, chat_with, staff_client
from walletdesk.core.actors import Actor
from walletdesk.identity import otp
from walletdesk.identity.enums import Role
from walletdesk.identity.facade import (
    demo_lock_payment_password,
    demo_submit_identity,
    verify_payment_password,
)
from walletdesk.identity.models import AuditEvent, KycSubmission, OneTimeCode, PaymentCredential
from walletdesk.identity.models import User as UserModel
from walletdesk.identity.tests.conftest import last_code
from walletdesk.notifications.models import Message

pytestmark = pytest.mark.django_db
ID_NUMBER = "11010519491231002X"
URL = "/desk/console/actions/"


def _act(client: Client, conversation: Any, key: str, **fields: str) -> Any:
    return client.post(URL, {"conversation": str(conversation.public_id), "key": key, **fields})


def _client_for(role: str, user_factory: Any, customer: Any) -> tuple[Client, Any]:
    if role == Role.CUSTOMER:
        client = Client()
        client.force_login(customer)
        return client, customer
    staff = user_factory(role=role)
    return staff_client(staff), staff


def _console_audit(customer: Any, what: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action="console_action", subject_id=customer.pk, data__what=what
        ).order_by("pk")
    )


def _waiting_code(customer: Any, purpose: str = "step_up", minutes_ago: int = 2) -> None:
    """The customer asked for a code `minutes_ago` (their own send, past the 60 s cool-down)."""
    otp.issue_code(customer, purpose)
    OneTimeCode.objects.filter(user=customer).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )


# --- Send the code again -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.CUSTOMER, 403),
        (Role.AGENT, 200),
        (Role.SENIOR_AGENT, 200),
        (Role.SUPERVISOR, 200),
        (Role.ADMIN, 200),
    ],
)
def test_who_may_send_a_customer_their_code_again(
    role: str, status: int, customer: Any, user_factory: Any
) -> None:
    _waiting_code(customer)
    client, user = _client_for(role, user_factory, customer)
    response = _act(
        client, chat_with(customer), "rc", action="resend_code", reason="code_not_received"
    )
    assert response.status_code == status
    assert OneTimeCode.objects.filter(user=customer).count() == (2 if status == 200 else 1)
    assert ConsoleAction.objects.filter(agent=user).count() == (1 if status == 200 else 0)


def test_a_code_goes_again_to_the_customers_own_phone_once_per_form_and_the_agent_never_sees_it(
    customer: Any, agent: Any
) -> None:
    _waiting_code(customer)
    conversation = chat_with(customer, agent)
    client = staff_client(agent, stepped_up=False)

    no_reason = _act(client, conversation, "r0", action="resend_code", reason="")
    assert no_reason.status_code == 400
    assert b'data-error-code="console_reason_required"' in no_reason.content
    assert OneTimeCode.objects.filter(user=customer).count() == 1

    for _ in range(2):  # a double click: one code
        response = _act(client, conversation, "r1", action="resend_code", reason="code_expired")
        assert response.status_code == 200
        assert "138****1234" in response.content.decode()
    codes = OneTimeCode.objects.filter(user=customer).order_by("created_at")
    assert [(c.purpose, c.target) for c in codes] == [("step_up", "+8613812341234")] * 2
    code = last_code("+8613812341234")
    assert code.encode() not in response.content
    row = ConsoleAction.objects.get()
    assert row.result == {"purpose": "step_up", "channel": "sms", "to": "138****1234"}
    assert code not in str(row.result) + row.note
    [audited] = _console_audit(customer, "resend_code")
    assert audited.actor_id == agent.pk and "code_expired" in audited.data["details"]
    sent = AuditEvent.objects.filter(action="otp_sent", subject_id=customer.pk)
    assert sent.count() == 2

    # The customer's own limits: not again within 60 s, and the refusal stays in the log.
    again = _act(client, conversation, "r2", action="resend_code", reason="code_expired")
    assert again.status_code == 429 and b'data-error-code="code_cooldown"' in again.content
    assert OneTimeCode.objects.filter(user=customer).count() == 2
    assert [e.result for e in _console_audit(customer, "resend_code")] == ["done", "rate_limited"]


def test_no_code_is_sent_when_none_is_waiting_or_it_goes_to_an_unproven_address(
    customer: Any, agent: Any
) -> None:
    conversation = chat_with(customer, agent)
    client = staff_client(agent, stepped_up=False)
    nothing = _act(client, conversation, "n1", action="resend_code", reason="code_not_received")
    assert nothing.status_code == 409
    assert b'data-error-code="console_action_not_applicable"' in nothing.content
    # A phone-change code goes to the new number, which the customer has not proven yet.
    otp.issue_code(customer, "phone_change", channel="sms", target="+8613900001111")
    OneTimeCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    change = _act(client, conversation, "n2", action="resend_code", reason="code_not_received")
    assert change.status_code == 409
    assert OneTimeCode.objects.filter(user=customer).count() == 1
    assert not ConsoleAction.objects.exists()


# --- Lift the payment-password lock ------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.CUSTOMER, 403),
        (Role.AGENT, 403),
        (Role.SENIOR_AGENT, 200),
        (Role.SUPERVISOR, 200),
        (Role.ADMIN, 200),
    ],
)
def test_who_may_lift_the_payment_password_lock(
    role: str, status: int, customer: Any, user_factory: Any
) -> None:
    demo_lock_payment_password(customer.pk, wrong="000000")
    client, user = _client_for(role, user_factory, customer)
    response = _act(
        client,
        chat_with(customer),
        "pl",
        action="unlock_payment_password",
        reason="remembers_password",
    )
    assert response.status_code == status
    locked_until = PaymentCredential.objects.get(user=customer).locked_until
    assert (locked_until is None) == (status == 200)
    if role == Role.AGENT:
        denied = AuditEvent.objects.get(actor_id=user.pk, action="access_denied")
        assert denied.data["permission"] == "console.unlock_payment_password"


def test_lifting_the_lock_needs_a_reason_and_a_fresh_second_factor_runs_once_and_tells_the_customer(
    customer: Any, user_factory: Any
) -> None:
    demo_lock_payment_password(customer.pk, wrong="000000")
    before = PaymentCredential.objects.get(user=customer).password_hash
    senior = user_factory(role=Role.SENIOR_AGENT)
    conversation = chat_with(customer, senior)
    stale = _act(
        staff_client(senior, stepped_up=False),
        conversation,
        "u0",
        action="unlock_payment_password",
        reason="remembers_password",
    )
    assert stale.status_code == 403 and b'data-error-code="step_up_required"' in stale.content
    client = staff_client(senior)
    no_reason = _act(client, conversation, "u1", action="unlock_payment_password", reason="x")
    assert no_reason.status_code == 400
    assert PaymentCredential.objects.get(user=customer).locked_until is not None

    for _ in range(2):
        response = _act(
            client, conversation, "u2", action="unlock_payment_password", reason="urgent_payment"
        )
        assert response.status_code == 200

    credential = PaymentCredential.objects.get(user=customer)
    assert credential.locked_until is None and credential.failed_attempts == 0
    assert credential.password_hash == before  # the lock only, never the password
    verify_payment_password(customer.pk, PAY_PASSWORD)
    [unlocked] = AuditEvent.objects.filter(action="payment_password_unlock")
    assert (unlocked.actor_id, unlocked.subject_id) == (senior.pk, customer.pk)
    assert unlocked.data["reason_code"] == "urgent_payment"
    assert len(_console_audit(customer, "unlock_payment_password")) == 1
    told = Message.objects.filter(user=customer, kind="security_change", channel="inbox")
    assert told.count() == 1 and "客服已为你解除支付密码锁定" in told.get().body

    not_locked = _act(
        client, conversation, "u3", action="unlock_payment_password", reason="urgent_payment"
    )
    assert not_locked.status_code == 409
    assert ConsoleAction.objects.count() == 1


# --- Identity verification ---------------------------------------------------------------------


def _pending_submission(customer: Any) -> KycSubmission:
    return demo_submit_identity(customer.pk, real_name="王芳", id_number=ID_NUMBER)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.CUSTOMER, 403),
        (Role.AGENT, 403),
        (Role.SENIOR_AGENT, 200),
        (Role.SUPERVISOR, 200),
        (Role.ADMIN, 200),
    ],
)
def test_who_may_review_identity_verification_from_the_panel(
    role: str, status: int, customer: Any, user_factory: Any
) -> None:
    submission = _pending_submission(customer)
    client, _user = _client_for(role, user_factory, customer)
    conversation = chat_with(customer)
    if role != Role.CUSTOMER:
        panel = client.get(f"/desk/console/chats/{conversation.public_id}/customer/").content
        assert (b'id="c360-kyc-approve"' in panel) == (status == 200)
    response = _act(
        client,
        conversation,
        "ka",
        action="kyc_approve",
        reason="documents_match",
        submission=str(submission.public_id),
    )
    assert response.status_code == status
    submission.refresh_from_db()
    assert submission.status == ("approved" if status == 200 else "pending")


def test_a_reviewer_rejects_with_a_reason_once_and_the_customer_is_told(
    customer: Any, user_factory: Any
) -> None:
    submission = _pending_submission(customer)
    senior = user_factory(role=Role.SENIOR_AGENT)
    conversation = chat_with(customer, senior)
    client = staff_client(senior, stepped_up=False)
    fields = {"action": "kyc_reject", "submission": str(submission.public_id)}

    no_reason = _act(client, conversation, "k0", reason="", **fields)
    assert no_reason.status_code == 400
    submission.refresh_from_db()
    assert submission.status == "pending"

    for _ in range(2):
        response = _act(client, conversation, "k1", reason="blurry", note="背面看不清", **fields)
        assert response.status_code == 200
    submission.refresh_from_db()
    assert (submission.status, submission.reject_reason, submission.reviewer_id) == (
        "rejected",
        "blurry",
        senior.pk,
    )
    [reviewed] = AuditEvent.objects.filter(action="kyc_review", subject_id=customer.pk)
    assert (reviewed.actor_id, reviewed.result) == (senior.pk, "rejected")
    assert len(_console_audit(customer, "kyc_reject")) == 1
    assert Message.objects.filter(user=customer, kind="kyc_rejected", channel="inbox").count() == 1

    # Decided already: approving it now does not apply.
    late = _act(
        client,
        conversation,
        "k2",
        action="kyc_approve",
        reason="documents_match",
        submission=str(submission.public_id),
    )
    assert late.status_code == 409
    assert UserModel.objects.get(pk=customer.pk).kyc_level == customer.kyc_level


def test_another_customers_submission_is_not_found(customer: Any, user_factory: Any) -> None:
    other = user_factory()
    submission = _pending_submission(other)
    senior = user_factory(role=Role.SENIOR_AGENT)
    response = _act(
        staff_client(senior, stepped_up=False),
        chat_with(customer, senior),
        "k3",
        action="kyc_approve",
        reason="documents_match",
        submission=str(submission.public_id),
    )
    assert response.status_code == 404
    submission.refresh_from_db()
    assert submission.status == "pending"


# --- Reveal with a reason ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.CUSTOMER, 403),
        (Role.AGENT, 200),
        (Role.SUPERVISOR, 200),
        (Role.ADMIN, 200),
    ],
)
def test_who_may_reveal_the_full_phone_number(
    role: str, status: int, customer: Any, user_factory: Any
) -> None:
    client, _user = _client_for(role, user_factory, customer)
    response = _act(
        client, chat_with(customer), "rv", action="reveal_phone", reason="customer_contact"
    )
    assert response.status_code == status
    assert (b"+8613812341234" in response.content) == (status == 200)
    assert AuditEvent.objects.filter(action="contact_reveal").count() == (status == 200)


def test_an_agent_without_the_permission_cannot_reveal_and_is_audited(
    customer: Any, user_factory: Any
) -> None:
    agent = user_factory(role=Role.AGENT)
    group = Group.objects.get(name="agent")
    group.permissions.remove(*group.permissions.filter(codename="view_customer_data"))
    agent = UserModel.objects.get(pk=agent.pk)
    client = staff_client(agent, stepped_up=False)
    conversation = chat_with(customer, agent)
    assert (
        b"c360-reveal_phone"
        not in client.get(f"/desk/console/chats/{conversation.public_id}/customer/").content
    )
    response = _act(client, conversation, "rv", action="reveal_phone", reason="customer_contact")
    assert response.status_code == 403 and b"+8613812341234" not in response.content
    denied = AuditEvent.objects.get(actor_id=agent.pk, action="access_denied")
    assert denied.data["permission"] == "identity.view_customer_data"
    assert not AuditEvent.objects.filter(action="contact_reveal").exists()


def test_a_reveal_needs_a_reason_shows_the_number_once_uncached_and_is_audited(
    customer: Any, agent: Any, django_assert_num_queries: Any
) -> None:
    conversation = chat_with(customer, agent)
    client = staff_client(agent, stepped_up=False)
    panel_url = f"/desk/console/chats/{conversation.public_id}/customer/"

    no_reason = _act(client, conversation, "v0", action="reveal_phone", reason="")
    assert no_reason.status_code == 400 and b"+8613812341234" not in no_reason.content

    shown = _act(client, conversation, "v1", action="reveal_phone", reason="ticket")
    assert shown.status_code == 200 and shown["Cache-Control"] == "no-store"
    page = shown.content.decode()
    assert '<dd class="mono" id="c360-phone">+8613812341234</dd>' in page
    assert 'id="c360-phone-shown-once"' in page

    # A retry of the same form answers the first run without showing the number again.
    retry = _act(client, conversation, "v1", action="reveal_phone", reason="ticket")
    assert retry.status_code == 200 and b"+8613812341234" not in retry.content
    assert b"+8613812341234" not in client.get(panel_url).content

    [revealed] = AuditEvent.objects.filter(action="contact_reveal")
    assert (revealed.actor_id, revealed.subject_id) == (agent.pk, customer.pk)
    assert (revealed.data["field"], revealed.data["reason_code"]) == ("phone", "ticket")
    assert len(_console_audit(customer, "reveal_phone")) == 1
    row = ConsoleAction.objects.get()
    assert row.result == {"field": "phone"}
    assert "13812341234" not in f"{row.result}{row.target}{row.note}"

    with django_assert_num_queries(REVEAL_QUERIES):
        again = _act(client, conversation, "v2", action="reveal_phone", reason="ticket")
    assert again.status_code == 200 and b"+8613812341234" in again.content
    assert AuditEvent.objects.filter(action="contact_reveal").count() == 2


# Session, user and permissions; the conversation's customer; the form key; the customer (the
# 360's identity part, 5); in one transaction the customer again, the `contact_reveal` and
# `console_action` audit rows (chain head locked, event, head moved: 3 each), the console row and
# the savepoints; the panel (14). The per-agent limit is in the cache.
REVEAL_QUERIES = 42


def test_reveals_are_limited_per_agent_and_hour(
    customer: Any, user_factory: Any, agent: Any
) -> None:
    customer.email = "wang.fang@example.com"
    customer.save(update_fields=["email"])
    conversation = chat_with(customer, agent)
    client = staff_client(agent, stepped_up=False)
    email = _act(client, conversation, "e", action="reveal_email", reason="customer_contact")
    assert email.status_code == 200 and b"wang.fang@example.com" in email.content
    for n in range(19):
        assert (
            _act(client, conversation, f"p{n}", action="reveal_phone", reason="ticket").status_code
            == 200
        )
    limited = _act(client, conversation, "p20", action="reveal_phone", reason="ticket")
    assert limited.status_code == 429
    assert b'data-error-code="console_rate_limited"' in limited.content
    assert b"+8613812341234" not in limited.content
    assert AuditEvent.objects.filter(action="contact_reveal").count() == 20
    # Another agent has their own budget.
    other = staff_client(user_factory(role=Role.AGENT), stepped_up=False)
    assert (
        _act(other, conversation, "o1", action="reveal_phone", reason="ticket").status_code == 200
    )


def test_the_facade_reveals_only_what_the_account_has_and_audits_each_reveal(
    customer: Any, agent: Any
) -> None:
    from walletdesk.identity.facade import reveal_contact_for_customer

    assert (
        reveal_contact_for_customer(
            customer.pk, "phone", actor=Actor.agent(agent.pk), reason_code="ticket"
        )
        == "+8613812341234"
    )
    assert (
        reveal_contact_for_customer(
            customer.pk, "email", actor=Actor.agent(agent.pk), reason_code="ticket"
        )
        == ""
    )
    assert AuditEvent.objects.filter(action="contact_reveal").count() == 1
