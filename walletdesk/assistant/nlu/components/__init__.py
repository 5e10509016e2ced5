"""Built-in pipeline components; importing this package registers them all by name."""

from walletdesk.assistant.nlu.components import (
    amounts,
    classifier,
    datetimes,
    fallback,
    featurizer,
    language,
    lexicon,
    normalizer,
    patterns,
    sentiment,
    tokenizer,
)
from walletdesk.assistant.nlu.components.base import COMPONENTS, Component, Message, register

__all__ = [
    "COMPONENTS",
    "Component",
    "Message",
    "amounts",
    "classifier",
    "datetimes",
    "fallback",
    "featurizer",
    "language",
    "lexicon",
    "normalizer",
    "patterns",
    "register",
    "sentiment",
    "tokenizer",
]
