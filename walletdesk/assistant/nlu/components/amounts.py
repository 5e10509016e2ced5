"""Amounts of money: ¥1,280.50, 500块, 两千元, 2千, 1.5万, $30, 30 dollars, 充了200.

Values come back as `walletdesk.core.money.Money` fields (integer minor units + ISO currency).
A number without any currency marker is taken as an amount only right after a money verb
(充了 200, paid 45) and then with a lower confidence.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from walletdesk.assistant.contracts import Entity
from walletdesk.assistant.nlu.components.base import Component, Message, register
from walletdesk.assistant.nlu.text import ZH_NUMERAL_CHARS, parse_zh_integer
from walletdesk.core.errors import WalletDeskError
from walletdesk.core.money import parse_amount

_PREFIX_CURRENCIES: dict[str, str] = {
    "¥": "CNY",
    "￥": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "hk$": "HKD",
    "hkd": "HKD",
    "us$": "USD",
    "usd": "USD",
    "$": "USD",
    "€": "EUR",
    "eur": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "jp¥": "JPY",
    "jpy": "JPY",
    "s$": "SGD",
    "sgd": "SGD",
    "₩": "KRW",
    "krw": "KRW",
}
_SUFFIX_CURRENCIES: dict[str, str] = {
    "块钱": "CNY",
    "块": "CNY",
    "元钱": "CNY",
    "元": "CNY",
    "圆": "CNY",
    "人民币": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "yuan": "CNY",
    "kuai": "CNY",
    "美元": "USD",
    "美金": "USD",
    "刀": "USD",
    "dollars": "USD",
    "dollar": "USD",
    "bucks": "USD",
    "usd": "USD",
    "港币": "HKD",
    "港元": "HKD",
    "hkd": "HKD",
    "欧元": "EUR",
    "euros": "EUR",
    "euro": "EUR",
    "eur": "EUR",
    "英镑": "GBP",
    "pounds": "GBP",
    "gbp": "GBP",
    "日元": "JPY",
    "日币": "JPY",
    "yen": "JPY",
    "jpy": "JPY",
    "韩元": "KRW",
    "won": "KRW",
    "krw": "KRW",
    "新币": "SGD",
    "sgd": "SGD",
}
_MULTIPLIERS: dict[str, int] = {"千": 1000, "k": 1000, "万": 10_000, "w": 10_000, "百": 100}
_MONEY_VERBS = (
    r"充了|充值了?|充进去|充|提现了?|提了|转了|转账了?|转给\S{0,6}?|付了|支付了?|付款|扣了|扣款|扣费|"
    r"多扣了?|退了|退款|退回|花了|收了|消费了?|余额只有|余额是|余额|还剩|少了|多了|"
    r"topped up|top up|withdrew|withdraw|withdrawal of|transferred|transfer of|transfer|"
    r"sent|paid|pay|charged|charge of|refund of|refunded|spent|deposit of|deposited"
)
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_ZH_NUMBER = f"[{ZH_NUMERAL_CHARS}]+"

_PREFIX_RE = re.compile(
    r"(?P<cur>jp¥|hk\$|us\$|s\$|¥|￥|\$|€|£|₩|rmb|cny|usd|hkd|eur|gbp|jpy|sgd|krw)\s?"
    rf"(?P<num>{_NUMBER})(?P<mult>[千万kw](?![a-z]))?"
)
_SUFFIX_KEYS = "|".join(re.escape(k) for k in sorted(_SUFFIX_CURRENCIES, key=len, reverse=True))
_SUFFIX_RE = re.compile(
    rf"(?P<num>{_NUMBER}|{_ZH_NUMBER})\s?(?P<mult>[千万百kw](?![a-z]))?\s?"
    rf"(?P<cur>{_SUFFIX_KEYS})(?![a-z])"
)
_MULTIPLIER_ONLY_RE = re.compile(
    rf"(?<![\d.])(?P<num>{_NUMBER})(?P<mult>[千万]|k(?![a-z]))(?![米克块元里])"
)
_VERB_RE = re.compile(
    rf"(?:{_MONEY_VERBS})\s?(?:了)?\s?(?P<num>{_NUMBER})(?![\d.]|\s?(?:[天号日点次分个位月年%岁期笔张]|"
    r"小时|分钟|秒|days?|hours?|minutes?|times?|am|pm|digits?|th\b|st\b|nd\b|rd\b))"
)


def _major_string(number: str, multiplier: str | None) -> str | None:
    number = number.replace(",", "")
    if number and number[0] in ZH_NUMERAL_CHARS:
        value = parse_zh_integer(number)
        if value is None:
            return None
        number = str(value)
    try:
        amount = Decimal(number)
    except InvalidOperation:
        return None
    if multiplier:
        amount *= _MULTIPLIERS[multiplier]
    normalized = format(amount.normalize(), "f")
    return normalized


def _to_money_fields(major: str, currency: str) -> dict[str, Any] | None:
    try:
        money = parse_amount(major, currency, allow_zero=True)
    except WalletDeskError:
        return None
    return {"minor": money.minor, "currency": money.currency, "decimal": money.to_decimal_string()}


@register
class AmountExtractor(Component):
    name = "amount_extractor"
    requires = ("normalized_text",)
    provides = ("entities",)

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        return {"default_currency": "CNY", "money_verbs": True, "bare_multipliers": True}

    def process(self, message: Message) -> None:
        message.entities.extend(self.extract(message.working_text, taken=message.entities))

    def extract(self, text: str, taken: list[Entity] | None = None) -> list[Entity]:
        spans = [(e.start, e.end) for e in (taken or [])]
        found: list[Entity] = []

        def free(start: int, end: int) -> bool:
            return all(end <= s or start >= e for s, e in spans)

        def add(match: re.Match[str], currency: str, confidence: float, group: str) -> None:
            start, end = match.span(0) if group == "0" else match.span(group)
            if not free(start, end):
                return
            major = _major_string(match.group("num"), match.groupdict().get("mult"))
            if major is None:
                return
            fields = _to_money_fields(major, currency)
            if fields is None:
                return
            spans.append((start, end))
            found.append(
                Entity(
                    type="amount",
                    value=str(fields["decimal"]),
                    text=text[start:end],
                    start=start,
                    end=end,
                    normalized={"minor": fields["minor"], "currency": fields["currency"]},
                    confidence=confidence,
                    extractor=self.name,
                )
            )

        default = str(self.config["default_currency"])
        for match in _PREFIX_RE.finditer(text):
            add(match, _PREFIX_CURRENCIES[match.group("cur")], 0.95, "0")
        for match in _SUFFIX_RE.finditer(text):
            add(match, _SUFFIX_CURRENCIES[match.group("cur")], 0.95, "0")
        if self.config["bare_multipliers"]:
            for match in _MULTIPLIER_ONLY_RE.finditer(text):
                add(match, default, 0.8, "0")
        if self.config["money_verbs"]:
            for match in _VERB_RE.finditer(text):
                add(match, default, 0.7, "num")
        found.sort(key=lambda entity: entity.start)
        return found
