from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from walletdesk.ledger.facade import IdempotentOutcome


def idempotency_key(request: Request) -> str | None:
    return request.headers.get("Idempotency-Key")


def outcome_response(outcome: IdempotentOutcome) -> Response:
    response = Response(outcome.body, status=outcome.status)
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return response
