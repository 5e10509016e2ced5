"""Reply phrases shared by several flows, and the customer-facing explanation of each payments
failure reason code. All text goes through pgettext("assistant", …) so the Chinese catalogue
phrases it for wallet users; the English msgid is the English reply."""

from __future__ import annotations

from django.utils.translation import pgettext

_EXPLAINED = frozenset(
    {
        "insufficient_balance",
        "limit_exceeded",
        "account_frozen",
        "wrong_payment_password",
        "payment_password_locked",
        "risk_rejected",
        "rail_timeout",
        "card_declined",
        "insufficient_funds_at_bank",
        "currency_not_supported",
        "expired",
    }
)


def explains_reason(reason: str) -> bool:
    """Whether `reason_explanation` has its own words for this code."""
    return reason in _EXPLAINED


def reason_explanation(reason: str) -> tuple[str, str]:
    """(what happened, what to do next) for a payments FailureReason code."""
    table = {
        "insufficient_balance": (
            pgettext("assistant", "your wallet balance was not enough for it"),
            pgettext("assistant", "Top up first, or pay a smaller amount."),
        ),
        "limit_exceeded": (
            pgettext("assistant", "it was over your limit"),
            pgettext(
                "assistant",
                "Completing identity verification raises your limits; otherwise try again "
                "tomorrow when the daily limit resets.",
            ),
        ),
        "account_frozen": (
            pgettext("assistant", "your account is frozen, so money cannot leave it"),
            pgettext(
                "assistant", "See why it is frozen and how to unfreeze it on the security page."
            ),
        ),
        "wrong_payment_password": (
            pgettext("assistant", "the payment password entered was wrong"),
            pgettext(
                "assistant",
                "Try again carefully, or reset the payment password on the security page. "
                "Never tell anyone your payment password, including us.",
            ),
        ),
        "payment_password_locked": (
            pgettext("assistant", "the payment password was entered wrongly too many times"),
            pgettext(
                "assistant",
                "Payments unlock automatically after the lock ends, or reset the payment "
                "password now on the security page.",
            ),
        ),
        "risk_rejected": (
            pgettext("assistant", "our risk checks stopped it to protect your account"),
            pgettext(
                "assistant",
                "If it was really you, a colleague can review it: I can pass it on to a person.",
            ),
        ),
        "rail_timeout": (
            pgettext("assistant", "the bank did not answer in time"),
            pgettext(
                "assistant",
                "Nothing was taken from your wallet. Please try again in a few minutes.",
            ),
        ),
        "card_declined": (
            pgettext("assistant", "your bank declined the card"),
            pgettext(
                "assistant",
                "Nothing was charged. Check the card's status with your bank, or use another "
                "card or method.",
            ),
        ),
        "insufficient_funds_at_bank": (
            pgettext("assistant", "there was not enough money in the bank account"),
            pgettext(
                "assistant",
                "Nothing was charged. Add money to the bank account or use another card, then "
                "try again.",
            ),
        ),
        "currency_not_supported": (
            pgettext("assistant", "that currency is not supported for it"),
            pgettext("assistant", "Choose a supported currency and try again."),
        ),
        "expired": (
            pgettext("assistant", "it was not completed in time"),
            pgettext(
                "assistant",
                "Nothing was added or taken. If money left your bank account, I can open a "
                "case for you.",
            ),
        ),
    }
    return table.get(
        reason,
        (
            pgettext("assistant", "the payment channel reported an error"),
            pgettext("assistant", "Please try again later, or I can pass it on to a person."),
        ),
    )


def payout_explanation(reason: str) -> tuple[str, str]:
    """(what happened, what to do next) for a failed withdrawal: the money is already back."""
    if reason in ("account_frozen", "limit_exceeded", "payment_password_locked", "risk_rejected"):
        return reason_explanation(reason)
    what = {
        "insufficient_funds_at_bank": pgettext(
            "assistant", "the receiving bank refused the payout"
        ),
        "card_declined": pgettext("assistant", "the receiving bank refused the card"),
        "rail_timeout": pgettext("assistant", "the bank did not answer in time"),
        "expired": pgettext("assistant", "the bank did not complete it in time"),
    }.get(reason, pgettext("assistant", "the bank reported an error"))
    return what, pgettext(
        "assistant",
        "You can withdraw again now; if it fails again, try another card or ask your bank "
        "whether the card can receive transfers.",
    )


def kind_name(kind: str) -> str:
    return {
        "top_up": pgettext("assistant", "top-up"),
        "withdrawal": pgettext("assistant", "withdrawal"),
        "payment": pgettext("assistant", "payment"),
        "transfer": pgettext("assistant", "transfer"),
        "transfer_out": pgettext("assistant", "transfer"),
        "refund": pgettext("assistant", "refund"),
    }.get(kind, kind)


def method_name(method: str) -> str:
    return {
        "bank_card": pgettext("assistant", "bank card"),
        "bank_transfer": pgettext("assistant", "bank transfer"),
        "third_party_wallet": pgettext("assistant", "third-party wallet"),
    }.get(method, method)


def status_name(status: str) -> str:
    return {
        "created": pgettext("assistant", "submitted"),
        "pending": pgettext("assistant", "processing"),
        "succeeded": pgettext("assistant", "succeeded"),
        "failed": pgettext("assistant", "failed"),
        "expired": pgettext("assistant", "expired"),
    }.get(status, status)
