"""The staff page to try the assistant, driven in Chromium (htmx round trip, masking)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import BrowserContext, Page

from walletdesk.assistant.nlu import store
from walletdesk.assistant.nlu.data import load_training_examples
from walletdesk.assistant.nlu.pipeline import Pipeline, load_config_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def small_model() -> Pipeline:
    config = load_config_file()
    for step in config["pipeline"]:
        if step["name"] == "ensemble_intent_classifier":
            step["mlp"] = {"seeds": 1, "hidden": 64, "epochs": 4}
    pipeline = Pipeline.from_config(config)
    pipeline.train(load_training_examples())
    return pipeline


@pytest.fixture
def active_model(small_model: Pipeline) -> Iterator[Pipeline]:
    store.activate(small_model)
    yield small_model
    store.activate(None)


def sign_in(context: BrowserContext, live_server: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def test_staff_types_a_message_and_sees_what_the_assistant_understood(
    page: Page,
    browser_context: BrowserContext,
    live_server: Any,
    user_factory: Any,
    active_model: Pipeline,
) -> None:
    from walletdesk.identity.enums import Role

    sign_in(browser_context, live_server, user_factory(role=Role.AGENT))
    page.goto(f"{live_server.url}/assistant/try/")
    page.fill("textarea[name=text]", "冲值500块没到帐，我的手机13812345678")
    page.click("button[type=submit]")
    page.wait_for_selector("#nlu-intent")
    assert page.url.rstrip("/").endswith("/assistant/try")  # htmx swap, no navigation
    assert page.locator("#nlu-intent").inner_text() == "topup_not_arrived"
    assert page.locator("#nlu-normalized").inner_text().startswith("充值500块没到账")
    entities = page.locator("#nlu-entities").inner_text()
    assert "500.00" in entities
    assert "138****5678" in entities
    assert "13812345678" not in entities


def test_customer_cannot_open_the_page(
    page: Page, browser_context: BrowserContext, live_server: Any, customer: Any
) -> None:
    sign_in(browser_context, live_server, customer)
    response = page.goto(f"{live_server.url}/assistant/try/")
    assert response is not None and response.status == 403
