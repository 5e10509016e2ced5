from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from walletdesk.helpcenter import actions
from walletdesk.helpcenter.enums import Component

pytestmark = pytest.mark.django_db


def test_search_endpoint_is_public(
    client: Client, help_articles: Any, django_assert_max_num_queries: Any
) -> None:
    client.get("/api/v1/help/search", {"q": "体现"})
    with django_assert_max_num_queries(4):
        response = client.get(
            "/api/v1/help/search", {"q": "体现多久到账", "lang": "zh-hans", "limit": "3"}
        )
    assert response.status_code == 200
    data = response.json()
    assert data["language"] == "zh-hans"
    assert "withdrawal-not-arrived" in [hit["slug"] for hit in data["results"]]
    assert "<mark>" in data["results"][0]["snippet_html"]


def test_search_rejects_long_queries(client: Client) -> None:
    response = client.get("/api/v1/help/search", {"q": "x" * 101})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "help_query_too_long"


def test_article_endpoint(client: Client, help_articles: Any) -> None:
    response = client.get("/api/v1/help/articles/how-to-withdraw", {"lang": "en"})
    assert response.status_code == 200
    data = response.json()
    assert data["language"] == "en" and data["category"] == "withdrawal"
    assert "<script" not in data["body_html"]
    missing = client.get("/api/v1/help/articles/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "help_article_not_found"


def test_status_and_announcements_endpoints(client: Client) -> None:
    actions.create_incident(
        title="转账延迟", title_en="Transfers delayed", components=[Component.TRANSFERS],
        message="处理中", message_en="Working on it",
    )  # fmt: skip
    data = client.get("/api/v1/help/status").json()
    states = {c["code"]: c["state"] for c in data["components"]}
    assert states["transfers"] == "degraded" and states["payments"] == "operational"
    assert data["incidents"][0]["title_en"] == "Transfers delayed"
    assert client.get("/api/v1/help/announcements").json() == []


def test_openapi_documents_help_endpoints(client: Client, agent_client: Client) -> None:
    schema = agent_client.get("/api/v1/openapi.json")
    if schema.status_code != 200:
        schema = client.get("/api/v1/openapi.json")
    paths = schema.json()["paths"]
    for path in ("/api/v1/help/search", "/api/v1/help/status", "/api/v1/help/announcements"):
        assert path in paths
