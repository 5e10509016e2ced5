"""Text normalisation: width, script, case, common slips and pinyin abbreviations.

Customers type on phones: full-width digits (１２３), traditional characters (帳戶凍結), homophone
slips from pinyin input (冲值 for 充值, 体现 for 提现, 登陆 for 登录) and pinyin initials
(tx = 提现, yhk = 银行卡). Everything after this component sees one canonical form, so the
classifier and the extractors need to learn each idea once.

Slip replacements keep the length of the text where they can (冲值 → 充值), which keeps entity
spans meaningful; English spelling fixes may change it. Spans always index the normalised text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

from walletdesk.assistant.nlu.components.base import Component, Message, register
from walletdesk.assistant.nlu.text import CJK_RE, has_cjk

# Chinese homophone / shape slips seen in support chats → the intended word.
ZH_SLIPS: dict[str, str] = {
    "冲值": "充值",
    "充直": "充值",
    "充植": "充值",
    "冲钱": "充钱",
    "体现": "提现",
    "提线": "提现",
    "提见": "提现",
    "题现": "提现",
    "登陆": "登录",
    "登入": "登录",
    "帐户": "账户",
    "帐号": "账号",
    "到帐": "到账",
    "转帐": "转账",
    "帐单": "账单",
    "对帐": "对账",
    "入帐": "入账",
    "余颌": "余额",
    "余頞": "余额",
    "密吗": "密码",
    "密马": "密码",
    "验正码": "验证码",
    "验证吗": "验证码",
    "严正码": "验证码",
    "冻洁": "冻结",
    "动结": "冻结",
    "注消": "注销",
    "退欵": "退款",
    "退宽": "退款",
    "银行咔": "银行卡",
    "银航卡": "银行卡",
    "人功": "人工",
    "客眼": "客服",
    "手续废": "手续费",
    "汇律": "汇率",
    "闪推": "闪退",
    "投述": "投诉",
    "实明认证": "实名认证",
    "实名人证": "实名认证",
    "认正": "认证",
    "优惠卷": "优惠券",
    "優惠卷": "优惠券",
    "二唯码": "二维码",
    "支付保": "支付宝",
}

# English misspellings and variants → one form.
EN_SLIPS: dict[str, str] = {
    "withdrawl": "withdrawal",
    "withdrawel": "withdrawal",
    "widthdraw": "withdraw",
    "withdrew": "withdraw",
    "wihdraw": "withdraw",
    "recieve": "receive",
    "recieved": "received",
    "recived": "received",
    "pasword": "password",
    "passwrod": "password",
    "passowrd": "password",
    "pwd": "password",
    "acount": "account",
    "accout": "account",
    "acct": "account",
    "transfered": "transferred",
    "tranfer": "transfer",
    "trasfer": "transfer",
    "payement": "payment",
    "paymnet": "payment",
    "balence": "balance",
    "ballance": "balance",
    "verfication": "verification",
    "verifcation": "verification",
    "verificaton": "verification",
    "refnd": "refund",
    "refound": "refund",
    "topup": "top up",
    "top-up": "top up",
    "topped-up": "topped up",
    "toped up": "topped up",
    "pls": "please",
    "plz": "please",
    "u": "you",
    "ur": "your",
    "r": "are",
    "thx": "thanks",
    "thnx": "thanks",
    "ty": "thank you",
    "msg": "message",
    "txn": "transaction",
    "trx": "transaction",
    "2fa": "two factor",
    "otp": "one time code",
    "kyc": "identity verification",
    "e-mail": "email",
    "sms": "sms",
    "hv": "have",
    "dont": "don't",
    "cant": "can't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "wont": "won't",
    "isnt": "isn't",
    "havent": "haven't",
    "hasnt": "hasn't",
}

# Pinyin initials → word. Applied only to standalone Latin tokens, and only when the message
# already contains Chinese or consists mostly of such abbreviations (so English "tx" is untouched).
PINYIN_ABBREVIATIONS: dict[str, str] = {
    "cz": "充值",
    "tx": "提现",
    "zz": "转账",
    "tk": "退款",
    "dz": "到账",
    "yhk": "银行卡",
    "xyk": "信用卡",
    "yzm": "验证码",
    "zfmm": "支付密码",
    "dlmm": "登录密码",
    "mm": "密码",
    "sxf": "手续费",
    "kf": "客服",
    "rg": "人工",
    "zrg": "转人工",
    "smrz": "实名认证",
    "sfz": "身份证",
    "zfb": "支付宝",
    "wx": "微信",
    "sjh": "手机号",
    "hb": "红包",
    "yhq": "优惠券",
    "ye": "余额",
    "dj": "冻结",
    "zx": "注销",
}

_LATIN_TOKEN_RE = re.compile(r"[a-z][a-z0-9\-]*", re.ASCII)
_SPACES_RE = re.compile(r"\s+")


@cache
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@register
class TextNormalizer(Component):
    name = "text_normalizer"
    provides = ("normalized_text",)

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._zh_slips: dict[str, str] = {**ZH_SLIPS, **config["extra_zh_slips"]}
        self._en_slips: dict[str, str] = {**EN_SLIPS, **config["extra_en_slips"]}
        self._abbreviations: dict[str, str] = {
            **PINYIN_ABBREVIATIONS,
            **config["extra_pinyin_abbreviations"],
        }
        keys = sorted(self._zh_slips, key=len, reverse=True)
        self._zh_slip_re = re.compile("|".join(re.escape(k) for k in keys))
        en_keys = sorted(self._en_slips, key=len, reverse=True)
        self._en_slip_re = re.compile(
            r"(?<![a-z0-9'])(" + "|".join(re.escape(k) for k in en_keys) + r")(?![a-z0-9'])"
        )

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        return {
            "width": True,
            "traditional_to_simplified": True,
            "lowercase": True,
            "fix_slips": True,
            "pinyin_abbreviations": True,
            "extra_zh_slips": {},
            "extra_en_slips": {},
            "extra_pinyin_abbreviations": {},
        }

    def process(self, message: Message) -> None:
        message.normalized = self.normalize(message.text, message.meta)

    def normalize(self, text: str, meta: dict[str, Any] | None = None) -> str:
        meta = meta if meta is not None else {}
        if self.config["width"]:
            # NFKC folds full-width Latin, digits and punctuation to ASCII (１２３ → 123).
            text = unicodedata.normalize("NFKC", text)
            text = text.replace("\u3000", " ")
        if self.config["traditional_to_simplified"] and has_cjk(text):
            text = str(_converter().convert(text))
        if self.config["lowercase"]:
            text = text.lower()
        text = text.replace("’", "'").replace("‘", "'")
        text = _SPACES_RE.sub(" ", text).strip()
        if self.config["fix_slips"]:
            text = self._zh_slip_re.sub(lambda m: self._zh_slips[m.group(0)], text)
            text = self._en_slip_re.sub(lambda m: self._en_slips[m.group(0)], text)
        if self.config["pinyin_abbreviations"]:
            text = self._expand_pinyin(text, meta)
        return text

    def _expand_pinyin(self, text: str, meta: dict[str, Any]) -> str:
        tokens = _LATIN_TOKEN_RE.findall(text)
        if not tokens:
            return text
        known = sum(1 for token in tokens if token in self._abbreviations)
        if known == 0:
            return text
        if not CJK_RE.search(text) and known * 2 < len(tokens):
            return text
        expanded = 0

        def swap(match: re.Match[str]) -> str:
            nonlocal expanded
            word = match.group(0)
            replacement = self._abbreviations.get(word)
            if replacement is None:
                return word
            expanded += 1
            return replacement

        result = re.sub(r"(?<![a-z0-9])[a-z]+(?![a-z0-9])", swap, text)
        meta["pinyin_expanded"] = expanded
        return result
