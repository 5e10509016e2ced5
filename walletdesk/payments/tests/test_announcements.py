"""The customer hears about changes they did not make in front of them: a stuck top-up credited,
a withdrawal the bank refused, money from another customer. An inbox row written with the change,
and a `payments.record` event on the owner's socket group (the real channel layer) after commit."""

from __future__ import annotations

import asyncio
import queue
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.utils import translation

from walletdesk.notifications.facade import message_text
from walletdesk.notifications.models import Message
from walletdesk.payments import operations, reconciliation
from walletdesk.payments.models import TopUp, Transfer, Withdrawal
from walletdesk.payments.rails import sandbox
from walletdesk.payments.tests.conftest import available
from walletdesk.payments.topups import create_top_up
from walletdesk.payments.withdrawals import create_withdrawal
from walletdesk.realtime.events import EVENT_SCHEMAS, EventSchemaError, check_event
from walletdesk.realtime.publish import user_group

pytestmark = pytest.mark.django_db


class Listener:
    """A channel in a user's group on the settings' channel layer, as an open socket would be.

    On Redis the layer is publish/subscribe, whose subscriptions belong to the event loop that
    made them: the listener keeps one loop running in a thread of its own, as a socket's process
    does, and a task there moves what arrives into a queue the test reads."""

    def __init__(self, user_id: int) -> None:
        self.layer = get_channel_layer()
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.loop: asyncio.AbstractEventLoop | None = None
        if isinstance(self.layer, InMemoryChannelLayer):
            self.channel = async_to_sync(self.layer.new_channel)()
            async_to_sync(self.layer.group_add)(user_group(user_id), self.channel)
            return
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.channel = asyncio.run_coroutine_threadsafe(
            self._listen(user_group(user_id)), self.loop
        ).result(timeout=10)
        _open.append(self)

    async def _listen(self, group: str) -> str:
        channel: str = await self.layer.new_channel()
        await self.layer.group_add(group, channel)
        asyncio.get_running_loop().create_task(self._pump(channel))
        return channel

    async def _pump(self, channel: str) -> None:
        while True:
            self.received.put(await self.layer.receive(channel))

    def events(self) -> list[dict[str, Any]]:
        received: list[dict[str, Any]] = []
        while True:
            try:
                message = self._next()
            except (TimeoutError, queue.Empty):
                return received
            received.append(message["event"])

    def _next(self) -> dict[str, Any]:
        # Long enough for a loaded machine.
        if self.loop is not None:
            return self.received.get(timeout=1.0)
        return async_to_sync(self._receive)()

    async def _receive(self) -> dict[str, Any]:
        # A receive cut short by the timeout can lose the message it was reading.
        return dict(await asyncio.wait_for(self.layer.receive(self.channel), timeout=1.0))

    def close(self) -> None:
        if self.loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._shut(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

    async def _shut(self) -> None:
        pumps = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pumps:
            task.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)
        await self.layer.flush()  # this loop's Redis connections


_open: list[Listener] = []


@pytest.fixture(autouse=True)
def _close_listeners() -> Iterator[None]:
    yield
    while _open:
        _open.pop().close()


@pytest.fixture(autouse=True)
def _private_channel_layer(settings: Any) -> Iterator[None]:
    layer = settings.CHANNEL_LAYERS["default"]
    if "CONFIG" in layer and "prefix" in layer["CONFIG"]:
        config = {**layer["CONFIG"], "prefix": f"wdtest:{uuid.uuid4().hex[:12]}"}
        settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": config}}
    else:
        settings.CHANNEL_LAYERS = {"default": dict(layer)}
    yield


def inbox(user: Any, kind: str) -> list[Message]:
    return list(Message.objects.filter(user=user, channel="inbox", kind=kind).order_by("id"))


def text_of(message: Message, language: str = "zh-hans") -> str:
    subject, body = message_text(message, language)
    return f"{subject} | {body}"


def test_a_stuck_top_up_credited_by_a_requery_tells_its_owner_only(
    wallet_factory: Any, run_on_commit: Any
) -> None:
    owner = wallet_factory()
    other = wallet_factory()
    with sandbox.force_mode("awaiting_requery"), run_on_commit():
        outcome = create_top_up(
            user_id=owner.pk,
            kyc_level=0,
            amount="2000.00",
            currency="CNY",
            method="third_party_wallet",
            card_id=None,
            idempotency_key=uuid.uuid4().hex,
        )
    top_up = TopUp.objects.get(public_id=outcome.body["id"])
    assert top_up.status == "pending" and not inbox(owner, "top_up_credited")
    owner_socket, other_socket = Listener(owner.pk), Listener(other.pk)

    with run_on_commit():
        reconciliation.requery(user_id=owner.pk, kind="top_up", public_id=top_up.public_id)

    assert available(owner) == 2000_00
    [notice] = inbox(owner, "top_up_credited")
    assert notice.link == f"/records/top-up/{top_up.public_id}/"
    assert "充值 ¥2,000.00 已到账" in text_of(notice)
    assert "Top-up of ¥2,000.00 arrived" in text_of(notice, "en")
    assert owner_socket.events() == [
        {
            "type": "payments.record",
            "op": "updated",
            "kind": "top_up",
            "id": str(top_up.public_id),
            "status": "succeeded",
        },
        {"type": "notification", "op": "add", "id": str(notice.public_id), "kind": notice.kind},
    ]
    assert other_socket.events() == []
    assert not Message.objects.filter(user=other).exists()


def test_a_failed_withdrawal_says_why_in_plain_words(
    wallet_factory: Any, card_factory: Any, run_on_commit: Any
) -> None:
    owner = wallet_factory("500.00")
    card = card_factory(owner)
    socket = Listener(owner.pk)
    with run_on_commit():
        outcome = create_withdrawal(
            user_id=owner.pk,
            kyc_level=0,
            amount="200.52",  # sandbox: the bank account has too little money
            currency="CNY",
            card_id=str(card.public_id),
            idempotency_key=uuid.uuid4().hex,
            confirmed=True,
        )
    withdrawal = Withdrawal.objects.get(public_id=outcome.body["id"])
    assert withdrawal.status == "failed"
    assert available(owner) == 500_00

    [notice] = inbox(owner, "withdrawal_failed")
    assert notice.link == f"/records/withdrawal/{withdrawal.public_id}/"
    with translation.override("zh-hans"):
        text = text_of(notice)
    assert "提现 ¥200.52 未成功" in text
    assert "insufficient_funds_at_bank" not in text and "已经退回你的可用余额" in text
    statuses = [e["status"] for e in socket.events() if e["id"] == str(withdrawal.public_id)]
    assert statuses[-1] == "failed"


def test_money_from_another_customer_is_announced_to_the_recipient_only(
    wallet_factory: Any, run_on_commit: Any
) -> None:
    """Both backends (on PostgreSQL the transfer is the database function)."""
    sender = wallet_factory("100.00", display_name="王小明")
    recipient = wallet_factory(display_name="李娜")
    sender_socket, recipient_socket = Listener(sender.pk), Listener(recipient.pk)

    with run_on_commit():
        outcome = operations.transfer(
            payer=operations.Payer.customer(sender.pk),
            recipient=recipient.login_name,
            amount="12.50",
            currency="CNY",
            idempotency_key=uuid.uuid4().hex,
            confirmed=True,
        )

    transfer = Transfer.objects.get(public_id=outcome.body["id"])
    [notice] = inbox(recipient, "money_received")
    assert notice.link == f"/records/transfer_in/{transfer.public_id}/"
    assert "王小明 向你转账 ¥12.50" in text_of(notice)
    assert "王小明 sent you ¥12.50" in text_of(notice, "en")
    assert recipient_socket.events() == [
        {
            "type": "payments.record",
            "op": "updated",
            "kind": "transfer_in",
            "id": str(transfer.public_id),
            "status": "succeeded",
        },
        {"type": "notification", "op": "add", "id": str(notice.public_id), "kind": notice.kind},
    ]
    assert [e for e in sender_socket.events() if e["type"] == "payments.record"] == []
    assert not inbox(sender, "money_received")


def test_every_event_type_has_a_schema_and_a_wrong_payload_is_refused() -> None:
    assert {"notification", "payments.record", "wallet.balance"} <= set(EVENT_SCHEMAS)
    check_event("payments.record", "updated", {"kind": "top_up", "id": "x", "status": "pending"})
    wrong: list[tuple[str, str, dict[str, Any]]] = [
        ("payments.unknown", "updated", {}),
        ("payments.record", "deleted", {"kind": "top_up", "id": "x", "status": "pending"}),
        ("payments.record", "updated", {"kind": "top_up", "id": "x"}),
        ("payments.record", "updated", {"kind": "top_up", "id": 1, "status": "pending"}),
        (
            "payments.record",
            "updated",
            {"kind": "top_up", "id": "x", "status": "pending", "secret": "1"},
        ),
    ]
    for event_type, op, payload in wrong:
        with pytest.raises(EventSchemaError):
            check_event(event_type, op, payload)


def test_the_record_path_matches_the_url_configuration() -> None:
    from django.urls import reverse

    from walletdesk.payments.announce import RECORD_DETAIL_PATH

    public_id = uuid.uuid4()
    assert RECORD_DETAIL_PATH.format(kind="transfer_in", public_id=public_id) == reverse(
        "payments:record-detail", kwargs={"kind": "transfer_in", "public_id": public_id}
    )
