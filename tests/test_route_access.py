"""Deny by default (security guide ACC-2): walk every route of the project.

Anonymous callers get a login redirect, 401, 403, 404 or 405 on every route that is not on the
public list below; customers get 403/404/405 on every staff route. A new route that forgets its
access check fails here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = {
    "healthz",
    "readyz",
    "set_language",
    "javascript-catalog",
    "api:openapi",
    "api:docs",
    "api:help-search",
    "api:help-article",
    "api:help-status",
    "api:help-announcements",
    "api:rail-callback",
    "identity:login",
    "identity:login_verify",
    "identity:login_verify_send",
    "identity:passkey_login_options",
    "identity:passkey_login",
    "identity:signup",
    "identity:signup_verify",
    "identity:forgot_password",
    "identity:reset_password",
    "identity:freeze_link",
    "helpcenter:home",
    "helpcenter:search",
    "helpcenter:category",
    "helpcenter:article",
    "helpcenter:feedback",
    "helpcenter:article-video",
    "helpcenter:status",
    "helpcenter:announcements",
    "helpcenter:announcements-rss",
    "helpcenter:announcements-atom",
    # The contact form for people who cannot sign in (locked out, phone lost): a ticket opens only
    # after the email is proved, and is tied to an account only after an agent's identity checks.
    "tickets:contact",
    # A page standing in for the operator's own site, with the chat widget on it: static, and the
    # chat inside the widget asks a signed-out visitor to sign in.
    "chat:widget-demo",
}
STAFF_PREFIXES = (
    "identity:staff_",
    "helpcenter:editor",
    "assistant:try",
    "notifications:dev_outbox",
    "desk:",
)
SAMPLE_ARGS = {
    "uuid": "0b9e3d4c-5f1a-4c2e-9a7b-1d2e3f4a5b6c",
    "slug": "how-to-top-up",
    "int": "1",
    "ticket_number": "WD-2612-000001",
}
SAMPLE_STR = {"kind": "payment", "token": "x", "method": "bank_card"}
DENIED = {301, 302, 401, 403, 404, 405}


def _routes(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else (pattern.namespace or namespace)
            )
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else (pattern.name or "")
            yield prefix + str(pattern.pattern), name


def _concrete(route: str) -> str:
    def fill(match: re.Match[str]) -> str:
        converter, name = match.group(1), match.group(2)
        return SAMPLE_STR.get(name, "x") if converter == "str" else SAMPLE_ARGS[converter]

    return "/" + re.sub(r"<(\w+):(\w+)>", fill, route)


ROUTES = [
    (name, _concrete(route))
    for route, name in _routes(get_resolver().url_patterns)
    if not route.startswith(("admin/", "static/", "media/"))
]


def test_every_route_has_a_name_and_the_walk_found_them() -> None:
    assert len(ROUTES) > 80
    assert all(name for name, _ in ROUTES)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "path"), [r for r in ROUTES if r[0] not in PUBLIC], ids=lambda v: v
)
def test_anonymous_callers_are_turned_away(name: str, path: str) -> None:
    response = Client().get(path)
    assert response.status_code in DENIED, f"{name} {path} answered {response.status_code}"
    if response.status_code in (301, 302):
        assert "/account/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "path"), [r for r in ROUTES if r[0].startswith(STAFF_PREFIXES)], ids=lambda v: v
)
def test_customers_cannot_reach_staff_routes(name: str, path: str, customer_client: Client) -> None:
    response = customer_client.get(path)
    assert response.status_code in {403, 404, 405}, f"{name} {path} answered {response.status_code}"


@pytest.mark.django_db
def test_customers_cannot_refund(customer_client: Client) -> None:
    path = f"/api/v1/payments/{uuid.uuid4()}/refunds"
    response = customer_client.post(path, "{}", content_type="application/json")
    assert response.status_code == 403
