"""Bank cards: bind (Luhn-checked number, expiry, CVV verified by the rail) and unbind.

Only the rail's token, the brand, the issuer's name, the last four digits and the expiry are
kept. The full number and the CVV pass through memory to the rail's `verify_card` and are never
stored or logged: the functions that see them are marked with `sensitive_variables`, the views
with `sensitive_post_parameters`, and no error carries them.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from walletdesk.core.errors import WalletDeskError
from walletdesk.core.statemachine import change_status
from walletdesk.payments.enums import CARD_TRANSITIONS, CardStatus, RailMethod, RailOperationStatus
from walletdesk.payments.errors import (
    CardAlreadyBoundError,
    CardCvvInvalidError,
    CardExpiredError,
    CardInvalidError,
    CardNotFoundError,
)
from walletdesk.payments.models import BankCard, Withdrawal
from walletdesk.payments.rails.registry import get_provider

MAX_ACTIVE_CARDS = 10
_DIGITS = re.compile(r"\A[0-9]{12,19}\Z", re.ASCII)
_EXPIRY = re.compile(r"\A(0[1-9]|1[0-2])\s?/\s?([0-9]{2})\Z", re.ASCII)
_CVV = re.compile(r"\A[0-9]{3,4}\Z", re.ASCII)

BRAND_LABELS = {
    "unionpay": gettext_lazy("UnionPay"),
    "visa": "Visa",
    "mastercard": "Mastercard",
    "amex": "American Express",
    "jcb": "JCB",
    "other": gettext_lazy("Bank card"),
}


class CardInUseError(WalletDeskError):
    code = "card_in_use"
    http_status = 409
    message = gettext_lazy(
        "A withdrawal to this card is still being processed. You can remove the card once it "
        "has arrived."
    )


class CardExpiryInvalidError(WalletDeskError):
    code = "card_expiry_invalid"
    http_status = 400
    message = gettext_lazy("Enter the expiry date as MM/YY, for example 08/29.")


class TooManyCardsError(WalletDeskError):
    code = "card_limit_reached"
    http_status = 409
    message = gettext_lazy("You can bind at most %(limit)s cards. Remove one first.")


@sensitive_variables("raw", "number")
def normalise_card_number(raw: object) -> str:
    """12–19 ASCII digits (spaces allowed between groups) passing the Luhn check."""
    if not isinstance(raw, str) or len(raw) > 40:
        raise CardInvalidError()
    number = raw.replace(" ", "")
    if not _DIGITS.match(number) or not luhn_valid(number):
        raise CardInvalidError()
    return number


@sensitive_variables("number")
def luhn_valid(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = ord(char) - 48
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


@sensitive_variables("number")
def brand_for(number: str) -> str:
    """The card scheme from the BIN prefix."""
    if number.startswith("62"):
        return "unionpay"
    if number.startswith(("34", "37")):
        return "amex"
    if number.startswith("4"):
        return "visa"
    prefix2, prefix4 = int(number[:2]), int(number[:4])
    if 51 <= prefix2 <= 55 or 2221 <= prefix4 <= 2720:
        return "mastercard"
    if 3528 <= prefix4 <= 3589:
        return "jcb"
    return "other"


def parse_expiry(raw: object, *, today: date | None = None) -> tuple[int, int]:
    """MM/YY → (month, four-digit year); a card is valid to the end of its expiry month."""
    if not isinstance(raw, str):
        raise CardExpiryInvalidError()
    match = _EXPIRY.match(raw.strip())
    if match is None:
        raise CardExpiryInvalidError()
    month, year = int(match.group(1)), 2000 + int(match.group(2))
    today = today or timezone.localdate()
    if (year, month) < (today.year, today.month):
        raise CardExpiredError()
    return month, year


@sensitive_variables("raw")
def check_cvv(raw: object) -> str:
    if not isinstance(raw, str) or not _CVV.match(raw):
        raise CardCvvInvalidError()
    return raw


@dataclass(frozen=True, slots=True)
class CardInput:
    number: str
    expiry_month: int
    expiry_year: int
    cvv: str

    def __repr__(self) -> str:  # never print the number or the CVV
        return "CardInput(<hidden>)"


@sensitive_variables("number", "expiry", "cvv", "card")
def validate_card(number: object, expiry: object, cvv: object) -> CardInput:
    month, year = parse_expiry(expiry)
    return CardInput(normalise_card_number(number), month, year, check_cvv(cvv))


@sensitive_variables("number", "expiry", "cvv", "card", "verification")
def bind_card(*, user_id: int, number: object, expiry: object, cvv: object) -> BankCard:
    card = validate_card(number, expiry, cvv)
    verification = get_provider(RailMethod.BANK_CARD).verify_card(
        number=card.number,
        expiry_month=card.expiry_month,
        expiry_year=card.expiry_year,
        cvv=card.cvv,
    )
    fingerprint = verification.token.rsplit("_", 1)[0] + "_"
    last4 = card.number[-4:]
    with transaction.atomic():
        active = BankCard.objects.select_for_update().filter(
            user_id=user_id, status=CardStatus.ACTIVE
        )
        existing = list(active)
        if any(row.rail_token.startswith(fingerprint) for row in existing):
            raise CardAlreadyBoundError()
        if len(existing) >= MAX_ACTIVE_CARDS:
            raise TooManyCardsError(limit=MAX_ACTIVE_CARDS)
        return BankCard.objects.create(
            user_id=user_id,
            rail_token=verification.token,
            brand=verification.brand,
            bank_name=verification.bank_name[:60],
            last4=last4,
            expiry_month=card.expiry_month,
            expiry_year=card.expiry_year,
        )


def customer_cards(user_id: int) -> list[BankCard]:
    return list(
        BankCard.objects.filter(user_id=user_id, status=CardStatus.ACTIVE).order_by("-bound_at")
    )


def get_card(user_id: int, public_id: uuid.UUID | str) -> BankCard:
    card = BankCard.objects.filter(
        public_id=public_id, user_id=user_id, status=CardStatus.ACTIVE
    ).first()
    if card is None:
        raise CardNotFoundError()
    return card


def unbind_card(*, user_id: int, public_id: uuid.UUID | str) -> BankCard:
    """Remove a card; refused while a withdrawal to it is still open."""
    with transaction.atomic():
        card = (
            BankCard.objects.select_for_update()
            .filter(public_id=public_id, user_id=user_id, status=CardStatus.ACTIVE)
            .first()
        )
        if card is None:
            raise CardNotFoundError()
        if Withdrawal.objects.filter(
            card=card,
            status__in=(RailOperationStatus.CREATED, RailOperationStatus.PENDING),
        ).exists():
            raise CardInUseError()
        change_status(
            card,
            CardStatus.UNBOUND,
            transitions=CARD_TRANSITIONS,
            actor=f"customer:{user_id}",
            reason="removed by the customer",
            also={"unbound_at": timezone.now()},
        )
        return card


def card_label(card: BankCard) -> str:
    return f"{card.bank_name or BRAND_LABELS.get(card.brand, card.brand)} •••• {card.last4}"
