"""Sparse n-gram TF-IDF features over words and characters, for Chinese and English alike.

Two blocks, each L2-normalised and weighted, are placed side by side:

* words: n-grams of the tokeniser's tokens (jieba words for Chinese), digits folded to "0";
* characters: n-grams inside each Latin word padded with spaces (robust to typos and
  inflections), and n-grams over each run of Chinese characters (robust to segmentation slips).

The vocabulary and inverse document frequencies are learned by `train` and persisted as JSON and
NumPy arrays (no pickles), so a model directory can be inspected and loaded safely.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray

from walletdesk.assistant.nlu.components.base import Component, Message, SparseVector, register
from walletdesk.assistant.nlu.text import CJK_RUN_RE

_DIGITS_RE = re.compile(r"\d+")
_LATIN_WORD_RE = re.compile(r"[a-z0-9']+")


def _ngrams(items: Sequence[str], low: int, high: int, joiner: str) -> Iterable[str]:
    count = len(items)
    for size in range(low, high + 1):
        for start in range(count - size + 1):
            yield joiner.join(items[start : start + size])


class _Block:
    """Vocabulary + idf of one block of features."""

    def __init__(self, vocabulary: dict[str, int], idf: NDArray[np.float32]) -> None:
        self.vocabulary = vocabulary
        self.idf = idf

    @classmethod
    def fit(cls, documents: Sequence[list[str]], min_df: int, max_features: int) -> _Block:
        frequencies: Counter[str] = Counter()
        for features in documents:
            frequencies.update(set(features))
        kept = [(term, df) for term, df in frequencies.items() if df >= min_df]
        if len(kept) > max_features:
            kept.sort(key=lambda item: (-item[1], item[0]))
            kept = kept[:max_features]
        kept.sort()
        vocabulary = {term: index for index, (term, _df) in enumerate(kept)}
        total = len(documents)
        idf = np.array(
            [math.log((1 + total) / (1 + df)) + 1.0 for _term, df in kept], dtype=np.float32
        )
        return cls(vocabulary, idf)

    def vectorize(self, features: list[str], sublinear: bool) -> tuple[list[int], list[float]]:
        counts = Counter(features)
        indices: list[int] = []
        values: list[float] = []
        vocabulary = self.vocabulary
        for term, count in counts.items():
            index = vocabulary.get(term)
            if index is None:
                continue
            tf = 1.0 + math.log(count) if sublinear else float(count)
            indices.append(index)
            values.append(tf * float(self.idf[index]))
        norm = math.sqrt(sum(value * value for value in values))
        if norm > 0:
            values = [value / norm for value in values]
        return indices, values


@register
class NgramTfidfFeaturizer(Component):
    name = "ngram_tfidf_featurizer"
    trainable = True
    requires = ("tokens",)
    provides = ("features",)

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._words: _Block | None = None
        self._chars: _Block | None = None

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        return {
            "word_ngrams": [1, 2],
            "latin_char_ngrams": [2, 5],
            "cjk_char_ngrams": [1, 3],
            "min_df_words": 1,
            "min_df_chars": 2,
            "max_features": 400_000,
            "sublinear_tf": True,
            "word_weight": 1.0,
            "char_weight": 1.0,
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> list[str]:
        problems = super().validate_config(config)
        for key in ("word_ngrams", "latin_char_ngrams", "cjk_char_ngrams"):
            value = config.get(key)
            if not (
                isinstance(value, list)
                and len(value) == 2
                and all(isinstance(v, int) for v in value)
                and 1 <= value[0] <= value[1] <= 8
            ):
                problems.append(f"{cls.name}: {key} must be [low, high] with 1 <= low <= high <= 8")
        return problems

    # --- feature extraction ----------------------------------------------------------------
    def word_features(self, message: Message) -> list[str]:
        low, high = self.config["word_ngrams"]
        tokens = [_DIGITS_RE.sub("0", token) for token in message.tokens if token.strip()]
        return list(_ngrams(tokens, low, high, " "))

    def char_features(self, message: Message) -> list[str]:
        text = _DIGITS_RE.sub("0", message.working_text)
        features: list[str] = []
        low, high = self.config["latin_char_ngrams"]
        for word in _LATIN_WORD_RE.findall(text):
            padded = f" {word} "
            features.extend(_ngrams(padded, low, min(high, len(padded)), ""))
        low, high = self.config["cjk_char_ngrams"]
        for run in CJK_RUN_RE.findall(text):
            features.extend(_ngrams(run, low, high, ""))
        return features

    # --- component interface ---------------------------------------------------------------
    def train(self, messages: Sequence[Message]) -> None:
        cap = int(self.config["max_features"])
        self._words = _Block.fit(
            [self.word_features(m) for m in messages], int(self.config["min_df_words"]), cap
        )
        self._chars = _Block.fit(
            [self.char_features(m) for m in messages], int(self.config["min_df_chars"]), cap
        )

    @property
    def dim(self) -> int:
        if self._words is None or self._chars is None:
            raise RuntimeError("featurizer is not trained")
        return len(self._words.vocabulary) + len(self._chars.vocabulary)

    def vectorize(self, message: Message) -> SparseVector:
        if self._words is None or self._chars is None:
            raise RuntimeError("featurizer is not trained")
        sublinear = bool(self.config["sublinear_tf"])
        word_idx, word_val = self._words.vectorize(self.word_features(message), sublinear)
        char_idx, char_val = self._chars.vectorize(self.char_features(message), sublinear)
        offset = len(self._words.vocabulary)
        word_weight = float(self.config["word_weight"])
        char_weight = float(self.config["char_weight"])
        indices = np.array(word_idx + [offset + i for i in char_idx], dtype=np.int32)
        values = np.array(
            [v * word_weight for v in word_val] + [v * char_weight for v in char_val],
            dtype=np.float32,
        )
        return SparseVector(indices, values, self.dim)

    def process(self, message: Message) -> None:
        message.features = self.vectorize(message)

    def persist(self, directory: Path) -> dict[str, Any]:
        if self._words is None or self._chars is None:
            raise RuntimeError("featurizer is not trained")
        payload = {"words": self._words.vocabulary, "chars": self._chars.vocabulary}
        (directory / "vocabulary.json").write_text(json.dumps(payload, ensure_ascii=False))
        np.savez(directory / "idf.npz", words=self._words.idf, chars=self._chars.idf)
        return {
            "word_features": len(self._words.vocabulary),
            "char_features": len(self._chars.vocabulary),
        }

    @classmethod
    def load(cls, config: dict[str, Any], directory: Path) -> Self:
        component = cls(config)
        payload = json.loads((directory / "vocabulary.json").read_text())
        with np.load(directory / "idf.npz", allow_pickle=False) as arrays:
            component._words = _Block(payload["words"], arrays["words"].astype(np.float32))
            component._chars = _Block(payload["chars"], arrays["chars"].astype(np.float32))
        return component
