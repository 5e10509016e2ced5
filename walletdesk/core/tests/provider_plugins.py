"""Stand-ins for an operator's own integrations, loaded by dotted path like a real one would be.

They implement the provider interfaces (rails.base.RailProvider, providers.SmsProvider) and, as
real integrations do, do not declare ``sandbox = True``. Nothing here is called by the tests
that use them: they prove the settings can point at an outside class and that production accepts
it.
"""

from __future__ import annotations

from walletdesk.notifications.providers import SendResult
from walletdesk.payments.rails.base import (
    CardVerification,
    RailOutcome,
    RailStatus,
    RailSubmission,
)


class AcquirerRail:
    def __init__(self, method: str) -> None:
        self.method = method

    def start_top_up(
        self, *, reference: str, amount: int, currency: str, card_token: str | None
    ) -> RailSubmission:
        return RailSubmission(trace_id=f"ACQ-{reference}", outcome=RailOutcome.PENDING)

    def start_payout(
        self, *, reference: str, amount: int, currency: str, card_token: str | None
    ) -> RailSubmission:
        return RailSubmission(trace_id=f"ACQ-{reference}", outcome=RailOutcome.PENDING)

    def query(self, *, reference: str) -> RailStatus:
        return RailStatus(trace_id=f"ACQ-{reference}", outcome=RailOutcome.PENDING)

    def verify_card(
        self, *, number: str, expiry_month: int, expiry_year: int, cvv: str
    ) -> CardVerification:
        return CardVerification(token="tok_acq", brand="unionpay", bank_name="Acquirer")


class SmsGateway:
    name = "gateway"

    def send(self, to: str, text: str) -> SendResult:
        return SendResult(ok=True, provider_ref="gw-1")


class NotARailProvider:
    def __init__(self, method: str) -> None:
        self.method = method
