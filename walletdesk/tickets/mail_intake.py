"""The two ways mail reaches email_in.receive: an SMTP listener (aiosmtpd; the MTA in front of
it relays the support addresses here) and IMAP polling of a mailbox (for a hosted mailbox the
MTA cannot relay from).

Both are at-least-once: the listener answers 250 only after the message is stored (anything
else is a 4xx and the sending MTA tries again), the poller marks a message seen only after it is
stored; intake is idempotent by Message-ID, so a repeat changes nothing.
"""

from __future__ import annotations

import asyncio
import imaplib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from aiosmtpd.controller import Controller
from django.db import close_old_connections, connections

from walletdesk.tickets import email_in, email_out

logger = logging.getLogger("walletdesk.tickets.email")


def recipient_allowed(address: str, allowed: Sequence[str]) -> bool:
    """`support+wd-2612-000123@…` is allowed when `support@…` is."""
    local, _at, domain = address.strip().lower().partition("@")
    base = local.partition("+")[0]
    return f"{base}@{domain}" in {item.strip().lower() for item in allowed}


def _intake(raw: bytes, recipients: list[str]) -> email_in.IntakeResult:
    close_old_connections()
    try:
        return email_in.receive(raw, via="smtp", envelope_recipients=recipients)
    finally:
        # The executor's threads come and go; a connection left in one would outlive it (and
        # hold the database open). One connection per message is nothing at mail volumes.
        connections.close_all()


class IntakeHandler:
    """aiosmtpd handler: refuse recipients outside the allow-list at RCPT time, store at DATA."""

    def __init__(self, allowed: Sequence[str]) -> None:
        self.allowed = list(allowed)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd calls hooks by the SMTP verb
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if not recipient_allowed(address, self.allowed):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(None, partial(_intake, raw, envelope.rcpt_tos))
        except Exception:
            logger.exception("ticket_email.intake_failed")
            return "451 4.3.0 Temporary failure, please try again later"
        logger.info(
            "ticket_email.received",
            extra={"outcome": result.outcome, "ticket": result.ticket_number},
        )
        return "250 2.0.0 Message accepted"


def smtp_controller(host: str, port: int) -> Controller:
    config = email_out.mail_settings()
    return Controller(
        IntakeHandler(config.inbound_addresses),
        hostname=host,
        port=port,
        data_size_limit=config.max_message_bytes,
        enable_SMTPUTF8=True,
        ident="WalletDesk mail intake",
    )


@dataclass(frozen=True, slots=True)
class PollResult:
    fetched: int
    stored: int
    failed: int
    too_large: int = 0


_SIZE_RE = re.compile(rb"RFC822\.SIZE (\d+)")


def _size(client: imaplib.IMAP4, uid: str) -> int:
    _typ, parts = client.uid("FETCH", uid, "(RFC822.SIZE)")
    for item in parts or []:
        line = item[0] if isinstance(item, tuple) else item
        match = _SIZE_RE.search(line) if isinstance(line, bytes) else None
        if match:
            return int(match.group(1))
    return 0


def poll_imap(
    *,
    host: str,
    port: int,
    user: str,
    password: str,
    folder: str = "INBOX",
    use_ssl: bool = True,
    progress: Callable[[str], None] | None = None,
) -> PollResult:
    """Fetch the folder's unseen messages, hand each to intake and mark it seen once stored.
    A message intake fails on stays unseen and is tried again on the next poll."""
    client: imaplib.IMAP4 = imaplib.IMAP4_SSL(host, port) if use_ssl else imaplib.IMAP4(host, port)
    fetched = stored = failed = too_large = 0
    limit = email_out.mail_settings().max_message_bytes
    try:
        client.login(user, password)
        client.select(folder)
        _typ, data = client.uid("SEARCH", "UNSEEN")
        uids = data[0].split() if data and data[0] else []
        for raw_uid in uids:
            uid = raw_uid.decode() if isinstance(raw_uid, bytes) else str(raw_uid)
            fetched += 1
            if _size(client, uid) > limit:
                # The same limit as the listener's; marked seen so it is not fetched again, and
                # left in the mailbox for a person to look at.
                logger.warning("ticket_email.too_large", extra={"uid": uid})
                client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
                too_large += 1
                continue
            _typ, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next(
                (item[1] for item in parts or [] if isinstance(item, tuple) and len(item) > 1),
                None,
            )
            if not isinstance(raw, bytes):
                failed += 1
                continue
            try:
                result = email_in.receive(raw, via="imap")
            except Exception:
                logger.exception("ticket_email.intake_failed", extra={"uid": uid})
                failed += 1
                continue
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            stored += 1
            if progress is not None:
                progress(f"{fetched}/{len(uids)} {result.outcome} {result.ticket_number or ''}")
        client.close()
    finally:
        client.logout()
    return PollResult(fetched, stored, failed, too_large)
