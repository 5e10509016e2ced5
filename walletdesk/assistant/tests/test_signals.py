from __future__ import annotations

from datetime import UTC, datetime

import pytest

from walletdesk.assistant.nlu.components.base import Message
from walletdesk.assistant.nlu.components.fallback import FallbackClassifier
from walletdesk.assistant.nlu.components.language import LanguageDetector, detect_language
from walletdesk.assistant.nlu.components.sentiment import SentimentUrgencyScorer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("充值没到账", "zh"),
        ("my top up has not arrived", "en"),
        ("我的top up一直pending怎么办", "mixed"),
        ("app闪退了", "mixed"),
        ("12345", "zh"),
    ],
)
def test_language_detection(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def _message(text: str, **kwargs: object) -> Message:
    return Message(text=text, now=datetime.now(UTC), normalized=text.lower(), **kwargs)  # type: ignore[arg-type]


def test_reply_language_follows_hint_then_detection() -> None:
    detector = LanguageDetector(LanguageDetector.default_config())
    mixed = _message("我的top up一直pending")
    detector.process(mixed)
    assert (mixed.detected_lang, mixed.lang) == ("mixed", "zh")
    forced = _message("充值没到账", lang_hint="en")
    detector.process(forced)
    assert (forced.detected_lang, forced.lang) == ("zh", "en")


@pytest.mark.parametrize(
    ("text", "signals", "priority"),
    [
        ("充值没到账", [], "normal"),
        ("急！提现还没到", ["urgent"], "high"),
        ("再不处理我就投诉", ["complaint_threat"], "high"),
        ("垃圾平台，马上给我处理，不然打12315", ["anger", "regulator", "urgent"], "urgent"),
        ("this is ridiculous, I need it urgently", ["anger", "urgent"], "high"),
        ("I will report you to the police", ["regulator"], "urgent"),
    ],
)
def test_sentiment_and_urgency_raise_priority(text: str, signals: list[str], priority: str) -> None:
    scorer = SentimentUrgencyScorer(SentimentUrgencyScorer.default_config())
    message = _message(text)
    scorer.process(message)
    assert message.signals == signals
    assert message.handoff_priority == priority
    if signals:
        assert message.sentiment < 0 or "urgent" in signals
        assert message.urgency > 0 or signals == ["anger"]


def _fallback(ranking: list[tuple[str, float]]) -> Message:
    component = FallbackClassifier(
        FallbackClassifier.merge_config({"threshold": 0.3, "ambiguity_threshold": 0.1})
    )
    message = _message("x", ranking=ranking)
    component.process(message)
    return message


def test_low_confidence_is_out_of_scope() -> None:
    message = _fallback([("fees", 0.25), ("payment_limit", 0.2)])
    assert (message.intent, message.is_out_of_scope) == ("out_of_scope", True)
    assert message.needs_clarification is False


def test_close_intents_ask_for_clarification_with_both_candidates() -> None:
    message = _fallback([("topup_not_arrived", 0.46), ("topup_failed", 0.41), ("fees", 0.05)])
    assert message.intent == "topup_not_arrived"
    assert message.needs_clarification is True
    assert message.clarification_candidates == ["topup_not_arrived", "topup_failed"]
    assert message.is_out_of_scope is False


def test_clear_winner_needs_no_clarification() -> None:
    message = _fallback([("refund_request", 0.8), ("refund_not_received", 0.1)])
    assert (message.intent, message.needs_clarification) == ("refund_request", False)


def test_emergency_intents_raise_priority() -> None:
    message = _fallback([("emergency_freeze", 0.9), ("account_frozen", 0.05)])
    assert message.handoff_priority == "urgent"
