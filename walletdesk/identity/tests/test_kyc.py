"""UPL-1..4 identity uploads and the agent review queue."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from walletdesk.identity.enums import KycLevel, Role
from walletdesk.identity.models import KycDocument, KycSubmission

pytestmark = pytest.mark.django_db
ID_NUMBER = "11010519491231002X"


@pytest.fixture(autouse=True)
def _private_dir(settings, tmp_path):
    settings.WALLETDESK_PRIVATE_FILES_DIR = tmp_path / "private"


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 40), "navy")
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def _png(width=32, height=32) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def _bomb_png() -> bytes:
    """A tiny PNG header that declares 30 000 × 30 000 pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 100))
        + chunk(b"IEND", b"")
    )


def _submit(
    client: Any, front: Any, back: Any = None, name: str = "张三", number: str = ID_NUMBER
) -> Any:
    return client.post(
        "/account/kyc/",
        {
            "real_name": name,
            "id_number": number,
            "front": front,
            "back": back or SimpleUploadedFile("b.png", _png(), "image/png"),
        },
    )


def test_a_valid_upload_is_reencoded_without_exif_and_served_safely(customer, signed_in):
    client = signed_in(customer)
    response = _submit(
        client, SimpleUploadedFile("../../<img onerror=1>.jpg", _jpeg_with_gps(), "image/jpeg")
    )
    assert response.status_code == 302
    document = KycDocument.objects.get(side="front")
    name = str(document.file.name)
    assert name.startswith("kyc/") and len(name) == len("kyc/") + 32 + 4
    assert "<" not in document.original_name and "/" not in document.original_name
    download = client.get(f"/account/kyc/documents/{document.public_id}/")
    data = b"".join(download.streaming_content)
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert b"SecretPhoneMaker" not in data and not Image.open(io.BytesIO(data)).getexif()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("id.png", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
        ("id.jpg", _png()),  # extension and content disagree
        ("id.html", b"<html><script>1</script></html>"),
        ("id.zip", b"PK\x03\x04" + b"\x00" * 30),
        ("id.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10),
    ],
)
def test_forged_uploads_are_refused(customer, signed_in, name, content):
    response = _submit(signed_in(customer), SimpleUploadedFile(name, content, "image/png"))
    assert response.status_code == 400
    assert not KycSubmission.objects.exists()


def test_a_decompression_bomb_is_refused_quickly(customer, signed_in):
    response = _submit(
        signed_in(customer), SimpleUploadedFile("bomb.png", _bomb_png(), "image/png")
    )
    assert response.status_code == 400


def test_oversized_files_and_bad_id_numbers_are_refused(customer, signed_in, settings):
    client = signed_in(customer)
    big = SimpleUploadedFile(
        "big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024), "image/png"
    )
    assert _submit(client, big).status_code == 400
    assert (
        _submit(
            client, SimpleUploadedFile("a.png", _png(), "image/png"), number="110105194912310021"
        ).status_code
        == 400
    )


def test_other_customers_cannot_fetch_documents_and_agents_review(
    customer, signed_in, user_factory
):
    client = signed_in(customer)
    _submit(client, SimpleUploadedFile("a.png", _png(), "image/png"))
    document = KycDocument.objects.get(side="front")
    other = signed_in(user_factory())
    assert other.get(f"/account/kyc/documents/{document.public_id}/").status_code == 404
    agent = user_factory(role=Role.SENIOR_AGENT)
    from django.test import Client

    staff = Client()
    staff.force_login(agent)
    assert staff.get(f"/account/kyc/documents/{document.public_id}/").status_code == 200
    submission = KycSubmission.objects.get()
    assert (
        staff.post(
            f"/account/staff/kyc/{submission.public_id}/", {"decision": "reject"}
        ).status_code
        == 400
    )
    assert (
        staff.post(
            f"/account/staff/kyc/{submission.public_id}/", {"decision": "approve"}
        ).status_code
        == 302
    )
    customer.refresh_from_db()
    assert customer.kyc_level == KycLevel.FULL
    assert (
        staff.post(
            f"/account/staff/kyc/{submission.public_id}/",
            {"decision": "reject", "reason": "blurry"},
        ).status_code
        == 409
    )
