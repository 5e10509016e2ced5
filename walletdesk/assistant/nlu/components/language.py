"""Language detection (zh / en / mixed) and the choice of reply language."""

from __future__ import annotations

from typing import Any

from walletdesk.assistant.nlu.components.base import Component, Message, register
from walletdesk.assistant.nlu.text import cjk_ratio

SUPPORTED_LANGUAGES = ("zh", "en")


def detect_language(text: str, *, mixed_share: float = 0.2) -> str:
    """ "zh", "en" or "mixed", from the share of Chinese characters among letters.

    A Chinese character carries about as much as a three-letter English word, so Latin letters
    are weighed at a third. Text with neither (digits, emoji) counts as Chinese, the default
    language of the product.
    """
    cjk, latin = cjk_ratio(text)
    if cjk == 0 and latin == 0:
        return "zh"
    weight_latin = latin / 3
    share = cjk / (cjk + weight_latin)
    if share >= 1 - mixed_share:
        return "zh"
    if share <= mixed_share / 2:
        return "en"
    return "mixed"


@register
class LanguageDetector(Component):
    name = "language_detector"
    requires = ("normalized_text",)
    provides = ("language",)

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        # A mixed message is answered in this language (zh: people mixing in English words such
        # as "app", "top up" are usually Chinese speakers).
        return {"mixed_reply_language": "zh", "mixed_share": 0.2}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> list[str]:
        problems = super().validate_config(config)
        if config.get("mixed_reply_language") not in SUPPORTED_LANGUAGES:
            problems.append(f"{cls.name}: mixed_reply_language must be one of zh, en")
        return problems

    def process(self, message: Message) -> None:
        detected = detect_language(message.text, mixed_share=self.config["mixed_share"])
        if detected == "en" and message.meta.get("pinyin_expanded"):
            detected = "zh"
        message.detected_lang = detected
        if message.lang_hint in SUPPORTED_LANGUAGES:
            message.lang = str(message.lang_hint)
        elif detected == "mixed":
            message.lang = self.config["mixed_reply_language"]
        else:
            message.lang = detected
