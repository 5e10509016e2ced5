"""What a ticket's links point at, read live from the app that owns each kind: wallet activity and
bank cards from payments, devices and sign-ins from identity. Only the ticket customer's own rows
are found, so a link can neither be made to nor show someone else's record."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from walletdesk.identity import facade as identity_facade
from walletdesk.payments import facade as payments_facade
from walletdesk.tickets.enums import LinkKind

ACTIVITY_KINDS = payments_facade.RECORD_KINDS


@dataclass(frozen=True, slots=True)
class LinkedRecord:
    kind: str
    kind_label: str
    public_id: str
    title: str
    status: str
    status_label: str
    # Empty for a card, a device or a sign-in: no money moved.
    amount: str
    currency: str
    created_at: datetime
    url: str


def _linked(record: payments_facade.RecordSummary | identity_facade.SecurityRecord) -> LinkedRecord:
    # A card, a device or a sign-in (identity's records) moved no money: no amount.
    return LinkedRecord(
        kind=record.kind,
        kind_label=str(LinkKind(record.kind).label),
        public_id=record.public_id,
        title=record.title,
        status=record.status,
        status_label=record.status_label,
        amount=getattr(record, "amount", ""),
        currency=getattr(record, "currency", ""),
        created_at=record.created_at,
        url=record.url,
    )


def customer_linked(
    customer_id: int, refs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], LinkedRecord]:
    """The customer's own records among `refs` ((kind, id) pairs). One query per kind of owner
    asked for (activity, cards, devices and sign-ins), whatever the number of links, and none for
    a kind not asked for."""
    wanted = list(refs)
    activity = [(kind, object_id) for kind, object_id in wanted if kind in ACTIVITY_KINDS]
    cards = [object_id for kind, object_id in wanted if kind == LinkKind.CARD]
    devices = [object_id for kind, object_id in wanted if kind == LinkKind.DEVICE]
    logins = [object_id for kind, object_id in wanted if kind == LinkKind.LOGIN]
    found: dict[tuple[str, str], LinkedRecord] = {}
    if activity:
        for key, record in payments_facade.customer_records(customer_id, activity).items():
            found[key] = _linked(record)
    if cards:
        for public_id, record in payments_facade.customer_card_records(customer_id, cards).items():
            found[(LinkKind.CARD.value, public_id)] = _linked(record)
    if devices or logins:
        security = identity_facade.customer_security_records(
            customer_id, devices=devices, logins=logins
        )
        for key, secured in security.items():
            found[key] = _linked(secured)
    return found


def linked_records(customer_id: int | None, links: Iterable[tuple[str, str]]) -> list[LinkedRecord]:
    """The records behind `links` in the links' order, those no longer found left out."""
    pairs = list(links)
    if customer_id is None or not pairs:
        return []
    found = customer_linked(customer_id, pairs)
    return [record for pair in pairs if (record := found.get(pair)) is not None]
