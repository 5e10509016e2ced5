from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from walletdesk.assistant.nlu.pipeline import Pipeline

URL = "/assistant/try/"

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_login(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert "/account/login/" in response["Location"]


def test_customer_is_refused(customer_client: Client) -> None:
    assert customer_client.get(URL).status_code == 403
    assert customer_client.post(URL, {"text": "余额多少"}).status_code == 403


def test_staff_sees_the_form(client: Client, staff_user: Any) -> None:
    client.force_login(staff_user)
    response = client.get(URL)
    assert response.status_code == 200
    assert b'name="text"' in response.content


def test_staff_sees_ranking_entities_and_normalised_text(
    client: Client, staff_user: Any, nlu: Pipeline
) -> None:
    client.force_login(staff_user)
    response = client.post(URL, {"text": "冲值500块没到帐", "lang": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # the htmx partial only
    assert 'id="nlu-intent">topup_not_arrived<' in html
    assert "充值500块没到账" in html  # normalised text
    assert "500.00" in html  # amount entity


def test_staff_phone_numbers_are_masked_on_the_page(
    client: Client, staff_user: Any, nlu: Pipeline
) -> None:
    client.force_login(staff_user)
    html = client.post(URL, {"text": "换绑手机号到13812345678"}).content.decode()
    entities = html[html.index('id="nlu-entities"') :]
    assert "138****5678" in entities
    assert "13812345678" not in entities
