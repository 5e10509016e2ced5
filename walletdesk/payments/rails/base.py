"""The interface every payment rail provider implements.

A rail moves money between the wallet and the outside world (a bank card, a bank transfer, a
third-party wallet). Rails are asynchronous: `start_*` only submits; the outcome arrives later as
a signed callback, or is fetched with `query` (reconciliation).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class RailOutcome(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the rail has no record of it (e.g. the submission never arrived)


@dataclass(frozen=True, slots=True)
class RailSubmission:
    trace_id: str
    outcome: RailOutcome
    failure_reason: str = ""


@dataclass(frozen=True, slots=True)
class RailStatus:
    trace_id: str
    outcome: RailOutcome
    failure_reason: str = ""


@dataclass(frozen=True, slots=True)
class CardVerification:
    token: str
    brand: str
    bank_name: str


class RailProvider(Protocol):
    """What an acquirer or bank integration implements to serve one rail method.

    The class is chosen per method by WALLETDESK_RAIL_PROVIDER_<METHOD> (a dotted path; see
    rails/registry.py) and constructed with the method name. It reports outcomes by POSTing
    callbacks signed as in rails/signing.py to /api/v1/rails/<method>/callback, and answers
    `query` for reconciliation. A provider that moves no real money sets ``sandbox = True``.
    """

    method: str

    def start_top_up(
        self, *, reference: str, amount: int, currency: str, card_token: str | None
    ) -> RailSubmission:
        """Ask the rail to collect money for a top-up identified by `reference` (our public id)."""
        ...

    def start_payout(
        self, *, reference: str, amount: int, currency: str, card_token: str | None
    ) -> RailSubmission:
        """Ask the rail to pay out a withdrawal identified by `reference`."""
        ...

    def query(self, *, reference: str, on_demand: bool = False) -> RailStatus:
        """The rail's current view of an operation we submitted (for reconciliation).

        `on_demand` is true when a person asked just now (the customer's "check now", an agent's
        trace) rather than the periodic sweep; a rail that offers an expedited enquiry may use it,
        others ignore it."""
        ...

    def verify_card(
        self, *, number: str, expiry_month: int, expiry_year: int, cvv: str
    ) -> CardVerification:
        """Verify a card with the issuer and return a token. The CVV is used here and forgotten."""
        ...
