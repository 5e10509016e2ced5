from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from walletdesk.assistant.nlu.pipeline import Pipeline

URL = "/api/v1/assistant/parse"

pytestmark = pytest.mark.django_db


def post(client: Client, body: Any) -> Any:
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, raw, content_type="application/json")


def test_anonymous_callers_must_sign_in(client: Client, nlu: Pipeline) -> None:
    response = post(client, {"text": "余额多少"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_signed_in_customer_gets_intent_entities_and_language(
    customer_client: Client, nlu: Pipeline
) -> None:
    response = post(customer_client, {"text": "提现500块到尾号6621的卡还没到账", "lang": None})
    assert response.status_code == 200
    body = response.json()
    assert {"intent", "confidence", "entities", "lang"} <= set(body)
    assert body["intent"] == "withdraw_not_arrived"
    assert body["lang"] == "zh"
    entities = {(e["type"], e["value"]) for e in body["entities"]}
    assert ("amount", "500.00") in entities
    assert ("card_tail", "6621") in entities
    amount = next(e for e in body["entities"] if e["type"] == "amount")
    assert amount["normalized"] == {"minor": 50000, "currency": "CNY"}


def test_lang_forces_the_reply_language(customer_client: Client, nlu: Pipeline) -> None:
    body = post(customer_client, {"text": "充值没到账", "lang": "en"}).json()
    assert (body["lang"], body["detected_lang"]) == ("en", "zh")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "x" * 1001}, "text"),
        ({"text": 42}, None),
        ({"text": "hi", "lang": "fr"}, "lang"),
        ({"text": "hi", "user_id": 7}, "user_id"),
    ],
)
def test_invalid_input_is_a_400_in_the_error_envelope(
    customer_client: Client, nlu: Pipeline, payload: dict[str, Any], field: str | None
) -> None:
    response = post(customer_client, payload)
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "validation_failed"
    assert body["request_id"]
    if field:
        assert field in body["error"]["details"]["fields"]


def test_malformed_json_is_refused(customer_client: Client, nlu: Pipeline) -> None:
    response = post(customer_client, '{"text": ')
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"


def test_parse_is_rate_limited(customer_client: Client, nlu: Pipeline, settings: Any) -> None:
    rest = settings.REST_FRAMEWORK
    rates = {**rest["DEFAULT_THROTTLE_RATES"], "nlu_parse": "3/min"}
    settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": rates}
    codes = [post(customer_client, {"text": "余额多少"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = post(customer_client, {"text": "余额多少"})
    assert response.json()["error"]["code"] == "rate_limited"
    assert int(response["Retry-After"]) > 0


def test_missing_model_is_a_503_with_a_stable_code(customer_client: Client, no_model: None) -> None:
    response = post(customer_client, {"text": "余额多少"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "assistant_model_missing"


def test_only_post_is_allowed(customer_client: Client, nlu: Pipeline) -> None:
    response = customer_client.get(URL)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_endpoint_is_in_the_openapi_schema(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/assistant/parse"]["post"]
    assert "AssistantParse" in json.dumps(operation["responses"]["200"])
    assert set(operation["responses"]) >= {"200", "400", "401", "429", "503"}


def test_parse_touches_the_database_only_for_the_session(
    customer_client: Client, nlu: Pipeline, django_assert_max_num_queries: Any
) -> None:
    post(customer_client, {"text": "余额多少"})  # warm caches
    # Session read, user read, session save (inside a savepoint): nothing from the assistant.
    with django_assert_max_num_queries(5):
        assert post(customer_client, {"text": "提现500块还没到账"}).status_code == 200
