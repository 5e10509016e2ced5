"""Identity's actions run for a typed Actor and plain values, with no request anywhere: what the
console, the chat and jobs need. The session's part (step-up time, pending change, the session
to keep) is the caller's, handed in as values."""

from __future__ import annotations

import time
from typing import Any

import pytest

from walletdesk.core.actors import Actor
from walletdesk.identity import actions
from walletdesk.identity.audit import Actions
from walletdesk.identity.errors import StepUpRequiredError
from walletdesk.identity.models import AuditEvent, User, UserSession

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long new passphrase 2026"


def test_a_password_change_is_audited_with_the_actors_ip_and_device(customer: Any) -> None:
    actor = Actor.customer(customer.pk, ip="203.0.113.9", device="WalletDesk console")

    actions.change_password(customer, "correct horse battery", NEW_PASSWORD, keep=None, actor=actor)

    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(subject_id=customer.pk, action=Actions.PASSWORD_CHANGE)
    assert (event.result, event.ip, event.user_agent) == (
        "ok",
        "203.0.113.9",
        "WalletDesk console",
    )


def test_the_step_up_is_a_plain_timestamp_the_caller_hands_in(customer: Any) -> None:
    actor = Actor.customer(customer.pk, ip="203.0.113.9")

    with pytest.raises(StepUpRequiredError):
        actions.start_contact_change(
            customer, "email", "new@example.com", actor=actor, stepped_up_at=None
        )
    with pytest.raises(StepUpRequiredError):  # older than the step-up window
        actions.start_contact_change(
            customer, "email", "new@example.com", actor=actor, stepped_up_at=time.time() - 3600
        )
    pending = actions.start_contact_change(
        customer, "email", "New@Example.com", actor=actor, stepped_up_at=time.time()
    )
    assert pending == "new@example.com"
    assert User.objects.get(pk=customer.pk).email != "new@example.com"  # not before the code


def test_signing_out_other_sessions_keeps_the_one_handed_in(customer: Any) -> None:
    kept, other = (UserSession.objects.create(user=customer) for _ in range(2))

    count = actions.revoke_other_sessions(
        customer, keep=kept, actor=Actor.customer(customer.pk, ip="203.0.113.9")
    )

    assert count == 1
    kept.refresh_from_db()
    other.refresh_from_db()
    assert kept.revoked_at is None and other.revoked_at is not None


def test_an_agent_freezes_for_a_customer_and_the_audit_names_the_agent(
    customer: Any, user_factory: Any
) -> None:
    from walletdesk.identity.enums import Role

    agent = user_factory(role=Role.AGENT)
    actor = Actor.agent(agent.pk, ip="198.51.100.4", device="console")

    actions.emergency_freeze(customer, source="console", actor=actor)

    event = AuditEvent.objects.get(subject_id=customer.pk, action=Actions.FREEZE)
    assert (event.actor_id, event.actor_type, event.ip, event.user_agent) == (
        agent.pk,
        "staff",
        "198.51.100.4",
        "console",
    )


def test_the_unfreeze_after_the_cool_off_is_audited_as_the_customer(customer: Any) -> None:
    from walletdesk.identity.actions.freeze import _do_unfreeze

    actions.emergency_freeze(customer, source="app", actor=Actor.customer(customer.pk))
    actor = Actor.customer(customer.pk, ip="203.0.113.7", device="phone")

    _do_unfreeze(User.objects.get(pk=customer.pk), by="customer", actor=actor)

    assert User.objects.get(pk=customer.pk).frozen_at is None
    event = AuditEvent.objects.get(subject_id=customer.pk, action=Actions.UNFREEZE)
    assert (event.actor_id, event.actor_type, event.ip) == (customer.pk, "customer", "203.0.113.7")
