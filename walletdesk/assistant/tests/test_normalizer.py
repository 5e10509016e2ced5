from __future__ import annotations

import pytest

from walletdesk.assistant.nlu.components.normalizer import TextNormalizer


@pytest.fixture(scope="module")
def normalizer() -> TextNormalizer:
    return TextNormalizer(TextNormalizer.default_config())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("充值１２３元", "充值123元"),  # full-width digits
        ("ＡＰＰ打不开", "app打不开"),  # full-width Latin, lower-cased
        ("我的帳戶被凍結了", "我的账户被冻结了"),  # traditional → simplified
        ("冲值没到账", "充值没到账"),
        ("体现失败", "提现失败"),
        ("登陆不上", "登录不上"),
        ("转帐没到帐", "转账没到账"),
        ("tx没dz", "提现没到账"),  # pinyin initials in a Chinese message
        ("yhk怎么绑", "银行卡怎么绑"),
        ("my withdrawl hasnt arrived", "my withdrawal hasn't arrived"),
        ("pls reset my pasword", "please reset my password"),
        ("how to topup", "how to top up"),
        ("  多个   空格  ", "多个 空格"),
    ],
)
def test_normalises(normalizer: TextNormalizer, raw: str, expected: str) -> None:
    assert normalizer.normalize(raw) == expected


def test_pinyin_initials_leave_english_alone(normalizer: TextNormalizer) -> None:
    # "tx" alone in an English sentence is not expanded to 提现.
    assert normalizer.normalize("the tx on my card failed") == "the tx on my card failed"


def test_pinyin_only_message_is_expanded(normalizer: TextNormalizer) -> None:
    meta: dict[str, object] = {}
    assert normalizer.normalize("cz dz", meta) == "充值 到账"
    assert meta["pinyin_expanded"] == 2


def test_slips_can_be_extended_by_settings() -> None:
    config = TextNormalizer.merge_config({"extra_zh_slips": {"钱抱": "钱包"}})
    assert TextNormalizer(config).normalize("钱抱打不开") == "钱包打不开"


def test_switches_turn_steps_off() -> None:
    config = TextNormalizer.merge_config({"traditional_to_simplified": False, "fix_slips": False})
    assert TextNormalizer(config).normalize("帳戶冲值") == "帳戶冲值"
