"""Staff sign-in (first-login enrolment), the admin behind the app's login, and what each role
may open (ACC-2, ACC-4)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client

from walletdesk.identity import totp
from walletdesk.identity.enums import Role
from walletdesk.identity.models import (
    AuditEvent,
    KycSubmission,
    RecoveryCode,
    TotpDevice,
    User,
)
from walletdesk.identity.tests.conftest import PASSWORD, log_in

pytestmark = pytest.mark.django_db
CODE_ITEM = re.compile(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>")


def _enrol_totp(client: Any) -> tuple[str, list[str]]:
    page = client.get("/account/login/enrol/")
    assert page.status_code == 200
    found = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.content.decode())
    assert found is not None
    secret = found.group(1)
    response = client.post(
        "/account/login/enrol/", {"code": totp.code_at(secret, totp.current_step())}
    )
    assert response.status_code == 200, response.content[:500]
    return secret, CODE_ITEM.findall(response.content.decode())


def test_first_sign_in_of_an_agent_enrols_totp_before_any_page(user_factory, web):
    agent = User.objects.create_user(
        "new.agent@walletdesk.example",
        PASSWORD,
        email="new.agent@walletdesk.example",
        role=Role.AGENT,
    )
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False) as clock:
        client = web()
        response = log_in(client, agent.login_name)
        assert response["Location"] == "/account/login/enrol/"
        # The password alone opens nothing: not the staff pages, not the verify page.
        assert client.get("/account/staff/")["Location"].startswith("/account/login/")
        assert client.get("/account/login/verify/")["Location"] == "/account/login/enrol/"
        wrong = client.post("/account/login/enrol/", {"code": "000000"})
        assert wrong.status_code == 400
        secret, codes = _enrol_totp(client)
        assert len(codes) == 10 and len(set(codes)) == 10
        stored = list(RecoveryCode.objects.filter(user=agent).values_list("code_hash", flat=True))
        assert len(stored) == 10 and not set(codes) & set(stored)
        assert client.get("/account/staff/").status_code == 200

        # Second sign-in: the authenticator, not enrolment; SMS is not offered to staff.
        clock.shift(60)
        again = web()
        assert log_in(again, agent.login_name)["Location"] == "/account/login/verify/"
        code = totp.code_at(secret, totp.current_step())
        done = again.post("/account/login/verify/", {"method": "totp", "code": code})
        assert done.status_code == 302 and done["Location"] == "/account/staff/"
        # A recovery code works once.
        third = web()
        log_in(third, agent.login_name)
        assert (
            third.post("/account/login/verify/", {"method": "recovery", "code": codes[0]})[
                "Location"
            ]
            == "/account/staff/"
        )
        fourth = web()
        log_in(fourth, agent.login_name)
        reused = fourth.post("/account/login/verify/", {"method": "recovery", "code": codes[0]})
        assert reused.status_code == 400


def test_enrolment_is_only_for_a_pending_staff_login(user_factory, web, customer):
    assert web().get("/account/login/enrol/")["Location"] == "/account/login/"
    client = web()
    log_in(client, customer.login_name)  # a customer without 2FA is signed in directly
    assert client.get("/account/login/enrol/").status_code == 302
    assert not TotpDevice.objects.filter(user=customer).exists()


def test_passkey_enrolment_options_need_a_pending_staff_login(web):
    refused = web().post("/account/login/enrol/passkey/options/")
    assert refused.status_code == 401


def test_admin_login_hands_over_to_the_app_login(user_factory, web):
    admin = user_factory(role=Role.ADMIN, is_superuser=True)
    client = web()
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/?next=")
    # Posting a password to the admin's login signs nobody in.
    posted = client.post("/admin/login/", {"username": admin.login_name, "password": PASSWORD})
    assert posted.status_code == 302 and posted["Location"].startswith("/account/login/")
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_a_password_only_session_reaches_neither_admin_nor_staff_pages(user_factory, web):
    admin = user_factory(role=Role.ADMIN, is_superuser=True)
    TotpDevice.objects.create(
        user=admin, secret=totp.new_secret(), confirmed_at="2026-11-01T00:00Z"
    )
    client = web()
    assert log_in(client, admin.login_name)["Location"] == "/account/login/verify/"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert client.get("/admin/login/")["Location"].startswith("/account/login/")
    for url in ("/account/staff/", "/account/staff/kyc/"):
        assert client.get(url)["Location"].startswith("/account/login/")


def test_admin_password_change_is_the_app_password_change(user_factory):
    admin = user_factory(role=Role.ADMIN, is_superuser=True)
    client = Client()
    client.force_login(admin)
    response = client.get("/admin/password_change/")
    assert response.status_code == 302 and response["Location"] == "/account/security/password/"
    assert (
        client.post("/admin/password_change/", {"old_password": PASSWORD})["Location"]
        == "/account/security/password/"
    )


# --- Roles -------------------------------------------------------------------------------------

ROLES = [Role.AGENT, Role.SENIOR_AGENT, Role.SUPERVISOR, Role.ADMIN]


def test_the_role_groups_are_seeded_with_their_permissions():
    names = set(Group.objects.values_list("name", flat=True))
    assert {"agent", "senior agent", "supervisor", "admin"} <= names
    agent = set(Group.objects.get(name="agent").permissions.values_list("codename", flat=True))
    assert agent == {
        "view_customer_data",
        "refund_payment",
        "view_approval_queue",
        "work_tickets",
        "freeze_customer",
        "requery_rail",
        "resend_code",
    }
    senior = set(
        Group.objects.get(name="senior agent").permissions.values_list("codename", flat=True)
    )
    assert {"review_kyc", "approve_refund", "approve_unfreeze", "unlock_payment_password"} <= senior
    assert "use_admin_site" not in senior
    supervisor = Group.objects.get(name="supervisor").permissions
    assert supervisor.filter(codename="view_payment").exists()
    assert not supervisor.filter(codename="change_payment").exists()
    assert supervisor.filter(codename="supervise_chats").exists()
    assert "supervise_chats" not in senior


def test_a_new_staff_member_joins_their_role_group_and_moves_with_the_role(user_factory):
    agent = user_factory(role=Role.AGENT)
    assert list(agent.groups.values_list("name", flat=True)) == ["agent"]
    agent.role = Role.SUPERVISOR
    agent.save(update_fields=["role"])
    assert list(agent.groups.values_list("name", flat=True)) == ["supervisor"]
    assert not user_factory().groups.exists()


@pytest.fixture
def people(user_factory: Any) -> dict[str, Any]:
    found = {"customer": user_factory()}
    for role in ROLES:
        found[str(role)] = user_factory(role=role)
    return found


def _as(people: dict[str, Any], who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(people[who])
    return client


# Expected status per page and role. 302 = sent to the login page; 403 = refused and audited.
MATRIX: dict[str, dict[str, int]] = {
    "kyc_queue": {
        "anonymous": 302,
        "customer": 403,
        "agent": 403,
        "senior_agent": 200,
        "supervisor": 200,
        "admin": 200,
    },
    "kyc_review": {
        "anonymous": 302,
        "customer": 403,
        "agent": 403,
        "senior_agent": 200,
        "supervisor": 200,
        "admin": 200,
    },
    "deliveries": {
        "anonymous": 302,
        "customer": 403,
        "agent": 200,
        "senior_agent": 200,
        "supervisor": 200,
        "admin": 200,
    },
    "approvals": {
        "anonymous": 302,
        "customer": 403,
        "agent": 200,
        "senior_agent": 200,
        "supervisor": 200,
        "admin": 200,
    },
    "admin_index": {
        "anonymous": 302,
        "customer": 403,
        "agent": 403,
        "senior_agent": 403,
        "supervisor": 200,
        "admin": 200,
    },
}


@pytest.mark.parametrize("who", ["anonymous", "customer", *[str(r) for r in ROLES]])
@pytest.mark.parametrize("page", sorted(MATRIX))
def test_access_matrix_per_role(people, who, page):
    owner = people["customer"]
    submission = KycSubmission.objects.create(
        user=owner, real_name="张三", id_number_last4="1234", id_number_hash="x"
    )
    url = {
        "kyc_queue": "/account/staff/kyc/",
        "kyc_review": f"/account/staff/kyc/{submission.public_id}/",
        "deliveries": f"/account/staff/deliveries/{owner.public_id}/?reason=customer_contact",
        "approvals": "/account/staff/",
        "admin_index": "/admin/",
    }[page]
    client = _as(people, who)
    response = client.get(url, follow=page == "admin_index" and who != "anonymous")
    expected = MATRIX[page][who]
    assert response.status_code == expected, (page, who, response.status_code)
    if expected == 403:
        assert AuditEvent.objects.filter(action="access_denied", result="denied").exists()


def test_the_admin_index_lists_only_what_the_role_may_see(people):
    supervisor = _as(people, "supervisor").get("/admin/").content.decode()
    assert "/admin/payments/payment/" in supervisor
    assert "/admin/identity/user/" not in supervisor and "/admin/auth/group/" not in supervisor
    admin = _as(people, "admin").get("/admin/").content.decode()
    assert "/admin/identity/user/" in admin and "/admin/auth/group/" in admin


def test_customer_data_opens_only_with_a_reason_and_the_reason_is_audited(people):
    owner = people["customer"]
    client = _as(people, "agent")
    ask = client.get(f"/account/staff/deliveries/{owner.public_id}/")
    assert ask.status_code == 200 and owner.display_name not in ask.content.decode()
    assert not AuditEvent.objects.filter(action="delivery_status_view").exists()
    bad = client.get(f"/account/staff/deliveries/{owner.public_id}/?reason=curious")
    assert bad.status_code == 400
    shown = client.get(f"/account/staff/deliveries/{owner.public_id}/?reason=ticket")
    assert shown.status_code == 200 and owner.display_name in shown.content.decode()
    row = AuditEvent.objects.get(action="delivery_status_view")
    assert row.data["reason_code"] == "ticket" and row.actor_id == people["agent"].pk


def test_identity_documents_are_for_kyc_reviewers_only(people):
    from walletdesk.identity.models import KycDocument

    submission = KycSubmission.objects.create(
        user=people["customer"], real_name="张三", id_number_last4="1234", id_number_hash="x"
    )
    document = KycDocument.objects.create(
        submission=submission,
        side="front",
        file="kyc/missing.jpg",
        content_type="image/jpeg",
        size=1,
        sha256="0" * 64,
    )
    response = _as(people, "agent").get(f"/account/kyc/documents/{document.public_id}/")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="kyc_document_view").exists()
