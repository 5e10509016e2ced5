"""Wallet life cycle: open, freeze, unfreeze, close."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from walletdesk.core.money import currency_name
from walletdesk.core.statemachine import check_transition
from walletdesk.ledger import actions as ledger
from walletdesk.ledger.enums import AccountKind, HoldStatus
from walletdesk.ledger.models import Hold, LedgerAccount
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


def wallet_account(user_id: int, currency: str) -> LedgerAccount:
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
        wallet.frozen_by, wallet.frozen_reason = "", ""
    wallet.save(update_fields=["status", "status_changed_at", "frozen_by", "frozen_reason"])


def freeze_wallet(user_id: int, *, reason: str, frozen_by: str) -> None:
    """Block every debit now; credits still land. A no-op on an already frozen wallet."""
    FrozenBy(frozen_by)
    with transaction.atomic():
        wallet = lock_wallet(user_id)
        if wallet.status == WalletStatus.CLOSED:
            raise WalletClosedError()
        if wallet.status == WalletStatus.FROZEN:
            return
        ledger.set_debits_blocked(user_id, blocked=True)
        _change_status(wallet, WalletStatus.FROZEN, frozen_by, reason)


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
    accounts = LedgerAccount.objects.filter(owner_id=user_id, kind=AccountKind.CUSTOMER_WALLET)
    for account in accounts.order_by("currency"):
        if account.posted != 0:
            blockers.append(
                ClosureBlocker(
                    "balance_not_zero",
                    _("Your %(currency)s balance is not zero. Withdraw or spend it first.")
                    % {"currency": currency_name(account.currency)},
                )
            )
    if Hold.objects.filter(account__in=accounts, status=HoldStatus.ACTIVE).exists():
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
        ids = list(
            LedgerAccount.objects.select_for_update()
            .filter(owner_id=user_id, kind=AccountKind.CUSTOMER_WALLET)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        blockers = closure_blockers(user_id)
        if blockers:
            raise ClosureBlockedError(blockers=[b.code for b in blockers])
        LedgerAccount.objects.filter(pk__in=ids).update(debits_blocked=True)
        _change_status(
            wallet, WalletStatus.CLOSED, FrozenBy.CUSTOMER, reason or "closed by customer"
        )
