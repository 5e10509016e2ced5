"""Identity talks to the apps around it without either side importing the other back
(docs/architecture.md, "Import boundaries"): payments registers the wallet's freeze and closure
hooks with identity; identity registers its user directory with notifications and its session
check with realtime. What each registry does when nothing is registered is part of the contract.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from walletdesk.core.actors import Actor
from walletdesk.identity import sessions, wallet_hooks
from walletdesk.identity.actions import emergency_freeze, user_from_freeze_link
from walletdesk.identity.models import User
from walletdesk.notifications import directory
from walletdesk.notifications import facade as notifications
from walletdesk.payments.models import Wallet
from walletdesk.realtime import facade as realtime

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def no_wallet_hooks() -> Iterator[None]:
    saved = list(wallet_hooks._hooks)
    wallet_hooks._hooks.clear()
    yield
    wallet_hooks._hooks[:] = saved


def test_the_wallet_registers_its_freeze_hooks_and_a_freeze_reaches_it(customer: Any) -> None:
    emergency_freeze(customer, source="app", actor=Actor.customer(customer.pk))
    assert Wallet.objects.get(user_id=customer.pk).status == "frozen"


def test_a_freeze_with_no_wallet_registered_refuses_and_changes_nothing(
    customer: Any, no_wallet_hooks: None
) -> None:
    with pytest.raises(ImproperlyConfigured):
        emergency_freeze(customer, source="app", actor=Actor.customer(customer.pk))
    assert User.objects.get(pk=customer.pk).frozen_at is None


def test_notifications_find_people_through_the_directory_identity_registered(
    customer: Any,
) -> None:
    found = directory.directory().contact(customer.pk)
    assert (found.phone, found.email) == (customer.phone, customer.email)
    link = directory.directory().freeze_link(str(customer.public_id))
    assert link.startswith("http") and "/account/freeze/link/" in link
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert user_from_freeze_link(token) == customer


def test_notifications_with_no_directory_refuse_to_send(customer: Any) -> None:
    saved = list(directory._directory)
    directory._directory.clear()
    try:
        with pytest.raises(ImproperlyConfigured):
            notifications.notify(customer.pk, "frozen", {"time": "", "available_at": ""})
    finally:
        directory._directory[:] = saved


def test_the_socket_asks_identity_whether_a_session_is_live() -> None:
    assert realtime._session_checks == [sessions.session_is_live]


def test_with_no_session_check_registered_every_socket_is_refused(customer: Any) -> None:
    saved = list(realtime._session_checks)
    realtime._session_checks.clear()
    try:
        assert realtime.session_is_live(object(), customer) is False
    finally:
        realtime._session_checks[:] = saved


def test_a_socket_reads_its_sessions_state_once_a_window_and_sees_a_revocation_here_at_once(
    customer: Any, customer_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = customer_client.session
    assert session.get(sessions.SID_KEY)
    clock = [1000.0]
    monkeypatch.setattr(sessions, "monotonic", lambda: clock[0])
    reads: list[str] = []
    real_read = sessions._read_state

    def counted(sid: str) -> Any:
        reads.append(sid)
        return real_read(sid)

    monkeypatch.setattr(sessions, "_read_state", counted)
    assert sessions.session_is_live(session, customer)
    clock[0] += sessions.SOCKET_STATE_SECONDS - 0.1
    assert sessions.session_is_live(session, customer)
    assert len(reads) == 1  # the second frame used this process's copy
    clock[0] += 0.1
    assert sessions.session_is_live(session, customer)
    assert len(reads) == 2  # aged out: read again
    sessions.revoke_sessions(customer, reason="test")
    assert not sessions.session_is_live(session, customer)  # no waiting for the window
