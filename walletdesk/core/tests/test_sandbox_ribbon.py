"""A deployment allowed to run on the sandbox (WALLETDESK_ALLOW_SANDBOX=1) says so on every page."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import translation

ZH = "沙箱环境：资金为模拟，不会真实到账"
EN = "Sandbox: money here is not real"


@pytest.fixture
def sandbox_allowed(settings):
    settings.WALLETDESK = {**settings.WALLETDESK, "ALLOW_SANDBOX": True}


@pytest.mark.django_db
@pytest.mark.usefixtures("sandbox_allowed")
@pytest.mark.parametrize("path", ["/account/login/", "/help/"])
def test_public_pages_carry_the_ribbon_in_both_languages(path: str) -> None:
    chinese = Client().get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 200
    assert ZH in chinese.content.decode()
    english = Client().get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert EN in english.content.decode() and ZH not in english.content.decode()


@pytest.mark.usefixtures("sandbox_allowed")
def test_the_signed_in_home_page_carries_the_ribbon(customer_client: Client) -> None:
    response = customer_client.get("/")
    assert response.status_code == 200
    assert ZH in response.content.decode()


@pytest.mark.usefixtures("sandbox_allowed")
def test_admin_pages_carry_the_ribbon(rf: RequestFactory) -> None:
    with translation.override("zh-hans"):
        html = render_to_string("admin/base_site.html", {"title": "x"}, request=rf.get("/admin/"))
    assert "data-sandbox-ribbon" in html and ZH in html


@pytest.mark.django_db
def test_no_ribbon_without_the_sandbox_switch(settings) -> None:
    settings.WALLETDESK = {**settings.WALLETDESK, "ALLOW_SANDBOX": False}
    response = Client().get("/account/login/")
    assert "data-sandbox-ribbon" not in response.content.decode()


@pytest.mark.usefixtures("sandbox_allowed")
def test_the_error_page_carries_the_ribbon(rf: RequestFactory) -> None:
    html = render_to_string("500.html", request=rf.get("/"))
    assert "data-sandbox-ribbon" in html
