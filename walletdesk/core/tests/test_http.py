from __future__ import annotations

import json

import pytest
from django.test import Client


@pytest.mark.django_db
def test_healthz_is_ok() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_readyz_checks_database_channel_layer_and_job_queue() -> None:
    response = Client().get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "channel_layer", "job_queue"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_readyz_reports_a_broken_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    from walletdesk.core import health

    def broken() -> None:
        raise ConnectionError("refused")

    monkeypatch.setitem(health.READINESS_CHECKS, "job_queue", broken)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["job_queue"] == {
        "ok": False,
        "error": "ConnectionError",
        "ms": response.json()["checks"]["job_queue"]["ms"],
    }


@pytest.mark.django_db
def test_every_response_carries_a_request_id() -> None:
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="abc12345-client")
    assert response["X-Request-ID"] == "abc12345-client"
    generated = Client().get("/healthz", HTTP_X_REQUEST_ID="bad id\r\n")
    assert len(generated["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_openapi_schema_is_served_as_json() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "WalletDesk API"


@pytest.mark.django_db
def test_api_docs_page_uses_vendored_assets() -> None:
    response = Client().get("/api/v1/docs/")
    assert response.status_code == 200
    assert b"cdn" not in response.content.lower()


@pytest.mark.django_db
def test_unknown_api_path_uses_the_error_envelope() -> None:
    response = Client().get("/api/v1/does-not-exist")
    assert response.status_code == 404
    body = response.json()
    assert body["error"]["code"] == "not_found"
    assert body["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "登录你的钱包"), ("en", "Log in to your wallet")],
)
def test_pages_are_translated(language: str, expected: str) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = client.get("/account/login/")
    assert response.status_code == 200
    assert expected in response.content.decode()


@pytest.mark.django_db
def test_default_language_is_simplified_chinese() -> None:
    response = Client().get("/account/login/")
    assert 'lang="zh-hans"' in response.content.decode()


@pytest.mark.django_db
def test_language_switch_remembers_the_choice() -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/account/login/"})
    assert response.status_code == 302
    assert "Log in to your wallet" in client.get("/account/login/").content.decode()


@pytest.mark.django_db
def test_security_headers_on_pages() -> None:
    response = Client().get("/account/login/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "'nonce-"):
        assert directive in csp
