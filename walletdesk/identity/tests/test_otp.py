"""AUTH-4..8: one-time codes."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import connection, connections

from walletdesk.identity import otp
from walletdesk.identity.enums import OtpPurpose
from walletdesk.identity.errors import CodeCooldownError, CodeInvalidError, CodeSendLimitedError
from walletdesk.identity.models import OneTimeCode
from walletdesk.identity.tests.conftest import last_code
from walletdesk.notifications.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue(customer, run_on_commit):
    def make(purpose=OtpPurpose.LOGIN, **kw):
        with run_on_commit():
            otp.issue_code(customer, purpose, **kw)
        return last_code(customer.phone)

    return make


def test_codes_are_six_ascii_digits_from_secrets(monkeypatch):
    calls: list[int] = []

    def fake_randbelow(n: int) -> int:
        calls.append(n)
        return 42

    monkeypatch.setattr("walletdesk.identity.otp.secrets.randbelow", fake_randbelow)
    assert otp.generate_code() == "000042"
    assert calls == [1_000_000]


@pytest.mark.parametrize(
    "variant", ["１２３４５６", "1_23456", " 123456 ", "+123456", "123456\n", "12345", "1234567"]
)
def test_only_plain_ascii_digits_are_accepted(customer, issue, variant):
    code = issue()
    mangled = {
        "１２３４５６": "".join(chr(0xFF10 + int(d)) for d in code),
        "1_23456": code[0] + "_" + code[1:],
        " 123456 ": f" {code} ",
        "+123456": f"+{code}",
        "123456\n": code + "\n",
        "12345": code[:5],
        "1234567": code + "7",
    }[variant]
    with pytest.raises(CodeInvalidError):
        otp.verify_code(customer, OtpPurpose.LOGIN, mangled)
    assert otp.verify_code(customer, OtpPurpose.LOGIN, code).used_at is not None


def test_a_code_expires_after_five_minutes(customer, issue):
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False) as clock:
        code = issue()
        clock.shift(299)
        otp.verify_code(customer, OtpPurpose.LOGIN, code)
        clock.shift(61)
        second = issue()
        clock.shift(301)
        with pytest.raises(CodeInvalidError):
            otp.verify_code(customer, OtpPurpose.LOGIN, second)


def test_a_code_works_once(customer, issue):
    code = issue()
    otp.verify_code(customer, OtpPurpose.LOGIN, code)
    with pytest.raises(CodeInvalidError):
        otp.verify_code(customer, OtpPurpose.LOGIN, code)


def test_a_code_is_bound_to_its_purpose_and_account(customer, issue, user_factory):
    code = issue(OtpPurpose.LOGIN)
    with pytest.raises(CodeInvalidError):
        otp.verify_code(customer, OtpPurpose.PHONE_CHANGE, code)
    other = user_factory()
    with pytest.raises(CodeInvalidError):
        otp.verify_code(other, OtpPurpose.LOGIN, code)
    otp.verify_code(customer, OtpPurpose.LOGIN, code)


def test_five_wrong_entries_kill_the_code(customer, issue):
    code = issue()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(CodeInvalidError):
            otp.verify_code(customer, OtpPurpose.LOGIN, wrong)
    with pytest.raises(CodeInvalidError):
        otp.verify_code(customer, OtpPurpose.LOGIN, code)


def test_ten_failures_an_hour_block_the_account_even_with_fresh_codes(customer, issue):
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False) as clock:
        for _ in range(2):
            code = issue()
            for _ in range(5):
                with pytest.raises(CodeInvalidError):
                    otp.verify_code(
                        customer, OtpPurpose.LOGIN, "999999" if code != "999999" else "888888"
                    )
            clock.shift(61)
        code = issue()
        with pytest.raises(CodeInvalidError):
            otp.verify_code(customer, OtpPurpose.LOGIN, code)
        clock.shift(3600 + 120)
        code = issue()
        otp.verify_code(customer, OtpPurpose.LOGIN, code)


def test_resend_needs_sixty_seconds_and_the_sixth_send_in_an_hour_is_refused(customer, issue):
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False) as clock:
        issue()
        with pytest.raises(CodeCooldownError):
            otp.issue_code(customer, OtpPurpose.LOGIN)
        for _ in range(4):
            clock.shift(61)
            issue()
        clock.shift(61)
        messages_before = Message.objects.count()
        with pytest.raises(CodeSendLimitedError):
            otp.issue_code(customer, OtpPurpose.LOGIN)
        assert Message.objects.count() == messages_before
        assert OneTimeCode.objects.filter(user=customer).count() == 5


def test_ten_sends_a_day_per_ip(user_factory, run_on_commit):
    users = [user_factory() for _ in range(11)]
    with run_on_commit():
        for user in users[:10]:
            otp.issue_code(user, OtpPurpose.LOGIN, ip="198.51.100.7")
    with pytest.raises(CodeSendLimitedError):
        otp.issue_code(users[10], OtpPurpose.LOGIN, ip="198.51.100.7")


def test_codes_are_stored_only_as_hmac_and_never_in_any_column(customer, issue):
    code = issue()
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                assert not any(code in str(value) for value in row), table
    row = OneTimeCode.objects.get(user=customer)
    assert len(row.code_hash) == 64 and code not in row.code_hash


def test_delivery_status_is_recorded_and_visible_to_agents_without_the_code(
    customer, issue, user_factory, web
):
    from walletdesk.identity.enums import Role

    code = issue()
    message = Message.objects.get(user=customer, kind="code")
    assert message.status == "sent" and message.provider == "dev-outbox" and message.redacted
    agent = user_factory(role=Role.AGENT)
    client = web()
    client.force_login(agent)
    page = client.get(f"/account/staff/deliveries/{customer.public_id}/?reason=customer_contact")
    assert page.status_code == 200
    body = page.content.decode()
    assert "sent" in body and "138****" in body and code not in body


def test_a_failing_provider_is_recorded_as_failed(customer, run_on_commit, monkeypatch):
    from walletdesk.notifications import providers

    class Broken:
        name = "broken"

        def send(self, to, text):
            raise TimeoutError("gateway timeout")

    monkeypatch.setattr(providers, "_sms_provider", lambda path: Broken())
    with run_on_commit():
        otp.issue_code(customer, OtpPurpose.LOGIN)
    message = Message.objects.get(user=customer, kind="code")
    assert (message.status, message.error, message.provider) == ("failed", "TimeoutError", "broken")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_racing_verifications_of_one_code_succeed_exactly_once(customer):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database cannot run two writers at once")
    otp.issue_code(customer, OtpPurpose.LOGIN)
    code = last_code(customer.phone)
    results: list[str] = []
    barrier = threading.Barrier(2, timeout=30)

    def attempt() -> None:
        barrier.wait()
        try:
            otp.verify_code(customer, OtpPurpose.LOGIN, code)
            results.append("ok")
        except CodeInvalidError:
            results.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["ok", "refused"]
