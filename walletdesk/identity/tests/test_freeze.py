"""AUTH-12 emergency freeze and unfreeze; account closure. They call payments.facade."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client

from walletdesk.identity.errors import UnfreezeCoolOffError
from walletdesk.identity.models import ApiToken, AuditEvent, User
from walletdesk.identity.tests.conftest import PASSWORD, last_code, log_in
from walletdesk.notifications.models import Message

pytestmark = [pytest.mark.django_db]


def _token(web: Any, user: Any) -> str:
    response = web().post(
        "/api/v1/identity/tokens",
        {"username": user.login_name, "password": PASSWORD},
        content_type="application/json",
    )
    return str(response.json()["token"])


def _listen(user_id: int) -> tuple[Any, str]:
    from walletdesk.realtime.publish import user_group

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(user_id), channel)
    return layer, channel


def test_freeze_from_the_app_revokes_sessions_tokens_and_sockets(web, customer, settings):
    # A private in-memory layer: on shared Redis other workers' users have the same ids.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    layer, channel = _listen(customer.pk)
    token = _token(web, customer)
    other = web()
    log_in(other, customer.login_name)
    client = web()
    log_in(client, customer.login_name)
    assert client.get("/account/freeze/").status_code == 200
    assert client.post("/account/freeze/").status_code == 200
    assert other.get("/account/security/").status_code == 302
    assert client.get("/account/security/").status_code == 302
    assert web(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/identity/me").status_code == 401
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()
    types: list[str] = []
    while "force_close" not in types and len(types) < 200:
        types.append(async_to_sync(layer.receive)(channel)["type"])
    assert "force_close" in types
    customer.refresh_from_db()
    assert customer.frozen_at is not None
    assert AuditEvent.objects.filter(action="freeze", subject_id=customer.pk).count() == 1
    assert Message.objects.filter(user=customer, kind="frozen", channel="sms").exists()


def test_freeze_from_the_alert_link_and_the_api(web, customer, user_factory):
    from walletdesk.identity.actions import freeze_link

    link = freeze_link(customer.pk).split("/account/", 1)[1]
    anonymous = Client()
    assert anonymous.get(f"/account/{link}").status_code == 200
    assert User.objects.get(pk=customer.pk).frozen_at is None  # GET never freezes
    assert anonymous.post(f"/account/{link}").status_code == 200
    assert User.objects.get(pk=customer.pk).frozen_at is not None
    second = user_factory()
    token = _token(web, second)
    api = web(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.post("/api/v1/identity/freeze").json() == {"frozen": True}
    assert api.get("/api/v1/identity/me").status_code == 401


def test_unfreeze_needs_step_up_and_the_cool_off(web, customer, step_up):
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False) as clock:
        client = web()
        log_in(client, customer.login_name)
        client.post("/account/freeze/")
        client = web()
        log_in(client, customer.login_name)
        assert client.get("/account/unfreeze/").status_code == 403
        step_up(client, customer)
        clock.shift(61)
        client.post("/account/unfreeze/send/")
        early = client.post("/account/unfreeze/", {"code": last_code(customer.phone)})
        refusal = UnfreezeCoolOffError(available_at="2026-11-21 18:00").user_message
        assert early.status_code == 403 and refusal in early.content.decode()
        customer.refresh_from_db()
        assert customer.frozen_at is not None
        clock.shift(24 * 3600)
        client = web()  # the old session passed its 12 h absolute limit
        log_in(client, customer.login_name)
        step_up(client, customer)
        clock.shift(61)
        client.post("/account/unfreeze/send/")
        assert (
            client.post("/account/unfreeze/", {"code": last_code(customer.phone)}).status_code
            == 302
        )
        customer.refresh_from_db()
        assert customer.frozen_at is None


def test_closure_lists_blockers_or_closes_with_a_code(web, customer):
    from walletdesk.payments.facade import ensure_wallet

    ensure_wallet(customer.pk)
    client = web()
    log_in(client, customer.login_name)
    page = client.get("/account/close/")
    assert page.status_code == 200
    assert b"closure-blockers" not in page.content  # an empty wallet blocks nothing
    assert client.post("/account/close/send/").status_code == 200
    assert client.post("/account/close/", {"code": last_code(customer.phone)}).status_code == 200
    customer.refresh_from_db()
    assert customer.closed_at is not None and not customer.is_active and customer.phone is None
    assert (
        log_in(web(), "+" + customer.retained_contact.split("|")[0].lstrip("+")).status_code == 400
    )


def test_closure_lists_its_blockers_and_sends_no_code(web, customer):
    from walletdesk.payments.facade import ensure_wallet, freeze_wallet

    ensure_wallet(customer.pk)
    freeze_wallet(customer.pk, reason="test", frozen_by="customer")
    client = web()
    log_in(client, customer.login_name)
    page = client.get("/account/close/")
    assert page.status_code == 200 and b'data-code="wallet_frozen"' in page.content
    refused = client.post("/account/close/send/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "closure_blocked"
    customer.refresh_from_db()
    assert customer.closed_at is None and customer.is_active
