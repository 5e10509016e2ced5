"""Messages that only make sense with the conversation behind them, and messages that ask
several things at once.

    resolve("那提现呢", parse, state)        # last intent topup_not_arrived → withdraw_not_arrived
    resolve("I said 200 not 2000", …)       # the same question again, with 200 as the amount
    resolve("第二个", …)                     # the second record of the list the assistant offered
    split_questions("余额多少？顺便问下提现手续费")   # ["余额多少", "提现手续费"]

Everything here is rules over the text, the understanding of this message and the server-side
dialogue state (`DialogueState.state`: `last_intent`, `pending`, `records`); nothing reads the
database. The engine decides what to do with a `Resolution`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from walletdesk.assistant.contracts import OUT_OF_SCOPE, ParseResult
from walletdesk.core.errors import WalletDeskError
from walletdesk.core.money import Money, parse_amount

# What each intent is about (the money's route) and what is asked about it.
ASPECTS: dict[str, tuple[str, str]] = {
    "topup_not_arrived": ("top_up", "not_arrived"),
    "topup_failed": ("top_up", "failed"),
    "topup_how": ("top_up", "how"),
    "withdraw_not_arrived": ("withdrawal", "not_arrived"),
    "withdraw_failed": ("withdrawal", "failed"),
    "withdraw_how": ("withdrawal", "how"),
    "transfer_not_received": ("transfer", "not_arrived"),
    "transfer_how": ("transfer", "how"),
    "payment_failed": ("payment", "failed"),
    "refund_not_received": ("refund", "not_arrived"),
    "refund_request": ("refund", "how"),
}
_BY_ASPECT = {value: intent for intent, value in ASPECTS.items()}
# When the route has no intent for the aspect, the closest one.
_NEAREST: dict[tuple[str, str], str] = {
    ("transfer", "failed"): "payment_failed",
    ("payment", "not_arrived"): "payment_failed",
    ("payment", "how"): "payment_failed",
    ("refund", "failed"): "refund_not_received",
}
# Intents whose answer is the same whatever route the follow-up names (the fee table).
_ROUTE_FREE = frozenset({"fees", "payment_limit", "exchange_rate", "international_payment"})
RAIL_KINDS = {"top_up", "withdrawal"}

TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "top_up": (
        "充值",
        "充钱",
        "充进",
        "top-up",
        "top up",
        "topup",
        "topped up",
        "deposit",
        "recharge",
    ),
    "withdrawal": ("提现", "取现", "提款", "取钱", "withdraw", "cash out", "cashout", "payout"),
    "transfer": ("转账", "转钱", "转给", "transfer", "send money", "sent money"),
    "refund": ("退款", "退钱", "refund"),
    "payment": ("付款", "支付", "消费", "买东西", "payment", "purchase", "paying"),
}

_FOLLOW_ZH = re.compile(
    r"^(?:那|那么|那如果|那要是|还有|再问下|再问一下)?(?P<rest>.{1,12}?)(?:呢|的呢|怎么样|咋样|如何|怎么说)$"
)
_FOLLOW_ZH_START = re.compile(r"^(?:那|那么)(?P<rest>.{1,10})$")
_FOLLOW_EN = re.compile(
    r"^(?:ok,? |okay,? |and |so |but )?(?:what|how) about (?P<rest>.+)$"
    r"|^(?:and|same) (?:for |with )?(?P<rest2>(?:the |my |a )?[a-z0-9 .¥$-]{2,30})$"
)
_STILL = re.compile(
    r"^(?:还是|仍然|依然|到现在|现在)?(?:还是|还|仍|又|依然)?(?:没|没有|没到|不到|失败|不行|没成功|没动静)"
    r"|^(?:it |it'?s |its |it is |the money |money )?still "
    r"(?:not|nothing|no|pending|hasn'?t|isn'?t|failing|failed|missing|waiting)"
    r"|^(?:nothing|not) (?:yet|there yet|arrived yet)|^(?:it )?failed again",
    re.IGNORECASE,
)
_STILL_TAIL = re.compile(
    r"(到|账|成功|失败|动静|arrived|there|here|through|showing|failed|yet|nothing)", re.IGNORECASE
)

_ORDINAL_ZH = re.compile(
    r"第\s*([一二三四1-4])\s*(?:个|笔|条|项|次)|(最后|最近)(?:一个|一笔|那笔|那个|一条|那条)"
)
_ORDINAL_EN = re.compile(
    r"\b(?:the )?(first|second|third|fourth|1st|2nd|3rd|4th|last|latest) "
    r"(?:one|record|payment|top-?up|withdrawal)\b"
    r"|^(?:the )?(first|second|third|fourth|last)$",
    re.IGNORECASE,
)
_ORDINALS = {
    "一": 0, "1": 0, "first": 0, "1st": 0,
    "二": 1, "2": 1, "second": 1, "2nd": 1,
    "三": 2, "3": 2, "third": 2, "3rd": 2,
    "四": 3, "4": 3, "fourth": 3, "4th": 3,
    "最后": -1, "last": -1, "最近": -1, "latest": -1,
}  # fmt: skip
_THAT_ONE = re.compile(
    r"(那笔|那个|那次|那一笔|那条|the one|that one|the payment|the top-?up|the withdrawal)",
    re.IGNORECASE,
)

_CORRECT_ZH = (
    re.compile(
        r"不是(?P<wrong>[^，,。；;！!]{1,12})[，,。；;\s]*(?:而|我说的|我问的|我要问的)?是(?P<right>.{1,20})$"
    ),
    re.compile(r"^(?:我)?(?:说的是|问的是|是说|的意思是|指的是)(?P<right>.{1,20})$"),
    re.compile(r"^(?:说错了|搞错了|打错了|弄错了)[，,。\s]*(?:是|应该是)?(?P<right>.{1,20})$"),
    re.compile(r"^(?:是)?(?P<right>[^，,]{1,12})[，,]\s*不是(?P<wrong>.{1,12})$"),
)
_NO = r"^(?:no|nope|sorry|oops)?[,.!\s]*"
_CORRECT_EN = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        _NO + r"i (?:meant|mean|was asking about|was talking about) (?P<right>.+)$",
        _NO + r"i said (?P<right>.+?),? not (?P<wrong>.+)$",
        r"^(?:no|nope|sorry)[,.!\s]+(?:it'?s |it was |the )?(?P<right>.+?),? "
        r"not (?:the )?(?P<wrong>.+)$",
        r"^not (?:the )?(?P<wrong>[^,;]+)[,;]\s*(?:the )?(?P<right>.+)$",
        r"^(?:no|nope)[,.!\s]+(?:the |my )?(?P<right>[a-z0-9 .¥$-]{2,30})$",
    )
)

_CURRENCY_WORDS = (
    "美元", "美金", "日元", "日币", "港币", "港元", "欧元", "英镑", "人民币",
    "usd", "jpy", "hkd", "eur", "gbp", "dollar", "yen", "euro", "pound",
)  # fmt: skip
_NUMBER = re.compile(r"(\d{1,7}(?:\.\d{1,2})?)\s*(k|千|万)?", re.IGNORECASE)
_TRIM = re.compile(r"^[\s,.!?;:，。！？；：~…、]+|[\s,.!?;:，。！？；：~…、]+$")

# Splitting a message that asks several things: after a question mark, or before a connector
# that starts a new question (顺便问下, 另外, also, and why …).
_SPLIT = re.compile(
    r"[？?]+"
    r"|[，,；;。.！!\s]\s*(?:顺便(?:再)?(?:问一?下|问问|说一?下)?|另外(?:问一?下)?|还有(?:个问题|一个问题|就是)|"
    r"再问一?下|对了)"
    r"|(?:,|;)?\s+(?:and also|also|plus|btw|by the way|and)\s+"
    r"(?=(?:why|how|what|when|where|can|could|is|are|do|does|did|will|would|should|tell|"
    r"what's|whats|how's)\b)",
    re.IGNORECASE,
)
_LEAD = re.compile(
    r"^(?:顺便(?:再)?(?:问一?下|问问|说一?下)?|另外(?:问一?下)?|还有|再问一?下|对了|那|"
    r"and also|also|plus|btw|by the way|and|oh and)[\s,，:：]*",
    re.IGNORECASE,
)
MAX_QUESTIONS = 3
MIN_CLAUSE_CONFIDENCE = 0.55
_NOT_A_QUESTION = frozenset({"greeting", "thanks_goodbye", OUT_OF_SCOPE})


@dataclass(frozen=True, slots=True)
class Resolution:
    """How to answer a message that leans on the previous turn.

    kind: "followup" (another route or amount, same question), "correction" (the customer fixes
    what they said), "repeat" (still not there), "pick" (a record of the list on offer or the
    one discussed), "day" (the record of that day)."""

    kind: str
    intent: str
    amounts: tuple[Money, ...] | None = None
    picked: str = ""  # "<kind>:<public id>"
    day: date | None = None


def _clean(text: str) -> str:
    return _TRIM.sub("", text.strip().lower())


def topic_of(text: str) -> str:
    lowered = text.lower()
    for topic, words in TOPIC_WORDS.items():
        if any(word in lowered for word in words):
            return topic
    return ""


def amounts_in(text: str) -> tuple[Money, ...]:
    found = []
    for match in _NUMBER.finditer(text):
        raw, scale = match.group(1), (match.group(2) or "").lower()
        try:
            money = parse_amount(raw, "CNY")
        except WalletDeskError:
            continue
        factor = {"k": 1000, "千": 1000, "万": 10000}.get(scale, 1)
        found.append(Money(money.minor * factor, "CNY"))
    return tuple(found)


def swap_route(intent: str, topic: str) -> str:
    """The same question about another route: topup_not_arrived + withdrawal →
    withdraw_not_arrived. Empty when there is no such question."""
    if intent in _ROUTE_FREE:
        return intent
    aspect = ASPECTS.get(intent)
    if aspect is None or not topic:
        return ""
    return _BY_ASPECT.get((topic, aspect[1])) or _NEAREST.get((topic, aspect[1]), "")


def _short(text: str) -> bool:
    words = text.split()
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return bool((cjk and len(text) <= 14) or (not cjk and len(words) <= 7))


def _record_for(state: dict[str, Any], kind: str) -> str:
    for record_kind, public_id in reversed(state.get("records") or []):
        if record_kind == kind:
            return f"{kind}:{public_id}"
    return ""


def _day_of(parse: ParseResult | None) -> date | None:
    if parse is None:
        return None
    for entity in parse.entities_of("datetime"):
        try:
            return datetime.fromisoformat(entity.value).date()
        except ValueError:
            continue
    return None


def resolve(text: str, parse: ParseResult | None, state: dict[str, Any]) -> Resolution | None:
    """What an elliptical follow-up, a correction or a reference to a record means here.
    None when the message stands on its own (then the classifier's intent is used)."""
    last = str(state.get("last_intent") or "")
    pending = state.get("pending") or {}
    words = _clean(text)
    if not words:
        return None
    picked = _ordinal_pick(words, pending)
    if picked:
        kind = picked.split(":", 1)[0]
        intent = last if ASPECTS.get(last, ("", ""))[0] == kind else ""
        return Resolution("pick", intent or _BY_ASPECT[(kind, "not_arrived")], picked=picked)
    correction = _correction(words, last, parse)
    if correction is not None:
        return correction
    if not last or (last not in ASPECTS and last not in _ROUTE_FREE):
        return None
    if not _short(words):
        return None
    return _followup(words, last, parse, state)


def _ordinal_pick(words: str, pending: dict[str, Any]) -> str:
    options = [str(o) for o in pending.get("options") or []]
    if pending.get("action") != "pick_operation" or not options:
        return ""
    match = _ORDINAL_ZH.search(words) or _ORDINAL_EN.search(words)
    if match is None or not _short(words):
        return ""
    key = next(group for group in match.groups() if group)
    index = _ORDINALS.get(key.lower(), 0)
    if index >= len(options):
        return ""
    return options[index]


def _correction(words: str, last: str, parse: ParseResult | None) -> Resolution | None:
    right = ""
    for pattern in (*_CORRECT_ZH, *_CORRECT_EN):
        match = pattern.search(words)
        if match is not None:
            right = _clean(match.group("right"))
            break
    if not right or not last:
        return None
    wrong = _clean(match.group("wrong")) if "wrong" in pattern.groupindex and match else ""
    if wrong and not (topic_of(wrong) or amounts_in(wrong)):
        return None  # "不是我本人操作的，是被盗了": not a correction of the route or amount
    amounts = amounts_in(right)
    topic = topic_of(right)
    if topic:
        intent = swap_route(last, topic)
        if not intent and parse is not None and ASPECTS.get(parse.intent, ("",))[0] == topic:
            intent = parse.intent
        if intent:
            return Resolution("correction", intent, amounts=amounts or None)
    if amounts:
        return Resolution("correction", last, amounts=amounts)
    return None


def _followup(
    words: str, last: str, parse: ParseResult | None, state: dict[str, Any]
) -> Resolution | None:
    rest = ""
    for match in (_FOLLOW_ZH.match(words), _FOLLOW_ZH_START.match(words), _FOLLOW_EN.match(words)):
        if match is not None:
            rest = next((g for g in match.groups() if g), "")
            break
    route = ASPECTS.get(last, ("", ""))[0]
    if rest:
        answer = _named(rest, last, route)
        if answer is not None:
            return answer
    if route in RAIL_KINDS and _THAT_ONE.search(words) and amounts_in(words):
        return Resolution("followup", last, amounts=amounts_in(words))  # "300的那笔"
    day = _day_of(parse)
    if route in RAIL_KINDS and day is not None and _THAT_ONE.search(words) and not topic_of(words):
        return Resolution("day", last, day=day)
    if route in RAIL_KINDS and _THAT_ONE.search(words) and not topic_of(words):
        picked = _record_for(state, route)
        if picked:
            return Resolution("pick", last, picked=picked)
    stands_alone = (
        parse is not None
        and not parse.is_out_of_scope
        and parse.confidence >= 0.5
        and family(parse.intent) != route
    )
    if route and not stands_alone and _STILL.search(words) and _STILL_TAIL.search(words):
        topic = topic_of(words)
        if topic and topic != route:
            return None
        return Resolution("repeat", last, picked=_record_for(state, route))
    return None


def _named(rest: str, last: str, route: str) -> Resolution | None:
    """ "那<rest>呢": another route, another amount, another currency."""
    topic = topic_of(rest)
    amounts = amounts_in(rest)
    if topic and topic != route:
        intent = swap_route(last, topic)
        return Resolution("followup", intent) if intent else None
    if amounts:
        return Resolution("followup", last, amounts=amounts)
    if last in _ROUTE_FREE and any(word in rest for word in _CURRENCY_WORDS):
        return Resolution("followup", last)  # 那日元呢 after a rate
    return None


def split_questions(text: str) -> list[str]:
    """The questions of a message, in order (connectors removed). One item when it asks one."""
    parts = []
    for piece in _SPLIT.split(text):
        clause = _TRIM.sub("", _LEAD.sub("", _TRIM.sub("", piece or "")))
        if len(clause) >= 2:
            parts.append(clause)
    return parts if len(parts) > 1 else [text]


def family(intent: str) -> str:
    """Intents that answer the same thing (a failed top-up and one that did not arrive)."""
    aspect = ASPECTS.get(intent)
    return aspect[0] if aspect is not None else intent


def distinct_questions(clauses: list[tuple[str, ParseResult]]) -> list[tuple[str, ParseResult]]:
    """The clauses worth an answer of their own: confident, about the wallet, one per topic,
    at most three. Fewer than two means the message is answered as one."""
    kept: list[tuple[str, ParseResult]] = []
    seen: set[str] = set()
    for clause, parse in clauses:
        if (
            parse.is_out_of_scope
            or parse.intent in _NOT_A_QUESTION
            or parse.confidence < MIN_CLAUSE_CONFIDENCE
        ):
            continue
        key = family(parse.intent)
        if key in seen:
            continue
        seen.add(key)
        kept.append((clause, parse))
    return kept[:MAX_QUESTIONS] if len(kept) > 1 else []
