"""Attachments (security guide UPL-1 to UPL-4): the forged-upload rows, limits, EXIF stripping,
server-generated names, safe download headers and the access matrix on pages and the API."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.tickets import actions, attachments
from walletdesk.tickets.enums import Visibility
from walletdesk.tickets.errors import (
    AttachmentActiveContentError,
    AttachmentQuotaExceededError,
    AttachmentTooLargeError,
    AttachmentTooManyError,
    AttachmentTypeNotAllowedError,
    AttachmentUnreadableError,
)
from walletdesk.tickets.models import Attachment, Ticket, TicketMessage

pytestmark = pytest.mark.django_db

GPS_TAG = 0x8825


def jpeg_with_gps(size: tuple[int, int] = (64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x0112] = 1  # orientation
    exif.get_ifd(GPS_TAG).update({1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)})
    out = BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png(size: tuple[int, int] = (32, 32)) -> bytes:
    out = BytesIO()
    Image.new("RGBA", size, (0, 128, 255, 255)).save(out, format="PNG")
    return out.getvalue()


def webp() -> bytes:
    out = BytesIO()
    Image.new("RGB", (20, 20), (10, 200, 10)).save(out, format="WEBP")
    return out.getvalue()


def pdf(*, script: bool = False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if script:
        action = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('hi');"),
            }
        )
        # On the page's open action, so it is reached only through the page tree.
        writer.pages[0][NameObject("/AA")] = DictionaryObject(
            {NameObject("/O"): writer._add_object(action)}
        )
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A tiny PNG whose header declares a huge picture (UPL-3)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def upload(name: str, data: bytes, content_type: str = "image/png") -> attachments.Upload:
    return attachments.Upload(name, content_type, data)


# --- The checks, one file at a time ----------------------------------------------------------


def test_a_jpeg_with_gps_is_re_encoded_without_any_exif() -> None:
    original = jpeg_with_gps()
    assert Image.open(BytesIO(original)).getexif().get_ifd(GPS_TAG)
    checked = attachments.check_upload(upload("IMG_0001.JPG", original, "image/jpeg"))
    assert checked.content_type == "image/jpeg"
    again = Image.open(BytesIO(checked.data))
    assert again.format == "JPEG" and again.size == (64, 48)
    assert dict(again.getexif()) == {}
    assert b"Exif" not in checked.data and b"PhoneMaker" not in checked.data


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("shot.png", png()),
        ("photo.jpeg", jpeg_with_gps()),
        ("pic.webp", webp()),
        ("statement.pdf", pdf()),
    ],
)
def test_each_allowed_type_passes(name: str, data: bytes) -> None:
    checked = attachments.check_upload(upload(name, data))
    assert checked.name == name


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("invoice.png", b"<html><script>alert(1)</script></html>"),  # HTML named .png
        ("drawing.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
        ("photo.png", jpeg_with_gps()),  # a real JPEG under a PNG name
        ("report.pdf", png()),  # a picture named .pdf
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 100),
        ("notes.docx", b"PK\x03\x04" + b"\x00" * 100),
        ("shot", png()),  # no extension
        ("shot.gif", b"GIF89a" + b"\x00" * 50),
    ],
)
def test_a_type_disguised_by_its_extension_is_refused(name: str, data: bytes) -> None:
    with pytest.raises(AttachmentTypeNotAllowedError):
        attachments.check_upload(upload(name, data))


def test_a_truncated_picture_is_refused() -> None:
    whole = jpeg_with_gps((400, 300))
    with pytest.raises(AttachmentUnreadableError):
        attachments.check_upload(upload("cut.jpg", whole[: len(whole) // 2], "image/jpeg"))
    whole_png = png((300, 300))
    with pytest.raises(AttachmentUnreadableError):
        attachments.check_upload(upload("cut.png", whole_png[:-40]))


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = png_bomb()
    assert len(bomb) < 2_000
    with pytest.raises(AttachmentUnreadableError):
        attachments.check_upload(upload("bomb.png", bomb))
    # Just over the per-side limit, under the pixel limit, is refused too.
    with pytest.raises(AttachmentUnreadableError):
        attachments.check_upload(upload("long.png", png_bomb(16_385, 10)))


def test_a_file_over_10_mib_is_refused_by_size() -> None:
    big = png() + b"\x00" * (10 * 1024 * 1024 + 1 - len(png()))
    assert len(big) == 10 * 1024 * 1024 + 1
    with pytest.raises(AttachmentTooLargeError) as refused:
        attachments.check_upload(upload("big.png", big))
    assert refused.value.http_status == 413


def test_a_pdf_with_javascript_is_refused() -> None:
    with pytest.raises(AttachmentActiveContentError):
        attachments.check_upload(upload("bad.pdf", pdf(script=True), "application/pdf"))


def test_a_broken_pdf_is_refused() -> None:
    with pytest.raises(AttachmentUnreadableError):
        attachments.check_upload(upload("broken.pdf", b"%PDF-1.7\n" + b"garbage" * 20))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../x.png", "x.png"),
        ("a.png\r\nSet-Cookie: x=1", "a.pngSet-Cookie_ x=1"),
        ("<img onerror=1>.png", "img onerror=1_.png"),
        ("C:\\Users\\me\\截图.png", "截图.png"),
        ("\u202egnp.exe", "gnp.exe"),
        ("", "file"),
    ],
)
def test_names_are_cleaned_metadata(raw: str, expected: str) -> None:
    assert attachments.clean_name(raw) == expected


# --- On tickets -------------------------------------------------------------------------------


def open_with(customer: Any, files: list[attachments.Upload]) -> Ticket:
    return actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject="截图",
        body="付款失败，截图见附件",
        category="payment_failed",
        files=files,
    )


def test_files_are_stored_under_generated_names(customer: Any) -> None:
    ticket = open_with(customer, [upload("../../etc/passwd.png", png())])
    row = Attachment.objects.get(ticket=ticket)
    stored = str(row.file.name)
    assert row.original_name == "passwd.png"
    assert stored.endswith(".png") and "passwd" not in stored
    assert len(stored.rsplit("/", 1)[1]) == len("0" * 32 + ".png")
    assert row.message == ticket.messages.get()
    assert row.uploader == f"customer:{customer.pk}"


def test_per_message_ticket_and_daily_limits(customer: Any, settings: Any) -> None:
    with pytest.raises(AttachmentTooManyError):
        open_with(customer, [upload(f"{n}.png", png()) for n in range(6)])
    assert not Ticket.objects.exists()
    ticket = open_with(customer, [upload(f"{n}.png", png()) for n in range(5)])
    for _ in range(3):
        actions.add_message(
            Actor.customer(customer.pk),
            ticket.number,
            "more",
            files=[upload(f"{n}.png", png()) for n in range(5)],
        )
    assert ticket.attachments.count() == 20
    with pytest.raises(AttachmentTooManyError):
        actions.add_message(
            Actor.customer(customer.pk), ticket.number, "one more", files=[upload("x.png", png())]
        )
    assert TicketMessage.objects.filter(ticket=ticket).count() == 4
    settings.WALLETDESK_ATTACHMENTS = {
        **settings.WALLETDESK_ATTACHMENTS,
        # What was sent today plus a little: the next two files do not fit.
        "DAILY_BYTES_PER_USER": sum(ticket.attachments.values_list("size", flat=True)) + 1,
    }
    with pytest.raises(AttachmentQuotaExceededError) as refused:
        open_with(customer, [upload("a.png", png()), upload("b.png", png())])
    assert refused.value.http_status == 429


def test_store_attachment_adds_a_file_to_an_existing_message(customer: Any) -> None:
    ticket = open_with(customer, [])
    message = ticket.messages.get()
    row = attachments.store_attachment(
        message, "scan.pdf", "application/pdf", pdf(), Actor.system()
    )
    assert row.ticket == ticket and row.message == message and row.uploader == "system"
    with pytest.raises(AttachmentTypeNotAllowedError):
        attachments.store_attachment(message, "x.pdf", "application/pdf", b"nope", Actor.system())
    for n in range(4):
        attachments.store_attachment(message, f"{n}.png", "image/png", png(), Actor.system())
    with pytest.raises(AttachmentTooManyError):
        attachments.store_attachment(message, "6.png", "image/png", png(), Actor.system())
    assert message.attachments.count() == 5


# --- Pages: upload, download headers, the access matrix --------------------------------------


@pytest.fixture
def agent(user_factory: Callable[..., Any]) -> Any:
    return user_factory(role=Role.AGENT, display_name="客服小周")


def ask_with_a_screenshot(customer_client: Client) -> None:
    """The customer's new-request page with one phone screenshot (EXIF and GPS in it)."""
    response = customer_client.post(
        "/support/new/",
        {
            "kind": "question",
            "category": "payment_failed",
            "subject": "付款失败",
            "body": "截图见附件",
            "attachments": [SimpleUploadedFile("IMG_1.jpg", jpeg_with_gps(), "image/jpeg")],
        },
    )
    assert response.status_code == 302


def test_the_new_request_page_takes_screenshots_and_serves_them_back_clean(
    customer: Any, customer_client: Client
) -> None:
    ask_with_a_screenshot(customer_client)
    ticket = Ticket.objects.get(customer=customer)
    row = Attachment.objects.get(ticket=ticket)
    page = customer_client.get(f"/support/{ticket.number}/").content.decode()
    assert f"/support/files/{row.public_id}/" in page
    served = customer_client.get(f"/support/files/{row.public_id}/")
    assert served.status_code == 200
    body = served.getvalue()
    assert dict(Image.open(BytesIO(body)).getexif()) == {}
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert served["Content-Disposition"] == (
        f"attachment; filename=\"{row.public_id}.jpg\"; filename*=UTF-8''IMG_1.jpg"
    )


def test_a_refused_file_keeps_the_form_and_opens_nothing(customer_client: Client) -> None:
    response = customer_client.post(
        "/support/new/",
        {
            "kind": "question",
            "category": "payment_failed",
            "subject": "付款失败",
            "body": "见附件",
            "attachments": [SimpleUploadedFile("shot.png", b"<html></html>", "image/png")],
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert "shot.png" in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_sixth_file_in_one_request_is_refused(customer_client: Client) -> None:
    response = customer_client.post(
        "/support/new/",
        {
            "kind": "question",
            "category": "payment_failed",
            "subject": "付款失败",
            "body": "见附件",
            "attachments": [SimpleUploadedFile(f"{n}.png", png(), "image/png") for n in range(6)],
        },
    )
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_header_injection_in_a_name_cannot_reach_the_response(
    customer: Any, customer_client: Client
) -> None:
    ticket = open_with(customer, [upload("a\r\nSet-Cookie: x=1.png", png())])
    row = ticket.attachments.get()
    served = customer_client.get(f"/support/files/{row.public_id}/")
    assert "Set-Cookie" not in served.headers or "x=1" not in served.headers.get("Set-Cookie", "")
    assert "\r" not in served["Content-Disposition"] and "\n" not in served["Content-Disposition"]
    assert served["Content-Disposition"].endswith("filename*=UTF-8''aSet-Cookie_%20x%3D1.png")


def test_access_matrix(
    customer: Any,
    customer_client: Client,
    agent: Any,
    user_factory: Callable[..., Any],
) -> None:
    ticket = open_with(customer, [upload("public.png", png())])
    public = ticket.attachments.get()
    actions.add_message(
        Actor.agent(agent.pk),
        ticket.number,
        "内部备注",
        visibility=Visibility.INTERNAL,
        files=[upload("internal.png", png())],
    )
    internal = ticket.attachments.exclude(pk=public.pk).get()
    other = Client()
    other.force_login(user_factory())
    agent_client = Client()
    agent_client.force_login(agent)
    # Staff whose role group lost the desk permission.
    Group.objects.get(name="senior agent").permissions.remove(
        Permission.objects.get(content_type__app_label="tickets", codename="work_tickets")
    )
    no_desk = Client()
    no_desk.force_login(user_factory(role=Role.SENIOR_AGENT))
    anonymous = Client()

    def status(client: Client, path: str) -> int:
        return client.get(path).status_code

    support = "/support/files/{}/"
    desk = "/desk/files/{}/"
    # The owner: public files only.
    assert status(customer_client, support.format(public.public_id)) == 200
    assert status(customer_client, support.format(internal.public_id)) == 404
    # Another customer: not found, never forbidden.
    assert status(other, support.format(public.public_id)) == 404
    # Staff with the desk permission: both, through the desk.
    assert status(agent_client, desk.format(public.public_id)) == 200
    assert status(agent_client, desk.format(internal.public_id)) == 200
    # Customers cannot use the desk route; staff without the permission are refused.
    assert status(customer_client, desk.format(public.public_id)) == 403
    assert status(no_desk, desk.format(public.public_id)) == 403
    # Signed out: sent to sign in.
    for path in (support.format(public.public_id), desk.format(public.public_id)):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/account/login/" in response["Location"]


# --- The API ---------------------------------------------------------------------------------


def test_api_upload_then_attach_to_a_new_ticket_and_download(
    customer: Any, customer_client: Client, user_factory: Callable[..., Any]
) -> None:
    uploaded = customer_client.post(
        "/api/v1/tickets/files",
        {"file": SimpleUploadedFile("scan.pdf", pdf(), "application/pdf")},
    )
    assert uploaded.status_code == 201, uploaded.content
    upload_id = uploaded.json()["id"]
    assert uploaded.json()["content_type"] == "application/pdf"
    created = customer_client.post(
        "/api/v1/tickets",
        {
            "subject": "付款失败",
            "body": "见附件",
            "category": "payment_failed",
            "attachments": [upload_id],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    first = created.json()["messages"][0]
    assert [a["id"] for a in first["attachments"]] == [upload_id]
    download = customer_client.get(f"/api/v1/tickets/files/{upload_id}")
    assert download.status_code == 200
    assert download.getvalue().startswith(b"%PDF-")
    # An upload is used once, and only by its owner.
    again = customer_client.post(
        "/api/v1/tickets",
        {"subject": "x", "body": "y", "category": "payment_failed", "attachments": [upload_id]},
        content_type="application/json",
    )
    assert again.status_code == 404 and again.json()["error"]["code"] == "attachment_not_found"
    other = Client()
    other.force_login(user_factory())
    assert other.get(f"/api/v1/tickets/files/{upload_id}").status_code == 404


def test_api_refuses_bad_uploads_with_their_codes(customer_client: Client) -> None:
    forged = customer_client.post(
        "/api/v1/tickets/files", {"file": SimpleUploadedFile("x.png", b"MZ\x90\x00", "image/png")}
    )
    assert forged.status_code == 400
    assert forged.json()["error"]["code"] == "attachment_type_not_allowed"
    js = customer_client.post(
        "/api/v1/tickets/files",
        {"file": SimpleUploadedFile("x.pdf", pdf(script=True), "application/pdf")},
    )
    assert js.status_code == 400 and js.json()["error"]["code"] == "attachment_active_content"
    assert not Attachment.objects.exists()


def test_the_ticket_costs_the_same_queries_with_one_file_or_many(
    customer: Any, customer_client: Client, django_assert_num_queries: Any
) -> None:
    ticket = open_with(customer, [upload("a.png", png())])
    customer_client.get(f"/api/v1/tickets/{ticket.number}")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert customer_client.get(f"/api/v1/tickets/{ticket.number}").status_code == 200
    for n in range(3):
        actions.add_message(
            Actor.customer(customer.pk),
            ticket.number,
            f"补充 {n}",
            files=[upload(f"{m}.png", png()) for m in range(4)],
        )
    with django_assert_num_queries(len(few)):
        response = customer_client.get(f"/api/v1/tickets/{ticket.number}")
    assert sum(len(m["attachments"]) for m in response.json()["messages"]) == 13


def test_agents_attach_to_replies_and_notes_in_the_desk(
    customer: Any, customer_client: Client, agent: Any
) -> None:
    ticket = open_with(customer, [])
    desk = Client()
    desk.force_login(agent)
    replied = desk.post(
        f"/desk/{ticket.number}/reply/",
        {
            "body": "请看这份说明",
            "attachments": [SimpleUploadedFile("guide.pdf", pdf(), "application/pdf")],
        },
    )
    assert replied.status_code == 302
    noted = desk.post(
        f"/desk/{ticket.number}/note/",
        {"body": "银行回单", "attachments": [SimpleUploadedFile("bank.png", png(), "image/png")]},
    )
    assert noted.status_code == 302
    guide = Attachment.objects.get(original_name="guide.pdf")
    bank = Attachment.objects.get(original_name="bank.png")
    assert guide.message is not None and guide.message.visibility == Visibility.PUBLIC
    assert bank.message is not None and bank.message.visibility == Visibility.INTERNAL
    page = desk.get(f"/desk/{ticket.number}/").content.decode()
    assert f"/desk/files/{guide.public_id}/" in page and f"/desk/files/{bank.public_id}/" in page
    mine = customer_client.get(f"/support/{ticket.number}/").content.decode()
    assert f"/support/files/{guide.public_id}/" in mine and str(bank.public_id) not in mine
    # A refused file in the desk says why and sends nothing.
    refused = desk.post(
        f"/desk/{ticket.number}/reply/",
        {
            "body": "再看",
            "attachments": [SimpleUploadedFile("x.pdf", pdf(script=True), "application/pdf")],
        },
        follow=True,
    )
    assert "x.pdf" in refused.content.decode()
    assert ticket.messages.count() == 3


def test_a_customer_reply_takes_files(customer: Any, customer_client: Client) -> None:
    ticket = open_with(customer, [])
    response = customer_client.post(
        f"/support/{ticket.number}/reply/",
        {
            "body": "补充截图",
            "attachments": [SimpleUploadedFile("more.webp", webp(), "image/webp")],
        },
    )
    assert response.status_code == 302
    assert ticket.attachments.get().content_type == "image/webp"


def test_unused_api_uploads_are_removed_after_a_day(customer: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    row = attachments.upload(Actor.customer(customer.pk), upload("late.png", png()))
    storage = row.file.storage
    name = str(row.file.name)
    assert attachments.delete_unbound(timezone.now()) == 0
    assert attachments.delete_unbound(timezone.now() + timedelta(hours=25)) == 1
    assert not Attachment.objects.exists() and not storage.exists(name)
