"""The one interface every pipeline component implements, and the registry of components by name.

A component has a name (how the pipeline file refers to it), default settings, and four
operations: `train` (only if it learns from data), `process` (one message, on the request path),
`persist` and `load` (its learned state, written into the model directory). Components run in the
order the pipeline declares and communicate through the mutable `Message` they enrich.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Self, TypeVar

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from walletdesk.assistant.contracts import Entity


@dataclass(frozen=True, slots=True)
class SparseVector:
    """One message's features: column indices and values of a row of `dim` columns."""

    indices: NDArray[np.int32]
    values: NDArray[np.float32]
    dim: int

    def to_csr(self) -> sparse.csr_matrix:
        return stack_vectors([self])


def stack_vectors(vectors: Sequence[SparseVector]) -> sparse.csr_matrix:
    """Rows → one CSR matrix (all vectors must share `dim`)."""
    if not vectors:
        raise ValueError("no vectors to stack")
    dim = vectors[0].dim
    indptr = np.zeros(len(vectors) + 1, dtype=np.int64)
    np.cumsum([len(v.indices) for v in vectors], out=indptr[1:])
    indices = np.concatenate([v.indices for v in vectors]) if indptr[-1] else np.zeros(0, np.int32)
    values = np.concatenate([v.values for v in vectors]) if indptr[-1] else np.zeros(0, np.float32)
    return sparse.csr_matrix((values, indices, indptr), shape=(len(vectors), dim))


@dataclass
class Message:
    """A message on its way through the pipeline (mutable; frozen into a ParseResult at the end)."""

    text: str
    now: datetime
    lang_hint: str | None = None
    label: str | None = None  # the intent, when the message is a training example
    normalized: str = ""
    detected_lang: str = ""
    lang: str = ""
    tokens: list[str] = field(default_factory=list)
    features: SparseVector | None = None
    ranking: list[tuple[str, float]] = field(default_factory=list)
    intent: str = ""
    confidence: float = 0.0
    entities: list[Entity] = field(default_factory=list)
    sentiment: float = 0.0
    urgency: float = 0.0
    signals: list[str] = field(default_factory=list)
    handoff_priority: str = "normal"
    needs_clarification: bool = False
    clarification_candidates: list[str] = field(default_factory=list)
    is_out_of_scope: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def working_text(self) -> str:
        return self.normalized or self.text


class Component(ABC):
    """Base class of pipeline components. Subclasses register with `@register`."""

    name: ClassVar[str] = ""
    trainable: ClassVar[bool] = False
    #: Names of components (or roles, see `provides`) that must run before this one.
    requires: ClassVar[tuple[str, ...]] = ()
    #: Roles this component fills, so that `requires` can name a role ("features") instead of
    #: one implementation.
    provides: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        return {}

    @classmethod
    def merge_config(cls, overrides: dict[str, Any]) -> dict[str, Any]:
        """Defaults updated with `overrides`; nested mappings are merged one level deep."""
        merged = cls.default_config()
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        return merged

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> list[str]:
        """Problems with `config` (already merged with the defaults); empty when valid."""
        problems = []
        for key in config:
            if key not in cls.default_config():
                problems.append(f"{cls.name}: unknown setting {key!r}")
        return problems

    def train(self, messages: Sequence[Message]) -> None:  # noqa: B027 - optional hook
        """Learn from training messages already processed by the preceding components."""

    @abstractmethod
    def process(self, message: Message) -> None:
        """Enrich one message in place."""

    def process_batch(self, messages: Sequence[Message]) -> None:
        for message in messages:
            self.process(message)

    def persist(self, directory: Path) -> dict[str, Any]:
        """Write learned state under `directory`; return metadata for the manifest."""
        return {}

    @classmethod
    def load(cls, config: dict[str, Any], directory: Path) -> Self:
        return cls(config)


COMPONENTS: dict[str, type[Component]] = {}

C = TypeVar("C", bound=type[Component])


def register(cls: C) -> C:
    if not cls.name:
        raise TypeError(f"{cls.__qualname__} needs a name to be registered")
    existing = COMPONENTS.get(cls.name)
    if existing is not None and existing is not cls:
        raise TypeError(f"component name {cls.name!r} is used by {existing} and {cls}")
    COMPONENTS[cls.name] = cls
    return cls


def registered(name: str) -> type[Component] | None:
    return COMPONENTS.get(name)
