"""The fee schedule: one rule per operation (and optionally rail method) and currency.

Rules are read once and kept in process for a short time: every money operation needs them, and
they change rarely (an admin edit takes effect within FEE_CACHE_SECONDS).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from walletdesk.payments.models import FeeRule

FEE_CACHE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    rate_bp: int
    fixed: int
    minimum: int
    maximum: int | None

    def fee_for(self, amount: int) -> int:
        """Round half up to the currency's minor unit: no fraction of a fen is lost or made."""
        fee = (amount * self.rate_bp + 5_000) // 10_000 + self.fixed
        fee = max(fee, self.minimum)
        if self.maximum is not None:
            fee = min(fee, self.maximum)
        return max(fee, 0)


_cache: dict[tuple[str, str, str], FeeSchedule] = {}
_loaded_at = 0.0


def _rules() -> dict[tuple[str, str, str], FeeSchedule]:
    global _loaded_at
    if time.monotonic() - _loaded_at > FEE_CACHE_SECONDS:
        _cache.clear()
        for rule in FeeRule.objects.filter(is_active=True):
            _cache[(rule.operation, rule.method, rule.currency)] = FeeSchedule(
                rule.rate_bp, rule.fixed, rule.minimum, rule.maximum
            )
        _loaded_at = time.monotonic()
    return _cache


def invalidate_fee_cache() -> None:
    global _loaded_at
    _loaded_at = 0.0


def compute_fee(operation: str, currency: str, amount: int, method: str = "") -> int:
    rules = _rules()
    schedule = rules.get((operation, method, currency)) or rules.get((operation, "", currency))
    return schedule.fee_for(amount) if schedule else 0
