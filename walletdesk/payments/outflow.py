"""The hold on every outflow after a security change (identity's `outflow_hold`).

For 24 hours after a password, phone or email change or a sign-in from a new device, no money
leaves the wallet — withdrawals, transfers, merchant payments — except to a payee the customer
had already paid successfully before the hold started: a transfer recipient or a merchant. Someone
who took the account over cannot drain it to a new payee while the owner is being alerted.

Every outflow checks here: transfers before the PostgreSQL function call or inside the Python
command, payments and withdrawals inside their transaction. The check reads the account row
without locking it; a security change committing in the same instant as a payment orders it
after that payment, which is what the customer sees too (the payment was asked first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from django.utils import timezone
from django.utils.formats import date_format

from walletdesk.payments.errors import OutflowHoldError, WithdrawalsOnHoldError
from walletdesk.payments.models import Payment, Transfer, Wallet

if TYPE_CHECKING:
    from walletdesk.identity.facade import OutflowHold


class _Unknown:
    """The caller has not read the account's hold: the check reads it."""


UNKNOWN: Final = _Unknown()


def _hold(user_id: int, known: OutflowHold | _Unknown | None) -> OutflowHold | None:
    if not isinstance(known, _Unknown):
        return known
    from walletdesk.identity.facade import outflow_hold

    return outflow_hold(user_id)


def _until(hold: OutflowHold) -> str:
    """As the app shows times: the site's time zone, the active language's format."""
    return date_format(timezone.localtime(hold.until), "DATETIME_FORMAT")


def check_withdrawal(user_id: int, known: OutflowHold | _Unknown | None = UNKNOWN) -> None:
    hold = _hold(user_id, known)
    if hold is None:
        return
    if hold.contact_change:
        raise WithdrawalsOnHoldError(until=_until(hold))
    raise OutflowHoldError(until=_until(hold))


def check_transfer(
    user_id: int, recipient_login_name: str, known: OutflowHold | _Unknown | None = UNKNOWN
) -> None:
    """Refuse a transfer during the hold unless this sender had already sent money to this
    recipient before it. An unknown recipient is refused the same way, so the hold tells nothing
    about which identifiers have wallets. `known`: the hold as the caller already read it with
    the account row (a request's signed-in user), saving the query."""
    hold = _hold(user_id, known)
    if hold is None:
        return
    recipient_id = (
        Wallet.objects.filter(user__login_name=recipient_login_name)
        .values_list("user_id", flat=True)
        .first()
        if recipient_login_name
        else None
    )
    if (
        recipient_id is not None
        and recipient_id != user_id
        and Transfer.objects.filter(
            sender_id=user_id, recipient_id=recipient_id, created_at__lt=hold.since
        ).exists()
    ):
        return
    raise OutflowHoldError(until=_until(hold))


def check_payment(
    user_id: int, merchant_id: int, known: OutflowHold | _Unknown | None = UNKNOWN
) -> None:
    hold = _hold(user_id, known)
    if hold is None:
        return
    if Payment.objects.filter(
        user_id=user_id, merchant_id=merchant_id, created_at__lt=hold.since
    ).exists():
        return
    raise OutflowHoldError(until=_until(hold))
