"""The flows: each reads the customer's own data through other apps' facades and answers.

Read-only lookups happen at once. The one state change a flow may make without a person is
the emergency freeze, and only after the customer's confirmation (a quick reply or a typed
确认 / 是的 / yes). A rail re-query ("check now") may settle the customer's own pending top-up
or withdrawal; nothing here moves money otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext

from walletdesk.assistant.dialogue import adapters, format, texts
from walletdesk.assistant.dialogue.context import Turn
from walletdesk.assistant.dialogue.types import Card, Field, Handoff, QuickReply
from walletdesk.chat import facade as chat
from walletdesk.core.actors import Actor
from walletdesk.core.errors import WalletDeskError
from walletdesk.core.money import Money
from walletdesk.helpcenter import facade as helpcenter
from walletdesk.identity import facade as identity
from walletdesk.notifications import facade as notifications
from walletdesk.payments import facade as payments
from walletdesk.tickets import facade as tickets

SECURITY_INTENTS = frozenset(
    {"emergency_freeze", "unauthorized_transaction", "report_fraud", "suspicious_login"}
)
RECENT = timedelta(days=14)


# --- shared pieces ------------------------------------------------------------------------


def qr_handoff() -> QuickReply:
    return QuickReply("handoff", pgettext("assistant", "Talk to a person"))


def qr_helpful() -> list[QuickReply]:
    return [
        QuickReply("helpful", pgettext("assistant", "That solved it")),
        QuickReply("not_helpful", pgettext("assistant", "It didn't help")),
    ]


def link_card(title: str, url: str, subtitle: str = "") -> Card:
    return Card("link", title, url=url, subtitle=subtitle)


def active_incidents(turn: Turn) -> list[helpcenter.IncidentSummary]:
    """Every active incident, read once per turn."""
    if turn.incidents is None:
        turn.incidents = helpcenter.affecting_incidents(None)
    return turn.incidents


def incident_note(turn: Turn, components: tuple[str, ...]) -> bool:
    """Active incidents first, in every troubleshooting flow. True when there is one."""
    cards: list[Card] = []
    lines: list[str] = []
    for incident in active_incidents(turn):
        if set(incident.components) & set(components):
            lines.append(incident_line(turn, incident))
            cards.append(Card("incident", _incident_title(turn, incident), url=incident.url))
    if not lines:
        return False
    turn.say(
        pgettext(
            "assistant",
            "A known issue is affecting this right now: %(issue)s. "
            "Our team is on it; things should recover without you doing anything.",
        )
        % {"issue": ("；" if turn.zh else "; ").join(lines)},
        cards,
    )
    return True


def _incident_title(turn: Turn, incident: helpcenter.IncidentSummary) -> str:
    return incident.title if turn.zh else (incident.title_en or incident.title)


def incident_line(turn: Turn, incident: helpcenter.IncidentSummary) -> str:
    """「标题：最新说明」 in the reader's language, without its own full stop: the sentence it
    goes into has one (「…不受影响。。」 otherwise)."""
    message = incident.latest_message if turn.zh else (incident.latest_message_en or "")
    line = _incident_title(turn, incident)
    if message:
        line += ("：" if turn.zh else ": ") + message
    return line.rstrip("。.")


def record_card(title: str, url: str, amount: Money, status: str, when: str) -> Card:
    return Card(
        "record",
        title,
        url=url,
        subtitle=when,
        fields=(
            Field(pgettext("assistant", "Amount"), format.money(amount)),
            Field(pgettext("assistant", "Status"), status),
        ),
    )


def summary_for_agent(turn: Turn) -> str:
    """What the agent reads first: the intent, the entities, the records, the last messages."""
    lines = [
        f"Intent: {turn.state.get('last_intent') or turn.intent}",
        "Entities: "
        + (", ".join(f"{e['type']}={e['value']}" for e in turn.state.get("entities", [])) or "-"),
        "Records: " + (", ".join(f"{k}:{i}" for k, i in turn.state.get("records", [])) or "-"),
        "Conversation (last messages):",
    ]
    conversation = turn.state.get("conversation")
    if conversation:
        stored = chat.messages_after(Actor.assistant(), conversation)
        quoted = [(m.author_kind, m.body) for m in stored[-9 if turn.unsent_body else -10 :]]
        if turn.unsent_body:
            quoted.append(("customer", turn.unsent_body))
        for author, text in quoted:
            body = text.replace("\n", " ")[:300]
            lines.append(f"  [{author}] {body}")
    return "\n".join(lines)


def hand_off(turn: Turn, reason: str, priority: str = "normal", *, complaint: bool = False) -> None:
    """Hand the conversation to a person: a ticket with the context attached (no agent is
    online in every setting yet; the live chat routes it to a person when it lands).
    Once per turn: a message that asks several things gets one handoff at most."""
    if turn.handoff is not None:
        return
    if turn.state.get("live_chat"):
        _queue_for_a_person(turn, reason, priority)
        return
    existing = turn.state.get("handoff_ticket")
    if existing:
        url = reverse("tickets:detail", args=[existing])
        turn.handoff = Handoff(
            existing,
            url,
            turn.state.get("handoff_priority", priority),
            reason,
            turn.state.get("handoff_summary", ""),
        )
        turn.say(
            pgettext(
                "assistant",
                "Your case %(number)s is already with our support team; they will reply there "
                "and here as soon as they can.",
            )
            % {"number": existing},
            [Card("ticket", existing, url=url)],
        )
        return
    summary = summary_for_agent(turn)
    intent = turn.state.get("last_intent") or turn.intent or "other_question"
    subject = pgettext("assistant", "Assistant handoff: %(topic)s") % {
        "topic": intent.replace("_", " ")
    }
    records = [
        (kind, public_id)
        for kind, public_id in turn.state.get("records", [])
        if kind in payments.RECORD_KINDS
    ]
    ticket = tickets.open_customer_ticket(
        Actor.assistant(),
        customer_id=turn.customer_id,
        intent=intent,
        subject=subject,
        body=summary,
        records=records,
        priority=priority,
        language="en" if turn.lang == "en" else "zh-hans",
        complaint=complaint,
    )
    turn.state["handoff_ticket"] = ticket.number
    turn.state["handoff_priority"] = priority
    turn.state["handoff_summary"] = summary[:500]
    if turn.state.get("conversation"):
        chat.hand_off(Actor.assistant(), turn.state["conversation"], ticket_number=ticket.number)
    turn.handoff = Handoff(ticket.number, ticket.url, priority, reason, summary[:500])
    if priority == "urgent":
        text = pgettext(
            "assistant",
            "I have passed this to our security team with top priority as case %(number)s. "
            "A person will contact you as soon as possible; you do not need to repeat anything.",
        )
    else:
        text = pgettext(
            "assistant",
            "I have passed this to a person on our support team as case %(number)s, with what "
            "we discussed attached, so you will not need to repeat it. They will reply in the "
            "case and here.",
        )
    turn.say(text % {"number": ticket.number}, [Card("ticket", ticket.number, url=ticket.url)])


def _queue_for_a_person(turn: Turn, reason: str, priority: str) -> None:
    """In the live chat: the chat joins the agents' queue (the chat does that on the `handoff` of
    the result); the summary travels with it for the agent who takes it."""
    summary = summary_for_agent(turn)
    turn.state["handoff_priority"] = priority
    turn.state["handoff_summary"] = summary[:500]
    turn.handoff = Handoff("", "", priority, reason, summary[:500])
    turn.say(
        pgettext(
            "assistant",
            "I'm passing you to a person now, with what we discussed, so you won't need to "
            "repeat it.",
        )
    )


def show_article(turn: Turn, intent: str, *, with_feedback: bool = True) -> bool:
    article = helpcenter.article_for_intent(intent, "en" if turn.lang == "en" else "zh-hans")
    if article is None:
        hits = helpcenter.search_articles(turn.text or intent, turn.lang, limit=1)
        if not hits:
            return False
        hit = hits[0]
        title, summary, url, slug = hit.title, hit.summary, hit.url, hit.slug
    else:
        title, summary, url, slug = article.title, article.summary, article.url, article.slug
    turn.state["last_article"] = slug
    turn.say(
        (summary or title),
        [Card("article", title, url=url, subtitle=pgettext("assistant", "Help center"))],
        qr_helpful() if with_feedback else [],
    )
    return True


# --- top-ups and withdrawals ------------------------------------------------------------------


def _matches(turn: Turn, operation: payments.RailOperationInfo) -> bool:
    if turn.day is not None and timezone.localtime(operation.created_at).date() == turn.day:
        return True
    for amount in turn.amounts():
        if amount.minor == operation.amount.minor:
            return True
    for value in turn.entity_values("transaction_id") + turn.entity_values("card_tail"):
        if value and (
            operation.public_id.startswith(value.lower())
            or value in operation.trace_id
            or value == operation.card_last4
        ):
            return True
    return False


def _operation_label(operation: payments.RailOperationInfo) -> str:
    return f"{format.money(operation.amount)} · {format.when(operation.created_at)}"


def rail_flow(turn: Turn, kind: str, failed: bool, picked: str = "") -> None:
    components = ("topup_card", "topup_wallet") if kind == "top_up" else ("withdrawals",)
    operations = payments.rail_operations(turn.customer_id, kind, 10)
    if picked:
        chosen = [op for op in operations if op.public_id == picked]
    else:
        slots = [op for op in operations if _matches(turn, op)]
        if slots:
            chosen = slots
        elif failed:
            chosen = [
                op
                for op in operations
                if op.status in ("failed", "expired") and turn.now - op.created_at < RECENT
            ] or [op for op in operations if op.is_open]
        else:
            chosen = [op for op in operations if op.is_open] or [
                op
                for op in operations
                if op.status in ("failed", "expired") and turn.now - op.created_at < RECENT
            ]
        if not chosen and operations:
            chosen = operations[:1]
    incident = incident_note(turn, components)
    if not chosen:
        turn.say(
            pgettext("assistant", "I can't find any %(kind)s in your records.")
            % {"kind": texts.kind_name(kind)}
            + " "
            + pgettext(
                "assistant",
                "If money left your bank but shows nowhere here, tell me the amount and time, "
                "or I can pass it to a person.",
            ),
            [link_card(pgettext("assistant", "Your records"), reverse("payments:records"))],
            [qr_handoff()],
        )
        return
    if len(chosen) > 1:
        turn.state["pending"] = {
            "action": "pick_operation",
            "kind": kind,
            "failed": failed,
            # In the order offered, so "the second one" / 第二笔 can name one.
            "options": [f"{kind}:{op.public_id}" for op in chosen[:4]],
        }
        turn.say(
            pgettext("assistant", "I found several %(kind)s records. Which one do you mean?")
            % {"kind": texts.kind_name(kind)},
            quick_replies=[
                QuickReply(f"pick:{kind}:{op.public_id}", _operation_label(op)) for op in chosen[:4]
            ],
        )
        return
    explain_operation(turn, chosen[0], incident=incident, asked_failed=failed)


def explain_operation(
    turn: Turn, operation: payments.RailOperationInfo, *, incident: bool, asked_failed: bool
) -> None:
    turn.discuss(operation.kind, operation.public_id)
    kind = texts.kind_name(operation.kind)
    facts = {
        "kind": kind,
        "amount": format.money(operation.amount),
        "when": format.when(operation.created_at),
        "method": texts.method_name(operation.method),
    }
    if operation.is_open:
        checked = payments.requery_rail_operation(
            turn.customer_id, operation.kind, operation.public_id
        )
        if checked.status == "succeeded":
            if checked.kind == "top_up":
                text = pgettext(
                    "assistant",
                    "I just checked your %(amount)s top-up of %(when)s (%(method)s) with the "
                    "payment channel: it has gone through and the money is now in your wallet.",
                )
            else:
                text = pgettext(
                    "assistant",
                    "I just checked your %(amount)s withdrawal of %(when)s with the bank: it has "
                    "been paid out. It should show in your bank account shortly.",
                )
            turn.say(text % facts, [_op_card(checked)], qr_helpful())
            return
        if checked.status in ("failed", "expired"):
            explain_operation(turn, checked, incident=incident, asked_failed=True)
            return
        overdue = checked.overdue(turn.now)
        facts["expected"] = format.when(checked.expected_by)
        if overdue and not incident:
            turn.say(
                pgettext(
                    "assistant",
                    "Your %(amount)s %(kind)s of %(when)s is still processing: I asked the "
                    "channel again just now and it has not confirmed it yet. It should have "
                    "finished by %(expected)s, so it is overdue.",
                )
                % facts,
                [_op_card(checked)],
            )
            open_case(turn, checked)
            return
        if overdue:
            text = pgettext(
                "assistant",
                "Your %(amount)s %(kind)s of %(when)s is still processing; it is delayed by the "
                "issue above, and will complete once the channel recovers. Nothing is lost or "
                "charged twice.",
            )
        elif checked.kind == "top_up":
            text = pgettext(
                "assistant",
                "Your %(amount)s top-up of %(when)s (%(method)s) is still processing. I checked "
                "with the channel just now; top-ups like this normally arrive by %(expected)s. "
                "Nothing is charged twice.",
            )
        else:
            text = pgettext(
                "assistant",
                "Your %(amount)s withdrawal of %(when)s is still with the bank. Withdrawals "
                "normally arrive by %(expected)s, at the latest by the next working day; the "
                "money stays reserved in your wallet until then.",
            )
        turn.say(
            text % facts,
            [_op_card(checked)],
            [
                QuickReply(
                    f"requery:{checked.kind}:{checked.public_id}",
                    pgettext("assistant", "Check again"),
                ),
                qr_handoff(),
            ],
        )
        return
    if operation.status in ("failed", "expired"):
        what, step = texts.reason_explanation(operation.failure_reason or operation.status)
        if operation.kind == "withdrawal":
            what, step = texts.payout_explanation(operation.failure_reason or operation.status)
        facts["reason"] = what
        if operation.kind == "top_up":
            text = pgettext(
                "assistant",
                "Your %(amount)s top-up of %(when)s (%(method)s) did not go through because "
                "%(reason)s. Nothing was added to your wallet.",
            )
        else:
            text = pgettext(
                "assistant",
                "Your %(amount)s withdrawal of %(when)s failed because %(reason)s. The money "
                "has been returned to your wallet balance.",
            )
        turn.say(text % facts + " " + step, [_op_card(operation)], [qr_handoff()])
        return
    # Succeeded.
    if operation.kind == "top_up":
        text = pgettext(
            "assistant",
            "Your %(amount)s top-up of %(when)s succeeded and the money is in your wallet.",
        )
        quick = qr_helpful()
    else:
        text = pgettext(
            "assistant",
            "Your %(amount)s withdrawal of %(when)s has been paid out by us. Banks sometimes "
            "take until the next working day to show it; if it still isn't there after that, "
            "I can open a case with the trace number.",
        )
        quick = [qr_handoff()]
    turn.say(text % facts, [_op_card(operation)], quick)


def _op_card(operation: payments.RailOperationInfo) -> Card:
    title = pgettext("assistant", "%(kind)s via %(method)s") % {
        "kind": texts.kind_name(operation.kind),
        "method": texts.method_name(operation.method),
    }
    return record_card(
        title,
        operation.url,
        operation.amount,
        texts.status_name(operation.status),
        format.when(operation.created_at),
    )


def open_case(turn: Turn, operation: payments.RailOperationInfo) -> None:
    """An overdue operation: a ticket linked to it, with the facts filled in, and its number."""
    existing = tickets.open_ticket_for_record(turn.customer_id, operation.kind, operation.public_id)
    if existing is not None:
        turn.say(
            pgettext(
                "assistant",
                "There is already an open case for it, %(number)s; our team is following it up.",
            )
            % {"number": existing.number},
            [Card("ticket", existing.number, url=existing.url)],
        )
        return
    intent = "topup_not_arrived" if operation.kind == "top_up" else "withdraw_not_arrived"
    turn.state["last_intent"] = turn.state.get("last_intent") or intent
    body = (
        f"{operation.kind} {operation.public_id}: {operation.amount.to_decimal_string()} "
        f"{operation.amount.currency} via {operation.method}, "
        f"created {format.when(operation.created_at)}, "
        f"status {operation.status}, expected by {operation.expected_by}, trace "
        f"{operation.trace_id or '-'}; re-queried by the assistant, still open.\n\n"
        + summary_for_agent(turn)
    )
    ticket = tickets.open_customer_ticket(
        Actor.assistant(),
        customer_id=turn.customer_id,
        intent=intent,
        subject=pgettext("assistant", "Overdue %(kind)s %(amount)s")
        % {"kind": texts.kind_name(operation.kind), "amount": format.money(operation.amount)},
        body=body,
        records=[(operation.kind, operation.public_id)],
        priority="high",
        language="en" if turn.lang == "en" else "zh-hans",
    )
    turn.state["case_ticket"] = ticket.number
    turn.say(
        pgettext(
            "assistant",
            "I have opened case %(number)s for it with the details filled in. Our payments team "
            "will chase the channel and update you there; you don't need to do anything else.",
        )
        % {"number": ticket.number},
        [Card("ticket", ticket.number, url=ticket.url)],
    )


# --- payments -------------------------------------------------------------------------------


def payment_problem(turn: Turn, intent: str) -> None:
    incident_note(turn, ("payments",))
    if intent == "payment_limit":
        limits_flow(turn)
        return
    if intent == "duplicate_charge":
        recent = payments.recent_payments(turn.customer_id, 10)
        pairs = [
            (a, b)
            for i, a in enumerate(recent)
            for b in recent[i + 1 :]
            if a.merchant == b.merchant
            and a.amount == b.amount
            and abs(a.created_at - b.created_at) < timedelta(minutes=30)
        ]
        if pairs:
            a, b = pairs[0]
            turn.discuss("payment", a.public_id)
            turn.discuss("payment", b.public_id)
            turn.say(
                pgettext(
                    "assistant",
                    "I see two payments of %(amount)s to %(merchant)s close together. I have "
                    "linked both to a case so a person can check them with the merchant.",
                )
                % {"amount": format.money(a.amount), "merchant": _merchant(turn, a)}
            )
            hand_off(turn, "unresolved", "high")
            return
        turn.say(
            pgettext(
                "assistant",
                "I checked your recent payments and don't see the same amount charged twice. "
                "A second charge is often a pre-authorisation that disappears by itself.",
            ),
            [link_card(pgettext("assistant", "Your records"), reverse("payments:records"))],
            [qr_handoff()],
        )
        return
    if intent == "balance_incorrect":
        balance_flow(turn, explain=True)
        return
    if _explain_refused_attempt(turn):
        return
    state = identity.security_state(turn.customer_id)
    wallet = payments.wallet_summary(turn.customer_id)
    if (wallet is not None and wallet.status == "frozen") or state.frozen_at is not None:
        reason = "account_frozen"
    elif state.payment_password_locked_until and state.payment_password_locked_until > turn.now:
        reason = "payment_password_locked"
    else:
        reason = ""
    if reason:
        what, step = texts.reason_explanation(reason)
        turn.say(
            pgettext(
                "assistant", "Payments from your wallet are blocked right now because %(reason)s."
            )
            % {"reason": what}
            + " "
            + step,
            [link_card(pgettext("assistant", "Security settings"), reverse("identity:security"))],
        )
        return
    if intent == "card_declined":
        failed = [
            op
            for op in payments.rail_operations(turn.customer_id, "top_up", 10)
            if op.failure_reason == "card_declined"
        ]
        if failed:
            explain_operation(turn, failed[0], incident=False, asked_failed=True)
            return
    if state.outflow_hold_until and state.outflow_hold_until > turn.now:
        turn.say(
            pgettext(
                "assistant",
                "For your safety, money can't leave your wallet until %(until)s, because your "
                "password, phone or a new device was set up recently.",
            )
            % {"until": format.when(state.outflow_hold_until)}
        )
        return
    turn.say(
        pgettext(
            "assistant",
            "I don't see a refused payment in your recent records, and nothing is blocking "
            "payments from your wallet.",
        )
    )
    show_article(turn, "payment_failed" if intent != "card_declined" else "card_declined")


def _explain_refused_attempt(turn: Turn) -> bool:
    """The latest refused payment or transfer, its reason and the next step (if there is one)."""
    attempts = adapters.recent_refused_attempts(turn.customer_id)
    if not attempts:
        return False
    # A question about a payment is about the latest refused payment, even when a transfer was
    # refused after it; a transfer is explained only when no payment was refused.
    attempt = next((a for a in attempts if a.kind == "payment"), attempts[0])
    if texts.explains_reason(attempt.reason):
        what, step = texts.reason_explanation(attempt.reason)
    else:
        what, step = attempt.reason_label, attempt.next_step
    facts = {
        "amount": attempt.amount,
        "where": attempt.counterparty,
        "when": format.when(attempt.created_at),
        "reason": what,
    }
    if attempt.kind == "payment":
        text = pgettext(
            "assistant",
            "Your %(amount)s payment to %(where)s at %(when)s was refused because %(reason)s. "
            "No money left your wallet.",
        )
    else:
        text = pgettext(
            "assistant",
            "Your %(amount)s transfer to %(where)s at %(when)s was refused because %(reason)s. "
            "No money left your wallet.",
        )
    turn.say(
        text % facts + " " + step,
        [Card("record", attempt.counterparty or texts.kind_name(attempt.kind), url=attempt.url)]
        if attempt.url
        else [],
        [qr_handoff()],
    )
    return True


def _merchant(turn: Turn, payment: payments.PaymentInfo | payments.RefundInfo) -> str:
    return payment.merchant if turn.zh else payment.merchant_en


def limits_flow(turn: Turn) -> None:
    rows = payments.limits_for(turn.kyc_level)
    names = {
        "payment": pgettext("assistant", "Payments"),
        "transfer": pgettext("assistant", "Transfers"),
        "withdrawal": pgettext("assistant", "Withdrawals"),
        "top_up": pgettext("assistant", "Top-ups"),
    }
    fields = tuple(
        Field(
            names.get(row.operation, row.operation),
            pgettext("assistant", "%(per)s each, %(day)s a day")
            % {"per": format.money(row.per_transaction), "day": format.money(row.per_day)},
        )
        for row in rows
    )
    text = pgettext("assistant", "Your limits at verification level %(level)s:") % {
        "level": turn.kyc_level
    }
    if turn.kyc_level < 2:
        text += " " + pgettext("assistant", "Completing identity verification raises them.")
    turn.say(
        text,
        [
            Card(
                "link",
                pgettext("assistant", "Your limits"),
                url=reverse("identity:kyc"),
                fields=fields,
            )
        ],
    )


# --- refunds --------------------------------------------------------------------------------


def refund_flow(turn: Turn, intent: str) -> None:
    requests = payments.recent_refund_requests(turn.customer_id, 1)
    latest_request = requests[0] if requests else None
    if (
        intent == "refund_not_received"
        and latest_request is not None
        and latest_request.status != "accepted"
    ):
        # "Where is my refund?" while the merchant has not answered, or after a refusal or no
        # answer: the request's status says why no money came back (an accepted one has its
        # refund, told below).
        say_refund_request_status(turn, latest_request)
        return
    refunds = payments.recent_refunds(turn.customer_id, 5)
    recent = payments.recent_payments(turn.customer_id, 5)
    if intent == "refund_not_received" and refunds:
        refund = refunds[0]
        turn.discuss("refund", refund.public_id)
        turn.say(
            pgettext(
                "assistant",
                "%(merchant)s refunded %(amount)s on %(when)s; it went straight back to your "
                "wallet balance, so it should already be there.",
            )
            % {
                "merchant": _merchant(turn, refund),
                "amount": format.money(refund.credited),
                "when": format.when(refund.created_at),
            },
            [
                record_card(
                    _merchant(turn, refund),
                    refund.url,
                    refund.credited,
                    pgettext("assistant", "refunded"),
                    format.when(refund.created_at),
                )
            ],
            qr_helpful(),
        )
        return
    if intent == "merchant_refused_refund" and recent:
        # Mediation is a case for our team, linked to the payment the merchant refused.
        refused = (
            latest_request.payment_id
            if latest_request is not None and latest_request.status == "refused"
            else None
        )
        payment = next((p for p in recent if p.public_id == refused), recent[0])
        turn.discuss("payment", payment.public_id)
        turn.say(
            pgettext(
                "assistant",
                "I'm sorry the merchant won't refund. I can ask our team to mediate with "
                "%(merchant)s about your %(amount)s payment of %(when)s.",
            )
            % {
                "merchant": _merchant(turn, payment),
                "amount": format.money(payment.amount),
                "when": format.when(payment.created_at),
            }
        )
        hand_off(turn, "unresolved", "normal", complaint=True)
        return
    refundable = [p for p in recent if p.refunded.minor < p.amount.minor]
    if refundable:
        offer_refund_request(turn, refundable)
        return
    show_article(turn, intent)


def _payment_label(turn: Turn, payment: payments.PaymentInfo) -> str:
    return (
        f"{_merchant(turn, payment)} {format.money(payment.amount)} "
        f"{format.when(payment.created_at)}"
    )


def offer_refund_request(turn: Turn, refundable: list[payments.PaymentInfo]) -> None:
    """Which payment (when it is not clear from the message), then an explicit yes before a
    refund request goes to the merchant. Nothing moves money here."""
    wanted = turn.amounts()
    matching = [p for p in refundable if any(p.amount == amount for amount in wanted)]
    chosen = matching or refundable
    if len(chosen) > 1:
        turn.state["pending"] = {"action": "pick_refund", "intent": "refund_request"}
        turn.say(
            pgettext("assistant", "Request a refund: which payment is it for?"),
            [
                record_card(
                    _merchant(turn, p), p.url, p.amount, p.status, format.when(p.created_at)
                )
                for p in chosen[:3]
            ],
            [QuickReply(f"refund:{p.public_id}", _payment_label(turn, p)) for p in chosen[:3]]
            + [QuickReply("cancel", pgettext("assistant", "No, thanks"))],
        )
        return
    confirm_refund_request(turn, chosen[0])


def confirm_refund_request(turn: Turn, payment: payments.PaymentInfo) -> None:
    turn.discuss("payment", payment.public_id)
    turn.state["pending"] = {
        "action": "refund",
        "payment": payment.public_id,
        "intent": "refund_request",
    }
    turn.say(
        pgettext(
            "assistant",
            "Shall I send a refund request for your %(amount)s payment to %(merchant)s of "
            "%(when)s? The merchant decides; the money comes back to your wallet only if the "
            "merchant agrees.",
        )
        % {
            "amount": format.money(payment.amount),
            "merchant": _merchant(turn, payment),
            "when": format.when(payment.created_at),
        },
        [
            record_card(
                _merchant(turn, payment),
                payment.url,
                payment.amount,
                payment.status,
                format.when(payment.created_at),
            )
        ],
        [
            QuickReply(
                f"confirm_refund:{payment.public_id}",
                pgettext("assistant", "Yes, request a refund"),
            ),
            QuickReply("cancel", pgettext("assistant", "No, thanks")),
        ],
    )


def pick_refund_payment(turn: Turn, payment_id: str) -> bool:
    """The payment tapped in the list, if it is still one of the customer's refundable ones."""
    for payment in payments.recent_payments(turn.customer_id, 10):
        if payment.public_id == payment_id and payment.refunded.minor < payment.amount.minor:
            confirm_refund_request(turn, payment)
            return True
    return False


def do_refund_request(turn: Turn, payment_id: str) -> None:
    """The customer said yes: a refund request for what is left of the payment goes to the
    merchant (payments' `RefundRequest`). Nothing moves money here: the money comes back only if
    the merchant accepts. The customer follows it on the payment's page."""
    turn.state["pending"] = None
    turn.state["last_intent"] = turn.intent = "refund_request"
    payment = next(
        (p for p in payments.recent_payments(turn.customer_id, 10) if p.public_id == payment_id),
        None,
    )
    if payment is None:
        turn.say(pgettext("assistant", "I can't find that payment any more in your records."))
        return
    conversation = str(turn.state.get("conversation") or "")
    try:
        request = payments.request_refund(
            customer_id=turn.customer_id,
            payment_id=payment.public_id,
            reason="other",
            idempotency_key=f"assistant:{conversation}:{payment.public_id}"[:255],
        )
    except WalletDeskError as refusal:
        existing = payments.refund_request_status(turn.customer_id, payment.public_id)
        if existing is not None and existing.is_open:
            say_refund_request_status(turn, existing)
            return
        turn.say(refusal.user_message, [_payment_card(turn, payment)])
        return
    turn.say(
        pgettext(
            "assistant",
            "Done: your refund request for the %(amount)s payment to %(merchant)s has been sent "
            "to the merchant, who has until %(until)s to answer. If the merchant agrees, the "
            "money comes back to your wallet balance; you can follow it on the payment's page.",
        )
        % {
            "amount": format.money(request.amount),
            "merchant": _merchant(turn, payment),
            "until": format.when(request.expires_at),
        },
        [_refund_request_card(turn, request)],
    )


def _payment_card(turn: Turn, payment: payments.PaymentInfo) -> Card:
    return record_card(
        _merchant(turn, payment),
        payment.url,
        payment.amount,
        payment.status,
        format.when(payment.created_at),
    )


def _refund_request_card(turn: Turn, request: payments.RefundRequestSummary) -> Card:
    return Card(
        "record",
        pgettext("assistant", "Refund request: %(merchant)s %(amount)s")
        % {
            "merchant": request.merchant if turn.zh else request.merchant_en,
            "amount": format.money(request.amount),
        },
        url=request.url,
        subtitle=format.when(request.created_at),
        fields=(
            Field(pgettext("assistant", "Amount"), format.money(request.amount)),
            Field(pgettext("assistant", "Status"), request.status_label),
        ),
    )


def say_refund_request_status(turn: Turn, request: payments.RefundRequestSummary) -> None:
    """Where the customer's refund request stands (waiting, accepted, refused, expired)."""
    turn.discuss("payment", request.payment_id)
    values = {
        "amount": format.money(request.amount),
        "merchant": request.merchant if turn.zh else request.merchant_en,
        "until": format.when(request.expires_at),
        "when": format.when(request.answered_at),
        "reason": request.answer_reason_label,
    }
    if request.is_open:
        text = pgettext(
            "assistant",
            "Your refund request for %(amount)s is waiting for %(merchant)s to answer, at the "
            "latest by %(until)s. If the merchant agrees, the money comes straight back to your "
            "wallet balance.",
        )
    elif request.status == "accepted":
        text = pgettext(
            "assistant",
            "%(merchant)s accepted your refund request for %(amount)s on %(when)s; the money "
            "went straight back to your wallet balance.",
        )
    elif request.status == "refused":
        text = pgettext(
            "assistant",
            "%(merchant)s refused your refund request for %(amount)s: %(reason)s. If you "
            "disagree, I can ask our team to look into it with the merchant.",
        )
    else:
        text = pgettext(
            "assistant",
            "%(merchant)s did not answer your refund request for %(amount)s in time, so it "
            "expired and no money moved. You can ask again on the payment's page.",
        )
    turn.say(
        text % values,
        [_refund_request_card(turn, request)],
        [qr_handoff()] if request.status == "refused" else qr_helpful(),
    )


# --- security -------------------------------------------------------------------------------


def security_emergency(turn: Turn, intent: str) -> None:
    wallet = payments.wallet_summary(turn.customer_id)
    if wallet is not None and wallet.status == "frozen":
        turn.say(pgettext("assistant", "Your account is already frozen: no money can leave it."))
        hand_off(turn, "security", "urgent")
        return
    turn.state["pending"] = {"action": "freeze", "intent": intent}
    turn.say(
        pgettext(
            "assistant",
            "To protect your money I can freeze your account right now: every payment, "
            "transfer and withdrawal stops and all devices are signed out. Freeze now?",
        ),
        quick_replies=[
            QuickReply("confirm_freeze", pgettext("assistant", "Freeze now")),
            QuickReply("cancel", pgettext("assistant", "Not now")),
        ],
    )


def do_freeze(turn: Turn) -> None:
    intent = (turn.state.get("pending") or {}).get("intent", "emergency_freeze")
    turn.state["pending"] = None
    turn.state["last_intent"] = intent
    turn.intent = intent
    identity.emergency_freeze_for_customer(turn.customer_id, source="assistant")
    turn.say(
        pgettext(
            "assistant",
            "Done: your account is frozen. No money can leave it and every device has been "
            "signed out. When you're safe, you can unfreeze it yourself after the cool-off, "
            "with a code sent to your phone.",
        ),
        [link_card(pgettext("assistant", "Unfreeze later"), reverse("identity:unfreeze"))],
    )
    hand_off(turn, "security", "urgent")


# --- account --------------------------------------------------------------------------------


def account_flow(turn: Turn, intent: str) -> None:
    state = identity.security_state(turn.customer_id)
    handlers: dict[str, Callable[[], None]] = {
        "account_frozen": lambda: _frozen(turn, state),
        "reset_payment_password": lambda: _payment_password(turn, state),
        "forgot_password": lambda: _page(
            turn,
            pgettext(
                "assistant",
                "You can set a new login password yourself: on the sign-in page tap "
                "\u201cForgot password\u201d, confirm with the code sent to your phone, and "
                "choose a new one. Never share the code with anyone, including us.",
            ),
            pgettext("assistant", "Reset login password"),
            reverse("identity:forgot_password"),
        ),
        "verification_code_not_received": lambda: _codes(turn),
        "change_phone": lambda: _page(
            turn,
            pgettext(
                "assistant",
                "You can change your phone number in Security settings; both the old and the new "
                "number get a code. For your safety, money can't leave the wallet for 24 hours "
                "after the change.",
            ),
            pgettext("assistant", "Change phone number"),
            reverse("identity:change_contact", args=["phone"]),
        ),
        "enable_2fa": lambda: _page(
            turn,
            (
                pgettext("assistant", "Two-step verification is already on for your account.")
                if state.has_authenticator or state.has_passkey or state.sms_second_factor
                else pgettext(
                    "assistant",
                    "Two-step verification is not on yet. Turn it on with an authenticator app "
                    "or a passkey (fingerprint or face) in Security settings.",
                )
            ),
            pgettext("assistant", "Two-step verification"),
            reverse("identity:two_factor"),
        ),
        "update_account_info": lambda: _page(
            turn,
            pgettext(
                "assistant", "You can change your nickname, email and address on your profile page."
            ),
            pgettext("assistant", "Profile"),
            reverse("identity:profile"),
        ),
        "identity_verification": lambda: _kyc(turn, state),
        "close_account": lambda: _closure(turn, state),
    }
    handlers[intent]()


def _page(turn: Turn, text: str, title: str, url: str) -> None:
    turn.say(text, [link_card(title, url)], qr_helpful())


def _frozen(turn: Turn, state: identity.SecurityState) -> None:
    wallet = payments.wallet_summary(turn.customer_id)
    if state.frozen_at is not None:
        turn.say(
            pgettext(
                "assistant",
                "Your account was frozen at your own request on %(when)s. You can unfreeze it "
                "yourself from %(available)s with a code sent to your phone.",
            )
            % {
                "when": format.when(state.frozen_at),
                "available": format.when(state.unfreeze_available_at),
            },
            [link_card(pgettext("assistant", "Unfreeze"), reverse("identity:unfreeze"))],
        )
        return
    if wallet is not None and wallet.status == "frozen":
        facts = {
            "reason": wallet.frozen_reason,
            "until": format.when(wallet.frozen_until),
        }
        if wallet.frozen_reason and wallet.frozen_until is not None:
            text = pgettext(
                "assistant",
                "Your wallet has been frozen by our risk team, so money can't leave it. The "
                "reason recorded: %(reason)s. The freeze lasts until %(until)s unless the "
                "review ends sooner. A person has to review it; I'll pass it on with your "
                "details.",
            )
        elif wallet.frozen_reason:
            text = pgettext(
                "assistant",
                "Your wallet has been frozen by our risk team, so money can't leave it. The "
                "reason recorded: %(reason)s. A person has to review it; I'll pass it on with "
                "your details.",
            )
        else:
            text = pgettext(
                "assistant",
                "Your wallet has been frozen by our risk team, so money can't leave it. A person "
                "has to review it; I'll pass it on with your details.",
            )
        turn.say(text % facts)
        hand_off(turn, "unresolved", "high")
        return
    if state.payment_password_locked_until and state.payment_password_locked_until > turn.now:
        _payment_password(turn, state)
        return
    if state.outflow_hold_until and state.outflow_hold_until > turn.now:
        turn.say(
            pgettext(
                "assistant",
                "Your account is not frozen. Money can't leave it until %(until)s because your "
                "password, phone or a new device was set up recently; this protects you if "
                "someone else made the change.",
            )
            % {"until": format.when(state.outflow_hold_until)}
        )
        return
    turn.say(
        pgettext(
            "assistant",
            "Your account is not frozen or restricted: payments, transfers and withdrawals are "
            "all available.",
        ),
        quick_replies=qr_helpful(),
    )


def _payment_password(turn: Turn, state: identity.SecurityState) -> None:
    url = reverse("identity:payment_password")
    if state.payment_password_locked_until and state.payment_password_locked_until > turn.now:
        text = pgettext(
            "assistant",
            "Your payment password is locked after too many wrong tries, until %(until)s. "
            "You can reset it now on the payment password page (you'll confirm with a code "
            "sent to your phone).",
        ) % {"until": format.when(state.payment_password_locked_until)}
    elif not state.payment_password_set:
        text = pgettext(
            "assistant",
            "You haven't set a payment password yet. Set one on the payment password page.",
        )
    else:
        text = pgettext(
            "assistant",
            "You can change or reset your 6-digit payment password on the payment password "
            "page; you'll confirm with a code sent to your phone. Never tell anyone the "
            "password or the code, including us.",
        )
    turn.say(text, [link_card(pgettext("assistant", "Payment password"), url)], qr_helpful())


def shown_destination(masked: str) -> str:
    """A phone number as the assistant shows it (139****9001): the delivery log's mask keeps
    the country code and more digits, which reads as a phone number to the output check."""
    if "@" in masked or "*" not in masked:
        return masked
    head, _, tail = masked.partition("****")
    digits = head.lstrip("+")
    if head.startswith("+86"):
        digits = digits[2:]
    elif head.startswith("+"):
        return masked
    return f"{digits[:3]}****{tail.strip('*')}"


def _code_status(status: str) -> str:
    if status == "delivered":
        return pgettext("assistant", "delivered")
    if status == "sent":
        return pgettext("assistant", "sent, delivery not confirmed yet")
    if status == "failed":
        return pgettext("assistant", "not delivered")
    return pgettext("assistant", "waiting to be sent")


def _codes(turn: Turn) -> None:
    incident = incident_note(turn, ("login_sms",))
    records = [
        r
        for r in notifications.delivery_records(turn.customer_id, 20)
        if r.kind in ("code", "otp") or "code" in r.kind
    ][:3]
    if records:
        # Each recent code with its fate, newest first: "the second one did arrive" tells the
        # customer more than the latest alone.
        lines = "; ".join(
            pgettext("assistant", "%(when)s to %(to)s: %(status)s")
            % {
                "when": format.when(r.created_at),
                "to": shown_destination(r.destination_masked),
                "status": _code_status(r.status),
            }
            for r in records
        )
        text = pgettext("assistant", "The codes we sent you recently: %(codes)s.") % {
            "codes": lines
        }
        if records[0].status in ("sent", "delivered"):
            text += " " + pgettext(
                "assistant",
                "Codes are valid for a few minutes: check the SMS inbox and any spam filter, "
                "then request a new one after 60 seconds if needed.",
            )
        else:
            text += " " + pgettext(
                "assistant",
                "The latest did not reach you. Please request a new one in a minute; if it "
                "still doesn't arrive I can pass it on.",
            )
    else:
        text = pgettext(
            "assistant",
            "I don't see a code sent to you recently. Request one again on the page you were "
            "using; it goes to your bound phone. Check that the phone has signal and that SMS "
            "from us isn't blocked.",
        )
    if incident:
        text = (
            pgettext("assistant", "Text messages are delayed right now (see above).") + " " + text
        )
    turn.say(text, quick_replies=[qr_handoff()])


def _kyc(turn: Turn, state: identity.SecurityState) -> None:
    url = reverse("identity:kyc")
    if state.kyc_status == "pending":
        text = pgettext(
            "assistant",
            "Your identity verification has been submitted and is waiting for review; this "
            "usually takes less than a working day.",
        )
    elif state.kyc_status == "rejected":
        text = pgettext(
            "assistant",
            "Your last identity verification was not approved. You can submit it again with "
            "clear photos of your ID on the verification page.",
        )
    elif state.kyc_level >= 2:
        text = pgettext("assistant", "Your identity is fully verified (level %(level)s).") % {
            "level": state.kyc_level
        }
    else:
        text = pgettext(
            "assistant",
            "Your identity verification level is %(level)s. Verify with your ID on the "
            "verification page to raise your limits.",
        ) % {"level": state.kyc_level}
    turn.say(text, [link_card(pgettext("assistant", "Identity verification"), url)], qr_helpful())


def _closure(turn: Turn, state: identity.SecurityState) -> None:
    blockers = payments.closure_blockers(turn.customer_id)
    url = reverse("identity:close")
    if blockers:
        lines = "; ".join(str(b.message) for b in blockers)
        text = pgettext(
            "assistant",
            "Your account can't be closed yet: %(blockers)s. Once that's sorted, you can close it "
            "yourself on the closure page with a code sent to your phone.",
        ) % {"blockers": lines}
    else:
        text = pgettext(
            "assistant",
            "Nothing is blocking closure. You can close the account yourself on the closure "
            "page, confirming with a code sent to your phone. This can't be undone.",
        )
    turn.say(text, [link_card(pgettext("assistant", "Close account"), url)], [qr_handoff()])


# --- fees, FX, balance, history -------------------------------------------------------------


def fees_flow(turn: Turn) -> None:
    names = {
        "withdrawal": pgettext("assistant", "Withdrawal"),
        "international": pgettext("assistant", "International payment"),
        "fx": pgettext("assistant", "Currency conversion"),
        "top_up": pgettext("assistant", "Top-up"),
        "transfer": pgettext("assistant", "Transfer"),
    }
    fields = []
    for rule in payments.fee_schedule():
        percent = f"{rule.rate_bp / 100:g}%"  # basis points as a percentage for display only
        value = percent
        if rule.minimum.minor:
            value += ("" if turn.zh else " ") + pgettext("assistant", "(at least %(min)s)") % {
                "min": format.money(rule.minimum)
            }
        if rule.maximum is not None:
            value += ("" if turn.zh else " ") + pgettext("assistant", "(at most %(max)s)") % {
                "max": format.money(rule.maximum)
            }
        fields.append(Field(names.get(rule.operation, rule.operation), value))
    turn.say(
        pgettext(
            "assistant",
            "Top-ups, transfers between wallets and payments in yuan are free. These fees apply:",
        ),
        [
            Card(
                "link",
                pgettext("assistant", "Fees"),
                url=reverse("helpcenter:article", args=["fees-overview"]),
                fields=tuple(fields),
            )
        ],
        qr_helpful(),
    )
    amounts = turn.amounts()
    if amounts:
        amount = amounts[0]
        turn.say(
            pgettext("assistant", "For example, withdrawing %(amount)s costs %(fee)s.")
            % {
                "amount": format.money(amount),
                "fee": format.money(payments.fee_for("withdrawal", amount)),
            }
        )


_CURRENCY_WORDS = {
    "USD": ("美元", "美金", "usd", "dollar", "us$"),
    "JPY": ("日元", "日币", "jpy", "yen"),
    "HKD": ("港币", "港元", "hkd", "hong kong"),
    "EUR": ("欧元", "eur", "euro"),
    "GBP": ("英镑", "gbp", "pound"),
}


def fx_flow(turn: Turn, intent: str) -> None:
    lowered = turn.text.lower()
    currency = next(
        (code for code, words in _CURRENCY_WORDS.items() if any(w in lowered for w in words)),
        "USD",
    )
    amounts = [a for a in turn.amounts()]
    major = amounts[0].minor // 100 if amounts else 100
    buy = Money(major * (10 ** (0 if currency == "JPY" else 2)), currency)
    preview = payments.fx_preview("CNY", buy)
    if preview is None:
        turn.say(pgettext("assistant", "I can't get a live rate for that currency right now."))
        show_article(turn, "exchange_rate")
        return
    facts = {
        "buy": format.money(preview.buy),
        "sell": format.money(preview.sell),
        "rate": preview.customer_rate,
        "fee": format.money(preview.fee),
    }
    text = (
        pgettext(
            "assistant",
            "Right now %(buy)s costs %(sell)s from your wallet (rate %(rate)s, spread included). "
            "Paying a foreign merchant adds an international payment fee of %(fee)s for this "
            "amount. Rates move; the payment page shows the exact quote before you confirm.",
        )
        % facts
    )
    turn.say(
        text,
        [
            Card(
                "quote",
                pgettext("assistant", "Live quote"),
                url=reverse("payments:pay"),
                fields=(
                    Field(pgettext("assistant", "You pay"), facts["sell"]),
                    Field(pgettext("assistant", "Merchant gets"), facts["buy"]),
                ),
            )
        ],
        qr_helpful(),
    )


def balance_flow(turn: Turn, *, explain: bool = False) -> None:
    wallet = payments.wallet_summary(turn.customer_id)
    balances = wallet.balances if wallet is not None else ()
    fields = []
    for balance in balances:
        fields.append(Field(balance.currency, format.money(balance.available)))
        if balance.held.minor:
            fields.append(Field(pgettext("assistant", "Reserved"), format.money(balance.held)))
    main = next((b for b in balances if b.currency == "CNY"), balances[0] if balances else None)
    if main is None:
        turn.say(pgettext("assistant", "Your wallet isn't open yet."))
        return
    text = pgettext("assistant", "Your available balance is %(available)s.") % {
        "available": format.money(main.available)
    }
    if main.held.minor:
        text += " " + pgettext(
            "assistant",
            "%(held)s more is reserved for a withdrawal or payment in progress and comes back "
            "if it fails.",
        ) % {"held": format.money(main.held)}
    if explain:
        pending = [
            op for op in payments.rail_operations(turn.customer_id, "top_up", 5) if op.is_open
        ]
        if pending:
            text += " " + pgettext(
                "assistant",
                "A %(amount)s top-up is still processing and isn't in the balance yet.",
            ) % {"amount": format.money(pending[0].amount)}
            turn.discuss("top_up", pending[0].public_id)
    turn.say(
        text,
        [
            Card(
                "balance",
                pgettext("assistant", "Wallet"),
                url=reverse("payments:home"),
                fields=tuple(fields),
            )
        ],
        [QuickReply("history", pgettext("assistant", "Recent records"))],
    )
    if explain:
        history_flow(turn)


def history_flow(turn: Turn) -> None:
    records = payments.recent_records(turn.customer_id, 5)
    if not records:
        turn.say(pgettext("assistant", "You don't have any records yet."))
        return
    turn.say(
        pgettext("assistant", "Your latest records:"),
        [
            Card(
                "record",
                r.title,
                url=r.url,
                subtitle=format.when(r.created_at),
                fields=(
                    Field(pgettext("assistant", "Amount"), r.amount),
                    Field(pgettext("assistant", "Status"), r.status_label),
                ),
            )
            for r in records
        ]
        + [
            link_card(
                pgettext("assistant", "All records and statements"), reverse("payments:records")
            )
        ],
    )


def service_status(turn: Turn) -> None:
    if not incident_note(turn, ()) and not _any_incident(turn):
        turn.say(
            pgettext("assistant", "All our services are working normally right now."),
            [link_card(pgettext("assistant", "Service status"), reverse("helpcenter:status"))],
        )


def _any_incident(turn: Turn) -> bool:
    incidents = active_incidents(turn)
    if not incidents:
        return False
    names = "; ".join(i.title if turn.zh else (i.title_en or i.title) for i in incidents)
    turn.say(
        pgettext("assistant", "Known issues right now: %(issues)s.") % {"issues": names},
        [link_card(pgettext("assistant", "Service status"), reverse("helpcenter:status"))],
    )
    return True


# The status page components a rail operation goes through, by kind and method.
_TOP_UP_COMPONENTS = {"bank_card": "topup_card", "third_party_wallet": "topup_wallet"}
# Components that are not a rail: every customer goes through them.
_SHARED_COMPONENTS = frozenset({"payments", "transfers", "login_sms", "customer_service"})


def proactive(turn: Turn) -> bool:
    """Before being asked (a greeting, or the assistant opening a conversation): an overdue
    top-up, a withdrawal failed in the last 3 days, or an active incident on a rail the customer
    uses. Each is said once per conversation (`state["proactive"]`), so a greeting after the
    opening gets a plain hello instead of the same news again."""
    said: list[str] = turn.state.setdefault("proactive", [])
    top_ups = payments.rail_operations(turn.customer_id, "top_up", 5)
    withdrawals = payments.rail_operations(turn.customer_id, "withdrawal", 5)
    for operation in top_ups:
        key = f"top_up:{operation.public_id}"
        if operation.is_open and operation.overdue(turn.now) and key not in said:
            said.append(key)
            _opening(turn, "topup_not_arrived")
            turn.say(
                pgettext(
                    "assistant",
                    "Hello! I see your %(amount)s top-up of %(when)s is still processing. "
                    "Shall I check it with the channel now?",
                )
                % {
                    "amount": format.money(operation.amount),
                    "when": format.when(operation.created_at),
                },
                quick_replies=[
                    QuickReply(
                        f"requery:top_up:{operation.public_id}", pgettext("assistant", "Check now")
                    ),
                ],
            )
            turn.discuss("top_up", operation.public_id)
            return True
    for operation in withdrawals:
        key = f"withdrawal:{operation.public_id}"
        recent = turn.now - operation.created_at < timedelta(days=3)
        if operation.status == "failed" and recent and key not in said:
            said.append(key)
            _opening(turn, "withdraw_failed")
            turn.say(
                pgettext(
                    "assistant",
                    "Hello! Your %(amount)s withdrawal of %(when)s failed; the money is back in "
                    "your balance. Want to know why?",
                )
                % {
                    "amount": format.money(operation.amount),
                    "when": format.when(operation.created_at),
                },
                quick_replies=[
                    QuickReply(
                        f"pick:withdrawal:{operation.public_id}",
                        pgettext("assistant", "Why did it fail?"),
                    ),
                ],
            )
            turn.discuss("withdrawal", operation.public_id)
            return True
    used = set(_SHARED_COMPONENTS)
    used.update(_TOP_UP_COMPONENTS.get(op.method, "") for op in top_ups)
    if withdrawals:
        used.add("withdrawals")
    incidents = [
        incident
        for incident in active_incidents(turn)
        if set(incident.components) & used and f"incident:{incident.public_id}" not in said
    ]
    if not incidents:
        return False
    said.extend(f"incident:{incident.public_id}" for incident in incidents)
    _opening(turn, "service_status")
    lines = [incident_line(turn, incident) for incident in incidents]
    turn.say(
        pgettext(
            "assistant",
            "Hello! A known issue may affect you right now: %(issue)s. Our team is on it; "
            "things should recover without you doing anything.",
        )
        % {"issue": ("；" if turn.zh else "; ").join(lines)},
        [Card("incident", _incident_title(turn, i), url=i.url) for i in incidents],
    )
    return True


def _opening(turn: Turn, intent: str) -> None:
    """An opening speaks about one topic: a follow-up ("why?", "still nothing") leans on it.
    A greeting keeps its own intent."""
    if turn.intent != "greeting":
        turn.intent = intent
        turn.state["last_intent"] = intent
