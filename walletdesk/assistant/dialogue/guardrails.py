"""What the assistant must never do, checked on the way in and on the way out.

In: a secret typed into the chat (a one-time code, a password) is not stored or echoed; a
request to move money, or for another person's data, is recognised before any flow runs.
Out: a reply that asks for a password or code, promises money, or carries a phone number other
than the customer's own (masked) is replaced with a safe one. The templates never do any of
this; the output check is the backstop for anything phrased elsewhere (an LLM, article text).
"""

from __future__ import annotations

import re

_SECRET_CUES = re.compile(
    r"(验证码|校验码|动态码|密码|口令|pin|password|passcode|otp|verification code|\bcode\b)"
    r"\s*(是|为|:|：|is|=)?\s*[A-Za-z0-9!@#$%^&*._-]{4,}",
    re.IGNORECASE,
)
_BARE_CODE = re.compile(r"^\s*\d{6}\s*$")


def contains_secret(text: str) -> bool:
    """A code or password the customer typed (which they should only enter on the real page)."""
    return bool(_SECRET_CUES.search(text) or _BARE_CODE.match(text))


_MOVE_MONEY = re.compile(
    r"((帮|替|给)我|你(直接|帮忙)?|直接|马上|立刻|现在就?).{0,8}"
    r"(转账|转钱|转\s*\d|汇款|打款|打钱|付款|退款|退钱|退给|充值|提现|划|转给|转到|转过去)"
    r"|(把|将).{0,12}(转|打|汇|退)(给|到|回)"
    r"|\b(send|transfer|wire|move|pay|refund|credit|give)\b.{0,30}\b(me|to|my|back|him|her|them)\b"
    r"|\b(transfer|send|refund|credit)\b.{0,12}\d",
    re.IGNORECASE,
)


def asks_to_move_money(text: str) -> bool:
    return bool(_MOVE_MONEY.search(text))


_OTHER_PERSON_ZH = re.compile(
    r"([\u4e00-\u9fff]{1,4}|他|她|别人|朋友|老婆|老公|妈妈?|爸爸?|同事)的"
    r"(余额|账户|账号|交易|记录|流水|账单|手机号?|信息|银行卡|资料|钱包)"
)
_OTHER_PERSON_EN = re.compile(
    r"\b(someone else'?s?|another (user|customer|person)'?s?|other (users?|customers?)'?s?|"
    r"(?!my\b|your\b|our\b)[a-z]+'s (balance|account|transactions?|history|phone|card|wallet)|"
    r"(balance|account|transactions?|details|phone number) of (?!my\b)[a-z]+|"
    r"(his|her|their) (balance|account|transactions?|history|phone|card|wallet))",
    re.IGNORECASE,
)
_RELATIVES = (
    "妈",
    "爸",
    "老婆",
    "老公",
    "朋友",
    "同事",
    "儿子",
    "女儿",
    "家人",
    "哥",
    "姐",
    "弟",
    "妹",
)
# "我最近的账单", "今天的交易": the words before 的 name the customer or a time, not a person.
_NOT_SOMEONE_ELSE = (
    "我",
    "自己",
    "本人",
    "最近",
    "今天",
    "昨天",
    "前天",
    "本月",
    "上月",
    "这个",
    "那个",
    "所有",
    "全部",
    "近期",
    "这周",
    "上周",
    "今年",
    "去年",
    "当前",
    "现在",
    "账户",
    "钱包",
)


def asks_for_someone_elses_data(text: str, own_phone: str, phones: list[str]) -> bool:
    digits = "".join(ch for ch in own_phone if ch.isdigit())
    for phone in phones:
        other = "".join(ch for ch in phone if ch.isdigit())
        if other and not digits.endswith(other[-11:]):
            return True
    for match in _OTHER_PERSON_ZH.finditer(text):
        owner = match.group(1)
        if any(word in owner for word in _RELATIVES):
            return True
        if any(word in owner for word in _NOT_SOMEONE_ELSE):
            continue
        return True
    return bool(_OTHER_PERSON_EN.search(text))


_ASKS_FOR_SECRET = re.compile(
    r"(告诉我|发给我|发我|提供给我|回复我|报一下|说一下).{0,4}(你的|您的)?(登录)?(密码|验证码|支付密码|口令|cvv|安全码)"
    r"|(把|将)(你的|您的)?(登录)?(密码|验证码|支付密码|cvv|安全码).{0,6}(告诉|发给|提供给|回复)(我|客服|我们)"
    r"|\b(tell|send|give|share|type|reply with)\b.{0,6}\b(me|us)\b.{0,12}"
    r"\b(password|code|pin|cvv)\b"
    r"|\bwhat is your (password|code|pin|cvv)\b",
    re.IGNORECASE,
)
_PROMISES_MONEY = re.compile(
    r"(保证|一定|肯定|承诺).{0,8}(退款|赔偿|到账|退还|返还)|我们(会|将)(赔偿|赔付|补偿)"
    r"|\b(we will|we'll|i will|i'll|guarantee|promise)\b.{0,20}\b(refund|compensate|reimburse|"
    r"pay you|credit you)\b",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)|\+\d{8,15}")


def unsafe_reply(text: str) -> str:
    """Why a reply must not go out ("" when it may)."""
    if _ASKS_FOR_SECRET.search(text):
        return "asks_for_secret"
    if _PROMISES_MONEY.search(text):
        return "promises_money"
    if _PHONE.search(text):
        return "unmasked_phone"
    return ""


# --- Text the assistant did not write itself (an LLM's phrasing) ------------------------------
#
# Stricter than `unsafe_reply`: the engine's own templates are reviewed; generated text is not.
# It may only say what the drafts and facts it was given say, so every long number, name and
# link in it must come from them, and anything that sounds like asking for a secret or promising
# money is refused even where a template could phrase it harmlessly ("enter the code only on the
# page"): the built-in answer is always there to fall back on.

_NEGATION_ZH = ("不要", "别", "切勿", "勿", "不会", "绝不", "不用", "无需", "从不", "不得", "不必")
_NEGATION_EN = re.compile(
    r"\b(don'?t|do not|never|not|no need to|won'?t|will not|shouldn'?t|should not)\b", re.I
)
_ASKS_FOR_SECRET_ZH = re.compile(
    r"(提供|发送|发给|告诉|输入|填写|回复|报|说出|确认|核对)(一下)?(您|你)?(的)?"
    r"(短信)?(登录|支付)?(密码|验证码|校验码|动态码|口令|pin|cvv|cvc|安全码|卡号|身份证号)"
    r"|(把|将).{0,8}(密码|验证码|校验码|动态码|口令|pin|cvv|cvc|安全码|卡号).{0,6}"
    r"(告诉|发给|发送给|发送|提供给|提供|回复|发)",
    re.IGNORECASE,
)
_ASKS_FOR_SECRET_EN = re.compile(
    r"\b(provide|send|tell|give|share|enter|type|reply with|confirm|read out|what is|what's)\b"
    r"(\s+[\w'-]+){0,4}\s+"
    r"(password|passcode|verification code|code|otp|pin|cvv|cvc|security code|card number)s?\b",
    re.IGNORECASE,
)
_PROMISES_MONEY_GENERATED = re.compile(
    r"(保证|一定|肯定|承诺|必定|绝对|百分百)(会|能|可以)?.{0,10}(退|赔|到账|返还|补偿|回来)"
    r"|我们(会|将|可以|马上|立即)(给您|为您|帮您)?(全额)?(退款|赔偿|赔付|补偿|返还|退还|退钱|打款)"
    r"|(给您|为您)(全额)?(退款|赔偿|补偿|赔付)"
    r"|\b(will|'ll|shall|guarantee[sd]?|promise[sd]?|definitely|certainly|surely)\b.{0,40}"
    r"\b(refund(ed)?|compensat\w*|reimburs\w*|credit(ed)? (you|your)|pay you|money back|"
    r"get (your|the) money|be returned|be credited)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_URL = re.compile(
    r"https?://[^\s<>\"'）)】，。]+|\bwww\.[^\s<>\"'）)】，。]+"
    r"|(?<![\w/.:])/(?:[A-Za-z0-9_\-]+/)+[A-Za-z0-9_\-]*"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|io|app|me|top|xyz|cc|info|link)\b",
    re.IGNORECASE,
)
_NAME_ZH = re.compile(r"([\u4e00-\u9fff]{1,3})(先生|女士|小姐)")
_NAME_EN = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Dear|Hi|Hello)\.?\s+([A-Z][a-z]+)")
# "您好先生", "尊敬的女士", "这位先生": a form of address, not a name.
_NOT_A_SURNAME = ("好", "的", "位", "敬", "户")
_GREETING_WORDS = frozenset({"there", "again", "Customer", "Sir", "Madam", "User"})


def _negated(text: str, start: int) -> bool:
    before = text[max(0, start - 24) : start]
    return any(word in before[-8:] for word in _NEGATION_ZH) or bool(_NEGATION_EN.search(before))


def _number(raw: str) -> str:
    """1,000.00 → 1000; 2,000.50 → 2000.5 (the same amount however it is written)."""
    number = raw.replace(",", "").rstrip(".")
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return number


def _grounded_numbers(text: str) -> set[str]:
    return {_number(match.group(0)) for match in _NUMBER.finditer(text)}


def _asks_for_secret(text: str) -> bool:
    return any(
        not _negated(text, match.start())
        for pattern in (_ASKS_FOR_SECRET_ZH, _ASKS_FOR_SECRET_EN)
        for match in pattern.finditer(text)
    )


def _names_a_stranger(text: str, grounding: str) -> bool:
    for match in _NAME_ZH.finditer(text):
        name = match.group(1)
        if not name.endswith(_NOT_A_SURNAME) and name not in grounding:
            return True
    return any(
        match.group(1) not in _GREETING_WORDS and match.group(1) not in grounding
        for match in _NAME_EN.finditer(text)
    )


def links_in(text: str) -> set[str]:
    """The links (absolute, www., bare domains, site paths) written in `text`."""
    return {match.group(0).rstrip(".,;:!?") for match in _URL.finditer(text)}


def unsafe_generated_text(text: str, *, grounding: str, allowed_links: set[str]) -> str:
    """Why generated text must not be shown ("" when it may). `grounding` is everything the
    model was given (the drafts, the facts, the customer's message); `allowed_links` the card
    and page links of the turn (never links the customer typed)."""
    why = unsafe_reply(text)
    if why:
        return why
    if _asks_for_secret(text):
        return "asks_for_secret"
    if _PROMISES_MONEY_GENERATED.search(text):
        return "promises_money"
    known = _grounded_numbers(grounding)
    for number in _grounded_numbers(text):
        digits = number.replace(".", "")
        if len(digits) >= 3 and number not in known:
            return "ungrounded_number"
    if links_in(text) - allowed_links:
        return "foreign_link"
    if _names_a_stranger(text, grounding):
        return "ungrounded_name"
    return ""
