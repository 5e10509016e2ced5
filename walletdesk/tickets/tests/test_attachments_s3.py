"""Attachments on an S3-compatible store (`WALLETDESK_ATTACHMENT_STORAGE=s3`): moto's S3 server runs
on loopback as the endpoint, the attachments storage is django-storages' S3Storage pointed at it,
a screenshot goes up through the new-request page and comes back through the authorisation-checked
download view, read from the bucket."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from io import BytesIO
from typing import Any

import boto3
import pytest
from django.conf import settings
from django.test import Client, override_settings
from moto.server import ThreadedMotoServer
from PIL import Image

from walletdesk.tickets.models import Attachment, Ticket
from walletdesk.tickets.tests.test_attachments import ask_with_a_screenshot

pytestmark = pytest.mark.django_db

BUCKET = "walletdesk-attachments"
CREDENTIALS = {"access_key": "testing-key", "secret_key": "testing-secret"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint: str) -> Iterator[Any]:
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
    )
    client.create_bucket(Bucket=BUCKET)
    store = {
        **settings.STORAGES,
        "attachments": {
            # The production entry (config/settings/base.py) with the test server's address.
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "location": "attachments",
                "default_acl": "private",
                "file_overwrite": False,
                "querystring_auth": True,
                **CREDENTIALS,
            },
        },
    }
    with override_settings(STORAGES=store):
        yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_a_screenshot_is_stored_in_the_bucket_and_served_only_to_its_owner(
    bucket: Any, customer: Any, customer_client: Client, user_factory: Callable[..., Any]
) -> None:
    ask_with_a_screenshot(customer_client)
    row = Attachment.objects.get(ticket=Ticket.objects.get(customer=customer))

    keys = [item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [f"attachments/{row.file.name}"]
    stored = bucket.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read()
    assert len(stored) == row.size
    assert dict(Image.open(BytesIO(stored)).getexif()) == {}  # re-encoded before it was stored

    served = customer_client.get(f"/support/files/{row.public_id}/")
    assert served.status_code == 200
    assert served.getvalue() == stored
    assert served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "private, no-store"

    stranger = Client()
    stranger.force_login(user_factory())
    assert stranger.get(f"/support/files/{row.public_id}/").status_code == 404
