"""Idempotent commands (security guide MON-4, Stripe semantics).

The same key with the same request replays the stored outcome and moves no money; the same key
with a different request is refused (422). Only completed commands are stored: a refused command
rolled back everything, so running it again is safe and re-evaluates it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from walletdesk.ledger.errors import (
    IdempotencyKeyInvalidError,
    IdempotencyKeyMissingError,
    IdempotencyKeyReusedError,
)
from walletdesk.ledger.models import IdempotencyRecord

_KEY = re.compile(r"\A[\x21-\x7e]{1,255}\Z")


@dataclass(frozen=True, slots=True)
class IdempotentOutcome:
    status: int
    body: dict[str, Any]
    replayed: bool


def check_idempotency_key(key: str | None) -> str:
    if key is None or key == "":
        raise IdempotencyKeyMissingError()
    if not _KEY.match(key):
        raise IdempotencyKeyInvalidError()
    return key


def request_fingerprint(request: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        request, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def replay_stored(
    stored_hash: str, status: int, response: str, fingerprint: str
) -> IdempotentOutcome:
    """The stored outcome again, if the request is the one it answered; else 422."""
    if stored_hash != fingerprint:
        raise IdempotencyKeyReusedError()
    return IdempotentOutcome(status=status, body=json.loads(response), replayed=True)


def _replay(record: IdempotencyRecord, fingerprint: str) -> IdempotentOutcome:
    return replay_stored(record.request_hash, record.response_status, record.response, fingerprint)


def run_idempotent(
    *,
    scope: str,
    key: str | None,
    request: Mapping[str, Any],
    command: Callable[[], tuple[int, dict[str, Any]]],
    precheck: Callable[[], None] | None = None,
) -> IdempotentOutcome:
    """Run `command` once per (scope, key), inside one transaction with its stored outcome.

    `precheck` runs after the replay check and before the transaction: for checks whose own
    writes must survive a refusal (a wrong payment password is counted even though the payment
    is refused). Secrets checked there must not be part of `request`.
    """
    key = check_idempotency_key(key)
    fingerprint = request_fingerprint(request)
    existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if existing is not None:
        return _replay(existing, fingerprint)
    if precheck is not None:
        precheck()
    try:
        with transaction.atomic():
            status, body = command()
            stored = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
            IdempotencyRecord.objects.create(
                scope=scope,
                key=key,
                request_hash=fingerprint,
                response_status=status,
                response=stored,
            )
            # The first answer is read back from the stored text too, so replays match it byte
            # for byte.
            body = json.loads(stored)
    except IntegrityError:
        # A concurrent request with the same key committed first; our whole transaction,
        # including any money it moved, was rolled back. Answer with the winner's outcome.
        winner = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if winner is None:
            raise
        return _replay(winner, fingerprint)
    return IdempotentOutcome(status=status, body=body, replayed=False)
