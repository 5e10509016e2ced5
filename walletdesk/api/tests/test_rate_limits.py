"""API-2: general limits per account and per IP, tighter ones on look-ups; 429 `rate_limited`
with `Retry-After` in the JSON envelope. The clock is moved with time-machine (zulip's pattern),
never waited for."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import time_machine
from django.test import Client

from walletdesk.core.money import Money
from walletdesk.identity.authentication import create_api_token
from walletdesk.identity.facade import set_payment_password
from walletdesk.payments import wallets
from walletdesk.payments.tests.factories import credit_wallet

pytestmark = pytest.mark.django_db

START = "2026-11-20 10:00:00+00:00"


def _rates(settings: Any, **rates: str) -> None:
    rest = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {
        **rest,
        "DEFAULT_THROTTLE_RATES": {**rest["DEFAULT_THROTTLE_RATES"], **rates},
    }


@pytest.fixture
def wallet_owner(user_factory: Any) -> Any:
    user = user_factory(display_name="张伟")
    wallets.open_wallet(user.pk)
    credit_wallet(user.pk, Money(1_000_00, "CNY"))
    set_payment_password(user.pk, "258036")
    return user


def _signed_in(user: Any, ip: str = "10.0.0.1") -> Client:
    client = Client(REMOTE_ADDR=ip)
    client.force_login(user)
    return client


def _assert_limited(response: Any) -> None:
    assert response.status_code == 429, response.content[:300]
    body = response.json()
    assert body["error"]["code"] == "rate_limited"
    assert body["error"]["message"]
    assert "request_id" in body
    assert int(response["Retry-After"]) >= 1


def test_wallet_reads_are_limited_to_thirty_a_minute(wallet_owner: Any) -> None:
    client = _signed_in(wallet_owner)
    with time_machine.travel(START, tick=False) as clock:
        codes = [client.get("/api/v1/wallet").status_code for _ in range(30)]
        assert codes == [200] * 30
        limited = client.get("/api/v1/wallet")
        _assert_limited(limited)
        # A minute, and the moment the burst's weight falls below the limit (a sliding window).
        assert 60 <= int(limited["Retry-After"]) <= 64
        clock.shift(int(limited["Retry-After"]) - 3)
        _assert_limited(client.get("/api/v1/wallet"))
        clock.shift(3)
        assert client.get("/api/v1/wallet").status_code == 200


def test_recipient_lookups_are_limited_to_ten_a_minute(
    wallet_owner: Any, user_factory: Any
) -> None:
    payee = user_factory(display_name="刘洋")
    wallets.open_wallet(payee.pk)
    client = _signed_in(wallet_owner)
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(10):
            response = client.post(
                "/api/v1/transfers",
                json.dumps(
                    {"recipient": payee.login_name, "amount": "0.01", "payment_password": "258036"}
                ),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
            )
            assert response.status_code == 201, response.content
        limited = client.post(
            "/api/v1/transfers",
            json.dumps(
                {"recipient": payee.login_name, "amount": "0.01", "payment_password": "258036"}
            ),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
        _assert_limited(limited)
        clock.shift(int(limited["Retry-After"]))
        # Other reads are not held up by the look-up limit.
        assert client.get("/api/v1/records").status_code == 200


def test_the_account_limit_is_shared_by_its_sessions_and_tokens(
    settings: Any, wallet_owner: Any
) -> None:
    _rates(settings, account="5/min")
    _token_row, token = create_api_token(wallet_owner, "phone")
    session = _signed_in(wallet_owner, ip="10.0.0.1")
    bearer = Client(REMOTE_ADDR="10.0.0.2", HTTP_AUTHORIZATION=f"Bearer {token}")
    with time_machine.travel(START, tick=False) as clock:
        codes = [session.get("/api/v1/records").status_code for _ in range(3)]
        codes += [bearer.get("/api/v1/records").status_code for _ in range(2)]
        assert codes == [200] * 5
        _assert_limited(bearer.get("/api/v1/records"))
        limited = session.get("/api/v1/records")
        _assert_limited(limited)
        clock.shift(int(limited["Retry-After"]))
        assert bearer.get("/api/v1/records").status_code == 200


def test_anonymous_requests_are_limited_per_client_ip(settings: Any) -> None:
    _rates(settings, anon="3/min")
    here = Client(REMOTE_ADDR="10.9.9.9")
    there = Client(REMOTE_ADDR="10.8.8.8")
    with time_machine.travel(START, tick=False):
        assert [here.get("/api/v1/help/status").status_code for _ in range(3)] == [200] * 3
        _assert_limited(here.get("/api/v1/help/status"))
        # A forged X-Forwarded-For does not make a new client: the key is the client-IP function.
        _assert_limited(here.get("/api/v1/help/status", HTTP_X_FORWARDED_FOR="1.2.3.4"))
        assert there.get("/api/v1/help/status").status_code == 200


def test_one_ip_has_a_ceiling_across_accounts(settings: Any, user_factory: Any) -> None:
    _rates(settings, ip="4/min")
    clients = [_signed_in(user_factory(), ip="10.7.7.7") for _ in range(5)]
    with time_machine.travel(START, tick=False):
        assert [c.get("/api/v1/records").status_code for c in clients[:4]] == [200] * 4
        _assert_limited(clients[4].get("/api/v1/records"))
        assert _signed_in(user_factory(), ip="10.6.6.6").get("/api/v1/records").status_code == 200


def test_the_window_slides_instead_of_resetting(settings: Any, wallet_owner: Any) -> None:
    """A burst at the end of one minute is still counted at the start of the next."""
    _rates(settings, account="10/min")
    client = _signed_in(wallet_owner)
    with time_machine.travel("2026-11-20 10:00:50+00:00", tick=False) as clock:
        assert [client.get("/api/v1/records").status_code for _ in range(10)] == [200] * 10
        clock.shift(15)  # 10:01:05, a new fixed window; 55 s of the burst's window still overlap
        limited = client.get("/api/v1/records")
        _assert_limited(limited)
        # One slot frees when the overlap falls to 9/10: at 10:01:06.
        assert int(limited["Retry-After"]) <= 3
        clock.shift(int(limited["Retry-After"]))
        assert client.get("/api/v1/records").status_code == 200


def test_parallel_requests_cannot_slip_past_the_limit(settings: Any) -> None:
    """Each request is one atomic increment: 40 threads at once, exactly 30 get through (DRF's
    stock throttle reads and writes back a list, so parallel requests can all pass)."""
    from concurrent.futures import ThreadPoolExecutor
    from types import SimpleNamespace

    from walletdesk.api.throttling import LookupRateThrottle

    request: Any = SimpleNamespace(user=SimpleNamespace(is_authenticated=True, pk=4242), META={})
    view: Any = SimpleNamespace(throttle_scope="wallet_read")
    with time_machine.travel(START, tick=False), ThreadPoolExecutor(max_workers=8) as pool:
        allowed = list(
            pool.map(lambda _: LookupRateThrottle().allow_request(request, view), range(40))
        )
    assert allowed.count(True) == 30
