"""Poll an IMAP mailbox and file its unseen mail into tickets (the alternative to the listener)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from walletdesk.tickets import email_out
from walletdesk.tickets.mail_intake import poll_imap


class Command(BaseCommand):
    help = "Fetch unseen mail from the support mailbox over IMAP and file it into tickets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Poll once and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        config = email_out.mail_settings()
        if not config.imap_host or not config.imap_user:
            raise CommandError(
                "Set WALLETDESK_MAIL_IMAP_HOST, WALLETDESK_MAIL_IMAP_USER and "
                "WALLETDESK_MAIL_IMAP_PASSWORD first (docs/deployment.md)."
            )
        while True:
            result = poll_imap(
                host=config.imap_host,
                port=config.imap_port,
                user=config.imap_user,
                password=config.imap_password,
                folder=config.imap_folder,
                use_ssl=config.imap_ssl,
                progress=self.stdout.write,
            )
            self.stdout.write(
                f"mail_imap_poll: {result.fetched} fetched, {result.stored} stored, "
                f"{result.failed} failed, {result.too_large} too large"
            )
            if options["once"]:
                return
            time.sleep(config.imap_interval_seconds)
