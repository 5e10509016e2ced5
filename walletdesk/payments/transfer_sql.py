"""The P2P transfer on PostgreSQL: one call to the `payments_transfer` function.

The function (walletdesk/payments/sql/transfer.sql) does in one round trip what
`operations.transfer` does in Python on SQLite; it posts through the ledger's `ledger_post_entry`
and queues the notices through `notifications_transaction_notice`, each app's own SQL. This
module prepares its arguments from the same caches and formatters the Python path uses (fee
schedule, limit rules, ledger account ids, money and time texts), turns its refusals — returned,
or raised when found after a write — into the same typed errors, and schedules the same
after-commit work. The parity test (tests/test_transfer_parity.py) runs every scenario through
both paths on PostgreSQL.

A transfer costs about a dozen statements; as separate ORM round trips they cost ten times the
database's own work in Python (docs/ledger.md, "Throughput").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from django.db import DatabaseError, IntegrityError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from walletdesk.core.db import call_database_function
from walletdesk.core.errors import WalletDeskError
from walletdesk.core.money import Money
from walletdesk.identity.facade import normalise_login_name
from walletdesk.ledger.facade import (
    AccountFrozenError,
    AccountKind,
    IdempotentOutcome,
    InsufficientBalanceError,
    check_idempotency_key,
    replay_stored,
    replay_stored_outcome,
    request_fingerprint,
)
from walletdesk.notifications.facade import announce_outbox_rows
from walletdesk.payments import accounts, announce
from walletdesk.payments.errors import (
    RecipientCannotReceiveError,
    RecipientNotFoundError,
    SelfTransferError,
)
from walletdesk.payments.fees import compute_fee
from walletdesk.payments.limits import limit_exceeded, local_today, rule_for
from walletdesk.payments.responses import iso_time

_CALL = "SELECT payments_transfer(" + ", ".join(["%s"] * 20) + ")"

# Raised by the function for a refusal found after its first write (the message is the code).
_REFUSED_AFTER_WRITE = "WD001"
# Where the recipient's login name sits in the call's parameters.
_RECIPIENT = 5

_REFUSALS: dict[str, type[WalletDeskError]] = {
    "recipient_not_found": RecipientNotFoundError,
    "self_transfer": SelfTransferError,
    "recipient_cannot_receive": RecipientCannotReceiveError,
    "account_frozen": AccountFrozenError,
    "insufficient_balance": InsufficientBalanceError,
}


def _call_atomically(params: list[Any]) -> dict[str, Any]:
    # Django's cursors bind parameters on the client (quoting 17 values into the SQL text each
    # time); this call is a statement prepared once per connection (core.db). A lost
    # idempotency race inside a caller's transaction leaves it usable (a savepoint).
    result: dict[str, Any] = call_database_function(_CALL, params)[0]  # json, loaded by psycopg
    return result


# The record title's template per language: gettext's own look-up costs more than the rest of
# the arguments' preparation together, and a catalogue does not change while the process runs.
_title_templates: dict[str, str] = {}


def _title_template() -> str:
    language = get_language() or ""
    template = _title_templates.get(language)
    if template is None:
        template = _title_templates[language] = _("Transfer to %(name)s")
    return template


def transfer(
    *,
    user_id: int,
    kyc_level: int,
    recipient: str,
    money: Money,
    memo: str,
    request: dict[str, Any],
    idempotency_key: str | None,
    at: datetime | None = None,
) -> IdempotentOutcome:
    """`at`: when the transfer happens (default now); the idempotency record keeps the real
    clock (payments migration 0010)."""
    key = check_idempotency_key(idempotency_key)
    fingerprint = request_fingerprint(request)
    scope = f"user:{user_id}:transfer"
    currency = money.currency
    fee = compute_fee("transfer", currency, money.minor)
    rule = rule_for("transfer", kyc_level, currency)
    now = timezone.now()
    moment = at or now  # one instant for the usage counter's day and every row's time
    params = [
        scope,
        key,
        fingerprint,
        user_id,
        accounts.wallet_account_id(user_id, currency),
        # No customer has an empty login name: an unusable identifier is "not found", after
        # the idempotency check, as on the Python path.
        normalise_login_name(recipient or "") or "",
        currency,
        money.minor,
        fee,
        accounts.system_account_id(AccountKind.FEE_REVENUE, currency) if fee else None,
        rule.per_transaction if rule else None,
        rule.per_day if rule else None,
        local_today(moment),
        memo,
        money.to_decimal_string(),
        Money(fee, currency).to_decimal_string(),
        iso_time(moment),
        _title_template(),
        moment,
        now,
    ]
    try:
        result = _call_atomically(params)
        if result.get("error") == "recipient_not_found":
            from walletdesk.identity.facade import login_name_for_contact

            # The function finds recipients by login name; a phone or email bound after sign-up
            # reaches the same customer. Looked up only on a miss, so the common path stays one
            # call; the miss wrote nothing, so calling again is safe.
            login_name = login_name_for_contact(str(params[_RECIPIENT]))
            if login_name and login_name != params[_RECIPIENT]:
                params[_RECIPIENT] = login_name
                result = _call_atomically(params)
        if result.get("error") == "recipient_account_missing":
            # The recipient has no wallet account in this currency yet: open it, then retry.
            accounts.wallet_account_id(int(result["recipient_id"]), currency)
            result = _call_atomically(params)
    except IntegrityError:
        # A concurrent request with the same key committed first; this call wrote nothing.
        winner = replay_stored_outcome(scope=scope, key=key, fingerprint=fingerprint)
        if winner is None:
            raise
        return winner
    except DatabaseError as exc:
        # A refusal after the function's first write: the error undid the whole call.
        cause = exc.__cause__
        if not isinstance(cause, psycopg.Error) or cause.sqlstate != _REFUSED_AFTER_WRITE:
            raise
        raise _REFUSALS[str(cause.diag.message_primary)]() from None

    if result.get("replay"):
        return replay_stored(
            result["request_hash"], result["status"], result["response"], fingerprint
        )
    error = result.get("error")
    if error == "limit_exceeded":
        assert rule is not None  # the function checks limits only when it was given a rule
        raise limit_exceeded(result["period"], rule, currency, kyc_level)
    if error is not None:
        raise _REFUSALS[error]()
    sender_notice, recipient_notice = result["sender_notice"], result["recipient_notice"]
    announce_outbox_rows(
        user_id, "debit", list(sender_notice["inbox"]), list(sender_notice["outbound"])
    )
    # The function wrote the recipient's notice too; tell their open pages.
    recipient_id = int(result["recipient_id"])
    announce.record_changed(recipient_id, "transfer_in", result["response"]["id"], "succeeded")
    announce_outbox_rows(
        recipient_id,
        "money_received",
        list(recipient_notice["inbox"]),
        list(recipient_notice["outbound"]),
    )
    return IdempotentOutcome(status=int(result["status"]), body=result["response"], replayed=False)
