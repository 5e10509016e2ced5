"""Identity verification (实名认证): uploads validated and re-encoded per UPL-1..4, and review.

An image is accepted only when its extension, its magic bytes and a full Pillow decode agree on
JPEG, PNG or WebP, it is at most 10 MiB and at most 40 MP / 16 384 px a side. It is then
re-encoded (which drops EXIF and GPS) and stored under a random server-side name outside the
static and media roots. Files are served only through `views.security.kyc_document`.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from walletdesk.core.statemachine import change_status
from walletdesk.identity import audit
from walletdesk.identity.audit import Actions, RequestMeta
from walletdesk.identity.enums import KYC_TRANSITIONS, KycLevel, KycRejectReason, KycStatus
from walletdesk.identity.errors import UploadQuotaError, UploadRejectedError
from walletdesk.identity.models import KycDocument, KycSubmission, User
from walletdesk.identity.text import clean_display_text

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DAILY_BYTES = 100 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 16_384
_FORMATS = {
    "JPEG": ("image/jpeg", ".jpg", {".jpg", ".jpeg"}, b"\xff\xd8\xff"),
    "PNG": ("image/png", ".png", {".png"}, b"\x89PNG\r\n\x1a\n"),
    "WEBP": ("image/webp", ".webp", {".webp"}, b"RIFF"),
}
_ID_NUMBER = re.compile(r"\A[0-9]{17}[0-9X]\Z")
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


def extension_for(content_type: str) -> str:
    for mime, ext, _exts, _magic in _FORMATS.values():
        if mime == content_type:
            return ext
    return ".bin"


def valid_id_number(raw: str) -> str | None:
    """A mainland resident ID (18 characters, GB 11643 check digit)."""
    text = unicodedata.normalize("NFKC", raw).strip().upper()
    if not _ID_NUMBER.match(text):
        return None
    total = sum(int(d) * w for d, w in zip(text[:17], _ID_WEIGHTS, strict=True))
    return text if _ID_CHECK[total % 11] == text[17] else None


def sanitise_filename(name: str) -> str:
    base = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1]
    return re.sub(r"[^\w.\-]", "_", base)[:120]


def reencode_image(upload: UploadedFile[Any]) -> tuple[bytes, str]:
    """Return (new bytes, content type) or raise UploadRejectedError."""
    if upload.size is None or upload.size > MAX_FILE_BYTES:
        raise UploadRejectedError()
    raw = upload.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise UploadRejectedError()
    ext = "." + (upload.name or "").rsplit(".", 1)[-1].lower() if "." in (upload.name or "") else ""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(raw)) as probe:
                fmt = probe.format or ""
                width, height = probe.size
                if (
                    fmt not in _FORMATS
                    or width * height > MAX_PIXELS
                    or max(width, height) > MAX_SIDE
                ):
                    raise UploadRejectedError()
                probe.verify()
            mime, _ext, exts, magic = _FORMATS[fmt]
            if ext not in exts or not raw.startswith(magic):
                raise UploadRejectedError()
            with Image.open(io.BytesIO(raw)) as image:
                image.load()
                clean = image.convert("RGB") if fmt == "JPEG" else image.copy()
        except UploadRejectedError:
            raise
        except (
            OSError,
            ValueError,
            SyntaxError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
        ) as exc:
            raise UploadRejectedError() from exc
    out = io.BytesIO()
    # A fresh image object carries no EXIF/GPS/XMP; we pass none when saving.
    clean.info = {}
    clean.save(out, format=fmt, **({"quality": 90} if fmt in {"JPEG", "WEBP"} else {}))
    return out.getvalue(), mime


def submit(
    user: User, *, real_name: str, id_number: str, files: dict[str, Any], meta: RequestMeta
) -> KycSubmission:
    name = clean_display_text(real_name, reserved_check=False)
    number = valid_id_number(id_number)
    if number is None or not name:
        raise UploadRejectedError(_("Check the name and the 18-character ID number."))
    since = timezone.now() - timedelta(days=1)
    used = (
        KycDocument.objects.filter(submission__user=user, uploaded_at__gt=since).aggregate(
            total=Sum("size")
        )["total"]
        or 0
    )
    incoming = sum(int(f.size or 0) for f in files.values())
    if used + incoming > MAX_DAILY_BYTES:
        raise UploadQuotaError()
    encoded = {
        side: (reencode_image(upload), sanitise_filename(upload.name or ""))
        for side, upload in files.items()
    }
    with transaction.atomic():
        submission = KycSubmission.objects.create(
            user=user,
            real_name=name,
            id_number_last4=number[-4:],
            id_number_hash=hashlib.sha256(f"walletdesk.kyc|{number}".encode()).hexdigest(),
        )
        for side, ((data, mime), original) in encoded.items():
            document = KycDocument(
                submission=submission,
                side=side,
                original_name=original,
                content_type=mime,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
            document.file.save(f"upload{extension_for(mime)}", ContentFile(data), save=False)
            document.save()
        audit.record(
            Actions.KYC_SUBMIT,
            subject=user,
            actor=user,
            meta=meta,
            submission=str(submission.public_id),
        )
    return submission


def _is_kyc_reviewer(user: User) -> bool:
    return user.is_staff and user.has_perm("identity.review_kyc")


def access_document(user: User, public_id: str, *, meta: RequestMeta) -> KycDocument:
    """The owner or a KYC reviewer may fetch a document; anybody else gets 404 as if it did not
    exist."""
    document = KycDocument.objects.select_related("submission").filter(public_id=public_id).first()
    reviewer = _is_kyc_reviewer(user)
    if document is None or not (reviewer or document.submission.user_id == user.pk):
        raise Http404
    if reviewer:
        audit.record(
            Actions.KYC_DOCUMENT_VIEW,
            subject=document.submission.user_id,
            actor=user,
            meta=meta,
            document=str(document.public_id),
        )
    return document


def review(
    submission_id: str, reviewer: User, *, approve: bool, reason: str, note: str, meta: RequestMeta
) -> KycSubmission:
    if not _is_kyc_reviewer(reviewer):
        raise Http404
    if not approve and reason not in KycRejectReason.values:
        raise UploadRejectedError(_("Choose a reason for the rejection."))
    from walletdesk.notifications import facade as notifications

    with transaction.atomic():
        submission = (
            KycSubmission.objects.select_for_update()
            .select_related("user")
            .filter(public_id=submission_id)
            .first()
        )
        if submission is None:
            raise Http404
        target = KycStatus.APPROVED if approve else KycStatus.REJECTED
        reject_note = (
            ""
            if approve
            else clean_display_text(note, max_length=200, reserved_check=False)
            if note
            else ""
        )
        change_status(
            submission,
            target,
            transitions=KYC_TRANSITIONS,
            actor=f"agent:{reviewer.pk}",
            reason="" if approve else reason,
            also={
                "reviewer": reviewer,
                "reviewed_at": timezone.now(),
                "reject_reason": "" if approve else reason,
                "reject_note": reject_note,
            },
        )
        if approve:
            User.objects.filter(pk=submission.user_id).update(kyc_level=KycLevel.FULL)
            notifications.notify(submission.user_id, "kyc_approved", {})
        else:
            notifications.notify(
                submission.user_id, "kyc_rejected", {"reason": KycRejectReason(reason).label}
            )
        audit.record(
            Actions.KYC_REVIEW,
            "approved" if approve else "rejected",
            subject=submission.user,
            actor=reviewer,
            meta=meta,
            reason_code=reason or "",
        )
    return submission
