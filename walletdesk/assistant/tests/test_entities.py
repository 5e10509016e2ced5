from __future__ import annotations

import pytest

from walletdesk.assistant.contracts import Entity, mask_phone
from walletdesk.assistant.nlu.components.amounts import AmountExtractor
from walletdesk.assistant.nlu.components.datetimes import DateTimeExtractor
from walletdesk.assistant.nlu.components.lexicon import LexiconEntityExtractor
from walletdesk.assistant.nlu.components.normalizer import TextNormalizer
from walletdesk.assistant.nlu.components.patterns import PatternEntityExtractor
from walletdesk.assistant.tests.conftest import NOW
from walletdesk.core.money import Money

NORMALIZER = TextNormalizer(TextNormalizer.default_config())


def amounts(text: str) -> list[Entity]:
    extractor = AmountExtractor(AmountExtractor.default_config())
    return extractor.extract(NORMALIZER.normalize(text))


@pytest.mark.parametrize(
    ("text", "surface", "money"),
    [
        ("充值¥1,280.50没到账", "¥1,280.50", Money(128050, "CNY")),
        ("转了500块给他", "500块", Money(50000, "CNY")),
        ("两千元提现失败", "两千元", Money(200000, "CNY")),
        ("提现2千怎么还没到", "2千", Money(200000, "CNY")),
        ("I paid $30 twice", "$30", Money(3000, "USD")),
        ("refund of 45.99 usd please", "45.99 usd", Money(4599, "USD")),
        ("昨天转账1.5万", "1.5万", Money(1500000, "CNY")),
        ("花了三百块钱", "三百块钱", Money(30000, "CNY")),
        ("it cost 20 euros", "20 euros", Money(2000, "EUR")),
        ("付了 ￥５００", "¥500", Money(50000, "CNY")),
        ("充了200还没到", "200", Money(20000, "CNY")),
    ],
)
def test_amounts_become_money(text: str, surface: str, money: Money) -> None:
    found = amounts(text)
    assert len(found) == 1
    assert found[0].text == surface
    assert found[0].money == money
    assert found[0].normalized == {"minor": money.minor, "currency": money.currency}


def test_numbers_that_are_not_money_are_ignored() -> None:
    assert amounts("3天前充的钱") == []
    assert amounts("扣了两次") == []
    assert amounts("等了20分钟") == []


@pytest.mark.parametrize(
    ("text", "surface", "value", "grain"),
    [
        ("昨天晚上8点充的钱", "昨天晚上8点", "2025-05-13T20:00:00+08:00", "minute"),
        ("3天前提现的", "3天前", "2025-05-11T00:00:00+08:00", "day"),
        ("上周五转的账", "上周五", "2025-05-09T00:00:00+08:00", "day"),
        ("5月3日的订单", "5月3日", "2025-05-03T00:00:00+08:00", "day"),
        ("昨晚十点半付的", "昨晚十点半", "2025-05-13T22:30:00+08:00", "minute"),
        ("两个小时前", "两个小时前", "2025-05-14T08:30:00+08:00", "hour"),
        ("i topped up yesterday", "yesterday", "2025-05-13T00:00:00+08:00", "day"),
        ("last friday at 8pm", "last friday at 8pm", "2025-05-09T20:00:00+08:00", "minute"),
        ("2 hours ago", "2 hours ago", "2025-05-14T08:30:00+08:00", "hour"),
        ("on may 3rd", "may 3rd", "2025-05-03T00:00:00+08:00", "day"),
        ("上个月的账单", "上个月", "2025-04-01T00:00:00+08:00", "month"),
    ],
)
def test_dates_resolve_against_now_in_shanghai(
    text: str, surface: str, value: str, grain: str
) -> None:
    extractor = DateTimeExtractor(DateTimeExtractor.default_config())
    found = extractor.extract(NORMALIZER.normalize(text), NOW)
    assert [(e.text, e.value, e.normalized["grain"]) for e in found] == [(surface, value, grain)]


def test_time_later_than_now_without_a_day_means_yesterday() -> None:
    extractor = DateTimeExtractor(DateTimeExtractor.default_config())
    found = extractor.extract("晚上9点充的", NOW)  # NOW is 10:30 in the morning
    assert found[0].value == "2025-05-13T21:00:00+08:00"


def patterns(text: str) -> list[tuple[str, str]]:
    extractor = PatternEntityExtractor(PatternEntityExtractor.default_config())
    return [(e.type, e.value) for e in extractor.extract(NORMALIZER.normalize(text))]


def test_card_tails() -> None:
    assert patterns("尾号6621的卡被拒了") == [("card_tail", "6621")]
    assert patterns("card ending in 8899 declined") == [("card_tail", "8899")]
    assert patterns("my card ending 6621 was declined") == [("card_tail", "6621")]
    assert patterns("卡号末四位是1234") == [("card_tail", "1234")]


def test_transaction_ids() -> None:
    assert patterns("订单号2024051512345678扣了两次") == [("transaction_id", "2024051512345678")]
    assert patterns("top up T2024051500123456 still pending") == [
        ("transaction_id", "T2024051500123456")
    ]


def test_phone_numbers_are_found_and_masked_for_logs() -> None:
    extractor = PatternEntityExtractor(PatternEntityExtractor.default_config())
    (phone,) = extractor.extract("新号码是+86 138-1234-5678")
    assert (phone.type, phone.value) == ("phone", "13812345678")
    assert phone.loggable_value == "138****5678"
    assert phone.as_dict(masked=True)["value"] == "138****5678"
    assert "1234" not in str(phone.as_dict(masked=True))
    assert mask_phone("13912345678") == "139****5678"


def test_an_amount_is_not_read_inside_a_phone_number() -> None:
    found = PatternEntityExtractor(PatternEntityExtractor.default_config()).extract(
        "转了13812345678"
    )
    extractor = AmountExtractor(AmountExtractor.default_config())
    assert extractor.extract("转了13812345678", taken=found) == []


def test_rails_and_merchants() -> None:
    extractor = LexiconEntityExtractor(LexiconEntityExtractor.default_config())
    found = [(e.type, e.value) for e in extractor.extract("在美团用支付宝付的，退到银行卡")]
    assert found == [("merchant", "Meituan"), ("rail", "alipay"), ("rail", "bank_card")]
    found = [(e.type, e.value) for e in extractor.extract("paid starbucks by bank transfer")]
    assert found == [("merchant", "Starbucks"), ("rail", "bank_transfer")]
