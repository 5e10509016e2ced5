"""Run the SMTP listener that turns mail to the support addresses into tickets (Procfile `mail`)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from walletdesk.tickets import email_out
from walletdesk.tickets.mail_intake import smtp_controller


class Command(BaseCommand):
    help = (
        "Listen for mail to the support addresses (WALLETDESK_MAIL_INBOUND_ADDRESSES) and file "
        "it into tickets. Put it behind your MTA on a private address; it has no TLS or AUTH."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        config = email_out.mail_settings()
        parser.add_argument("--host", default=config.smtp_listen_host)
        parser.add_argument("--port", type=int, default=config.smtp_listen_port)

    def handle(self, *args: Any, **options: Any) -> None:
        controller = smtp_controller(options["host"], options["port"])
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        controller.start()
        self.stdout.write(
            f"mail_smtp_listener: accepting mail on {options['host']}:{options['port']} for "
            f"{', '.join(email_out.mail_settings().inbound_addresses)}"
        )
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
            self.stdout.write("mail_smtp_listener: stopped")
