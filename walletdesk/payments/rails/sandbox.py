"""A built-in rail that behaves like a real one, for development, demos and tests.

One provider per method (bank card, bank transfer, a third-party wallet). Like a real rail it
keeps its own book (`SandboxRailRecord`), answers a submission at once with a trace id, settles
later and tells us the result through a signed callback POSTed to our callback endpoint, and
answers status queries for reconciliation.

Failure modes are chosen deterministically from the amount's last two digits (minor units), so a
demo or a test can trigger each one by typing an amount (docs/rails.md):

    xx.51  declined              refused at once (card_declined)
    xx.52  insufficient_funds    accepted, then fails (insufficient_funds_at_bank)
    xx.53  timeout               accepted, but our call times out; the callback comes later
    xx.54  callback_lost         succeeds, but no callback is ever sent (reconciliation finds it)
    xx.55  callback_duplicated   succeeds; the same callback event is delivered 3 times
    xx.56  out_of_order          succeeds; a stale "pending" event arrives after "succeeded"
    xx.57  lost                  never reaches the rail (our call times out; the rail knows nothing)
    xx.58  awaiting_requery      accepted, then silent: no callback, and status queries from the
                                 reconciliation sweep keep answering "pending"; it settles
                                 (succeeds) only when a person asks now (the customer's "check
                                 now", an agent's trace), like a channel that needs a nudge
    other  succeed               accepted, succeeds, one callback

`stick_until(reference, until)` models a rail stuck at its end: until that moment every status
query, a person's included, answers "pending" and nothing settles (the demo's overdue top-up).

`force_mode()` (tests) or ``settings.WALLETDESK["SANDBOX_RAIL_FORCE_MODE"]`` override the choice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from walletdesk.core.db import on_commit
from walletdesk.core.errors import WalletDeskError
from walletdesk.core.money import Money
from walletdesk.payments.enums import FailureReason, RailMethod
from walletdesk.payments.errors import CardDeclinedError, RailTimeoutError
from walletdesk.payments.rails.base import (
    CardVerification,
    RailOutcome,
    RailStatus,
    RailSubmission,
)
from walletdesk.payments.rails.sandbox_models import SandboxRailRecord
from walletdesk.payments.rails.signing import SIGNATURE_HEADER, signature_header

logger = logging.getLogger("walletdesk.payments.rails")

COLLECT = "collect"
PAYOUT = "payout"
DUPLICATE_DELIVERIES = 3
# Sandbox test cards: any Luhn-valid number ending in 0002 is declined by the "issuer".
DECLINED_CARD_SUFFIX = "0002"


class SandboxMode(StrEnum):
    SUCCEED = "succeed"
    DECLINED = "declined"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    TIMEOUT = "timeout"
    CALLBACK_LOST = "callback_lost"
    CALLBACK_DUPLICATED = "callback_duplicated"
    OUT_OF_ORDER = "out_of_order"
    LOST = "lost"
    AWAITING_REQUERY = "awaiting_requery"


MODE_BY_CENTS: dict[int, SandboxMode] = {
    51: SandboxMode.DECLINED,
    52: SandboxMode.INSUFFICIENT_FUNDS,
    53: SandboxMode.TIMEOUT,
    54: SandboxMode.CALLBACK_LOST,
    55: SandboxMode.CALLBACK_DUPLICATED,
    56: SandboxMode.OUT_OF_ORDER,
    57: SandboxMode.LOST,
    58: SandboxMode.AWAITING_REQUERY,
}

_forced: list[SandboxMode] = []


@contextmanager
def force_mode(mode: SandboxMode | str) -> Iterator[None]:
    """Every submission inside the block uses `mode`, whatever the amount (tests)."""
    _forced.append(SandboxMode(mode))
    try:
        yield
    finally:
        _forced.pop()


def mode_for(amount: int) -> SandboxMode:
    if _forced:
        return _forced[-1]
    configured = str(settings.WALLETDESK.get("SANDBOX_RAIL_FORCE_MODE", "") or "")
    if configured:
        return SandboxMode(configured)
    return MODE_BY_CENTS.get(amount % 100, SandboxMode.SUCCEED)


def latency() -> timedelta:
    return timedelta(seconds=int(str(settings.WALLETDESK.get("SANDBOX_RAIL_LATENCY_SECONDS", 3))))


# Issuer names by BIN prefix (what a real card rail answers on verification).
_BANKS: tuple[tuple[str, str], ...] = (
    ("622202", "中国工商银行"),
    ("622848", "中国农业银行"),
    ("621700", "中国建设银行"),
    ("621661", "中国银行"),
    ("622588", "招商银行"),
    ("622262", "交通银行"),
    ("621483", "招商银行"),
    ("6217", "中国建设银行"),
    ("62", "银联成员银行"),
)


def bank_name_for(number: str) -> str:
    for prefix, name in _BANKS:
        if number.startswith(prefix):
            return name
    # An issuer the sandbox does not know: no name, so pages show the card brand (translated).
    return ""


def _trace_prefix(method: str) -> str:
    prefixes: dict[str, str] = {
        RailMethod.BANK_CARD.value: "SBXC",
        RailMethod.BANK_TRANSFER.value: "SBXT",
        RailMethod.THIRD_PARTY_WALLET.value: "SBXW",
    }
    return prefixes.get(method, "SBX")


class SandboxRail:
    """A sandbox provider for one rail method (implements `RailProvider`)."""

    sandbox = True  # moves no real money: production refuses it unless WALLETDESK_ALLOW_SANDBOX

    def __init__(self, method: str) -> None:
        self.method = method

    def __repr__(self) -> str:
        return f"SandboxRail({self.method!r})"

    # --- RailProvider ---------------------------------------------------------------------------

    def start_top_up(
        self, *, reference: str, amount: int, currency: str, card_token: str | None
    ) -> RailSubmission:
        return self._submit(COLLECT, reference, amount, currency)

    def start_payout(
        self, *, reference: str, amount: int, currency: str, card_token: str | None
    ) -> RailSubmission:
        return self._submit(PAYOUT, reference, amount, currency)

    def query(self, *, reference: str, on_demand: bool = False) -> RailStatus:
        record = SandboxRailRecord.objects.filter(method=self.method, reference=reference).first()
        if record is None:
            return RailStatus(trace_id="", outcome=RailOutcome.UNKNOWN)
        if record.status == "pending" and record.settles_at <= timezone.now():
            record = settle(record.pk, on_demand=on_demand)
        return _status(record)

    def answer_now(self, *, reference: str) -> RailStatus:
        """Settle now what the rail would settle after its latency, and say how it ended (demo
        history, replayed in one go); an operation waiting for a re-query or stuck still waits.
        The callbacks follow as usual."""
        record = SandboxRailRecord.objects.filter(method=self.method, reference=reference).first()
        if record is None:
            return RailStatus(trace_id="", outcome=RailOutcome.UNKNOWN)
        return _status(settle(record.pk))

    def verify_card(
        self, *, number: str, expiry_month: int, expiry_year: int, cvv: str
    ) -> CardVerification:
        """The issuer checks the card (the CVV is used here and forgotten) and returns a token.

        The token starts with a keyed fingerprint of the number, so the same card bound twice
        is recognised without anyone keeping the number.
        """
        if number.endswith(DECLINED_CARD_SUFFIX):
            raise CardDeclinedError()
        from walletdesk.payments.cards import brand_for

        fingerprint = hmac.new(
            str(settings.SECRET_KEY).encode(), b"card:" + number.encode(), hashlib.sha256
        ).hexdigest()[:20]
        return CardVerification(
            token=f"tok_{fingerprint}_{secrets.token_hex(8)}",
            brand=brand_for(number),
            bank_name=bank_name_for(number),
        )

    # --- the rail's own processing ----------------------------------------------------------

    def _submit(self, direction: str, reference: str, amount: int, currency: str) -> RailSubmission:
        mode = mode_for(amount)
        if mode == SandboxMode.LOST:
            raise RailTimeoutError()
        existing = SandboxRailRecord.objects.filter(method=self.method, reference=reference).first()
        if existing is not None:  # a retried submission: the rail answers what it already knows
            return _submission(existing)
        declined = mode == SandboxMode.DECLINED
        try:
            with transaction.atomic():
                record = SandboxRailRecord.objects.create(
                    method=self.method,
                    direction=direction,
                    reference=reference,
                    trace_id=f"{_trace_prefix(self.method)}{secrets.token_hex(10).upper()}",
                    amount=amount,
                    currency=currency,
                    status="failed" if declined else "pending",
                    failure_reason=FailureReason.CARD_DECLINED if declined else "",
                    mode=mode,
                    settles_at=timezone.now() + latency(),
                )
                if not declined and mode != SandboxMode.AWAITING_REQUERY:
                    on_commit(schedule_delivery, record.pk)
        except IntegrityError:
            existing = SandboxRailRecord.objects.get(method=self.method, reference=reference)
            return _submission(existing)
        if mode == SandboxMode.TIMEOUT:
            raise RailTimeoutError()
        return _submission(record)


def _status(record: SandboxRailRecord) -> RailStatus:
    return RailStatus(
        trace_id=record.trace_id,
        outcome=RailOutcome(record.status),
        failure_reason=record.failure_reason,
    )


def _submission(record: SandboxRailRecord) -> RailSubmission:
    return RailSubmission(
        trace_id=record.trace_id,
        outcome=RailOutcome(record.status),
        failure_reason=record.failure_reason,
    )


def settle(record_id: int, *, on_demand: bool = False) -> SandboxRailRecord:
    """The rail finishes the operation (once): success, or the failure its mode asks for.

    An `awaiting_requery` operation finishes only `on_demand` (a person asked now)."""
    with transaction.atomic():
        record = SandboxRailRecord.objects.select_for_update().get(pk=record_id)
        waits = (record.mode == SandboxMode.AWAITING_REQUERY and not on_demand) or is_stuck(record)
        if record.status == "pending" and not waits:
            if record.mode == SandboxMode.INSUFFICIENT_FUNDS:
                record.status = "failed"
                record.failure_reason = FailureReason.INSUFFICIENT_FUNDS_AT_BANK
            else:
                record.status = "succeeded"
            record.save(update_fields=["status", "failure_reason"])
    return record


def is_stuck(record: SandboxRailRecord, now: datetime | None = None) -> bool:
    return record.stuck_until is not None and (now or timezone.now()) < record.stuck_until


def stick_until(reference: str, until: datetime) -> int:
    """The rail answers "pending" for the operation `reference` until `until` (set again to
    move it); returns how many of the rail's records that touched (0: the rail never saw it)."""
    return SandboxRailRecord.objects.filter(reference=reference, status="pending").update(
        stuck_until=until
    )


def schedule_delivery(record_id: int) -> None:
    """Deliver the outcome later, as a real rail would (a job with the configured latency)."""
    from walletdesk.payments.tasks import sandbox_deliver_callbacks

    sandbox_deliver_callbacks.apply_async(
        args=(record_id,), countdown=int(latency().total_seconds())
    )


# --- callbacks ------------------------------------------------------------------------------


def operation_kind(record: SandboxRailRecord) -> str:
    return "top_up" if record.direction == COLLECT else "withdrawal"


def callback_payload(record: SandboxRailRecord, status: str, failure_reason: str = "") -> bytes:
    payload = {
        "event_id": f"evt_{record.trace_id}_{status}",
        "operation": operation_kind(record),
        "reference": record.reference,
        "trace_id": record.trace_id,
        "status": status,
        "failure_reason": failure_reason,
        "amount": Money(record.amount, record.currency).to_decimal_string(),
        "currency": record.currency,
        "occurred_at": timezone.now().isoformat(),
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def planned_callbacks(record: SandboxRailRecord) -> list[bytes]:
    """The callbacks the rail sends for a settled record, in the order it sends them."""
    final = callback_payload(record, record.status, record.failure_reason)
    mode = record.mode
    if mode == SandboxMode.CALLBACK_LOST:
        return []
    if mode == SandboxMode.CALLBACK_DUPLICATED:
        return [final] * DUPLICATE_DELIVERIES
    if mode == SandboxMode.OUT_OF_ORDER:
        return [final, callback_payload(record, "pending")]
    return [final]


def deliver_callbacks(record_id: int) -> int:
    """Settle the record and send its callbacks; returns how many were sent."""
    record = settle(record_id)
    bodies = planned_callbacks(record)
    for body in bodies:
        send_callback(record.method, body)
    SandboxRailRecord.objects.filter(pk=record.pk).update(callbacks_sent=len(bodies))
    return len(bodies)


def send_callback(method: str, body: bytes) -> None:
    """POST a signed callback to our endpoint, or hand it to the same handler in process.

    With ``WALLETDESK["SANDBOX_CALLBACK_BASE_URL"]`` set (e.g. http://127.0.0.1:8000) the
    callback goes over HTTP like a real rail's; otherwise it is verified and applied by the very
    function the callback view calls, with the same signature check.
    """
    header = signature_header(body)
    base_url = str(settings.WALLETDESK.get("SANDBOX_CALLBACK_BASE_URL", "") or "")
    if base_url:
        request = urllib.request.Request(  # noqa: S310 - the operator configures this URL
            f"{base_url.rstrip('/')}/api/v1/rails/{method}/callback",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: header},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                response.read()
        except OSError as exc:
            logger.warning("sandbox rail: callback delivery failed: %s", type(exc).__name__)
        return
    from walletdesk.payments.reconciliation import handle_callback

    try:
        handle_callback(method, body, header)
    except WalletDeskError as exc:
        logger.warning("sandbox rail: callback refused: %s", exc.code)
