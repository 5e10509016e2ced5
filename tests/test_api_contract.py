"""Contract fuzzing of the JSON API (security guide API-4, issue 18).

Two generative layers over every operation of the published OpenAPI schema:

* `test_operation_keeps_its_contract`: schemathesis derives valid and invalid requests from the
  schema; no answer may be a 5xx, every answer must match its declared status codes, media type
  and response schema (so a declared schema that lies fails here), and every 4xx is the error
  envelope.
* `test_bad_input_gets_a_json_4xx`: Hypothesis mutates valid requests the way an attacker would
  (lone UTF-16 surrogates in keys, values and query strings, integers of thousands of digits,
  bodies over the upload limit, nesting far past the recursion limit, wrong and missing content
  types, bodies that are not JSON, no credentials); still no 5xx, and every 4xx is the envelope.

Each operation is its own pytest item with its own id (`[GET /api/v1/wallet-valid]`…), so under
xdist every case runs exactly once, on some worker. (schemathesis' own `parametrize()` gives all
of them one node id on pytest 9, and xdist then ran one of 33.)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from walletdesk.api.openapi import ERROR_ENVELOPE_SCHEMA
from walletdesk.api.parsers import MAX_JSON_BODY_BYTES
from walletdesk.core.jsontext import MAX_JSON_DEPTH
from walletdesk.core.money import Money
from walletdesk.identity.authentication import create_api_token
from walletdesk.identity.facade import set_payment_password
from walletdesk.payments import wallets
from walletdesk.payments.tests.factories import credit_wallet, make_merchant

EXAMPLES_PER_MODE = 15
BAD_INPUT_EXAMPLES = 5


def _load_schema() -> Any:
    # Loaded at collection (the schema endpoint touches no database); schemathesis' lazy
    # fixture loader does not support pytest 9.
    from config.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


schema = _load_schema()
OPERATIONS = [result.ok() for result in schema.get_all_operations()]
OPERATION_IDS = [operation.label for operation in OPERATIONS]
HYPOTHESIS = settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


def test_every_operation_is_its_own_test(request: pytest.FixtureRequest) -> None:
    """xdist schedules by node id: two items with one id run once between them."""
    assert len(OPERATIONS) >= 33
    assert len(set(OPERATION_IDS)) == len(OPERATION_IDS)
    here = [item.nodeid for item in request.session.items if item.path == request.path]
    if len(here) > 1:  # the whole file was collected, not a -k selection of it
        assert len(set(here)) == len(here)


# --- fixtures ------------------------------------------------------------------------------------


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


@pytest.fixture(scope="session")
def _assistant_model() -> Any:
    """The assistant's small test model, trained once per session and only if an assistant
    operation runs in this process."""
    from walletdesk.assistant.tests.conftest import train_fast_pipeline

    return train_fast_pipeline()


@pytest.fixture
def operation_ready(request: pytest.FixtureRequest) -> Iterator[None]:
    """What an operation needs beyond the database: a trained model for the assistant."""
    operation = request.node.callspec.params["operation"]
    if not operation.path.startswith("/api/v1/assistant/"):
        yield
        return
    from walletdesk.assistant.nlu import store

    store.activate(request.getfixturevalue("_assistant_model"))
    try:
        yield
    finally:
        store.activate(None)


# --- checks --------------------------------------------------------------------------------------


def _is_envelope(body: Any) -> bool:
    error = body.get("error") if isinstance(body, dict) else None
    return (
        isinstance(error, dict)
        and set(body) == set(ERROR_ENVELOPE_SCHEMA["required"])
        and set(error) == {"code", "message", "details"}
        and isinstance(error["code"], str)
        and error["code"].replace("_", "").isalnum()
        and isinstance(error["message"], str)
        and bool(error["message"])
        and isinstance(error["details"], dict)
        and isinstance(body["request_id"], str)
    )


def assert_json_error_envelope(status: int, content_type: str, content: bytes) -> None:
    assert status < 500, f"server error {status}: {content[:300]!r}"
    if status >= 400:
        assert content_type.startswith("application/json"), (status, content_type, content[:200])
        assert _is_envelope(json.loads(content)), content[:300]


@schemathesis.check
def error_envelope_under_api(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx under /api/ is the JSON error envelope (5xx are not_a_server_error's)."""
    if 400 <= response.status_code < 500:
        assert_json_error_envelope(
            response.status_code, response.headers.get("content-type", [""])[0], response.content
        )
    return None


CONTRACT_CHECKS: list[Callable[..., Any]] = [
    not_a_server_error,
    negative_data_rejection,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    error_envelope_under_api,
    unsupported_method,
]


# --- layer 1: the schema's own valid and invalid requests ---------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"]
)
@pytest.mark.parametrize("operation", OPERATIONS, ids=OPERATION_IDS)
def test_operation_keeps_its_contract(
    operation: Any,
    mode: GenerationMode,
    bearer: dict[str, str],
    keep_test_connection: None,
    operation_ready: None,
) -> None:
    @settings(HYPOTHESIS, max_examples=EXAMPLES_PER_MODE)
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        case.call_and_validate(
            headers={**bearer, "Idempotency-Key": "contract-test"}, checks=CONTRACT_CHECKS
        )

    check()


# --- layer 2: what an attacker sends ------------------------------------------------------------


@dataclass(frozen=True)
class RawRequest:
    kind: str
    query: dict[str, str]
    body: bytes | None
    content_type: str | None
    authenticated: bool


LONE_SURROGATE = st.integers(0xD800, 0xDFFF).map(chr)
SURROGATE_TEXT = st.builds(
    lambda before, surrogate, after: before + surrogate + after,
    st.text(max_size=4),
    LONE_SURROGATE,
    st.text(max_size=4),
)
OVERLONG_NUMBER = st.one_of(
    st.integers(4_301, 6_000).map(lambda n: "9" * n),
    st.integers(20, 200).map(lambda n: "1" * n),
    st.sampled_from(["-1", "0", "1e400", "٣", "²", "0x10", " 5", "5 ", "+5", "NaN", "%ED%A0%80"]),
)
# Lone surrogates cannot travel in a URL as text: the nearest thing is their CESU-8 bytes.
SURROGATE_IN_URL = st.sampled_from(["%ED%A0%80", "%ED%BF%BF", "a%ED%B0%80b", "%F0%9F%98"])
WRONG_CONTENT_TYPES = st.sampled_from(
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/json; charset=latin-1",
        "application/octet-stream",
        "application/json-patch+json",
        "",
    ]
)


def _nested(depth: int, as_object: bool) -> bytes:
    if as_object:
        return ('{"a":' * depth + "1" + "}" * depth).encode()
    return ("[" * depth + "]" * depth).encode()


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=True).encode()  # lone surrogates become "\udxxx"


MUTATIONS = [
    "surrogate_value",
    "surrogate_key",
    "surrogate_nested",
    "overlong_query_number",
    "surrogate_query",
    "deep_body",
    "oversized_body",
    "wrong_content_type",
    "not_json",
    "not_an_object",
]


@st.composite
def raw_requests(draw: st.DrawFn, operation: Any, kind: str) -> RawRequest:
    case = draw(operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    base_body = case.body if isinstance(case.body, dict) else {}
    query = {key: str(value) for key, value in (case.query or {}).items()}
    declared_query = [param.name for param in operation.query]
    body: bytes | None = _json(base_body)
    content_type: str | None = "application/json"
    if kind == "surrogate_value":
        key = draw(st.sampled_from(sorted(base_body) or ["text"]))
        body = _json({**base_body, key: draw(SURROGATE_TEXT)})
    elif kind == "surrogate_key":
        body = _json({**base_body, draw(SURROGATE_TEXT): "x"})
    elif kind == "surrogate_nested":
        key = draw(st.sampled_from(sorted(base_body) or ["text"]))
        body = _json({**base_body, key: [{"inner": draw(SURROGATE_TEXT)}]})
    elif kind == "overlong_query_number":
        for name in declared_query or ["limit", "page_size"]:
            query[name] = draw(OVERLONG_NUMBER)
    elif kind == "surrogate_query":
        for name in declared_query or ["q"]:
            query[name] = draw(SURROGATE_IN_URL)
    elif kind == "deep_body":
        depth = draw(st.one_of(st.integers(MAX_JSON_DEPTH + 1, 64), st.integers(2_000, 60_000)))
        body = _nested(depth, draw(st.booleans()))
    elif kind == "oversized_body":
        filler = MAX_JSON_BODY_BYTES + draw(st.integers(1, 4096))
        body = _json({**base_body, "padding": "x" * filler})
    elif kind == "wrong_content_type":
        content_type = draw(WRONG_CONTENT_TYPES)
    elif kind == "not_json":
        body = draw(st.binary(min_size=1, max_size=64))
    else:
        body = _json(draw(st.sampled_from([[base_body], "text", 1, None, True])))
    return RawRequest(kind, query, body, content_type, draw(st.booleans()))


@pytest.mark.django_db
@pytest.mark.parametrize("kind", MUTATIONS)
@pytest.mark.parametrize("operation", OPERATIONS, ids=OPERATION_IDS)
def test_bad_input_gets_a_json_4xx(
    operation: Any, kind: str, bearer: dict[str, str], operation_ready: None
) -> None:
    @settings(HYPOTHESIS, max_examples=BAD_INPUT_EXAMPLES)
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        raw = data.draw(raw_requests(operation, kind), label="request")
        path_case = data.draw(operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        path = path_case.formatted_path
        if raw.query:
            from urllib.parse import quote

            # Values in SURROGATE_IN_URL are already percent-encoded and must reach the server
            # as those bytes.
            path += "?" + "&".join(f"{quote(k)}={quote(v, safe='%')}" for k, v in raw.query.items())
        headers: dict[str, Any] = {"HTTP_IDEMPOTENCY_KEY": "bad-input"}
        if raw.authenticated:
            headers["HTTP_AUTHORIZATION"] = bearer["Authorization"]
        response: Any = Client().generic(
            operation.method.upper(),
            path,
            data=raw.body or b"",
            content_type=raw.content_type or "",
            **headers,
        )
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert_json_error_envelope(response.status_code, response.get("Content-Type", ""), content)

    check()
