"""Where files that arrive by email are kept.

A file on an email that added a message to a ticket goes through the ticket attachments' own
checks (`attachments.store_attachment`: type by content, full decode, pictures re-encoded, limits)
and is then served like any other attachment, through the authorised views. A file those checks
refuse is not kept: the inbound row lists it with the refusal's code, so an agent can ask the
customer for it again. An email that added no message (a loop, an automatic reply) keeps its files
as they came, under server-generated names, in the private files directory that no web server
serves, for an administrator to look at.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from walletdesk.core.actors import Actor
from walletdesk.core.errors import WalletDeskError
from walletdesk.tickets import attachments
from walletdesk.tickets.models import TicketMessage


@dataclass(frozen=True, slots=True)
class KeptAttachment:
    name: str
    content_type: str
    size: int
    # The attachment's public id when it was attached to the message, else a path in the private
    # files directory; empty when the file was refused.
    reference: str
    attached: bool = False
    refused: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "content_type": self.content_type,
            "size": self.size,
            "reference": self.reference,
            "attached": self.attached,
            "refused": self.refused,
        }


def _storage() -> FileSystemStorage:
    return FileSystemStorage(location=settings.WALLETDESK_PRIVATE_FILES_DIR / "ticket-mail")


def store_inbound_attachment(
    *, ticket_id: int, message_id: int | None, name: str, content_type: str, data: bytes
) -> KeptAttachment:
    """Keep one file of an inbound email on ticket `ticket_id` (message `message_id`, None when
    the email added no message). `name` is the sender's and only displayed, never a path."""
    shown_name, shown_type = name[:200], content_type[:100]
    if message_id is None:
        reference = _storage().save(f"{ticket_id}/{uuid.uuid4().hex}", ContentFile(data))
        return KeptAttachment(shown_name, shown_type, len(data), reference)
    message = TicketMessage.objects.get(pk=message_id)
    try:
        row = attachments.store_attachment(message, name, content_type, data, Actor.system())
    except WalletDeskError as refusal:
        return KeptAttachment(shown_name, shown_type, len(data), "", refused=refusal.code)
    return KeptAttachment(shown_name, shown_type, len(data), str(row.public_id), attached=True)
