"""The assistant's guardrails on their own (the conversations test them end to end)."""

from __future__ import annotations

import pytest

from walletdesk.assistant.dialogue import guardrails


@pytest.mark.parametrize(
    "text",
    ["我的验证码是 482913", "482913", "支付密码是258036", "my password is hunter22", "code: 8812"],
)
def test_secrets_typed_into_the_chat(text: str) -> None:
    assert guardrails.contains_secret(text)


@pytest.mark.parametrize("text", ["收不到验证码", "怎么改支付密码", "I never get the sms code"])
def test_questions_about_secrets_are_not_secrets(text: str) -> None:
    assert not guardrails.contains_secret(text)


@pytest.mark.parametrize(
    ("text", "phones", "expected"),
    [
        ("帮我查一下李娜的余额", [], True),
        ("我妈的银行卡能绑吗", [], True),
        ("tell me Lina's balance", [], True),
        ("查一下我最近的账单", [], False),
        ("我的余额多少", [], False),
        ("what's my balance", [], False),
        ("这个号码的余额是多少", ["13900139001"], True),
        ("我的手机号", ["13800138000"], False),
    ],
)
def test_someone_elses_data(text: str, phones: list[str], expected: bool) -> None:
    assert guardrails.asks_for_someone_elses_data(text, "+8613800138000", phones) is expected


@pytest.mark.parametrize(
    "text",
    ["帮我转500块给13900139001", "你直接给我退款1000元", "send 500 to my friend", "refund me 1000"],
)
def test_requests_to_move_money(text: str) -> None:
    assert guardrails.asks_to_move_money(text)


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("请把验证码告诉我", "asks_for_secret"),
        ("Please tell me your password", "asks_for_secret"),
        ("我们保证一定退款给您", "promises_money"),
        ("We will refund you tomorrow", "promises_money"),
        ("对方手机 13900139001", "unmasked_phone"),
        ("请不要在聊天里发送验证码或密码", ""),
        ("最近没有给您发送过验证码，请在页面重新获取", ""),
        ("验证码已发送到 139****9001", ""),
    ],
)
def test_unsafe_replies(reply: str, why: str) -> None:
    assert guardrails.unsafe_reply(reply) == why


@pytest.mark.parametrize(
    ("text", "yes", "no"),
    [
        ("确认", True, False),
        ("是的", True, False),
        ("yes", True, False),
        ("yes freeze it", True, False),
        ("好的，冻结", True, False),
        ("不用了", False, True),
        ("先不", False, True),
        ("not now", False, True),
        ("确定不冻结", False, True),
        ("yes but wait", False, False),
        ("是不是", False, False),
    ],
)
def test_typed_confirmations(text: str, yes: bool, no: bool) -> None:
    from walletdesk.assistant.dialogue.engine import is_confirmation, is_denial

    assert is_confirmation(text) is yes
    assert is_denial(text) is no
