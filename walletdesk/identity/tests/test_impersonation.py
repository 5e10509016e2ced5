"""UPL-7: names and identifiers that could impersonate the operator's staff are refused."""

from __future__ import annotations

from typing import Any

import pytest

from walletdesk.core.actors import Actor
from walletdesk.identity.identifiers import normalise_email, normalise_login_name
from walletdesk.identity.models import User
from walletdesk.identity.text import skeleton

pytestmark = pytest.mark.django_db

PASSWORD = "a quiet river at dawn"


def _signup(web: Any, identifier: str, name: str = "", lang: str = "zh-hans") -> Any:
    return web(HTTP_ACCEPT_LANGUAGE=lang).post(
        "/account/signup/",
        {"identifier": identifier, "password": PASSWORD, "display_name": name},
    )


def _error_text(response: Any) -> str:
    return str(response.content.decode())


@pytest.mark.parametrize(
    "name",
    [
        "官方客服",
        "钱包客服",
        "Official Support",
        "admin1",
        "ａｄｍｉｎ",
        "Ѕupport",  # Cyrillic S
        "Customer Service",
        "adm1n",
        "WalletDesk 官方",
    ],
)
def test_reserved_names_are_refused_at_signup_and_in_the_profile(
    web: Any, signed_in: Any, customer: Any, name: str
) -> None:
    response = _signup(web, "13900003333", name)
    assert response.status_code == 400, name
    assert "保留" in _error_text(response) or "冒充" in _error_text(response), name
    assert not User.objects.filter(login_name="+8613900003333").exists()

    client = signed_in(customer)
    response = client.post("/account/profile/", {"display_name": name, "address": ""})
    assert response.status_code == 400, name
    customer.refresh_from_db()
    assert customer.display_name != name


def test_an_agents_own_name_is_refused_for_customers(
    web: Any, signed_in: Any, customer: Any, user_factory: Any
) -> None:
    user_factory(role="agent", display_name="李晓雯")
    user_factory(role="agent", display_name="Lily Chen")
    client = signed_in(customer)
    for imitation in ("李晓雯", "Lily Chen", "LILY CHEN", "Lі1y Chen", "Lily Chen 2"):
        response = client.post("/account/profile/", {"display_name": imitation, "address": ""})
        assert response.status_code == 400, imitation
        text = _error_text(response)
        assert "工作人员" in text or "冒充" in text, imitation
    assert _signup(web, "13900004444", "李晓雯").status_code == 400
    # A person who merely shares a surname with an agent is fine.
    assert (
        client.post("/account/profile/", {"display_name": "李华", "address": ""}).status_code == 302
    )


def test_staff_may_use_their_own_name(signed_in: Any, user_factory: Any) -> None:
    agent = user_factory(role="agent", display_name="客服小李")
    from walletdesk.identity import actions

    updated = actions.update_profile(
        agent, display_name="客服小李", address="", actor=Actor.agent(agent.pk, ip="127.0.0.1")
    )
    assert updated.display_name == "客服小李"


@pytest.mark.parametrize(
    "name", ["小\u202e明", "王\u200b五", "A\u2066li", "\u3164", "Bob\u200f", "李\u061c四"]
)
def test_bidi_controls_and_invisible_characters_are_refused_in_names(web: Any, name: str) -> None:
    response = _signup(web, "13900005555", name)
    assert response.status_code == 400, repr(name)
    assert not User.objects.filter(login_name="+8613900005555").exists()


@pytest.mark.parametrize(
    "identifier",
    [
        "аdmin@example.com",  # Cyrillic а
        "раураl@example.com",  # all Cyrillic, reads as "paypal"
        "xiao\u202ewang@example.com",
        "xiao\u200bwang@example.com",
        "139\u200b0000\u202e6666",
    ],
)
def test_lookalike_or_invisible_identifiers_do_not_register(web: Any, identifier: str) -> None:
    response = _signup(web, identifier, lang="en")
    assert response.status_code == 400, repr(identifier)
    assert "hidden characters or letters that imitate" in _error_text(response)
    assert User.objects.count() == 0
    assert normalise_login_name(identifier) is None


def test_ordinary_identifiers_and_names_still_work(web: Any) -> None:
    assert _signup(web, "Xiao.Wang@Example.com", "王小明").status_code == 302
    assert _signup(web, "13900007777", "Lily 🌸").status_code == 302
    assert normalise_email("张三@例子.中国") == "张三@例子.中国"
    assert User.objects.filter(display_name="王小明").exists()


def test_skeletons_fold_lookalikes_together() -> None:
    assert skeleton("ａｄｍｉｎ") == skeleton("admin") == skeleton("adm1n") == skeleton("АDMIN")
    assert skeleton("Ѕupport") == skeleton("support")
    assert skeleton("王小明") != skeleton("王小朋")
