"""The fallback: out of scope when unsure, a clarifying question when two intents are close.

A fallback is a normal outcome, not an error: the assistant answers out-of-scope messages with a
polite reply and the offer of a person, and asks "did you mean A or B?" on ambiguity rather than
guessing about someone's money.
"""

from __future__ import annotations

from typing import Any

from walletdesk.assistant.contracts import OUT_OF_SCOPE
from walletdesk.assistant.nlu.components.base import Component, Message, register

_PRIORITY_ORDER = {"normal": 0, "high": 1, "urgent": 2}


@register
class FallbackClassifier(Component):
    name = "fallback_classifier"
    requires = ("intent_ranking",)

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        return {
            # Below this confidence the message is treated as out of scope.
            "threshold": 0.3,
            # When the two best intents are closer than this, ask which one is meant.
            "ambiguity_threshold": 0.1,
            "out_of_scope_intent": OUT_OF_SCOPE,
            # Intents that never need a clarification turn (small talk).
            "no_clarification_intents": ["greeting", "thanks_goodbye"],
            # Intents that put the conversation at least at this handoff priority.
            "priority_intents": {
                "emergency_freeze": "urgent",
                "unauthorized_transaction": "urgent",
                "report_fraud": "high",
                "complaint": "high",
                "human_agent": "high",
            },
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> list[str]:
        problems = super().validate_config(config)
        for key in ("threshold", "ambiguity_threshold"):
            value = config.get(key)
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                problems.append(f"{cls.name}: {key} must be a number between 0 and 1")
        priorities = config.get("priority_intents", {})
        if not isinstance(priorities, dict) or any(
            v not in _PRIORITY_ORDER for v in priorities.values()
        ):
            problems.append(f"{cls.name}: priority_intents values must be normal, high or urgent")
        return problems

    def process(self, message: Message) -> None:
        oos = str(self.config["out_of_scope_intent"])
        ranking = message.ranking
        if not ranking:
            message.intent, message.confidence, message.is_out_of_scope = oos, 0.0, True
            return
        top_intent, top_score = ranking[0]
        message.intent, message.confidence = top_intent, top_score
        if top_intent == oos:
            message.is_out_of_scope = True
        elif top_score < float(self.config["threshold"]):
            message.intent = oos
            message.is_out_of_scope = True
        elif len(ranking) > 1:
            second_intent, second_score = ranking[1]
            close = top_score - second_score < float(self.config["ambiguity_threshold"])
            small_talk = top_intent in self.config["no_clarification_intents"]
            if close and second_intent != oos and not small_talk:
                message.needs_clarification = True
                message.clarification_candidates = [top_intent, second_intent]
        floor = self.config["priority_intents"].get(message.intent)
        if floor and _PRIORITY_ORDER[floor] > _PRIORITY_ORDER[message.handoff_priority]:
            message.handoff_priority = floor
