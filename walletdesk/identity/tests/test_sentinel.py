"""AUD-2: run the main flows with sentinel secrets; none may appear in logs, mail, messages,
audit rows or any database column."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.db import connection

from walletdesk.identity.models import User
from walletdesk.identity.tests.conftest import last_code, log_in
from walletdesk.notifications.models import Message

pytestmark = pytest.mark.django_db
SENTINEL_PASSWORD = "SENTINEL-pass-7f3a9c-long"
NEW_SENTINEL = "SENTINEL-new-b81d44-long"


def _all_database_text() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table == "django_session":  # the session store holds session ids by design
                continue
            cursor.execute(f'SELECT * FROM "{table}"')
            chunks += [str(value) for row in cursor.fetchall() for value in row]
    return "\n".join(chunks)


def test_no_secret_reaches_logs_mail_messages_audit_or_database(web, caplog, user_factory):
    caplog.set_level(logging.DEBUG)
    user = user_factory(password=SENTINEL_PASSWORD, email="owner@example.com")
    secrets_seen: list[str] = [SENTINEL_PASSWORD, NEW_SENTINEL]
    client = web()
    log_in(client, user.login_name, "SENTINEL-wrong-0000-long")
    log_in(client, user.login_name, SENTINEL_PASSWORD)
    client.post("/account/security/verify/send/")
    code = last_code(user.phone)
    client.post(
        "/account/security/verify/", {"password": SENTINEL_PASSWORD, "method": "code", "code": code}
    )
    token = (
        web()
        .post(
            "/api/v1/identity/tokens",
            {"username": user.login_name, "password": SENTINEL_PASSWORD},
            content_type="application/json",
        )
        .json()["token"]
    )
    secrets_seen += [token, client.cookies["sessionid"].value]
    reset = web()
    reset.post("/account/password/forgot/", {"identifier": user.phone})
    reset_code = last_code(user.phone)
    reset.post("/account/password/reset/", {"code": reset_code, "new_password": NEW_SENTINEL})
    secrets_seen += [code, reset_code]
    assert User.objects.get(pk=user.pk).check_password(NEW_SENTINEL)

    haystacks = {
        "logs": "\n".join(record.getMessage() + str(record.__dict__) for record in caplog.records),
        "mail": "\n".join(str(m.subject) + str(m.body) for m in mail.outbox),
        "stored messages": "\n".join(m.subject + m.body for m in Message.objects.all()),
        "database": _all_database_text(),
    }
    for where, text in haystacks.items():
        for secret in secrets_seen:
            assert secret not in text, f"a secret leaked into {where}"
