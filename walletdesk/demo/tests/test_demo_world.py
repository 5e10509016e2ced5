"""The demo world: docs/demo.md and the manifest come from the case table, the seed creates every
case listed there in the state the guide describes, a second run adds no row, and a run on a
later day renews what is bound to time."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from walletdesk.demo import refused_cases
from walletdesk.demo.cases import (
    CASES,
    CUSTOMERS,
    HOSTILE_MEMO,
    HOSTILE_MERCHANT,
    INCIDENT_COMPONENTS,
    STAFF,
    customer_with,
)
from walletdesk.demo.guide import GUIDE_PATH, guide_markdown
from walletdesk.demo.tests.test_desk_cases import assert_threaded_by_the_intake
from walletdesk.helpcenter.enums import Component
from walletdesk.helpcenter.facade import affecting_incidents
from walletdesk.identity import throttle
from walletdesk.identity.facade import withdrawals_blocked_until
from walletdesk.identity.models import (
    KycSubmission,
    Passkey,
    PaymentCredential,
    TotpDevice,
    UnfreezeRequest,
)
from walletdesk.ledger.enums import AccountKind
from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import JournalEntry, Posting
from walletdesk.notifications.models import Message
from walletdesk.payments import reconciliation
from walletdesk.payments.enums import RailMethod
from walletdesk.payments.facade import wallet_summary
from walletdesk.payments.models import (
    Payment,
    RailOperationEvent,
    Refund,
    RefusedAttempt,
    TopUp,
    Transfer,
    Withdrawal,
)
from walletdesk.payments.rails.registry import available_methods
from walletdesk.payments.rails.sandbox_models import SandboxRailRecord
from walletdesk.payments.topups import expected_by, timeline
from walletdesk.payments.wallets import wallet_account
from walletdesk.tickets.enums import Channel
from walletdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)

# The case ids are a stable interface (the manifest, the assistant's evaluation sets, the browser
# tests): this list only grows. Renaming or dropping one fails here.
STABLE_CASE_IDS = frozenset(
    {
        "topup_requery_credits",
        "topup_overdue",
        "topup_failed",
        "withdrawal_in_flight",
        "payment_refused",
        "transfer_refused",
        "wallet_frozen_by_owner",
        "wallet_frozen_by_risk",
        "payment_password_locked",
        "login_locked",
        "kyc_pending",
        "kyc_rejected",
        "phone_changed_recently",
        "totp_and_passkey",
        "code_undeliverable",
        "hostile_memo",
        "hostile_merchant",
        "foreign_balances",
        "desk_email_thread",
        "history_90_days",
    }
)


@pytest.fixture(autouse=True)
def in_process_rail(settings: Any) -> None:
    # As `make run` does, minus the web server: callbacks are applied in process.
    settings.WALLETDESK = {**settings.WALLETDESK, "SANDBOX_CALLBACK_BASE_URL": ""}


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def user(case_id: str) -> Any:
    return get_user_model().objects.get(login_name=customer_with(case_id).phone)


# --- each case in the state the guide describes ---------------------------------------------


def check_topup_requery_credits(now: datetime) -> None:
    top_up = TopUp.objects.get(user=user("topup_requery_credits"), amount=200058)
    assert top_up.status == "pending"


def check_topup_overdue(now: datetime) -> None:
    top_up = TopUp.objects.get(user=user("topup_overdue"), status="pending")
    due = expected_by(top_up)
    assert due is not None and due < now
    # Its timeline is as old as it is, on a rerun on a later day too.
    assert all(top_up.created_at <= event.created_at < due for event in timeline(top_up))
    record = SandboxRailRecord.objects.get(reference=str(top_up.public_id))
    assert record.stuck_until is not None and record.stuck_until > now + timedelta(days=2)
    # A person's "check now" (a minute after anyone last asked) still gets "processing".
    TopUp.objects.filter(pk=top_up.pk).update(last_queried_at=now - timedelta(minutes=5))
    reconciliation.requery(user_id=top_up.user_id, kind="top_up", public_id=top_up.public_id)
    top_up.refresh_from_db()
    assert top_up.status == "pending"


def check_topup_failed(now: datetime) -> None:
    top_up = TopUp.objects.get(user=user("topup_failed"), amount=80052)
    assert (top_up.status, top_up.failure_reason) == ("failed", "insufficient_funds_at_bank")


def check_withdrawal_in_flight(now: datetime) -> None:
    withdrawal = Withdrawal.objects.get(user=user("withdrawal_in_flight"), status="pending")
    due = expected_by(withdrawal)
    assert withdrawal.rail_trace_id and due is not None and due > now
    assert now - withdrawal.created_at < timedelta(hours=1)


def check_wallet_frozen_by_owner(now: datetime) -> None:
    owner = user("wallet_frozen_by_owner")
    summary = wallet_summary(owner.pk)
    assert summary is not None and (summary.status, summary.frozen_by) == ("frozen", "customer")
    assert owner.frozen_at is not None and now - owner.frozen_at < timedelta(hours=2)
    request = UnfreezeRequest.objects.get(user=owner)
    assert request.status == "pending"
    assert request.approval is not None and request.approval.expires_at > now


def check_wallet_frozen_by_risk(now: datetime) -> None:
    summary = wallet_summary(user("wallet_frozen_by_risk").pk)
    assert summary is not None and (summary.status, summary.frozen_by) == ("frozen", "risk")
    assert summary.frozen_reason and summary.frozen_until and summary.frozen_until > now


def check_payment_password_locked(now: datetime) -> None:
    credential = PaymentCredential.objects.get(user=user("payment_password_locked"))
    assert credential.locked_until is not None and credential.locked_until > now


def check_login_locked(now: datetime) -> None:
    locked = user("login_locked")
    assert locked.failed_login_streak >= throttle.LOGIN_LOCK_USERNAME.threshold
    assert throttle.locked_for(throttle.LOGIN_LOCK_USERNAME, locked.login_name) > 0


def check_kyc_pending(now: datetime) -> None:
    assert KycSubmission.objects.get(user=user("kyc_pending")).status == "pending"


def check_kyc_rejected(now: datetime) -> None:
    submission = KycSubmission.objects.get(user=user("kyc_rejected"))
    assert (submission.status, submission.reject_reason) == ("rejected", "blurry")


def check_phone_changed_recently(now: datetime) -> None:
    changed = user("phone_changed_recently")
    assert changed.phone == customer_with("phone_changed_recently").phone
    until = withdrawals_blocked_until(changed.pk)
    assert until is not None and now < until < now + timedelta(hours=24)


def check_totp_and_passkey(now: datetime) -> None:
    holder = user("totp_and_passkey")
    assert TotpDevice.objects.get(user=holder).confirmed_at is not None
    assert Passkey.objects.filter(user=holder).count() == 1


def check_code_undeliverable(now: datetime) -> None:
    last = Message.objects.filter(user=user("code_undeliverable")).order_by("-pk").first()
    assert last is not None and last.status == "failed" and last.channel == "sms"


def check_hostile_memo(now: datetime) -> None:
    assert Transfer.objects.filter(sender=user("hostile_memo"), memo=HOSTILE_MEMO).exists()


def check_hostile_merchant(now: datetime) -> None:
    assert Payment.objects.filter(
        user=user("hostile_merchant"), merchant__name=HOSTILE_MERCHANT
    ).exists()


def check_foreign_balances(now: datetime) -> None:
    holder = user("foreign_balances")
    for currency in ("USD", "EUR", "HKD", "JPY"):
        assert wallet_account(holder.pk, currency).posted > 0, currency


def check_history_90_days(now: datetime) -> None:
    holder = user("history_90_days")
    payments = Payment.objects.filter(user=holder)
    oldest = payments.order_by("created_at").first()
    assert oldest is not None and now - oldest.created_at > timedelta(days=80)
    assert payments.filter(created_at__gt=now - timedelta(days=7)).exists()
    # Dated through the operation: its ledger entry carries the same moment.
    entry = JournalEntry.objects.get(pk=oldest.entry_id)
    assert entry.created_at == oldest.created_at
    assert Refund.objects.filter(payment__user=holder).exists()
    sent = Transfer.objects.filter(sender=holder).order_by("created_at").first()
    assert sent is not None and now - sent.created_at > timedelta(days=1)
    assert JournalEntry.objects.get(pk=sent.entry_id).created_at == sent.created_at
    first = TopUp.objects.filter(user=holder).order_by("created_at").first()
    assert first is not None and now - first.created_at > timedelta(days=80)
    # The rail's timeline of a past top-up is in the past too, from the request to the credit.
    events = timeline(first)
    assert [event.new_status for event in events] == ["created", "pending", "succeeded"]
    completed, entry_id = first.completed_at, first.entry_id
    assert completed is not None and entry_id is not None
    assert all(first.created_at <= event.created_at <= completed for event in events)
    assert JournalEntry.objects.get(pk=entry_id).created_at == completed


def check_payment_refused(now: datetime) -> None:
    customer = user("payment_refused")
    refused = RefusedAttempt.objects.get(user=customer, kind="payment")
    assert (refused.reason, refused.amount, refused.currency) == (
        "insufficient_balance",
        3200,
        "CNY",
    )
    assert refused.merchant is not None and refused.merchant.name == refused_cases.MERCHANT
    # Refused: nothing was paid and nothing left the (empty) wallet.
    assert not Payment.objects.filter(user=customer).exists()
    assert wallet_account(customer.pk, "CNY").posted == 0


def check_transfer_refused(now: datetime) -> None:
    customer = user("transfer_refused")
    refused = RefusedAttempt.objects.get(user=customer, kind="transfer")
    assert (refused.reason, refused.amount) == ("wrong_payment_password", 5000)
    assert refused.recipient == refused_cases.TRANSFER_RECIPIENT
    assert not Transfer.objects.filter(sender=customer).exists()
    # One wrong try of five: the payment password is not locked.
    credential = PaymentCredential.objects.get(user=customer)
    assert credential.locked_until is None or credential.locked_until <= now


def check_desk_email_thread(now: datetime) -> None:
    customer = user("desk_email_thread")
    thread = Ticket.objects.get(tags__icontains="demo-email-thread")
    assert (thread.channel, thread.customer_id) == (Channel.EMAIL, customer.pk)
    assert_threaded_by_the_intake(thread)


CHECKS: dict[str, Callable[[datetime], None]] = {
    name.removeprefix("check_"): check
    for name, check in list(globals().items())
    if name.startswith("check_") and name != "check_ledger"
}


def check_balances_over_time() -> None:
    """For every demo customer and currency, the balance replayed over the ledger's entries in
    the order they happened never dips below zero, and each top-up was credited at or after it
    was asked for, within minutes."""
    demo_customers = list(
        get_user_model()
        .objects.filter(login_name__in=[customer.phone for customer in CUSTOMERS])
        .values_list("pk", flat=True)
    )
    assert len(demo_customers) == len(CUSTOMERS)
    postings = (
        Posting.objects.filter(
            account__owner_id__in=demo_customers, account__kind=AccountKind.CUSTOMER_WALLET
        )
        .order_by("account_id", "entry__created_at", "entry_id")
        .values_list("account__code", "amount", "entry__created_at")
    )
    running: dict[str, int] = {}
    for account, amount, at in postings:
        running[account] = running.get(account, 0) + amount
        assert running[account] >= 0, f"{account} below zero at {at.isoformat()}"
    credited = TopUp.objects.filter(user_id__in=demo_customers, entry_id__isnull=False)
    requested = {
        entry_id: asked
        for entry_id, asked in credited.values_list("entry_id", "created_at")
        if entry_id is not None
    }
    assert len(requested) >= 20
    credit_times = dict(
        JournalEntry.objects.filter(pk__in=list(requested)).values_list("pk", "created_at")
    )
    for entry_id, asked in requested.items():
        lag = credit_times[entry_id] - asked
        assert timedelta(0) <= lag < timedelta(minutes=10), (entry_id, lag)
    events = RailOperationEvent.objects.filter(
        operation_type="top_up", operation_id__in=credited.values("pk")
    )
    assert not events.filter(created_at__gt=timezone.now()).exists()


def check_every_case(now: datetime) -> None:
    """Every case a customer holds, the ones other modules seed included (refused attempts,
    the desk's email thread), in the state the guide describes."""
    listed = {case for customer in CUSTOMERS for case in customer.cases}
    assert listed == set(CASES)
    for case_id in sorted(listed):
        CHECKS[case_id](now)


def guide_tables(text: str) -> dict[str, list[list[str]]]:
    """The rows of each table in docs/demo.md, by the section they are in (header and
    separator rows left out)."""
    tables: dict[str, list[list[str]]] = {}
    section = ""
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith("|") and not line.startswith("|---"):
            tables.setdefault(section, []).append(
                [cell.strip() for cell in line.strip().strip("|").split("|")]
            )
    return {name: rows[1:] for name, rows in tables.items()}


def case_ids_in(cell: str) -> list[str]:
    return re.findall(r"`([a-z0-9_]+)`", cell)


def test_docs_demo_md_lists_exactly_the_demo_world_and_each_case_has_a_check() -> None:
    text = GUIDE_PATH.read_text(encoding="utf-8")
    assert text == guide_markdown(), "docs/demo.md is stale: run `make demo-guide`"
    assert "walletdesk/demo/tests/test_demo_world.py" in text
    tables = guide_tables(text)

    customers = [
        (row[0].replace(" ", ""), row[1], row[2], case_ids_in(row[3]))
        for row in tables["Customers"]
    ]
    assert customers == [(c.phone, c.name, c.lang, list(c.cases)) for c in CUSTOMERS]

    cases = [
        (case_ids_in(row[0]), row[1].split(", ") if row[1] else [], row[3])
        for row in tables["Cases"]
    ]
    assert cases == [
        (
            [case.id],
            [c.name for c in CUSTOMERS if case.id in c.cases],
            f"`{case.provided_by}`" if case.provided_by else "seed_demo",
        )
        for case in CASES.values()
    ]
    assert [row[:2] for row in tables["Staff"]] == [[s.login, s.role] for s in STAFF]
    assert [(row[0].strip("`"), row[1].split(", ")) for row in tables["Service incidents"]] == [
        (rail, list(components)) for rail, components in INCIDENT_COMPONENTS.items()
    ]

    # Every case the guide lists has a check here, which `check_every_case` runs after seeding.
    in_guide = {case_id for row in tables["Cases"] for case_id in case_ids_in(row[0])}
    held = {case_id for _, _, _, ids in customers for case_id in ids}
    assert in_guide == held == set(CHECKS) == STABLE_CASE_IDS


def test_manifest_is_the_last_line_and_lists_customers_cases_and_staff() -> None:
    out = StringIO()
    call_command("seed_demo", "--manifest-only", stdout=out)
    manifest = json.loads(out.getvalue().strip().splitlines()[-1])
    assert [c["login"] for c in manifest["customers"]] == [c.phone for c in CUSTOMERS]
    assert manifest["staff"] == [{"login": s.login, "role": s.role} for s in STAFF]
    every = [case for c in manifest["customers"] for case in c["cases"]]
    assert len(every) == len(set(every))  # each case on one customer
    assert set(every) == set(CASES) == STABLE_CASE_IDS
    assert set(manifest["customers"][0]) == {"login", "name", "lang", "cases"}


def test_incidents_name_the_sandbox_rails_and_status_page_components() -> None:
    assert set(INCIDENT_COMPONENTS) == set(RailMethod.values) == set(available_methods())
    for rail, components in INCIDENT_COMPONENTS.items():
        assert components and set(components) <= set(Component.values), rail


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_the_seed_creates_every_listed_case_and_a_second_run_adds_no_row() -> None:
    out = seed("--manifest")
    assert "[8/8]" in out and json.loads(out.strip().splitlines()[-1])["customers"]
    check_every_case(timezone.now())
    assert check_ledger().ok
    # None by default, and without DEBUG no TOTP secret is printed.
    assert affecting_incidents() == []
    assert all(device.secret not in out for device in TotpDevice.objects.all())

    counts = row_counts()
    seed()
    again = row_counts()
    assert {k: (counts[k], v) for k, v in again.items() if counts[k] != v} == {}
    check_every_case(timezone.now())


def test_the_seeded_history_is_dated_when_it_happened_so_no_balance_dips_below_zero() -> None:
    seed()
    check_balances_over_time()
    check_history_90_days(timezone.now())


def test_a_run_on_a_later_day_renews_what_is_bound_to_time() -> None:
    seed()
    later = timezone.now() + timedelta(days=10)
    with time_machine.travel(later, tick=True):
        seed()
        check_every_case(timezone.now())
        check_balances_over_time()
    assert check_ledger().ok


def test_staff_come_with_totp_and_production_settings_refuse(settings: Any) -> None:
    settings.DEBUG = True
    out = seed("--incident", "bank_card")
    for staff in STAFF:
        device = TotpDevice.objects.get(user__login_name=staff.login)
        assert device.confirmed_at is not None and f"{staff.login}" in out
        assert device.secret in out
    assert [i.title_en for i in affecting_incidents("topup_card")] == [
        "Slow processing on the bank_card rail"
    ]
    seed("--incident", "bank_card")
    assert len(affecting_incidents("withdrawals")) == 1

    settings.WALLETDESK_STARTUP_CHECKS = True  # what config/settings/prod.py sets
    with pytest.raises(CommandError, match="production"):
        seed()


def test_a_planned_record_that_cannot_be_created_stops_the_seed_naming_it() -> None:
    from walletdesk.payments.models import LimitRule

    # 王小明 (KYC 2) may pay at most ¥1 at a time: his first planned coffee is refused.
    LimitRule.objects.create(
        operation="payment", kyc_level=2, currency="CNY", per_transaction=100, per_day=100
    )
    with pytest.raises(CommandError, match="payment wxm-coffee"):
        seed()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the transfer SQL function")
def test_on_postgresql_history_transfers_are_dated_by_the_database_function() -> None:
    assert connection.vendor == "postgresql"
    seed()
    check_every_case(timezone.now())
    holder = user("history_90_days")
    sent = Transfer.objects.filter(sender=holder).order_by("created_at")
    assert sent.count() >= 2
    for transfer in sent:
        assert JournalEntry.objects.get(pk=transfer.entry_id).created_at == transfer.created_at
    check_balances_over_time()
    assert check_ledger().ok
