"""Contract fuzzing of the JSON API (security guide API-4): schemathesis derives valid and
invalid requests from the OpenAPI schema and checks that no request makes the server fail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from walletdesk.core.money import Money
from walletdesk.identity.authentication import create_api_token
from walletdesk.identity.facade import set_payment_password
from walletdesk.payments import wallets
from walletdesk.payments.tests.factories import credit_wallet, make_merchant


def _load_schema() -> Any:
    # Loaded at collection (the schema endpoint touches no database); schemathesis' lazy
    # fixture loader does not support pytest 9.
    from config.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


schema = _load_schema()


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """The WSGI app closes database connections at the end of each request, as in production;
    inside a test that would close the test transaction's connection (Django's own test client
    disconnects the same signals)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(user_factory: Any) -> dict[str, str]:
    customer = user_factory()
    wallets.open_wallet(customer.pk)
    credit_wallet(customer.pk, Money(1_000_00, "CNY"))
    set_payment_password(customer.pk, "258036")
    make_merchant()
    _row, token = create_api_token(customer, "contract tests")
    return {"Authorization": f"Bearer {token}"}


@schema.exclude(path_regex=r"^/api/v1/assistant/").parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
@pytest.mark.django_db
def test_no_request_makes_the_api_fail(
    case: Any, bearer: dict[str, str], keep_test_connection: None
) -> None:
    case.call_and_validate(
        headers={**bearer, "Idempotency-Key": "contract-test"},
        checks=[not_a_server_error],
    )
