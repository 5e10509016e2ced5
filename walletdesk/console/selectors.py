"""The customer 360 beside a conversation or a ticket, composed from the identity, payments,
tickets and chat facades only. Every part is read with a fixed number of queries, so the panel
costs the same for a new customer and one with years of history
(`tests/test_customer_360.py::test_the_panel_costs_the_same_queries_for_a_long_history`)."""

from __future__ import annotations

from dataclasses import dataclass

from walletdesk.chat import facade as chat
from walletdesk.chat.facade import CustomerChatLine
from walletdesk.console.models import ConsoleAction
from walletdesk.identity import facade as identity
from walletdesk.identity.facade import CustomerIdentity
from walletdesk.payments import facade as payments
from walletdesk.payments.facade import (
    RailOperationInfo,
    RecordSummary,
    RefusedAttemptSummary,
    WalletSummary,
)
from walletdesk.tickets import facade as tickets
from walletdesk.tickets.facade import CustomerTicketLine

RECENT_RECORDS = 8
RECENT_REFUSED = 5
RAIL_OPERATIONS = 5
TICKETS = 8
CONVERSATIONS = 8
ACTIONS = 10


@dataclass(frozen=True, slots=True)
class Customer360:
    identity: CustomerIdentity
    wallet: WalletSummary | None
    records: list[RecordSummary]
    refused: list[RefusedAttemptSummary]
    in_flight: list[RailOperationInfo]
    tickets: list[CustomerTicketLine]
    conversations: list[CustomerChatLine]
    actions: list[ConsoleAction]
    csat_average: float | None

    @property
    def open_tickets(self) -> list[CustomerTicketLine]:
        return [line for line in self.tickets if line.is_open]


def customer_360(
    customer_id: int, *, conversation: str = "", ticket: str = ""
) -> Customer360 | None:
    """None when `customer_id` is not a customer."""
    who = identity.customer_identity(customer_id)
    if who is None:
        return None
    operations = [
        *payments.rail_operations(customer_id, "top_up", RAIL_OPERATIONS),
        *payments.rail_operations(customer_id, "withdrawal", RAIL_OPERATIONS),
    ]
    ticket_lines = tickets.customer_tickets(customer_id, TICKETS)
    chats = chat.customer_conversations(customer_id, CONVERSATIONS)
    scores = [line.csat_score for line in ticket_lines if line.csat_score is not None]
    scores += [line.csat_score for line in chats if line.csat_score is not None]
    return Customer360(
        identity=who,
        wallet=payments.wallet_summary(customer_id),
        records=payments.recent_records(customer_id, RECENT_RECORDS),
        refused=payments.recent_refused_attempts(customer_id, limit=RECENT_REFUSED),
        in_flight=sorted(
            (op for op in operations if op.is_open), key=lambda op: op.created_at, reverse=True
        ),
        tickets=ticket_lines,
        conversations=chats,
        actions=workspace_actions(customer_id, conversation=conversation, ticket=ticket),
        csat_average=round(sum(scores) / len(scores), 1) if scores else None,
    )


def workspace_actions(
    customer_id: int, *, conversation: str = "", ticket: str = ""
) -> list[ConsoleAction]:
    """The console actions taken on this customer, newest first: the internal notes of the
    workspace (staff only)."""
    rows = ConsoleAction.objects.filter(customer_id=customer_id).select_related("agent")
    if conversation:
        rows = rows.filter(conversation=conversation)
    elif ticket:
        rows = rows.filter(ticket_number=ticket)
    return list(rows.order_by("-created_at", "-pk")[:ACTIONS])
