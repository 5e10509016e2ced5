"""Wallet life cycle: open, freeze, unfreeze, close."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from walletdesk.core.money import currency_name
from walletdesk.core.statemachine import check_transition
from walletdesk.ledger import facade as ledger
from walletdesk.ledger.facade import AccountKind, LedgerAccountRef
from walletdesk.payments.enums import (
    WALLET_TRANSITIONS,
    FrozenBy,
    RailOperationStatus,
    WalletStatus,
)
from walletdesk.payments.errors import ClosureBlockedError, WalletClosedError, WalletNotFoundError
from walletdesk.payments.models import TopUp, Wallet, WalletStatusChange, Withdrawal

DEFAULT_CURRENCY = "CNY"
OPEN_STATUSES = (RailOperationStatus.CREATED, RailOperationStatus.PENDING)


@dataclass(frozen=True, slots=True)
class ClosureBlocker:
    code: str
    message: str


def open_wallet(user_id: int, currencies: tuple[str, ...] = (DEFAULT_CURRENCY,)) -> Wallet:
    """Idempotent: returns the existing wallet, adding missing currency accounts."""
    wallet, _created = Wallet.objects.get_or_create(user_id=user_id)
    for currency in currencies:
        ledger.get_or_create_account(
            kind=AccountKind.CUSTOMER_WALLET, currency=currency, owner_id=user_id
        )
    return wallet


def wallet_account(user_id: int, currency: str) -> LedgerAccountRef:
    return ledger.get_or_create_account(
        kind=AccountKind.CUSTOMER_WALLET, currency=currency, owner_id=user_id
    )


def lock_wallet(user_id: int) -> Wallet:
    try:
        return Wallet.objects.select_for_update().get(user_id=user_id)
    except Wallet.DoesNotExist as exc:
        raise WalletNotFoundError() from exc


def _change_status(wallet: Wallet, new: WalletStatus, changed_by: str, reason: str) -> None:
    check_transition(WALLET_TRANSITIONS, wallet.status, new)
    WalletStatusChange.objects.create(
        wallet=wallet,
        old_status=wallet.status,
        new_status=new,
        changed_by=changed_by,
        reason=reason[:200],
    )
    wallet.status = new
    wallet.status_changed_at = timezone.now()
    if new == WalletStatus.FROZEN:
        wallet.frozen_by, wallet.frozen_reason = changed_by, reason[:200]
    elif new == WalletStatus.ACTIVE:
        wallet.frozen_by, wallet.frozen_reason, wallet.frozen_until = "", "", None
    wallet.save(
        update_fields=["status", "status_changed_at", "frozen_by", "frozen_reason", "frozen_until"]
    )


def freeze_wallet(
    user_id: int, *, reason: str, frozen_by: str, until: datetime | None = None
) -> None:
    """Block every debit now; credits still land. On an already frozen wallet only a new
    `until` (when the freeze is planned to end, e.g. risk control's review) is recorded."""
    FrozenBy(frozen_by)
    with transaction.atomic():
        wallet = lock_wallet(user_id)
        if wallet.status == WalletStatus.CLOSED:
            raise WalletClosedError()
        if wallet.status != WalletStatus.FROZEN:
            ledger.set_debits_blocked(user_id, blocked=True)
            _change_status(wallet, WalletStatus.FROZEN, frozen_by, reason)
        if until is not None and wallet.frozen_until != until:
            wallet.frozen_until = until
            wallet.save(update_fields=["frozen_until"])


def unfreeze_wallet(user_id: int, *, frozen_by: str, reason: str = "") -> None:
    FrozenBy(frozen_by)
    with transaction.atomic():
        wallet = lock_wallet(user_id)
        if wallet.status != WalletStatus.FROZEN:
            return
        ledger.set_debits_blocked(user_id, blocked=False)
        _change_status(wallet, WalletStatus.ACTIVE, frozen_by, reason)


def closure_blockers(user_id: int) -> list[ClosureBlocker]:
    """Everything that stops the wallet from being closed, each with a reason the customer reads."""
    blockers: list[ClosureBlocker] = []
    wallet = Wallet.objects.filter(user_id=user_id).first()
    if wallet is not None and wallet.status == WalletStatus.FROZEN:
        blockers.append(
            ClosureBlocker(
                "wallet_frozen", _("Your wallet is frozen. Unfreeze it before closing the account.")
            )
        )
    for account in ledger.wallet_balances(user_id):
        if account.posted.minor != 0:
            blockers.append(
                ClosureBlocker(
                    "balance_not_zero",
                    _("Your %(currency)s balance is not zero. Withdraw or spend it first.")
                    % {"currency": currency_name(account.currency)},
                )
            )
    if ledger.has_active_holds(user_id):
        blockers.append(
            ClosureBlocker(
                "holds_pending", _("Some money is still reserved for an operation in progress.")
            )
        )
    if TopUp.objects.filter(user_id=user_id, status__in=OPEN_STATUSES).exists():
        blockers.append(
            ClosureBlocker(
                "top_up_pending", _("A top-up is still being processed. Wait until it completes.")
            )
        )
    if Withdrawal.objects.filter(user_id=user_id, status__in=OPEN_STATUSES).exists():
        blockers.append(
            ClosureBlocker(
                "withdrawal_pending",
                _("A withdrawal is still being processed. Wait until it arrives."),
            )
        )
    return blockers


def close_wallet(user_id: int, *, reason: str = "") -> None:
    with transaction.atomic():
        wallet = lock_wallet(user_id)
        if wallet.status == WalletStatus.CLOSED:
            return
        ledger.lock_wallet_accounts(user_id)
        blockers = closure_blockers(user_id)
        if blockers:
            raise ClosureBlockedError(blockers=[b.code for b in blockers])
        ledger.set_debits_blocked(user_id, blocked=True)
        _change_status(
            wallet, WalletStatus.CLOSED, FrozenBy.CUSTOMER, reason or "closed by customer"
        )
