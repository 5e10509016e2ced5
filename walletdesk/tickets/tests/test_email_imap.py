"""IMAP polling against a real dovecot on loopback (installed from Debian by .ci/run): mail is
put into the mailbox with IMAP APPEND, `manage.py mail_imap_poll --once` files it."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from walletdesk.tickets.enums import Channel
from walletdesk.tickets.mail_models import InboundEmail, InboundOutcome
from walletdesk.tickets.models import Ticket
from walletdesk.tickets.tests.mail_helpers import free_port, make_mail

DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
)
USER, PASSWORD = "support", "imap-test-password"

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = walletdesk-test-{port}
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
default_internal_user = {user}
default_login_user = {login_user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass(frozen=True, slots=True)
class Dovecot:
    port: int


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited: {log.read_text() if log.exists() else ''}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("dovecot did not start listening within 30 s")


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    """A throwaway dovecot with its configuration, users and mail in a temporary directory."""
    if DOVECOT is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd; .ci/run does)")
    if os.geteuid() != 0:
        pytest.skip(
            "dovecot is started as root (it drops privileges to its own users); run as root"
        )
    # Dovecot drops privileges to its own users, which must be able to read the directory.
    internal = pwd.getpwnam("dovecot")
    uid, gid, user, login_user = internal.pw_uid, internal.pw_gid, "dovecot", "dovenull"
    root = Path(tempfile.mkdtemp(prefix="wd-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    for sub in ("mail", "home"):
        os.chown(root / sub, uid, gid)
    port = free_port()
    (root / "passwd").write_text(f"{USER}:{PASSWORD}\n")
    conf = root / "dovecot.conf"
    conf.write_text(
        CONFIG.format(root=root, port=port, uid=uid, gid=gid, user=user, login_user=login_user)
    )
    process = subprocess.Popen(  # noqa: S603 - our fixed binary and a config we wrote
        [DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        _wait_for(port, process, root / "dovecot.log")
        yield Dovecot(port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot: Dovecot, settings: Any, tmp_path: Path) -> Iterator[imaplib.IMAP4]:
    settings.WALLETDESK_PRIVATE_FILES_DIR = tmp_path
    settings.WALLETDESK_MAIL = {
        **settings.WALLETDESK_MAIL,
        "IMAP_HOST": "127.0.0.1",
        "IMAP_PORT": dovecot.port,
        "IMAP_SSL": False,
        "IMAP_USER": USER,
        "IMAP_PASSWORD": PASSWORD,
        "IMAP_FOLDER": "INBOX",
    }
    client = imaplib.IMAP4("127.0.0.1", dovecot.port)
    client.login(USER, PASSWORD)
    client.select("INBOX")
    # Each test starts with an empty mailbox.
    _typ, data = client.search(None, "ALL")
    for num in data[0].split():
        client.store(num, "+FLAGS", "\\Deleted")
    client.expunge()
    yield client
    client.logout()


def _append(client: imaplib.IMAP4, raw: bytes) -> None:
    typ, _data = client.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)
    assert typ == "OK"


def _poll() -> str:
    out = StringIO()
    call_command("mail_imap_poll", "--once", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_polling_files_unseen_mail_and_marks_it_seen(mailbox: imaplib.IMAP4) -> None:
    first = make_mail(sender="poll@example.com", subject="提现一直处理中")
    _append(mailbox, first.as_bytes())
    _append(
        mailbox, make_mail(subject="Away", headers=[("Auto-Submitted", "auto-replied")]).as_bytes()
    )
    _append(mailbox, first.as_bytes())  # the same message delivered twice

    output = _poll()
    assert output.splitlines()[-1].endswith("3 fetched, 3 stored, 0 failed, 0 too large")
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.EMAIL and ticket.subject == "提现一直处理中"
    assert sorted(InboundEmail.objects.values_list("via", "outcome")) == [
        ("imap", InboundOutcome.AUTO_REPLY),
        ("imap", InboundOutcome.CREATED),
    ]
    mailbox.select("INBOX")
    _typ, unseen = mailbox.search(None, "UNSEEN")
    assert unseen[0] == b""

    # The next poll finds nothing new.
    assert "0 fetched" in _poll().splitlines()[-1]
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_a_reply_polled_from_the_mailbox_lands_on_its_ticket(mailbox: imaplib.IMAP4) -> None:
    first = make_mail(sender="poll2@example.com", subject="Card declined", body="My card fails.")
    _append(mailbox, first.as_bytes())
    _poll()
    ticket = Ticket.objects.get()
    answer = make_mail(
        sender="poll2@example.com",
        subject=f"Re: [{ticket.number}] Card declined",
        body="Still failing.\n\nOn Thu, Dec 3, 2026, Support wrote:\n> old",
        headers=[("In-Reply-To", first["Message-ID"])],
    )
    _append(mailbox, answer.as_bytes())
    _poll()
    assert list(ticket.messages.order_by("pk").values_list("body", flat=True)) == [
        "My card fails.",
        "Still failing.",
    ]


def test_polling_without_a_mailbox_configured_says_what_to_set(settings: Any) -> None:
    settings.WALLETDESK_MAIL = {**settings.WALLETDESK_MAIL, "IMAP_HOST": "", "IMAP_USER": ""}
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="WALLETDESK_MAIL_IMAP_HOST"):
        call_command("mail_imap_poll", "--once")


@pytest.mark.django_db
def test_mail_over_the_size_limit_is_left_in_the_mailbox(
    mailbox: imaplib.IMAP4, settings: Any
) -> None:
    settings.WALLETDESK_MAIL = {**settings.WALLETDESK_MAIL, "MAX_MESSAGE_BYTES": 4_000}
    _append(mailbox, make_mail(sender="big@example.com", body="大" * 5_000).as_bytes())
    _append(mailbox, make_mail(sender="small@example.com").as_bytes())
    assert _poll().splitlines()[-1].endswith("2 fetched, 1 stored, 0 failed, 1 too large")
    assert list(Ticket.objects.values_list("contact_email", flat=True)) == ["small@example.com"]
    mailbox.select("INBOX")
    _typ, everything = mailbox.search(None, "ALL")
    assert len(everything[0].split()) == 2  # nothing deleted
