"""Writes of the agent desk, built on the ticket actions: replies that apply a macro, and bulk
changes to many tickets. Each ticket is changed by the same actions a single change uses, so the
timeline, the SLA clocks and the checks are the same."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from walletdesk.core.actors import Actor
from walletdesk.core.errors import ValidationFailedError, WalletDeskError
from walletdesk.payments import facade as payments_facade
from walletdesk.tickets import actions, attachments
from walletdesk.tickets.desk_models import Macro, SavedView
from walletdesk.tickets.enums import Priority, TicketStatus, Visibility
from walletdesk.tickets.errors import TicketNotFoundError
from walletdesk.tickets.models import Ticket, TicketMessage

MACRO_VARIABLES = ("customer_name", "ticket_number", "amount", "record_link")
_VARIABLE = re.compile(r"\{(" + "|".join(MACRO_VARIABLES) + r")\}")
BULK_MAX = 100


def _first_record(ticket: Ticket) -> payments_facade.RecordSummary | None:
    links = list(ticket.links.order_by("created_at", "pk"))
    if not links or ticket.customer_id is None:
        return None
    found = payments_facade.customer_records(
        ticket.customer_id, [(link.kind, link.object_id) for link in links]
    )
    for link in links:
        record = found.get((link.kind, link.object_id))
        if record is not None:
            return record
    return None


def macro_variables(ticket: Ticket) -> dict[str, str]:
    """The values a macro's {placeholders} take on this ticket, in the ticket's language."""
    language = "en" if ticket.language.startswith("en") else "zh-hans"
    record = _first_record(ticket)
    with translation.override(language):
        name = (ticket.customer.display_name if ticket.customer else "") or _("valued customer")
        # The record list shows a sign (money in or out); a sentence to the customer does not.
        amount = record.amount.lstrip("+-") if record else _("(no linked record)")
    site = str(settings.WALLETDESK_NOTIFICATIONS.get("SITE_URL", "")).rstrip("/")
    return {
        "customer_name": name,
        "ticket_number": ticket.number,
        "amount": amount,
        "record_link": f"{site}{record.url}" if record else "",
    }


def render_macro(macro: Macro, ticket: Ticket) -> str:
    """The macro's reply in the ticket's language with its variables filled in. Only the listed
    names are replaced (no format-string evaluation of text an operator typed)."""
    values = macro_variables(ticket)
    return _VARIABLE.sub(lambda match: values[match.group(1)], macro.body_in(ticket.language))


def send_reply(
    actor: Actor,
    number: str,
    body: str,
    *,
    then_status: TicketStatus | None = None,
    macro_id: int | None = None,
    files: Sequence[attachments.Upload] = (),
) -> TicketMessage:
    """A public reply from the desk, leaving the ticket in `then_status` (None: as it is). With a
    macro, its tags and priority are applied with the reply, all or nothing. The macro's status is
    only the desk's preselected choice: the status sent is the one the agent left selected."""
    macro = Macro.objects.filter(pk=macro_id, active=True).first() if macro_id else None
    with transaction.atomic():
        message = actions.add_message(
            actor, number, body, visibility=Visibility.PUBLIC, then_status=then_status, files=files
        )
        if macro is not None and (macro.add_tags or macro.set_priority):
            current = Ticket.objects.values_list("tags", flat=True).get(number=number)
            actions.triage(
                actor,
                number,
                priority=Priority(macro.set_priority) if macro.set_priority else None,
                tags=[*current, *macro.add_tags] if macro.add_tags else None,
            )
    return message


class BulkOperation:
    ASSIGN_TO_ME = "assign_me"
    SET_STATUS = "status"
    SET_PRIORITY = "priority"
    ADD_TAG = "tag"
    ALL = (ASSIGN_TO_ME, SET_STATUS, SET_PRIORITY, ADD_TAG)


@dataclass(slots=True)
class BulkResult:
    changed: list[str] = field(default_factory=list)
    # Ticket number → why it was left as it was (each ticket stands alone: one refusal does not
    # undo the others).
    refused: dict[str, str] = field(default_factory=dict)


def _bulk_value(operation: str, value: str) -> TicketStatus | Priority | str | None:
    """The checked value an operation needs (a status, a priority, a tag), or None."""
    if operation == BulkOperation.SET_STATUS:
        if value not in TicketStatus.values or value == TicketStatus.NEW:
            raise ValidationFailedError(fields={"value": [_("Choose a status.")]})
        return TicketStatus(value)
    if operation == BulkOperation.SET_PRIORITY:
        if value not in {str(v) for v in Priority.values}:
            raise ValidationFailedError(fields={"value": [_("Choose a priority.")]})
        return Priority(int(value))
    if operation == BulkOperation.ADD_TAG:
        if not value.strip():
            raise ValidationFailedError(fields={"value": [_("Type a tag.")]})
        return value.strip()
    return None


def _apply_one(actor: Actor, number: str, operation: str, value: object) -> None:
    if operation == BulkOperation.ASSIGN_TO_ME:
        actions.triage(actor, number, assignee_id=actor.user_id)
    elif operation == BulkOperation.SET_STATUS:
        actions.change_status(actor, number, TicketStatus(str(value)))
    elif operation == BulkOperation.SET_PRIORITY:
        actions.triage(actor, number, priority=Priority(int(str(value))))
    else:
        current = Ticket.objects.filter(number=number).values_list("tags", flat=True).first()
        if current is None:
            raise TicketNotFoundError()
        actions.triage(actor, number, tags=[*current, str(value)])


def bulk_update(
    actor: Actor, numbers: Sequence[str], operation: str, value: str = ""
) -> BulkResult:
    """Apply one change to each selected ticket through the single-ticket actions."""
    if operation not in BulkOperation.ALL:
        raise ValidationFailedError(fields={"operation": [_("Choose what to do.")]})
    numbers = list(dict.fromkeys(numbers))
    if not numbers:
        raise ValidationFailedError(fields={"tickets": [_("Select at least one ticket.")]})
    if len(numbers) > BULK_MAX:
        raise ValidationFailedError(
            fields={"tickets": [_("Select at most %(count)d tickets.") % {"count": BULK_MAX}]}
        )
    checked = _bulk_value(operation, value)
    result = BulkResult()
    for number in numbers:
        try:
            _apply_one(actor, number, operation, checked)
        except WalletDeskError as error:
            result.refused[number] = str(error.user_message)
        else:
            result.changed.append(number)
    return result


SAVED_VIEWS_PER_AGENT = 30


def save_view(owner_id: int, name: str, query: str) -> SavedView:
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ValidationFailedError(fields={"name": [_("Name the view (up to 60 characters).")]})
    if len(query) > 500:
        raise ValidationFailedError(fields={"query": [_("These filters are too long to save.")]})
    if SavedView.objects.filter(owner_id=owner_id).count() >= SAVED_VIEWS_PER_AGENT:
        raise ValidationFailedError(
            fields={"name": [_("You have saved as many views as allowed.")]}
        )
    view, _created = SavedView.objects.update_or_create(
        owner_id=owner_id, name=name, defaults={"query": query}
    )
    return view


def delete_view(owner_id: int, view_id: int) -> bool:
    return SavedView.objects.filter(owner_id=owner_id, pk=view_id).delete()[0] > 0
