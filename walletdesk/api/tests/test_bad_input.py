"""Bad input gets a JSON 4xx under /api/ and a translated page elsewhere, never a 500.

One test per root cause (issue 18 and the limits of the hardening issue): lone surrogates,
integers with thousands of digits, bodies over the limit, nesting beyond the recursion limit, a
made-up pagination cursor, and the handlers for what Django refuses before a view runs.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.utils import translation
from rest_framework import serializers

from walletdesk.api.parsers import MAX_JSON_BODY_BYTES, StrictJSONParser
from walletdesk.api.renderers import SafeJSONRenderer
from walletdesk.core import views as core_views
from walletdesk.core.errors import BodyTooLargeError, InvalidTextError, JsonTooDeepError
from walletdesk.core.jsontext import MAX_JSON_DEPTH, loads_strict
from walletdesk.payments import wallets

pytestmark = pytest.mark.django_db

LONE_SURROGATES = ["\\ud800", "\\udfff", "a\\udc00b", "\\ud83d"]  # JSON escapes, as sent


def assert_envelope(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = json.loads(response.content)
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    assert body["request_id"] == response["X-Request-ID"]
    return body


def post_raw(client: Client, path: str, raw: str | bytes, **extra: Any) -> Any:
    return client.post(
        path, raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="bad-input", **extra
    )


@pytest.fixture
def customer_api(customer: Any) -> Client:
    wallets.open_wallet(customer.pk)
    client = Client()
    client.force_login(customer)
    return client


# --- lone UTF-16 surrogates ----------------------------------------------------------------------


@pytest.mark.parametrize("escape", LONE_SURROGATES)
def test_lone_surrogate_in_an_anonymous_choice_field_is_invalid_text(escape: str) -> None:
    raw = f'{{"username": "a", "password": "b", "second_factor_method": "{escape}"}}'
    assert_envelope(post_raw(Client(), "/api/v1/identity/tokens", raw), 400, "invalid_text")


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("/api/v1/top-ups", '{"amount": "1.00", "method": "\\ud800"}'),
        ("/api/v1/top-ups", '{"amount": "1.00", "currency": "\\udfff", "method": "x"}'),
        ("/api/v1/fx/quotes", '{"buy_currency": "\\ud800", "buy_amount": "1"}'),
        ("/api/v1/fx/quotes", '{"sell_currency": "\\ud800", "buy_currency": "JPY"}'),
        ("/api/v1/transfers", '{"recipient": "x", "amount": "1", "memo": "\\ud800"}'),
        ("/api/v1/transfers", '{"\\ud800": 1}'),
        ("/api/v1/transfers", '{"recipient": ["ok", {"deep": "\\udbff"}]}'),
    ],
)
def test_lone_surrogate_anywhere_in_a_body_is_invalid_text(
    customer_api: Client, path: str, raw: str
) -> None:
    assert_envelope(post_raw(customer_api, path, raw), 400, "invalid_text")


def test_a_valid_surrogate_pair_is_ordinary_text() -> None:
    assert loads_strict('{"memo": "\\ud83d\\ude00"}') == {"memo": "😀"}


def test_the_renderer_never_fails_on_a_lone_surrogate_that_got_past_the_parser() -> None:
    """A serializer's "not a valid choice" error echoes the input; rendering it was the 500."""
    field = serializers.ChoiceField(choices=["CNY"])
    with translation.override("en"), pytest.raises(serializers.ValidationError) as caught:
        field.run_validation("\ud800")
    rendered = SafeJSONRenderer().render({"fields": {"\udc00": caught.value.detail}})
    assert json.loads(rendered) == {"fields": {"\ufffd": ['"\ufffd" is not a valid choice.']}}


# --- integers with thousands of digits ---------------------------------------------------------


@pytest.mark.parametrize("limit", ["9" * 4301, "1" * 3, "21", "0", "-1", "٣", "3.0", " 3"])
def test_numeric_query_parameters_are_bounded_in_length_and_range(limit: str) -> None:
    response = Client().get("/api/v1/help/search", {"q": "提现", "limit": limit})
    body = assert_envelope(response, 400, "validation_failed")
    assert list(body["error"]["details"]["fields"]) == ["limit"]


def test_numeric_query_parameters_accept_their_range() -> None:
    for limit in ("1", "20"):
        assert Client().get("/api/v1/help/search", {"q": "x", "limit": limit}).status_code == 200
    assert Client().get("/api/v1/help/search", {"q": "x"}).status_code == 200


@pytest.mark.parametrize("query", ["q=x&limit=", "q=x&limit=3&limit=4", "q=&limit=3&limit=x"])
def test_an_empty_or_repeated_parameter_is_a_400_naming_it(query: str) -> None:
    response = Client().get(f"/api/v1/help/search?{query}")
    assert response.status_code == 400
    assert "limit" in response.json()["error"]["details"]["fields"]


def test_record_filters_take_one_value_each(customer_client: Client) -> None:
    for query in ("type=", "type=payment&type=refund", "status=pending&status=failed"):
        response = customer_client.get(f"/api/v1/records?{query}")
        assert response.status_code == 400, query


def test_the_schema_states_range_and_length_of_numeric_parameters() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    params = {
        (path, param["name"]): param
        for path, item in schema["paths"].items()
        for operation in item.values()
        for param in operation.get("parameters", [])
    }
    limit = params[("/api/v1/help/search", "limit")]
    assert limit["schema"] | {"minimum": 1, "maximum": 20, "x-maxDigits": 2} == limit["schema"]
    assert limit["schema"]["type"] == "integer"
    page_size = params[("/api/v1/records", "page_size")]
    assert (page_size["schema"]["maximum"], page_size["schema"]["x-maxDigits"]) == (200, 3)
    assert params[("/api/v1/records", "cursor")]["schema"]["maxLength"] == 200


def test_an_overlong_page_size_is_a_400(customer_api: Client) -> None:
    response = customer_api.get("/api/v1/records", {"page_size": "9" * 5000})
    assert_envelope(response, 400, "validation_failed")


# --- bodies over the limit -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/identity/tokens", "/api/v1/transfers"])
def test_a_body_over_the_limit_is_a_json_413(customer_api: Client, path: str) -> None:
    raw = '{"memo": "' + "x" * (2 * 1024 * 1024) + '"}'
    body = assert_envelope(post_raw(customer_api, path, raw), 413, "body_too_large")
    assert body["error"]["details"] == {"limit": "1 MiB"}


def test_a_chunked_body_over_the_limit_is_refused_by_the_parser() -> None:
    """No Content-Length (chunked upload): Django cannot refuse it up front, the parser does."""
    stream = io.BytesIO(b'"' + b"x" * MAX_JSON_BODY_BYTES + b'"')
    with pytest.raises(BodyTooLargeError):
        StrictJSONParser().parse(stream)


# --- deep nesting --------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 100_000])
def test_deeply_nested_bodies_are_a_400_not_a_recursion_error(depth: int) -> None:
    for raw in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        response = post_raw(Client(), "/api/v1/identity/tokens", raw)
        assert_envelope(response, 400, "json_too_deep")


def test_nesting_up_to_the_limit_parses() -> None:
    depth = MAX_JSON_DEPTH
    assert loads_strict("[" * depth + "]" * depth) is not None
    with pytest.raises(JsonTooDeepError):
        loads_strict("[" * (depth + 1) + "]" * (depth + 1))
    with pytest.raises(InvalidTextError):
        loads_strict('{"ok": ["\\ud800"]}')


# --- pagination cursor ---------------------------------------------------------------------------


@pytest.mark.parametrize("cursor", ["zzz", "YQ", "cD0xJnI9MQ==" * 40])
def test_a_bad_pagination_cursor_is_a_400(customer_api: Client, cursor: str) -> None:
    response = customer_api.get("/api/v1/records", {"cursor": cursor})
    assert_envelope(response, 400, "invalid_cursor")


# --- every 4xx and 5xx under /api/ is the envelope; pages get their own --------------------------


def test_a_request_django_refuses_before_any_view_is_json_under_api() -> None:
    response = Client(HTTP_HOST="evil.example").get("/api/v1/help/search")
    assert_envelope(response, 400, "bad_request")


def test_a_form_body_over_the_limit_is_json_under_api() -> None:
    """Read by Django, not by our parser (a form post to an API path)."""
    response = Client().post(
        "/api/v1/identity/tokens",
        "a=b&" * 300_000,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in {413, 415}
    assert response.json()["error"]["code"] in {"body_too_large", "unsupported_media_type"}


def test_handlers_answer_json_under_api_and_pages_elsewhere() -> None:
    factory = RequestFactory()
    api_request, page_request = factory.get("/api/v1/wallet"), factory.get("/account/")
    for request in (api_request, page_request):
        request.csp_nonce = "n"  # type: ignore[attr-defined]
    forbidden = core_views.permission_denied(api_request, PermissionDenied())
    assert (forbidden.status_code, json.loads(forbidden.content)["error"]["code"]) == (
        403,
        "permission_denied",
    )
    csrf = core_views.csrf_failure(api_request, "CSRF cookie not set.")
    assert (csrf.status_code, json.loads(csrf.content)["error"]["code"]) == (403, "csrf_failed")
    error = core_views.server_error(api_request)
    assert (error.status_code, json.loads(error.content)["error"]["code"]) == (500, "internal")
    page = core_views.server_error(page_request)
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
    for language, text in (("zh-hans", "你无法打开这个页面"), ("en", "You cannot open this page")):
        with translation.override(language):
            denied = core_views.permission_denied(page_request, PermissionDenied())
        assert denied.status_code == 403 and text in denied.content.decode()


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("zh-hans", {400: "无法处理这个请求", 404: "找不到这个页面", 500: "出错了，请稍后再试"}),
        (
            "en",
            {
                400: "We could not accept this request",
                404: "We could not find this page",
                500: "Something went wrong. Please try again later.",
            },
        ),
    ],
)
def test_html_error_pages_are_translated(language: str, texts: dict[int, str]) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    bad = Client(HTTP_ACCEPT_LANGUAGE=language, HTTP_HOST="evil.example").get("/help/")
    assert bad.status_code == 400 and texts[400] in bad.content.decode()
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and texts[404] in missing.content.decode()
    with translation.override(language):
        request = RequestFactory().get("/help/")
        page = core_views.server_error(request)
    assert texts[500] in page.content.decode()
    assert f'lang="{language}"' in page.content.decode()


@pytest.mark.parametrize(
    ("language", "text"), [("zh-hans", "这个页面已过期"), ("en", "This form has expired")]
)
def test_a_csrf_failure_page_is_translated(customer: Any, language: str, text: str) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(customer)
    response = client.post("/account/freeze/", {})
    assert response.status_code == 403
    assert text in response.content.decode()


# --- ids that are not strings ------------------------------------------------------------------


@pytest.mark.parametrize("card_id", ["true", "1", "0", "[]"])
def test_an_id_sent_as_a_json_number_or_boolean_is_refused(
    customer_api: Client, card_id: str
) -> None:
    """DRF's UUID field took a number as the UUID's integer value: `"card_id": true` was
    00000000-0000-0000-0000-000000000001 and a third-party-wallet top-up was created."""
    raw = f'{{"method": "third_party_wallet", "amount": "0.74", "card_id": {card_id}}}'
    body = assert_envelope(post_raw(customer_api, "/api/v1/top-ups", raw), 400, "validation_failed")
    assert "card_id" in json.dumps(body)
