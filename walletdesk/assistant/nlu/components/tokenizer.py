"""Tokenisation of mixed Chinese / English text: jieba for Chinese runs, words for the rest."""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

from walletdesk.assistant.nlu.components.base import Component, Message, register

# Wallet words jieba's general dictionary splits badly; kept whole they make strong features.
DOMAIN_WORDS = (
    "充值",
    "提现",
    "到账",
    "转账",
    "退款",
    "扣款",
    "扣费",
    "余额",
    "支付密码",
    "登录密码",
    "验证码",
    "银行卡",
    "信用卡",
    "储蓄卡",
    "手续费",
    "服务费",
    "转人工",
    "人工客服",
    "实名认证",
    "身份证",
    "支付宝",
    "微信",
    "云闪付",
    "红包",
    "优惠券",
    "积分",
    "解绑",
    "绑卡",
    "闪退",
    "双重验证",
    "指纹支付",
    "人脸识别",
    "异地登录",
    "冻结",
    "解冻",
    "注销",
    "限额",
    "汇率",
    "换汇",
    "外币",
    "境外",
    "交易记录",
    "账单",
    "对账单",
    "被骗",
    "诈骗",
    "钓鱼",
    "投诉",
    "盗刷",
    "重复扣款",
    "扣了两次",
    "没到账",
    "不到账",
    "手机号",
    "换绑",
    "系统维护",
)

_jieba_lock = threading.Lock()
_jieba_ready = False
_SEGMENT_RE = re.compile(
    r"(?P<cjk>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)|(?P<word>[a-z0-9]+(?:'[a-z]+)?)",
    re.IGNORECASE,
)


def _jieba() -> Any:
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                for word in DOMAIN_WORDS:
                    jieba.add_word(word, freq=200_000)
                _jieba_ready = True
    return jieba


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    for match in _SEGMENT_RE.finditer(text):
        if match.group("cjk"):
            tokens.extend(_jieba().lcut(match.group("cjk"), HMM=True))
        else:
            tokens.append(match.group("word").lower())
    return tokens


@register
class MixedTokenizer(Component):
    name = "mixed_tokenizer"
    requires = ("normalized_text",)
    provides = ("tokens",)

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        _jieba()  # load the dictionary now, not on the first customer's message

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        return {}

    def process(self, message: Message) -> None:
        message.tokens = tokenize(message.working_text)
