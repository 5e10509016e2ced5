"""AUTH-1..3, sign-up, enumeration, SES-1..5."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client

from walletdesk.identity.enums import Role
from walletdesk.identity.models import AuditEvent, LoginEvent, User
from walletdesk.identity.tests.conftest import PASSWORD, last_code, log_in

pytestmark = pytest.mark.django_db

ARGON2 = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
_VOLATILE = re.compile(rb'(csrfmiddlewaretoken" value="|X-CSRFToken": "|nonce=")[^"&]*')


def _stable(body: bytes) -> bytes:
    return _VOLATILE.sub(rb"\1", body)


def test_new_passwords_are_argon2id_with_djangos_parameters(settings, user_factory):
    settings.PASSWORD_HASHERS = ARGON2
    user = user_factory()
    assert user.password.startswith("argon2$argon2id$v=19$m=102400,t=2,p=8$")


def test_a_pbkdf2_hash_is_upgraded_to_argon2_on_login(settings, user_factory, web):
    settings.PASSWORD_HASHERS = list(reversed(ARGON2))
    user = user_factory()
    assert user.password.startswith("pbkdf2_sha256$")
    settings.PASSWORD_HASHERS = ARGON2
    assert log_in(web(), user.login_name).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")


def _signup(client: Client, identifier: str, password: str, name: str = "小王") -> int:
    response = client.post(
        "/account/signup/", {"identifier": identifier, "password": password, "display_name": name}
    )
    return response.status_code


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("a" * 5 + "bcdef" + "g", 400),
        ("x" * 129, 400),
        ("password1234", 400),
        ("my wallet pass", 400),
    ],
)
def test_weak_or_overlong_passwords_are_refused(web, password, expected):
    client = web()
    assert _signup(client, "13900001111", password) == expected
    assert not User.objects.filter(login_name="+8613900001111").exists()


def test_a_64_character_unicode_password_registers_and_logs_in_without_truncation(web):
    password = "我的 钱包 🔐 long passphrase with spaces and emoji 🐼🐼 " + "z" * 10
    password = password[:64].ljust(64, "q")
    long_password = password + "0123456789" + "ABCDEFGHIJ" + "abcdefgh"  # 92 chars
    client = web()
    assert _signup(client, "+44 7911 123456", long_password) == 302
    assert (
        client.post("/account/signup/verify/", {"code": last_code("+447911123456")}).status_code
        == 302
    )
    user = User.objects.get(login_name="+447911123456")
    assert user.is_active and user.phone == "+447911123456"
    assert log_in(web(), "+447911123456", long_password).status_code == 302
    changed = long_password[:69] + ("X" if long_password[69] != "X" else "Y") + long_password[70:]
    assert log_in(web(), "+447911123456", changed).status_code == 400


def test_email_signup_sends_the_code_by_email(web, mailoutbox):
    client = web()
    assert _signup(client, "Xiao.Wang@Example.COM", "a quiet river at dawn") == 302
    assert (
        client.post(
            "/account/signup/verify/", {"code": last_code("xiao.wang@example.com")}
        ).status_code
        == 302
    )
    assert User.objects.get(login_name="xiao.wang@example.com").is_active


def test_signup_with_a_registered_number_looks_exactly_like_a_new_one(web, customer):
    taken = web().post(
        "/account/signup/",
        {"identifier": customer.phone, "password": "a quiet river at dawn", "display_name": ""},
    )
    fresh = web().post(
        "/account/signup/",
        {"identifier": "13900002222", "password": "a quiet river at dawn", "display_name": ""},
    )
    assert (taken.status_code, taken["Location"], taken.content) == (
        fresh.status_code,
        fresh["Location"],
        fresh.content,
    )
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_wrong_password_and_unknown_user_get_the_same_answer(web, customer):
    known = log_in(web(), customer.login_name, "wrong password here")
    unknown = log_in(web(), "13900009999", "wrong password here")
    assert known.status_code == unknown.status_code == 400
    assert _stable(known.content).replace(customer.login_name.encode(), b"") == _stable(
        unknown.content
    ).replace(b"13900009999", b"")


def test_five_failures_lock_the_username_for_thirty_minutes_then_it_works(web, customer):
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False) as clock:
        for _ in range(5):
            assert log_in(web(), customer.login_name, "wrong password here").status_code == 400
        locked = log_in(web(), customer.login_name)
        assert locked.status_code == 429
        ghost = [log_in(web(), "13900009999", "wrong password here") for _ in range(6)][-1]
        assert ghost.status_code == 429
        assert _stable(ghost.content).replace(b"13900009999", b"") == _stable(
            locked.content
        ).replace(customer.login_name.encode(), b"")
        clock.shift(31 * 60)
        assert log_in(web(), customer.login_name).status_code == 302
    assert AuditEvent.objects.filter(action="lockout", subject_id=customer.pk).count() == 1


def test_staff_lock_at_the_tenth_failure_and_stay_locked_for_thirty_minutes(web, user_factory):
    agent = user_factory(role=Role.AGENT)
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False) as clock:
        for _ in range(9):
            assert log_in(web(), agent.login_name, "wrong password here").status_code == 400
        assert log_in(web(), agent.login_name, "wrong password here").status_code == 400
        assert log_in(web(), agent.login_name).status_code == 429
        clock.shift(29 * 60)
        assert log_in(web(), agent.login_name).status_code == 429
        clock.shift(2 * 60 + 1)
        response = log_in(web(), agent.login_name)
        assert response.status_code == 302 and response["Location"] in {
            "/account/login/verify/",
            "/account/login/enrol/",
        }


def test_twenty_failures_from_one_ip_block_that_ip_for_thirty_minutes(web, user_factory):
    users = [user_factory() for _ in range(5)]
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False) as clock:
        for i in range(20):
            log_in(web(ip="203.0.113.9"), users[i % 5].login_name, "wrong password here")
        fresh = user_factory()
        assert log_in(web(ip="203.0.113.9"), fresh.login_name).status_code == 429
        assert log_in(web(ip="203.0.113.10"), fresh.login_name).status_code == 302
        clock.shift(29 * 60)
        assert log_in(web(ip="203.0.113.9"), fresh.login_name).status_code == 429
        clock.shift(2 * 60)
        assert log_in(web(ip="203.0.113.9"), fresh.login_name).status_code == 302


def test_login_history_records_success_and_failure(web, customer):
    log_in(web(), customer.login_name, "wrong password here")
    log_in(web(), customer.login_name)
    results = list(
        LoginEvent.objects.filter(user=customer).order_by("id").values_list("result", flat=True)
    )
    assert results == ["failed", "succeeded"]


# --- Sessions ------------------------------------------------------------------------------


def test_session_id_rotates_on_login_and_step_up_and_old_ids_die(web, customer, step_up, settings):
    client = web()
    client.get("/account/login/")
    client.cookies["sessionid"] = "anonymous-session-id-from-attacker"
    log_in(client, customer.login_name)
    after_login = client.cookies["sessionid"].value
    assert after_login != "anonymous-session-id-from-attacker"
    step_up(client, customer)
    after_step_up = client.cookies["sessionid"].value
    assert after_step_up != after_login
    stale = Client()
    stale.cookies["sessionid"] = after_login
    assert stale.get("/account/security/").status_code == 302


def test_customer_idle_timeout_is_thirty_minutes(web, customer):
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False) as clock:
        client = web()
        log_in(client, customer.login_name)
        clock.shift(29 * 60)
        assert client.get("/account/security/").status_code == 200
        clock.shift(31 * 60)
        assert client.get("/account/security/").status_code == 302
        assert client.get("/api/v1/identity/me").status_code == 401


def test_absolute_timeout_is_twelve_hours_even_when_active(web, customer):
    with time_machine.travel("2026-11-20 00:00:00+00:00", tick=False) as clock:
        client = web()
        log_in(client, customer.login_name)
        for _ in range(71):
            clock.shift(10 * 60)
            assert client.get("/account/security/").status_code == 200
        clock.shift(11 * 60)
        assert client.get("/account/security/").status_code == 302


def test_agent_idle_timeout_is_fifteen_minutes(user_factory):
    from walletdesk.identity.tests.conftest import CommitClient

    agent = user_factory(role=Role.AGENT)
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False) as clock:
        client = CommitClient()
        client.force_login(agent)
        assert client.get("/account/security/").status_code == 200
        clock.shift(16 * 60)
        assert client.get("/account/security/").status_code == 302


def test_logout_kills_the_session_server_side(web, customer):
    client = web()
    log_in(client, customer.login_name)
    cookie = client.cookies["sessionid"].value
    assert client.post("/account/logout/").status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert replay.get("/account/security/").status_code == 302
    assert replay.get("/api/v1/identity/me").status_code == 401


def test_revoking_session_b_from_session_a(web, customer):
    a, b = web(), web(user_agent="Mozilla/5.0 (Windows NT 10.0) Chrome/120.0")
    log_in(a, customer.login_name)
    log_in(b, customer.login_name)
    assert b.get("/account/security/").status_code == 200
    from walletdesk.identity.models import UserSession

    b_session = UserSession.objects.filter(user=customer, user_agent__contains="Windows").get()
    assert a.post(f"/account/security/sessions/{b_session.public_id}/revoke/").status_code == 302
    assert b.get("/account/security/").status_code == 302
    assert a.get("/account/security/").status_code == 200


def test_another_customer_cannot_revoke_my_session(web, customer, user_factory):
    other = user_factory()
    mine, theirs = web(), web()
    log_in(mine, customer.login_name)
    log_in(theirs, other.login_name)
    from walletdesk.identity.models import UserSession

    my_session = UserSession.objects.get(user=customer)
    assert (
        theirs.post(f"/account/security/sessions/{my_session.public_id}/revoke/").status_code == 404
    )
    assert mine.get("/account/security/").status_code == 200


def test_password_change_signs_out_other_sessions(web, customer):
    a, b = web(), web()
    log_in(a, customer.login_name)
    log_in(b, customer.login_name)
    response = a.post(
        "/account/security/password/",
        {"old_password": PASSWORD, "new_password": "a brand new passphrase"},
    )
    assert response.status_code == 302
    assert a.get("/account/security/").status_code == 200
    assert b.get("/account/security/").status_code == 302


def test_production_cookies_are_secure_host_prefixed_and_httponly(web, customer, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.CSRF_COOKIE_NAME = "__Host-csrftoken"
    client = web()
    response = client.get("/account/login/", secure=True)
    csrf = response.cookies["__Host-csrftoken"]
    response = client.post(
        "/account/login/", {"username": customer.login_name, "password": PASSWORD}, secure=True
    )
    session = response.cookies["__Host-sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert session["path"] == "/" and not session["domain"]
    assert csrf["secure"]


def test_state_changes_need_csrf_and_same_origin(customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    assert client.post("/account/freeze/").status_code == 403
    page = client.get("/account/security/devices/")
    token = page.cookies.get("csrftoken") or client.cookies["csrftoken"]
    response = client.post(
        "/account/security/sessions/revoke-others/",
        {"csrfmiddlewaretoken": token.value},
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
    assert client.get("/api/v1/identity/freeze").status_code == 405
