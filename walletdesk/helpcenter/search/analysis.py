"""Text analysis shared by every search backend.

Chinese has no spaces between words, so runs of CJK characters are indexed as overlapping
character bigrams (and, for titles and synonyms, single characters); Latin text is split into
words, stop words dropped and the rest stemmed (Porter). Queries first go through `normalize`
(NFKC, lower case), the slip table (冲值 → 充值) and the synonym expansion (取现 → 提现).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from walletdesk.helpcenter.search.stemmer import stem

MAX_QUERY_LENGTH = 100

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN_RE = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_CJK_RE = re.compile(rf"[{_CJK}]")
_LATIN_WORD_RE = re.compile(r"[a-z0-9]+")
_TOKEN_RE = re.compile(rf"\A(?:[{_CJK}]{{1,2}}|[a-z0-9]{{1,40}})\Z")

# Common slips in wallet questions: homophones typed by pinyin input methods, old variants and
# frequent English misspellings. Replaced before analysis; the left side is never a useful word
# in a wallet question.
SLIPS: dict[str, str] = {
    "冲值": "充值",
    "充直": "充值",
    "冲直": "充值",
    "重值": "充值",
    "体现": "提现",
    "提线": "提现",
    "题现": "提现",
    "登陆": "登录",
    "登入": "登录",
    "蹬录": "登录",
    "密玛": "密码",
    "秘码": "密码",
    "密吗": "密码",
    "验正码": "验证码",
    "验征码": "验证码",
    "严证码": "验证码",
    "帐户": "账户",
    "帐号": "账号",
    "到帐": "到账",
    "转帐": "转账",
    "帐单": "账单",
    "对帐": "对账",
    "冻洁": "冻结",
    "冻解": "冻结",
    "银航卡": "银行卡",
    "银行咔": "银行卡",
    "手续废": "手续费",
    "手续肥": "手续费",
    "支附": "支付",
    "付欵": "付款",
    "退欵": "退款",
    "推款": "退款",
    "汇律": "汇率",
    "回率": "汇率",
    "注消": "注销",
    "住销": "注销",
    "闪推": "闪退",
    "扣费两次": "重复扣款",
    "withdrawl": "withdrawal",
    "withdrawel": "withdrawal",
    "widthdraw": "withdraw",
    "withdrawls": "withdrawals",
    "recieve": "receive",
    "recieved": "received",
    "pasword": "password",
    "passwrod": "password",
    "acount": "account",
    "accout": "account",
    "transfered": "transferred",
    "tranfer": "transfer",
    "trasfer": "transfer",
    "refound": "refund",
    "verfication": "verification",
    "verificaiton": "verification",
    "verifcation": "verification",
    "excange": "exchange",
    "curency": "currency",
    "payement": "payment",
    "paymnet": "payment",
    "seperate": "separate",
    "topup": "top up",
    "top-up": "top up",
    "topped": "top",
    "log-in": "login",
    "log in": "login",
    "sign in": "login",
    "e-mail": "email",
    "2-factor": "two factor",
    "2fa": "two factor",
}

# Irregular forms the stemmer cannot see, mapped before stemming.
_LEMMAS: dict[str, str] = {
    "paid": "pay",
    "paying": "pay",
    "payment": "pay",
    "payments": "pay",
    "froze": "freeze",
    "frozen": "freeze",
    "freezing": "freeze",
    "sent": "send",
    "verification": "verify",
    "verifying": "verify",
    "verified": "verify",
    "withdrawal": "withdraw",
    "withdrawals": "withdraw",
    "withdrew": "withdraw",
    "withdrawn": "withdraw",
    "lost": "lose",
    "stolen": "steal",
    "stole": "steal",
    "charged": "charge",
    "cards": "card",
    "logged": "login",
    "logging": "login",
    "signin": "login",
    "passcode": "password",
    "pin": "password",
    "money": "money",
    "hacked": "hack",
    "scammed": "scam",
    "scammer": "scam",
    "scammers": "scam",
}

STOP_WORDS: frozenset[str] = frozenset(
    """
    a an the and or but if of to in on at by for with from into onto about as is are was were
    be been being am do does did doing have has had having i me my mine we our you your he she
    it its they them their this that these those there here what which who whom whose when
    where why how can could should would will shall may might must not no yes so than then too
    very just also any some all each other such only own same s t don didn doesn isn wasn aren
    won cant please help hi hello want wanted need needs get got still yet now one im ive id
    """.split()  # noqa: SIM905
)

# Question words and particles stripped from Chinese queries; they separate runs instead of
# producing noise bigrams such as 么充 in 怎么充值.
_ZH_QUERY_STOP = re.compile(
    "请问|怎么办|怎么样|怎么|怎样|如何|为什么|为啥|什么|咋办|咋|我的|我想|我要|我在|一下|可以|能不能|"
    "是不是|有没有|还没|没有|了吗|吗|呢|啊|呀|吧|了|的|我"
)


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), lower case, collapse whitespace, cap the length."""
    text = unicodedata.normalize("NFKC", text)[: MAX_QUERY_LENGTH * 50].lower()
    return " ".join(text.split())


@lru_cache(maxsize=1)
def _traditional_to_simplified() -> Any:
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified (提現 → 提现), so users in Hong Kong and Taiwan find articles."""
    if not _CJK_RE.search(text):
        return text
    converted: str = _traditional_to_simplified().convert(text)
    return converted


def apply_slips(text: str) -> str:
    for wrong, right in SLIPS.items():
        if wrong in text:
            text = _replace_term(text, wrong, right)
    return text


def _replace_term(text: str, term: str, replacement: str) -> str:
    if _CJK_RE.search(term):
        return text.replace(term, replacement)
    return re.sub(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", replacement, text)


def contains_term(text: str, term: str) -> bool:
    if not term:
        return False
    if _CJK_RE.search(term):
        return term in text
    return re.search(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", text) is not None


@lru_cache(maxsize=100_000)
def stem_word(word: str) -> str:
    return stem(_LEMMAS.get(word, word))


def cjk_tokens(run: str, *, unigrams: bool) -> list[str]:
    if len(run) == 1:
        return [run]
    tokens = [run[i : i + 2] for i in range(len(run) - 1)]
    if unigrams:
        tokens.extend(run)
    return tokens


def analyze(text: str, *, unigrams: bool = False, normalized: bool = False) -> list[str]:
    """Index-side analysis: every token with repetition (term frequency matters)."""
    if not normalized:
        text = apply_slips(normalize(text))
    tokens: list[str] = []
    for run in _RUN_RE.findall(text):
        if _CJK_RE.match(run):
            tokens.extend(cjk_tokens(run, unigrams=unigrams))
        elif run not in STOP_WORDS:
            tokens.append(stem_word(run))
    return tokens


@dataclass(frozen=True, slots=True)
class AnalyzedQuery:
    raw: str
    text: str  # normalised, slips fixed, synonyms appended
    tokens: tuple[str, ...]  # distinct tokens, in query order
    cjk_segments: tuple[str, ...]  # CJK runs, for highlighting
    stems: frozenset[str]  # English stems, for highlighting
    prefix: str  # the last Latin word when it may still be being typed

    @property
    def is_empty(self) -> bool:
        return not self.tokens


def analyze_query(raw: str, synonyms: Sequence[tuple[str, str]] = ()) -> AnalyzedQuery:
    raw = raw[:MAX_QUERY_LENGTH]
    text = apply_slips(to_simplified(normalize(raw)))
    extra = [canonical for term, canonical in synonyms if contains_term(text, term)]
    if extra:
        text = " ".join([text, *extra])
    stripped = _ZH_QUERY_STOP.sub(" ", text)
    tokens: list[str] = []
    segments: list[str] = []
    stems: set[str] = set()
    for run in _RUN_RE.findall(stripped):
        if _CJK_RE.match(run):
            segments.append(run)
            tokens.extend(cjk_tokens(run, unigrams=False))
        elif run not in STOP_WORDS:
            stemmed = stem_word(run)
            stems.add(stemmed)
            tokens.append(stemmed)
    latin_words = _LATIN_WORD_RE.findall(text)
    prefix = ""
    if latin_words and not raw.endswith(" ") and text.endswith(latin_words[-1]):
        prefix = latin_words[-1]
    return AnalyzedQuery(
        raw=raw,
        text=text,
        tokens=tuple(dict.fromkeys(token for token in tokens if _TOKEN_RE.match(token))),
        cjk_segments=tuple(segments),
        stems=frozenset(stems),
        prefix=prefix,
    )


def weighted_terms(fields: Iterable[tuple[str, float, bool]]) -> dict[str, float]:
    """Term → weighted frequency over (text, weight, with_unigrams) fields (BM25F-lite)."""
    weights: dict[str, float] = {}
    for text, weight, unigrams in fields:
        for token in analyze(text, unigrams=unigrams):
            weights[token] = weights.get(token, 0.0) + weight
    return weights
