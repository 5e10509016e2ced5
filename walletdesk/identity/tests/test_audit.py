"""AUD-1..3: one structured row per event, append-only, hash-chained, verifiable."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from walletdesk.identity import audit
from walletdesk.identity.models import AppendOnlyError, AuditEvent
from walletdesk.identity.tests.conftest import log_in

pytestmark = pytest.mark.django_db
REQUIRED = (
    "occurred_at",
    "actor_id",
    "actor_type",
    "subject_id",
    "action",
    "result",
    "ip",
    "user_agent",
    "request_id",
)


@pytest.mark.parametrize(
    ("flow", "action", "result"),
    [
        ("login_ok", "login", "ok"),
        ("login_fail", "login", "failed"),
        ("logout", "logout", "ok"),
        ("revoke", "session_revoke", "ok"),
    ],
)
def test_each_security_event_writes_exactly_one_row_with_all_fields(
    web, customer, flow, action, result
):
    client = web(ip="203.0.113.5")
    if flow == "login_fail":
        log_in(client, customer.login_name, "wrong password here")
    else:
        log_in(client, customer.login_name)
    before = AuditEvent.objects.filter(action=action).count() if flow in {"logout", "revoke"} else 0
    if flow == "logout":
        client.post("/account/logout/")
    if flow == "revoke":
        client.post("/account/security/sessions/revoke-others/")
    rows = list(AuditEvent.objects.filter(action=action, result=result))
    assert len(rows) - before == 1
    row = rows[-1]
    for field in REQUIRED:
        assert hasattr(row, field)
    assert row.subject_id == customer.pk and row.ip == "203.0.113.5" and "iPhone" in row.user_agent
    assert len(row.request_id) == 32
    assert row.occurred_at.isoformat().endswith("+00:00")


def test_audit_rows_cannot_be_changed_or_deleted(customer):
    event = audit.record("login", "ok", subject=customer)
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(result="failed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE identity_auditevent SET result = 'failed' WHERE id = %s", [event.pk])


def _behind_the_guards(sql: str, params: list[int]) -> None:
    """Change the audit table the way someone with direct database access could: past the
    append-only triggers. The test's transaction rolls the bypass back with everything else."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # triggers off
            cursor.execute(sql, params)
            cursor.execute("SET LOCAL session_replication_role = origin")
        else:
            cursor.execute("DROP TRIGGER identity_auditevent_no_update")
            cursor.execute(sql, params)


def _verify() -> tuple[dict[str, object], CommandError | None]:
    out = StringIO()
    try:
        call_command("audit_verify", stdout=out)
    except CommandError as error:
        return json.loads(out.getvalue()), error
    return json.loads(out.getvalue()), None


def test_the_chain_verifies_and_detects_a_removed_row(customer):
    events = [audit.record("login", "ok", subject=customer, attempt=i) for i in range(3)]
    report, error = _verify()
    assert report["ok"] is True and error is None
    middle = events[1]
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM identity_auditevent WHERE id = %s", [middle.pk])
    _behind_the_guards("DELETE FROM identity_auditevent WHERE id = %s", [middle.pk])
    report, error = _verify()
    assert error is not None
    assert report["ok"] is False and report["first_bad_id"] == events[2].pk
    assert report["reason"] == "previous hash does not match"


def test_the_chain_detects_an_edited_row_written_behind_the_guards(customer):
    audit.record("login", "ok", subject=customer)
    event = audit.record("login", "failed", subject=customer)
    assert _verify() == ({"ok": True, "checked": 2, "first_bad_id": None, "reason": ""}, None)
    _behind_the_guards("UPDATE identity_auditevent SET result = 'ok' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).result == "ok"  # the forgery is in place
    report, error = _verify()
    assert error is not None
    assert report["ok"] is False and report["first_bad_id"] == event.pk
    assert report["reason"] == "row content does not match its hash"


def test_control_characters_are_escaped_and_secret_keys_refused(customer):
    event = audit.record("login", "failed", subject=customer, login_name="x\r\nFAKE admin login ok")
    assert "\r" not in event.data["login_name"] and "\\x0d\\x0aFAKE" in event.data["login_name"]
    with pytest.raises(ValueError, match="secret"):
        audit.record("login", "ok", subject=customer, password="hunter2")
