"""How tickets look to customers, shared by the API and the pages: statuses in words written for
them, messages without internal notes, the linked records with their live status."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext

from walletdesk.core.actors import Actor
from walletdesk.core.client_address import client_address
from walletdesk.payments import facade as payments_facade
from walletdesk.tickets import linked, selectors
from walletdesk.tickets.enums import (
    REOPEN_WINDOW,
    AuthorKind,
    FeedbackStatus,
    SlaMetric,
    TicketKind,
    TicketStatus,
)
from walletdesk.tickets.models import Attachment, Category, Ticket, TicketRating

RECORD_KINDS = payments_facade.RECORD_KINDS


def actor_for(request: HttpRequest) -> Actor:
    make = Actor.agent if getattr(request.user, "is_staff", False) else Actor.customer
    return make(
        int(request.user.pk or 0),
        ip=client_address(request),
        device=request.headers.get("User-Agent", "")[:200],
    )


def customer_status_label(status: str) -> str:
    return {
        TicketStatus.NEW: pgettext("ticket status for customers", "Received"),
        TicketStatus.OPEN: pgettext("ticket status for customers", "In progress"),
        TicketStatus.ON_HOLD: pgettext("ticket status for customers", "In progress"),
        TicketStatus.PENDING: pgettext("ticket status for customers", "Waiting for your reply"),
        TicketStatus.SOLVED: pgettext("ticket status for customers", "Solved"),
        TicketStatus.CLOSED: pgettext("ticket status for customers", "Closed"),
    }[TicketStatus(status)]


def category_tree(language: str) -> list[dict[str, Any]]:
    tree: dict[int, dict[str, Any]] = {}
    rows = Category.objects.filter(active=True).order_by("position", "slug")
    for row in rows:
        if row.parent_id is None:
            tree[row.pk] = {"code": row.slug, "name": row.name_in(language), "topics": []}
    for row in rows:
        if row.parent_id in tree:
            tree[row.parent_id]["topics"].append({"code": row.slug, "name": row.name_in(language)})
    return [node for node in tree.values() if node["topics"]]


def summary(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "kind": ticket.kind,
        "status": ticket.status,
        "status_label": customer_status_label(ticket.status),
        "category": ticket.category.slug,
        "category_name": ticket.category.name_in(ticket.language),
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
    }


def _author(kind: str) -> str:
    if kind == AuthorKind.CUSTOMER:
        return "you"
    if kind == AuthorKind.SYSTEM:
        return "system"
    return "support"


def can_reopen(ticket: Ticket) -> bool:
    return (
        ticket.status == TicketStatus.SOLVED
        and ticket.merged_into_id is None
        and ticket.solved_at is not None
        and timezone.now() - ticket.solved_at <= REOPEN_WINDOW
    )


def reply_due(ticket: Ticket) -> str | None:
    """The reply time we promised a complainant (the first-reply deadline), if one runs."""
    if ticket.kind != TicketKind.COMPLAINT:
        return None
    due = (
        ticket.sla_timers.filter(metric=SlaMetric.FIRST_REPLY, cycle=1)
        .values_list("due_at", flat=True)
        .first()
    )
    return due.isoformat() if due else None


def attachment(row: Attachment) -> dict[str, Any]:
    return {
        "id": str(row.public_id),
        "name": row.original_name,
        "content_type": row.content_type,
        "size": row.size,
        "url": reverse("tickets:attachment", args=[row.public_id]),
        "is_image": row.content_type.startswith("image/"),
    }


def detail(actor: Actor, ticket: Ticket) -> dict[str, Any]:
    records = [
        {
            "kind": record.kind,
            "kind_label": record.kind_label,
            "id": record.public_id,
            "title": record.title,
            "status": record.status,
            "status_label": record.status_label,
            "amount": record.amount,
            "currency": record.currency,
            "url": record.url,
            "created_at": record.created_at,
        }
        for record in linked.linked_records(
            ticket.customer_id, [(link.kind, link.object_id) for link in ticket.links.all()]
        )
    ]
    rating = TicketRating.objects.filter(ticket=ticket).first()
    return {
        **summary(ticket),
        "channel": ticket.channel,
        "reply_due": reply_due(ticket),
        "messages": [
            {
                "id": str(message.public_id),
                "author": _author(message.author_kind),
                "body": message.body,
                "created_at": message.created_at,
                "attachments": [attachment(row) for row in message.attachments.all()],
            }
            for message in selectors.visible_messages(actor, ticket).prefetch_related("attachments")
        ],
        "progress": [
            {"at": step.at, "text": step.text} for step in selectors.customer_progress(ticket)
        ],
        "records": records,
        "can_reply": ticket.status != TicketStatus.CLOSED
        and (ticket.status != TicketStatus.SOLVED or can_reopen(ticket)),
        "can_reopen": can_reopen(ticket),
        "can_rate": ticket.status in (TicketStatus.SOLVED, TicketStatus.CLOSED)
        and ticket.merged_into_id is None,
        "rating": {"score": rating.score, "comment": rating.comment} if rating else None,
        # A suggestion's way to the product team: received, passed to product, shipped.
        "feedback_status": (
            ticket.feedback_status or "received" if ticket.kind == TicketKind.FEEDBACK else None
        ),
        "feedback_status_label": (
            str(FeedbackStatus(ticket.feedback_status).label)
            if ticket.kind == TicketKind.FEEDBACK
            else None
        ),
    }
