"""Search backends behind one protocol.

* `EmbeddedBackend` (default, any database): an in-memory inverted index per language over
  character bigrams and English stems, scored with BM25 on numpy arrays. It is rebuilt lazily
  when the content generation (one row, bumped on every publish or synonym change) moves.
* `PostgresBackend`: the same analysed tokens stored in `ArticleTranslation.search_document`
  (and, on PostgreSQL only, in a generated tsvector column with a GIN index), matched with
  PostgreSQL full-text search plus pg_trgm
  similarity on titles for misspelt words; ranked with `ts_rank`.

`get_backend()` picks the PostgreSQL backend when the database is PostgreSQL, unless the
setting `HELPCENTER_SEARCH_BACKEND` says "embedded" (or "postgres").
"""

from __future__ import annotations

import bisect
import math
import re
import threading
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Exists, F, FloatField, Func, OuterRef, Q, Value

from walletdesk.helpcenter.enums import DEFAULT_LANGUAGE, LANGUAGES, ArticleStatus
from walletdesk.helpcenter.search.analysis import AnalyzedQuery, weighted_terms

_LATIN_RE = re.compile(r"[a-z]{3,}")
FIELD_WEIGHTS = {"title": 3.0, "synonyms": 2.5, "summary": 1.5, "body": 1.0}
BM25_K1 = 1.2
BM25_B = 0.6


@dataclass(frozen=True, slots=True)
class SearchDocument:
    article_id: int
    language: str
    title: str
    summary: str
    synonyms: str
    body: str


@dataclass(frozen=True, slots=True)
class ScoredArticle:
    article_id: int
    language: str
    score: float


class SearchBackend(Protocol):
    name: str

    def search(self, query: AnalyzedQuery, language: str, limit: int) -> list[ScoredArticle]: ...

    def invalidate(self) -> None: ...


@lru_cache(maxsize=1024)
def document_terms(doc: SearchDocument) -> dict[str, float]:
    """Weighted terms of a document (cached: indexes are rebuilt from mostly unchanged docs).
    Callers must not mutate the result."""
    return weighted_terms(
        [
            (doc.title, FIELD_WEIGHTS["title"], True),
            (doc.synonyms, FIELD_WEIGHTS["synonyms"], True),
            (doc.summary, FIELD_WEIGHTS["summary"], False),
            (doc.body, FIELD_WEIGHTS["body"], False),
        ]
    )


def search_document_text(doc: SearchDocument) -> str:
    """The space-separated token text stored for the PostgreSQL backend; field weight is
    expressed by repetition so that `ts_rank` sees it."""
    parts: list[str] = []
    for token, weight in document_terms(doc).items():
        parts.extend([token] * max(1, round(weight)))
    return " ".join(parts)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass
class LanguageIndex:
    """An immutable inverted index for one language."""

    article_ids: list[int] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    postings: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    norms: Any = None
    latin_vocab: list[str] = field(default_factory=list)
    latin_deletes: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, docs: Iterable[SearchDocument]) -> LanguageIndex:
        index = cls()
        lists: dict[str, tuple[array[int], array[float]]] = {}
        lengths: list[float] = []
        for position, doc in enumerate(docs):
            index.article_ids.append(doc.article_id)
            index.languages.append(doc.language)
            terms = document_terms(doc)
            lengths.append(sum(terms.values()))
            for token, weight in terms.items():
                entry = lists.get(token)
                if entry is None:
                    entry = lists[token] = (array("i"), array("f"))
                entry[0].append(position)
                entry[1].append(weight)
        index.postings = {
            token: (np.frombuffer(ids, dtype=np.int32), np.frombuffer(tfs, dtype=np.float32))
            for token, (ids, tfs) in lists.items()
        }
        lengths_array = np.asarray(lengths or [1.0], dtype=np.float32)
        average = float(lengths_array.mean()) or 1.0
        index.norms = (BM25_K1 * (1 - BM25_B + BM25_B * lengths_array / average)).astype(np.float32)
        index.latin_vocab = sorted(t for t in lists if t.isascii() and t.isalpha() and len(t) > 2)
        deletes: dict[str, list[str]] = {}
        for word in index.latin_vocab:
            if len(word) >= 4:
                for variant in _deletes(word):
                    deletes.setdefault(variant, []).append(word)
        index.latin_deletes = deletes
        return index

    def __len__(self) -> int:
        return len(self.article_ids)

    def expand(self, query: AnalyzedQuery) -> list[tuple[str, float]]:
        """Query tokens with weights: exact tokens, then spelling neighbours (edit distance 1)
        of unknown English words, then completions of the word being typed."""
        terms: list[tuple[str, float]] = []
        for token in query.tokens:
            if token in self.postings:
                terms.append((token, 1.0))
            elif token.isascii() and token.isalpha() and len(token) >= 4:
                candidates = set(self.latin_deletes.get(token, ()))
                for variant in _deletes(token):
                    candidates.update(self.latin_deletes.get(variant, ()))
                    if variant in self.postings:
                        candidates.add(variant)
                terms.extend((candidate, 0.7) for candidate in sorted(candidates)[:5])
        prefix = query.prefix
        if len(prefix) >= 2 and prefix.isalpha():
            start = bisect.bisect_left(self.latin_vocab, prefix)
            seen = {token for token, _ in terms}
            for word in self.latin_vocab[start : start + 8]:
                if not word.startswith(prefix):
                    break
                if word not in seen:
                    terms.append((word, 0.5))
        return terms

    def search(self, query: AnalyzedQuery, limit: int) -> list[ScoredArticle]:
        count = len(self.article_ids)
        terms = self.expand(query)
        if not count or not terms:
            return []
        scores = np.zeros(count, dtype=np.float32)
        matched = np.zeros(count, dtype=np.float32)
        for token, query_weight in terms:
            ids, tfs = self.postings[token]
            idf = math.log(1.0 + (count - len(ids) + 0.5) / (len(ids) + 0.5))
            scores[ids] += query_weight * idf * tfs * (BM25_K1 + 1) / (tfs + self.norms[ids])
            matched[ids] += query_weight
        total_weight = sum(weight for _, weight in terms)
        scores *= 0.4 + 0.6 * np.minimum(matched / total_weight, 1.0)
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > limit:
            top = np.argpartition(scores[candidates], -limit)[-limit:]
            candidates = candidates[top]
        ordered = sorted(candidates.tolist(), key=lambda i: (-float(scores[i]), i))
        return [
            ScoredArticle(self.article_ids[i], self.languages[i], float(scores[i])) for i in ordered
        ]


def choose_documents(docs: Iterable[SearchDocument], language: str) -> list[SearchDocument]:
    """One document per article: the translation in `language`, else the default language,
    else any other."""
    best: dict[int, SearchDocument] = {}
    preference = {language: 0, DEFAULT_LANGUAGE: 1}
    for doc in docs:
        current = best.get(doc.article_id)
        if current is None or preference.get(doc.language, 2) < preference.get(current.language, 2):
            best[doc.article_id] = doc
    return [best[key] for key in sorted(best)]


class EmbeddedBackend:
    name = "embedded"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._indexes: dict[str, LanguageIndex] = {}

    def invalidate(self) -> None:
        with self._lock:
            self._generation = None
            self._indexes = {}

    def load_documents(self, docs: Sequence[SearchDocument], generation: str = "") -> None:
        indexes = {lang: LanguageIndex.build(choose_documents(docs, lang)) for lang in LANGUAGES}
        with self._lock:
            self._indexes = indexes
            self._generation = generation

    def _ensure_fresh(self) -> None:
        from walletdesk.helpcenter import selectors

        generation = selectors.search_generation()
        if generation and generation == self._generation:
            return
        self.load_documents(selectors.published_search_documents(), generation)

    def index_for(self, language: str) -> LanguageIndex:
        self._ensure_fresh()
        return self._indexes.get(language) or self._indexes[DEFAULT_LANGUAGE]

    def search(self, query: AnalyzedQuery, language: str, limit: int) -> list[ScoredArticle]:
        if query.is_empty:
            return []
        return self.index_for(language).search(query, limit)


# `search_vector` is a stored generated column that exists only on PostgreSQL (migration 0005:
# to_tsvector('simple', search_document), GIN-indexed); the model does not declare it.
_VECTOR = '"helpcenter_articletranslation"."search_vector"'


class _Matches(Func):
    template = f"({_VECTOR} @@ to_tsquery('simple', %(expressions)s))"
    output_field = BooleanField()


class _Rank(Func):
    template = f"ts_rank({_VECTOR}, to_tsquery('simple', %(expressions)s))"
    output_field = FloatField()


class _WordSimilar(Func):
    # `<%` is pg_trgm's word-similarity operator (served by the GIN trigram index on title).
    template = "(%(expressions)s)"
    arg_joiner = " <%% "
    output_field = BooleanField()


class _WordSimilarity(Func):
    function = "word_similarity"
    output_field = FloatField()


class PostgresBackend:
    name = "postgres"

    def invalidate(self) -> None:
        """Nothing to do: the tokens are written with the article in the same transaction."""

    def search(self, query: AnalyzedQuery, language: str, limit: int) -> list[ScoredArticle]:
        from walletdesk.helpcenter.models import ArticleTranslation

        if query.is_empty:
            return []
        parts = [f"'{token}'" for token in query.tokens]
        if len(query.prefix) >= 2 and query.prefix.isalpha():
            parts.append(f"'{query.prefix}':*")
        tsquery = " | ".join(parts)
        latin = " ".join(_LATIN_RE.findall(query.text))[:100]
        match: Q = Q(_Matches(Value(tsquery)))
        rank: Any = _Rank(Value(tsquery))
        if len(latin) >= 4:
            match |= Q(_WordSimilar(Value(latin), F("title")))
            rank = rank + _WordSimilarity(Value(latin), F("title")) * Value(0.05)
        own_language = ArticleTranslation.objects.filter(
            article_id=OuterRef("article_id"), language=language
        )
        rows = (
            ArticleTranslation.objects.filter(article__status=ArticleStatus.PUBLISHED)
            .filter(Q(language=language) | (Q(language=DEFAULT_LANGUAGE) & ~Exists(own_language)))
            .filter(match)
            .annotate(rank=rank)
            .order_by("-rank", "article_id")
            .values_list("article_id", "language", "rank")[:limit]
        )
        return [ScoredArticle(a, lang, float(r)) for a, lang, r in rows]


_backends: dict[str, SearchBackend] = {}


def get_backend() -> SearchBackend:
    choice = getattr(settings, "HELPCENTER_SEARCH_BACKEND", "auto")
    if choice == "auto":
        choice = "postgres" if connection.vendor == "postgresql" else "embedded"
    backend = _backends.get(choice)
    if backend is None:
        backend = _backends[choice] = (
            PostgresBackend() if choice == "postgres" else EmbeddedBackend()
        )
    return backend
