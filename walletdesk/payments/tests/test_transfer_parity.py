"""Every transfer scenario through both paths on one PostgreSQL database, compared row by row.

On PostgreSQL a transfer is one call to `payments_transfer` (payments/sql/transfer.sql), which
repeats in SQL some rules that also live in Python: who may receive, the limit comparison, the
record's names, the notices' contexts and the customers' notice preferences
(notifications/sql/transaction_notice.sql). The Python path (`operations._transfer`, what SQLite
runs) is the reference. Each scenario below is built twice, in two worlds of look-alike
customers, and run once through each path; the outcome (response or error code) and everything
written (balances, ledger entries, transfers, records, refused attempts, notices, idempotency
records, usage counters) must be identical once each world's ids are replaced by role names.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from walletdesk.core.actors import Actor
from walletdesk.core.errors import WalletDeskError
from walletdesk.core.masking import mask_email, mask_phone
from walletdesk.core.money import Money
from walletdesk.ledger.models import IdempotencyRecord, JournalEntry, LedgerAccount
from walletdesk.notifications.actions import save_preferences
from walletdesk.notifications.facade import message_text
from walletdesk.notifications.models import Message
from walletdesk.payments import operations, transfer_sql, wallets
from walletdesk.payments.fees import invalidate_fee_cache
from walletdesk.payments.limits import invalidate_limit_cache
from walletdesk.payments.models import (
    Activity,
    FeeRule,
    LimitRule,
    RefusedAttempt,
    Transfer,
    UsageCounter,
)
from walletdesk.payments.tests.factories import credit_wallet

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'",
        reason="the SQL path (the payments_transfer function) exists on PostgreSQL only",
    ),
]

MOMENT = datetime(2026, 11, 20, 6, 30, 15, 123456, tzinfo=UTC)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class World:
    """One path's customers: `sender`, `recipient` and `third`, with look-alike names."""

    path: str
    make_user: Callable[..., Any]
    users: dict[str, Any] = field(default_factory=dict)

    def customer(self, part: str, balance: int = 0, currency: str = "CNY", **extra: Any) -> Any:
        extra.setdefault("display_name", {"sender": "王小明", "recipient": "李华"}.get(part, part))
        user = self.make_user(**extra)
        wallets.open_wallet(user.pk)
        if balance:
            credit_wallet(user.pk, Money(balance, currency))
        self.users[part] = user
        return user

    def send(self, amount: str, *, to: str | None = None, key: str = "k1", **kw: Any) -> Any:
        """The outcome of one transfer from the sender: the response, or the refusal's code."""
        recipient = to if to is not None else self.users["recipient"].login_name
        kw.setdefault("currency", "CNY")
        kw.setdefault("at", MOMENT)
        try:
            outcome = operations.transfer(
                payer=operations.Payer.customer(self.users["sender"].pk),
                recipient=recipient,
                amount=amount,
                idempotency_key=key,
                confirmed=True,
                **kw,
            )
        except WalletDeskError as refusal:
            return ("refused", refusal.code, refusal.http_status)
        return ("ok", outcome.status, outcome.replayed, outcome.body)


class Roles:
    """Replaces each world's ids, names and addresses with role names, and transfer ids with
    their order of appearance, so that the two worlds compare equal."""

    def __init__(self, world: World) -> None:
        self.texts: list[tuple[str, str]] = []
        # A debit alert's freeze link is signed for its customer.
        self.numbers: list[tuple[re.Pattern[str], str]] = [
            (re.compile(r"/account/freeze/link/[^/\s]+/"), "/account/freeze/link/<signed>/")
        ]
        self.ids: dict[int, str] = {}
        for role, user in world.users.items():
            user.refresh_from_db()
            self.ids[user.pk] = role
            for value in (user.login_name, user.phone, user.email):
                if value:
                    self.texts.append((value, f"<{role} contact>"))
                    masked = mask_email(value) if "@" in value else mask_phone(value)
                    self.texts.append((masked, f"<{role} contact, masked>"))
            self.numbers.append((re.compile(rf"\b(user|wallet):{user.pk}\b"), rf"\1:<{role}>"))
        sent = Transfer.objects.filter(sender_id__in=self.ids).order_by("pk")
        for number, public_id in enumerate(sent.values_list("public_id", flat=True)):
            # Whole, and as a debit alert's reference cut to 40 characters keeps it.
            self.texts.append((str(public_id), f"<transfer {number}>"))
            self.texts.append((str(public_id)[:31], f"<transfer {number}, cut>"))
        self.texts.sort(key=lambda pair: -len(pair[0]))
        self.uuids: dict[str, str] = {}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: self(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self(item) for item in value]
        if isinstance(value, uuid.UUID):
            value = str(value)
        if isinstance(value, str):
            for text, label in self.texts:
                value = value.replace(text, label)
            for pattern, replacement in self.numbers:
                value = pattern.sub(replacement, value)
            return UUID.sub(lambda m: self.uuids.setdefault(m[0], f"<id {len(self.uuids)}>"), value)
        return value

    def user(self, user_id: int | None) -> str:
        return self.ids.get(user_id, "someone else") if user_id is not None else "nobody"


def fee_revenue() -> list[tuple[str, int]]:
    return sorted(LedgerAccount.objects.filter(kind="fee_revenue").values_list("code", "posted"))


def written(
    world: World, roles: Roles, since: dict[str, int], fees_before: list[tuple[str, int]]
) -> Any:
    """Everything the scenario wrote for this world's customers, in role names."""
    user_ids = [user.pk for user in world.users.values()]
    entries = JournalEntry.objects.filter(pk__gt=since["entry"]).order_by("pk")
    transfers = Transfer.objects.filter(pk__gt=since["transfer"]).order_by("pk")
    parts = roles(
        {
            "balances": sorted(
                (roles.user(a.owner_id), a.currency, a.posted, a.held, a.debits_blocked)
                for a in LedgerAccount.objects.filter(kind="wallet", owner_id__in=user_ids)
            ),
            "fee revenue": [
                (code, after - dict(fees_before).get(code, 0))
                for code, after in fee_revenue()
                if after != dict(fees_before).get(code, 0)
            ],
            "entries": [
                (
                    e.kind,
                    e.memo,
                    e.reference,
                    e.actor,
                    # Sorted by role, not by the world's account codes ("wallet:99" sorts
                    # after "wallet:100").
                    sorted(
                        roles(
                            [
                                (p.account.code, p.amount, p.currency)
                                for p in e.postings.select_related("account")
                            ]
                        )
                    ),
                )
                for e in entries
            ],
            "transfers": [
                (
                    roles.user(t.sender_id),
                    roles.user(t.recipient_id),
                    t.currency,
                    t.amount,
                    t.fee,
                    t.memo,
                    str(t.public_id),
                    t.created_at,
                )
                for t in transfers
            ],
            "records": sorted(
                (
                    roles.user(a.user_id),
                    a.type,
                    a.status,
                    a.currency,
                    a.amount,
                    a.fee,
                    a.title,
                    a.counterparty,
                    a.failure_reason,
                )
                for a in Activity.objects.filter(pk__gt=since["activity"], user_id__in=user_ids)
            ),
            "refused": sorted(
                (
                    roles.user(r.user_id),
                    r.kind,
                    r.reason,
                    r.error_code,
                    json.dumps(r.details, sort_keys=True),
                    r.currency,
                    r.amount,
                    r.recipient,
                    r.idempotency_key,
                    r.repeat_count,
                )
                for r in RefusedAttempt.objects.filter(user_id__in=user_ids)
            ),
            "notices": sorted(
                (
                    roles.user(m.user_id),
                    m.channel,
                    m.category,
                    m.kind,
                    m.status,
                    m.destination,
                    m.link,
                    json.dumps(m.context, sort_keys=True),
                    *message_text(m, "en"),
                    *message_text(m, "zh-hans"),
                )
                for m in Message.objects.select_related("user").filter(
                    pk__gt=since["message"], user_id__in=user_ids
                )
            ),
            "idempotency": sorted(
                (r.scope, r.key, r.response_status, json.dumps(json.loads(r.response)))
                for r in IdempotencyRecord.objects.filter(pk__gt=since["idempotency"])
            ),
            "usage": sorted(
                (roles.user(u.user_id), u.operation, u.currency, str(u.day), u.total, u.count)
                for u in UsageCounter.objects.filter(user_id__in=user_ids)
            ),
        }
    )
    # In an order that does not depend on either world's ids.
    return {
        part: rows if part in ("entries", "transfers") else sorted(rows)
        for part, rows in parts.items()
    }


def markers() -> dict[str, int]:
    def last(model: Any) -> int:
        return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    return {
        "entry": last(JournalEntry),
        "transfer": last(Transfer),
        "activity": last(Activity),
        "message": last(Message),
        "idempotency": last(IdempotencyRecord),
    }


# --- Scenarios: each builds its world, then returns the calls' outcomes ---------------------------


def success(w: World) -> list[Any]:
    w.customer("sender", 100_00)
    w.customer("recipient")
    return [w.send("12.34", memo="午饭")]


def success_in_chinese(w: World) -> list[Any]:
    w.customer("sender", 100_00)
    w.customer("recipient")
    with translation.override("zh-hans"):
        return [w.send("0.01")]


def success_with_a_fee_and_a_limit_rule(w: World) -> list[Any]:
    w.customer("sender", 300_00)
    w.customer("recipient")
    return [w.send("25.00", memo="rent"), w.send("100.00", key="k2"), w.send("0.50", key="k3")]


def insufficient_balance(w: World) -> list[Any]:
    w.customer("sender", 10_00)
    w.customer("recipient")
    return [w.send("10.01"), w.send("10.00", key="k2"), w.send("0.01", key="k3")]


def insufficient_balance_because_of_the_fee(w: World) -> list[Any]:
    w.customer("sender", 25_00)
    w.customer("recipient")
    return [w.send("25.00"), w.send("24.75", key="k2")]


def insufficient_balance_with_money_on_hold(w: World) -> list[Any]:
    sender = w.customer("sender", 50_00)
    w.customer("recipient")
    LedgerAccount.objects.filter(owner_id=sender.pk).update(held=30_00)
    return [w.send("20.01"), w.send("20.00", key="k2")]


def limit_reached_in_one_transfer(w: World) -> list[Any]:
    w.customer("sender", 1_000_00)
    w.customer("recipient")
    return [w.send("500.01"), w.send("500.00", key="k2")]


def limit_reached_over_the_day(w: World) -> list[Any]:
    w.customer("sender", 2_000_00)
    w.customer("recipient")
    return [
        w.send("500.00"),
        w.send("450.00", key="k2"),
        w.send("50.01", key="k3"),
        w.send("50.00", key="k4"),
        w.send("0.01", key="k5"),
    ]


def frozen_sender(w: World) -> list[Any]:
    sender = w.customer("sender", 100_00)
    w.customer("recipient")
    wallets.freeze_wallet(sender.pk, reason="phone lost", frozen_by="customer")
    return [w.send("1.00")]


def frozen_recipient_still_receives(w: World) -> list[Any]:
    w.customer("sender", 100_00)
    recipient = w.customer("recipient")
    wallets.freeze_wallet(recipient.pk, reason="phone lost", frozen_by="customer")
    return [w.send("1.00")]


def closed_recipient(w: World) -> list[Any]:
    w.customer("sender", 100_00)
    recipient = w.customer("recipient")
    wallets.close_wallet(recipient.pk)
    return [w.send("1.00")]


def inactive_recipient(w: World) -> list[Any]:
    w.customer("sender", 100_00)
    recipient = w.customer("recipient")
    type(recipient).objects.filter(pk=recipient.pk).update(is_active=False)
    return [w.send("1.00")]


def staff_recipient(w: World) -> list[Any]:
    w.customer("sender", 100_00)
    w.customer("recipient", role="agent")
    return [w.send("1.00")]


def unknown_recipient(w: World) -> list[Any]:
    w.customer("sender", 100_00)
    return [w.send("1.00", to="+8613999999999"), w.send("1.00", to="", key="k2")]


def unknown_recipient_asked_by_someone_without_the_money(w: World) -> list[Any]:
    w.customer("sender", 1_00)
    return [w.send("5.00", to="nobody@example.com")]


def self_transfer(w: World) -> list[Any]:
    sender = w.customer("sender", 100_00)
    return [w.send("1.00", to=sender.login_name)]


def recipient_by_a_bound_email(w: World) -> list[Any]:
    w.customer("sender", 100_00)
    recipient = w.customer("recipient")
    address = f"li.hua.{w.path}@example.com"
    type(recipient).objects.filter(pk=recipient.pk).update(email=address)
    recipient.refresh_from_db()
    return [w.send("3.00", to=f"  {address.upper()} ")]


def recipient_without_a_display_name(w: World) -> list[Any]:
    w.customer("sender", 100_00)
    w.customer("recipient", display_name="")
    return [w.send("2.00")]


def recipient_without_an_account_in_the_currency(w: World) -> list[Any]:
    w.customer("sender", 50_00, currency="USD")
    w.customer("recipient")
    return [w.send("20.00", currency="USD")]


def idempotent_replay(w: World) -> list[Any]:
    w.customer("sender", 100_00)
    w.customer("recipient")
    first = w.send("10.00", memo="once")
    return [first, w.send("10.00", memo="once"), w.send("11.00", memo="once")]


def a_used_key_for_an_unusable_recipient(w: World) -> list[Any]:
    w.customer("sender", 100_00)
    w.customer("recipient")
    return [w.send("1.00"), w.send("1.00", to="nobody")]


def notices_follow_both_customers_preferences(w: World) -> list[Any]:
    sender = w.customer("sender", 100_00)
    recipient = w.customer("recipient")
    type(sender).objects.filter(pk=sender.pk).update(email=f"wang.{w.path}@example.com")
    save_preferences(
        sender.pk,
        actor=Actor.customer(sender.pk),
        debit_alert_minor=10_00,
        transaction_sms=True,
        transaction_email=True,
    )
    save_preferences(
        recipient.pk,
        actor=Actor.customer(recipient.pk),
        transaction_inbox=False,
        transaction_sms=True,
    )
    return [w.send("9.99"), w.send("10.00", key="k2")]


def the_alert_threshold_is_in_its_own_currency(w: World) -> list[Any]:
    sender = w.customer("sender", 100_00, currency="USD")
    w.customer("recipient")
    save_preferences(sender.pk, actor=Actor.customer(sender.pk), debit_alert_minor=50_00)
    return [w.send("1.00", currency="USD")]


def no_notices_wanted(w: World) -> list[Any]:
    sender = w.customer("sender", 100_00)
    recipient = w.customer("recipient")
    for user in (sender, recipient):
        save_preferences(user.pk, actor=Actor.customer(user.pk), transaction_inbox=False)
    return [w.send("1.00")]


SCENARIOS = [
    success,
    success_in_chinese,
    success_with_a_fee_and_a_limit_rule,
    insufficient_balance,
    insufficient_balance_because_of_the_fee,
    insufficient_balance_with_money_on_hold,
    limit_reached_in_one_transfer,
    limit_reached_over_the_day,
    frozen_sender,
    frozen_recipient_still_receives,
    closed_recipient,
    inactive_recipient,
    staff_recipient,
    unknown_recipient,
    unknown_recipient_asked_by_someone_without_the_money,
    self_transfer,
    recipient_by_a_bound_email,
    recipient_without_a_display_name,
    recipient_without_an_account_in_the_currency,
    idempotent_replay,
    a_used_key_for_an_unusable_recipient,
    notices_follow_both_customers_preferences,
    the_alert_threshold_is_in_its_own_currency,
    no_notices_wanted,
]

#: Scenarios that run with fee and limit rules in place.
WITH_RULES = {
    success_with_a_fee_and_a_limit_rule,
    insufficient_balance_because_of_the_fee,
    limit_reached_in_one_transfer,
    limit_reached_over_the_day,
}


def run(scenario: Callable[[World], list[Any]], path: str, make_user: Callable[..., Any]) -> Any:
    world = World(path, make_user)
    since, fees_before = markers(), fee_revenue()
    with translation.override("en"):
        outcomes = scenario(world)
    roles = Roles(world)
    return {"outcomes": roles(outcomes), **written(world, roles, since, fees_before)}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_both_paths_have_the_same_outcome_and_write_the_same_rows(
    scenario: Callable[[World], list[Any]],
    user_factory: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if scenario in WITH_RULES:
        FeeRule.objects.create(operation="transfer", currency="CNY", rate_bp=100, minimum=10)
        LimitRule.objects.create(
            operation="transfer", kyc_level=0, per_transaction=500_00, per_day=1_000_00
        )
        invalidate_fee_cache()
        invalidate_limit_cache()
    calls: list[str] = []
    real_call = transfer_sql._call_atomically

    def counted_call(*args: Any) -> Any:
        calls.append("sql")
        return real_call(*args)

    monkeypatch.setattr(transfer_sql, "_call_atomically", counted_call)
    in_sql = run(scenario, "sql", user_factory)
    assert calls, "the SQL path was not taken"

    monkeypatch.setattr(operations, "is_postgres", lambda: False)
    calls.clear()
    in_python = run(scenario, "python", user_factory)
    assert not calls, "the Python path called the database function"

    for part in in_sql:
        assert (part, in_sql[part]) == (part, in_python[part])
    assert connection.vendor == "postgresql"


def test_the_scenarios_cover_every_outcome(user_factory: Any) -> None:
    """The parity runs above meet every refusal a transfer can end in, and success."""
    seen: set[str] = set()
    for scenario in SCENARIOS:
        if scenario in WITH_RULES:
            FeeRule.objects.get_or_create(
                operation="transfer", currency="CNY", defaults={"rate_bp": 100, "minimum": 10}
            )
            LimitRule.objects.get_or_create(
                operation="transfer",
                kyc_level=0,
                defaults={"per_transaction": 500_00, "per_day": 1_000_00},
            )
        else:
            FeeRule.objects.all().delete()
            LimitRule.objects.all().delete()
        invalidate_fee_cache()
        invalidate_limit_cache()
        with translation.override("en"):
            for outcome in scenario(World("sql", user_factory)):
                seen.add(outcome[1] if outcome[0] == "refused" else f"ok {outcome[2]}")
    assert seen >= {
        "ok False",
        "ok True",
        "insufficient_balance",
        "limit_exceeded",
        "account_frozen",
        "recipient_not_found",
        "recipient_cannot_receive",
        "transfer_to_self",
        "idempotency_key_reused",
    }, seen
