"""ACC-1/ACC-2: every identity route for anonymous, customer, other customer, agent and admin."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from walletdesk.identity.enums import Role

pytestmark = pytest.mark.django_db

PUBLIC = {
    "login",
    "login_verify",
    "signup",
    "signup_verify",
    "forgot_password",
    "reset_password",
    "freeze_link",
    "passkey_login_options",
    "passkey_login",
    "login_verify_send",
    "logout",
    "login_enrol",
    "login_enrol_passkey_options",
    "login_enrol_passkey",
}
# Per-role expectations for these are in test_staff_access.py.
STAFF = {
    "staff_kyc_queue",
    "staff_kyc_review",
    "staff_deliveries",
    "staff_home",
    "staff_approval_decide",
}
OWNED = {
    "revoke_session",
    "forget_device",
    "passkey_remove",
    "kyc_document",
    "revoke_api_token",
}  # object routes


def identity_routes() -> list[str]:
    resolver = get_resolver()
    names: list[str | None] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "identity":
            names += [p.name for p in entry.url_patterns if isinstance(p, URLPattern)]
    return [name for name in names if name]


def test_the_matrix_covers_every_route():
    assert set(identity_routes()) <= PUBLIC | STAFF | OWNED | set(SELF_SERVICE)


SELF_SERVICE = {
    "security": "/account/security/",
    "step_up": "/account/security/verify/",
    "step_up_send": "/account/security/verify/send/",
    "change_password": "/account/security/password/",
    "change_contact": "/account/security/contact/phone/",
    "contact_confirm": "/account/security/contact-confirm/",
    "two_factor": "/account/security/2fa/",
    "two_factor_disable": "/account/security/2fa/disable/",
    "recovery_codes": "/account/security/2fa/recovery-codes/",
    "sms_second_factor": "/account/security/2fa/sms/",
    "passkeys": "/account/security/passkeys/",
    "passkey_options": "/account/security/passkeys/options/",
    "passkey_register": "/account/security/passkeys/register/",
    "passkey_payment_options": "/account/security/passkeys/payment-options/",
    "devices": "/account/security/devices/",
    "revoke_other_sessions": "/account/security/sessions/revoke-others/",
    "payment_password": "/account/security/payment-password/",
    "payment_password_send": "/account/security/payment-password/send/",
    "freeze": "/account/freeze/",
    "unfreeze": "/account/unfreeze/",
    "unfreeze_send": "/account/unfreeze/send/",
    "unfreeze_review": "/account/unfreeze/review/",
    "profile": "/account/profile/",
    "kyc": "/account/kyc/",
    "close": "/account/close/",
    "close_send": "/account/close/send/",
}
GET_ONLY_POST = {
    "step_up_send",
    "two_factor_disable",
    "recovery_codes",
    "sms_second_factor",
    "passkey_options",
    "passkey_register",
    "passkey_payment_options",
    "revoke_other_sessions",
    "payment_password_send",
    "unfreeze_send",
    "unfreeze_review",
    "close_send",
}


# What a signed-in account gets on its own self-service routes without a recent step-up.
# Pages that change a security setting answer 403 with the step-up prompt; every other page
# serves the account. Anything else (a 403 for another reason, an error page) is a failure.
NEEDS_STEP_UP = {
    "change_contact",
    "contact_confirm",
    "two_factor",
    "two_factor_disable",
    "recovery_codes",
    "sms_second_factor",
}
NOT_200 = {
    "passkey_register": 400,  # an empty POST is not a credential
    "revoke_other_sessions": 302,
    "unfreeze_review": 302,  # nothing is frozen: back to the security page
}
REDIRECTS = {
    "revoke_other_sessions": "/account/security/devices/",
    "unfreeze_review": "/account/security/",
}


@pytest.fixture
def actors(user_factory):
    return {
        "customer": user_factory(),
        "other": user_factory(),
        "agent": user_factory(role=Role.AGENT),
        "admin": user_factory(role=Role.ADMIN),
    }


def _client(actors: Any, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(actors[who])
    return client


@pytest.mark.parametrize("who", ["anonymous", "customer", "agent", "admin"])
@pytest.mark.parametrize(
    "name", sorted(set(SELF_SERVICE) - {"close", "close_send", "freeze", "unfreeze"})
)
def test_self_service_routes_need_a_login_and_serve_the_signed_in_account(actors, who, name):
    url = SELF_SERVICE[name]
    method = "post" if name in GET_ONLY_POST else "get"
    response = getattr(_client(actors, who), method)(url)
    if who == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/account/login/")
    elif name in NEEDS_STEP_UP:
        assert response.status_code == 403, (name, response.status_code)
        assert b'data-error-code="step_up_required"' in response.content
    else:
        assert response.status_code == NOT_200.get(name, 200), (name, response.status_code)
        if name in REDIRECTS:
            assert response["Location"] == REDIRECTS[name]
        if name == "passkey_register":
            assert response.json()["error"]["code"] == "passkey_invalid"


@pytest.mark.parametrize("name", sorted(NEEDS_STEP_UP))
def test_step_up_routes_serve_their_owner_once_stepped_up(actors, name, web, step_up):
    customer = actors["customer"]
    client = web()
    client.force_login(customer)
    step_up(client, customer)
    url = SELF_SERVICE[name]
    if name in GET_ONLY_POST:
        # The POST-only ones act and return to the two-factor page.
        response = client.post(url)
        assert (response.status_code, response["Location"]) == (302, "/account/security/2fa/")
    else:
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "customer", "other", "agent", "admin"])
@pytest.mark.parametrize("name", sorted(STAFF - {"staff_approval_decide"}))  # POST: see below
def test_staff_routes_refuse_customers(actors, who, name, django_assert_max_num_queries):
    from walletdesk.identity.models import KycSubmission

    submission = KycSubmission.objects.create(
        user=actors["customer"], real_name="张三", id_number_last4="1234", id_number_hash="x"
    )
    url = {
        "staff_kyc_queue": "/account/staff/kyc/",
        "staff_kyc_review": f"/account/staff/kyc/{submission.public_id}/",
        "staff_deliveries": f"/account/staff/deliveries/{actors['customer'].public_id}/",
        "staff_home": "/account/staff/",
    }[name]
    response = _client(actors, who).get(url)
    agent = 403 if name.startswith("staff_kyc") else 200  # KYC review is a senior agent's job
    expected = {"anonymous": 302, "customer": 403, "other": 403, "agent": agent, "admin": 200}[who]
    assert response.status_code == expected


@pytest.mark.parametrize("who", ["anonymous", "other", "agent"])
def test_owned_objects_are_404_for_everyone_else(actors, who):
    from walletdesk.identity.authentication import create_api_token
    from walletdesk.identity.models import Passkey, UserSession

    owner = actors["customer"]
    session = UserSession.objects.create(user=owner)
    token, _secret = create_api_token(owner, "phone")
    passkey = Passkey.objects.create(user=owner, credential_id="abc", public_key=b"k")
    client = _client(actors, who)
    urls = [
        f"/account/security/sessions/{session.public_id}/revoke/",
        f"/account/security/passkeys/{passkey.public_id}/remove/",
        f"/account/security/devices/{uuid.uuid4()}/forget/",
        f"/account/security/tokens/{token.public_id}/revoke/",
    ]
    for url in urls:
        response = client.post(url)
        if who == "anonymous":
            assert response.status_code == 302
        else:
            assert response.status_code == 404, url
    session.refresh_from_db()
    token.refresh_from_db()
    assert session.revoked_at is None and Passkey.objects.filter(pk=passkey.pk).exists()
    assert token.revoked_at is None


@pytest.mark.parametrize("who", ["anonymous", "customer", "agent"])
@pytest.mark.parametrize(
    "name",
    sorted(
        PUBLIC
        - {"freeze_link", "logout", "passkey_login", "login_verify_send", "passkey_login_options"}
        - {"login_enrol_passkey", "login_enrol_passkey_options"}
    ),
)
def test_public_pages_open_for_everyone(actors, who, name):
    url = {
        "login": "/account/login/",
        "login_verify": "/account/login/verify/",
        "login_enrol": "/account/login/enrol/",
        "signup": "/account/signup/",
        "signup_verify": "/account/signup/verify/",
        "forgot_password": "/account/password/forgot/",
        "reset_password": "/account/password/reset/",
    }[name]
    response = _client(actors, who).get(url)
    # A later step with no flow in progress sends the caller back to the flow's first page.
    first_step = {
        "login_verify": "/account/login/",
        "signup_verify": "/account/signup/",
        "reset_password": "/account/password/forgot/",
    }
    if name in first_step:
        assert (response.status_code, response["Location"]) == (302, first_step[name])
    elif name == "login_enrol":
        # Only a staff sign-in waiting for its first authenticator stays here; anyone else is
        # sent to sign in, or on to their own start page.
        home = {"anonymous": "/account/login/", "customer": "/", "agent": "/account/staff/"}
        assert (response.status_code, response["Location"]) == (302, home[who])
    elif name == "login" and who != "anonymous":  # already signed in: on to the app
        assert response.status_code == 302
        assert not response["Location"].startswith("/account/login/")
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "customer", "other"])
def test_approval_decisions_refuse_customers(actors, who):
    response = _client(actors, who).post(
        f"/account/staff/approvals/{uuid.uuid4()}/", {"decision": "approve", "reason": "checked"}
    )
    assert response.status_code == (302 if who == "anonymous" else 403)


def test_identity_api_needs_authentication():
    client = Client()
    assert client.get("/api/v1/identity/me").status_code == 401
    assert client.post("/api/v1/identity/freeze").status_code == 401
    assert client.delete("/api/v1/identity/tokens/current").status_code == 401
    assert client.get("/account/freeze/link/not-a-valid-token/").status_code == 404
