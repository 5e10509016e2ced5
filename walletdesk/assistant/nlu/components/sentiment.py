"""Sentiment and urgency signals that raise the priority of a handoff to a person.

A lexicon scorer, deliberately simple and explainable: each cue found is reported in `signals`
(e.g. "anger", "complaint_threat", "urgent", "regulator"), so an agent sees why a conversation
jumped the queue. `handoff_priority` is "urgent" for threats to go to the police or the
regulator, or anger together with urgency; "high" for anger, a complaint threat or urgency;
otherwise "normal".
"""

from __future__ import annotations

import re
from typing import Any

from walletdesk.assistant.nlu.components.base import Component, Message, register

ANGER = (
    "垃圾",
    "骗子",
    "气死",
    "破app",
    "什么破",
    "搞什么",
    "坑人",
    "坑钱",
    "黑心",
    "无语",
    "太差",
    "差劲",
    "恶心",
    "离谱",
    "混蛋",
    "有病",
    "滚",
    "他妈",
    "tmd",
    "妈的",
    "强烈不满",
    "忍无可忍",
    "欺负人",
    "耍我",
    "不要脸",
    "rubbish",
    "garbage",
    "useless",
    "terrible",
    "ridiculous",
    "unacceptable",
    "disgusting",
    "scam",
    "scammers",
    "thieves",
    "angry",
    "furious",
    "pissed",
    "wtf",
    "fed up",
    "worst",
    "joke",
)
COMPLAINT_THREATS = (
    "投诉",
    "曝光",
    "差评",
    "起诉",
    "律师",
    "告你们",
    "媒体",
    "complain",
    "complaint",
    "sue",
    "lawyer",
    "legal action",
    "bad review",
    "social media",
)
REGULATOR = (
    "12315",
    "12378",
    "12363",
    "报警",
    "警察",
    "打110",
    "银保监",
    "金融监管",
    "人民银行",
    "央行",
    "消协",
    "police",
    "regulator",
    "central bank",
    "ombudsman",
)
URGENCY = (
    "急",
    "马上",
    "立刻",
    "立即",
    "赶紧",
    "赶快",
    "快点",
    "尽快",
    "火速",
    "十万火急",
    "等不了",
    "救命",
    "urgent",
    "urgently",
    "asap",
    "immediately",
    "right now",
    "right away",
    "emergency",
    "hurry",
    "quickly",
    "help me now",
)
POSITIVE = (
    "谢谢",
    "感谢",
    "太好了",
    "好评",
    "棒",
    "满意",
    "thanks",
    "thank you",
    "great",
    "awesome",
)

_LATIN_CUE = re.compile(r"^[a-z0-9 ']+$")


def _compile(cues: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for cue in sorted(cues, key=len, reverse=True):
        escaped = re.escape(cue)
        if _LATIN_CUE.match(cue):
            escaped = rf"(?<![a-z0-9]){escaped}(?![a-z0-9])"
        parts.append(escaped)
    return re.compile("|".join(parts))


@register
class SentimentUrgencyScorer(Component):
    name = "sentiment_urgency"
    requires = ("normalized_text",)

    _anger = _compile(ANGER)
    _threat = _compile(COMPLAINT_THREATS)
    _regulator = _compile(REGULATOR)
    _urgent = _compile(URGENCY)
    _positive = _compile(POSITIVE)

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        return {"high_priority_urgency": 0.5}

    def process(self, message: Message) -> None:
        text = message.working_text
        anger = len(self._anger.findall(text))
        threats = len(self._threat.findall(text))
        regulator = len(self._regulator.findall(text))
        urgent = len(self._urgent.findall(text))
        positive = len(self._positive.findall(text))
        exclaims = len(re.findall(r"[!！]", message.text)) + len(re.findall(r"[?？]{2,}", text))
        shouting = len(re.findall(r"\b[A-Z]{4,}\b", message.text))
        signals = []
        if anger or shouting or exclaims >= 3:
            signals.append("anger")
        if threats:
            signals.append("complaint_threat")
        if regulator:
            signals.append("regulator")
        if urgent:
            signals.append("urgent")
        negative = anger + 0.5 * threats + regulator + 0.3 * min(exclaims, 3) + 0.5 * shouting
        score = (positive - negative) / max(1.0, positive + negative)
        urgency = min(1.0, 0.4 * urgent + 0.2 * min(exclaims, 3) + 0.3 * regulator + 0.15 * threats)
        message.sentiment = max(-1.0, min(1.0, score))
        message.urgency = urgency
        message.signals = signals
        if regulator or ("anger" in signals and urgency >= self.config["high_priority_urgency"]):
            message.handoff_priority = "urgent"
        elif signals:
            message.handoff_priority = "high"
        else:
            message.handoff_priority = "normal"
