"""Attachments: pictures and PDFs on ticket messages (security guide UPL-1 to UPL-4).

A file is accepted only when its extension, its first bytes and a full decode agree on one of
PNG, JPEG, WebP or PDF. Pictures are decoded completely and encoded again, which drops EXIF (GPS,
camera), XMP and text chunks; PDFs are parsed completely with pypdf and refused when they carry
scripts, launch actions or embedded files. Files are stored under a random name through the
`attachments` storage and served only by the authorisation-checked views.

`check_upload` is pure (no database) and slow on big pictures, so the actions call it before they
open their transaction; `attach` runs inside it, with the ticket locked, and enforces the counts.
`store_attachment` is the entry point for intake paths that add files to a message already
written (email).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from walletdesk.core.actors import Actor
from walletdesk.tickets.errors import (
    AttachmentActiveContentError,
    AttachmentNotFoundError,
    AttachmentQuotaExceededError,
    AttachmentTooLargeError,
    AttachmentTooManyError,
    AttachmentTypeNotAllowedError,
    AttachmentUnreadableError,
)
from walletdesk.tickets.integration_models import Attachment, AttachmentType
from walletdesk.tickets.models import Ticket, TicketMessage


def limits() -> dict[str, int]:
    return dict(settings.WALLETDESK_ATTACHMENTS)


# Pillow warns above MAX_IMAGE_PIXELS and fails only at twice that; we refuse at the limit
# (UPL-3) by turning the warning into an error around every decode.
Image.MAX_IMAGE_PIXELS = int(settings.WALLETDESK_ATTACHMENTS["MAX_PIXELS"])


@dataclass(frozen=True, slots=True)
class Upload:
    """A file as received: the name and type the sender claimed, and its bytes."""

    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class CheckedFile:
    """A file that passed every check, ready to store (pictures already re-encoded)."""

    name: str
    content_type: AttachmentType
    data: bytes


_EXTENSIONS: dict[str, AttachmentType] = {
    "png": AttachmentType.PNG,
    "jpg": AttachmentType.JPEG,
    "jpeg": AttachmentType.JPEG,
    "webp": AttachmentType.WEBP,
    "pdf": AttachmentType.PDF,
}
CANONICAL_EXTENSION = {
    AttachmentType.PNG: "png",
    AttachmentType.JPEG: "jpg",
    AttachmentType.WEBP: "webp",
    AttachmentType.PDF: "pdf",
}
_PILLOW_FORMAT = {
    AttachmentType.PNG: "PNG",
    AttachmentType.JPEG: "JPEG",
    AttachmentType.WEBP: "WEBP",
}
NAME_MAX = 120
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def clean_name(raw: str) -> str:
    """The sender's file name as display metadata: its last path part, NFKC, without control,
    bidi or path characters, at most 120 characters (keeping the extension)."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))
    text = _UNSAFE.sub("_", text).strip(" ._")
    if not text:
        return "file"
    if len(text) > NAME_MAX:
        stem, dot, ext = text.rpartition(".")
        text = (stem[: NAME_MAX - len(ext) - 1] + dot + ext) if dot and len(ext) <= 8 else text
        text = text[:NAME_MAX]
    return text


def sniff(data: bytes) -> AttachmentType | None:
    """The type the first bytes say (the first of three checks; the decode is the real one)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return AttachmentType.PNG
    if data.startswith(b"\xff\xd8\xff"):
        return AttachmentType.JPEG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return AttachmentType.WEBP
    if data.startswith(b"%PDF-"):
        return AttachmentType.PDF
    return None


def check_upload(upload: Upload) -> CheckedFile:
    """Accept the file or raise a typed error naming it. Pure: no database, no storage."""
    name = clean_name(upload.name)
    limit = limits()
    if len(upload.data) > limit["MAX_BYTES"]:
        raise AttachmentTooLargeError(name=name, limit=limit["MAX_BYTES"] // (1024 * 1024))
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    by_name = _EXTENSIONS.get(extension)
    by_content = sniff(upload.data)
    if by_name is None or by_content is None or by_name != by_content:
        raise AttachmentTypeNotAllowedError(name=name)
    if by_content == AttachmentType.PDF:
        _check_pdf(upload.data, name)
        return CheckedFile(name, by_content, upload.data)
    return CheckedFile(name, by_content, _reencode(upload.data, by_content, name))


def _reencode(data: bytes, kind: AttachmentType, name: str) -> bytes:
    limit = limits()
    fmt = _PILLOW_FORMAT[kind]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=[fmt]) as probe:
                width, height = probe.size
                if (
                    width > limit["MAX_SIDE"]
                    or height > limit["MAX_SIDE"]
                    or width * height > limit["MAX_PIXELS"]
                ):
                    raise AttachmentUnreadableError(name=name)
                probe.verify()
            # verify() leaves the image unusable: open again and decode every pixel.
            with Image.open(BytesIO(data), formats=[fmt]) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
                icc = image.info.get("icc_profile")
                clean = upright.copy()
        # Nothing of the original's metadata travels on: EXIF (GPS, camera), XMP, comments and
        # text chunks are all in `info`, which the new encode does not get.
        clean.info = {}
        options: dict[str, Any] = {}
        if icc:
            options["icc_profile"] = icc
        if kind == AttachmentType.JPEG:
            if clean.mode not in ("RGB", "L", "CMYK"):
                clean = clean.convert("RGB")
            options.update(quality=90, optimize=True)
        elif kind == AttachmentType.WEBP:
            options.update(quality=90)
        elif kind == AttachmentType.PNG:
            options.update(optimize=False)
        out = BytesIO()
        clean.save(out, format=fmt, **options)
        return out.getvalue()
    except AttachmentUnreadableError:
        raise
    except (
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        MemoryError,
    ) as error:
        raise AttachmentUnreadableError(name=name) from error


# Names that make a PDF act rather than show: scripts, launching programs, carried files, forms
# that submit or import, rich media.
_ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/RichMedia", "/XFA"}
)
_ACTIVE_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/RichMediaExecute", "/Rendition"}
)
_PDF_NODES_MAX = 200_000


def _check_pdf(data: bytes, name: str) -> None:
    limit = limits()
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise AttachmentUnreadableError(name=name)
        pages = len(reader.pages)
        if pages == 0 or pages > limit["MAX_PDF_PAGES"]:
            raise AttachmentUnreadableError(name=name)
        # A full parse: every page's content streams decoded.
        for page in reader.pages:
            page.get_contents()
        _refuse_active_content(reader.trailer, name)
    except (AttachmentUnreadableError, AttachmentActiveContentError):
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise AttachmentUnreadableError(name=name) from error


def _refuse_active_content(root: Any, name: str) -> None:
    """Walk every object reachable from the trailer (objects inside object streams included, as
    pypdf resolves them), so a script cannot hide from a byte search in a compressed stream."""
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [root]
    visited = 0
    while stack:
        node = stack.pop()
        visited += 1
        if visited > _PDF_NODES_MAX:
            raise AttachmentUnreadableError(name=name)
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            stack.append(node.get_object())
            continue
        if isinstance(node, DictionaryObject):
            for dict_key, value in node.items():
                if dict_key in _ACTIVE_KEYS:
                    raise AttachmentActiveContentError(name=name)
                if dict_key == "/S" and isinstance(value, NameObject) and value in _ACTIVE_ACTIONS:
                    raise AttachmentActiveContentError(name=name)
                if dict_key == "/Parent":
                    continue
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)


# --- Storing ----------------------------------------------------------------------------------


def check_all(uploads: Sequence[Upload]) -> list[CheckedFile]:
    limit = limits()
    if len(uploads) > limit["PER_MESSAGE"]:
        raise AttachmentTooManyError(
            per_message=limit["PER_MESSAGE"], per_ticket=limit["PER_TICKET"]
        )
    return [check_upload(upload) for upload in uploads]


def _check_quota(actor: Actor, adding: int, now: Any) -> None:
    """Customers may send at most DAILY_BYTES_PER_USER in any 24 hours (staff and intake paths
    are bounded by the per-message and per-ticket counts)."""
    if not actor.is_customer or adding == 0:
        return
    used = (
        Attachment.objects.filter(
            uploaded_by_id=actor.user_id, created_at__gte=now - timedelta(hours=24)
        ).aggregate(total=Sum("size"))["total"]
        or 0
    )
    if used + adding > limits()["DAILY_BYTES_PER_USER"]:
        raise AttachmentQuotaExceededError()


def _check_ticket_count(ticket: Ticket, adding: int) -> None:
    limit = limits()
    if adding > limit["PER_MESSAGE"]:
        raise AttachmentTooManyError(
            per_message=limit["PER_MESSAGE"], per_ticket=limit["PER_TICKET"]
        )
    if adding and ticket.attachments.count() + adding > limit["PER_TICKET"]:
        raise AttachmentTooManyError(
            per_message=limit["PER_MESSAGE"], per_ticket=limit["PER_TICKET"]
        )


def _save(
    checked: CheckedFile,
    *,
    actor: Actor,
    ticket: Ticket | None,
    message: TicketMessage | None,
    now: Any,
) -> Attachment:
    # The stored name is ours alone: a date folder and a random id with the canonical extension.
    stored = f"{now:%Y/%m}/{uuid.uuid4().hex}.{CANONICAL_EXTENSION[checked.content_type]}"
    row = Attachment(
        ticket=ticket,
        message=message,
        original_name=checked.name,
        content_type=checked.content_type,
        size=len(checked.data),
        sha256=hashlib.sha256(checked.data).hexdigest(),
        uploaded_by_id=actor.user_id,
        uploader=actor.label,
        created_at=now,
    )
    row.file.save(stored, ContentFile(checked.data), save=False)
    row.save()
    return row


def attach(
    actor: Actor,
    ticket: Ticket,
    message: TicketMessage,
    files: Sequence[CheckedFile] = (),
    upload_ids: Sequence[str] = (),
) -> list[Attachment]:
    """Store checked files on a message and bind the actor's earlier API uploads to it. Call with
    the ticket locked, inside the message's transaction."""
    now = timezone.now()
    uploads = _own_unbound(actor, upload_ids)
    _check_ticket_count(ticket, len(files) + len(uploads))
    _check_quota(actor, sum(len(f.data) for f in files), now)
    rows = [_save(f, actor=actor, ticket=ticket, message=message, now=now) for f in files]
    for row in uploads:
        row.ticket = ticket
        row.message = message
        row.save(update_fields=["ticket", "message"])
        rows.append(row)
    return rows


def _own_unbound(actor: Actor, upload_ids: Sequence[str]) -> list[Attachment]:
    if not upload_ids:
        return []
    wanted = list(dict.fromkeys(str(i) for i in upload_ids))
    valid: list[uuid.UUID] = []
    for text in wanted:
        try:
            valid.append(uuid.UUID(text))
        except ValueError as error:
            raise AttachmentNotFoundError() from error
    rows = list(
        Attachment.objects.select_for_update().filter(
            public_id__in=valid,
            uploaded_by_id=actor.user_id,
            message__isnull=True,
        )
    )
    if len(rows) != len(valid) or actor.user_id is None:
        raise AttachmentNotFoundError()
    return rows


def upload(actor: Actor, file: Upload) -> Attachment:
    """An API upload: checked and stored on its own, then named in the `attachments` of a new
    ticket or a reply (within UNBOUND_TTL_HOURS)."""
    if actor.user_id is None:
        raise AttachmentNotFoundError()
    checked = check_upload(file)
    with transaction.atomic():
        now = timezone.now()
        _check_quota(actor, len(checked.data), now)
        return _save(checked, actor=actor, ticket=None, message=None, now=now)


def store_attachment(
    message: TicketMessage, name: str, content_type: str, data: bytes, actor: Actor
) -> Attachment:
    """Add one file to a message that already exists (email intake). Raises the same typed errors
    as the pages; a caller that wants to keep the message regardless catches them."""
    checked = check_upload(Upload(name, content_type, data))
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(no_key=True).get(pk=message.ticket_id)
        limit = limits()
        if message.attachments.count() >= limit["PER_MESSAGE"]:
            raise AttachmentTooManyError(
                per_message=limit["PER_MESSAGE"], per_ticket=limit["PER_TICKET"]
            )
        return attach(actor, ticket, message, [checked])[0]


def delete_unbound(now: Any) -> int:
    """Remove API uploads no message used in time (files first, then rows)."""
    cutoff = now - timedelta(hours=limits()["UNBOUND_TTL_HOURS"])
    stale = list(Attachment.objects.filter(message__isnull=True, created_at__lt=cutoff)[:500])
    for row in stale:
        row.file.delete(save=False)
        row.delete()
    return len(stale)


# --- Reading ----------------------------------------------------------------------------------


def attachment_for(actor: Actor, public_id: str) -> Attachment:
    """One attachment as `actor` may see it. Customers: files on their own tickets' public
    messages, and their own uploads not sent yet; anything else is "not found" (never
    "forbidden"). Staff: every file on a ticket (the views check the desk permission)."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as error:
        raise AttachmentNotFoundError() from error
    queryset = Attachment.objects.select_related("ticket", "message")
    row = queryset.filter(public_id=key).first()
    if row is None:
        raise AttachmentNotFoundError()
    if actor.is_staff:
        if row.ticket_id is None:
            raise AttachmentNotFoundError()
        return row
    if actor.is_customer:
        if row.message is None:
            if row.uploaded_by_id == actor.user_id:
                return row
            raise AttachmentNotFoundError()
        if (
            row.ticket is not None
            and row.ticket.customer_id == actor.user_id
            and row.message.visibility == "public"
        ):
            return row
    raise AttachmentNotFoundError()


def uploads_from(files: Sequence[Any]) -> list[Upload]:
    """Django's uploaded files as `Upload`s. Reading one byte past the limit is enough to know a
    file is too big, so a huge one is never read whole into memory."""
    cap = limits()["MAX_BYTES"] + 1
    return [Upload(f.name or "", f.content_type or "", f.read(cap)) for f in files]
