"""A record's title is drawn in the reader's language: titles are stored in the language active
when the record was made, and the ones we write (transfers, top-ups, withdrawals) must not show
in Chinese to a reader who chose English. A payment's title is the merchant's name (data)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from walletdesk.payments import activity
from walletdesk.payments.enums import ActivityStatus, ActivityType

pytestmark = pytest.mark.django_db


def _record(user_id: int, kind: ActivityType, title: str, counterparty: str = "") -> None:
    activity.record(
        activity.activity(
            user_id=user_id,
            type=kind,
            status=ActivityStatus.SUCCEEDED,
            currency="CNY",
            amount=-5000,
            title=title,
            counterparty=counterparty,
            object_public_id=uuid.uuid4(),
        )
    )


@pytest.mark.parametrize(
    ("language", "transfer", "top_up"),
    [("en", "Transfer to 王芳", "Top-up"), ("zh-hans", "转账给王芳", "充值")],
)
def test_records_draw_our_titles_in_the_readers_language(
    user_factory: Any, language: str, transfer: str, top_up: str
) -> None:
    reader = user_factory(preferred_language=language)
    _record(reader.pk, ActivityType.TRANSFER_OUT, "转账给王芳", counterparty="王芳")
    _record(reader.pk, ActivityType.TOP_UP, "银行卡充值")
    _record(reader.pk, ActivityType.PAYMENT, "瑞幸咖啡", counterparty="瑞幸咖啡")
    client = Client()
    client.force_login(reader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    page = client.get("/records/").content.decode()

    assert transfer in page and top_up in page and "瑞幸咖啡" in page
    if language == "en":
        assert "转账给" not in page and "银行卡充值" not in page
