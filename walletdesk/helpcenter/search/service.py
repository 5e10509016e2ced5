"""One entry point for searching: analyse the query, ask the configured backend, attach
titles and highlighted snippets."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString

from walletdesk.helpcenter import selectors
from walletdesk.helpcenter.enums import LANGUAGES
from walletdesk.helpcenter.search.analysis import MAX_QUERY_LENGTH, AnalyzedQuery, analyze_query
from walletdesk.helpcenter.search.backends import get_backend
from walletdesk.helpcenter.search.snippets import highlight, snippet


@dataclass(frozen=True)
class SearchHit:
    article_id: int
    slug: str
    language: str
    title: str
    summary: str
    title_html: SafeString
    snippet_html: SafeString
    score: float


@dataclass(frozen=True)
class SearchResults:
    query: AnalyzedQuery
    hits: list[SearchHit]


def prepare_query(raw: str, language: str) -> AnalyzedQuery:
    generation = selectors.search_generation()
    synonyms = selectors.synonym_pairs(language, generation)
    return analyze_query(raw[:MAX_QUERY_LENGTH], synonyms)


def search(raw: str, language: str, limit: int = 10) -> SearchResults:
    """Articles for `raw`, best first: those found in the reader's language, then — when the
    query is written (partly) in the other language's script, e.g. "how do i get my money back"
    on a Chinese page — those found in the other language's articles. Queries in the reader's
    own script cost one search, as before."""
    language = selectors.normalize_language(language)
    limit = max(1, min(limit, 50))
    query = prepare_query(raw, language)
    if query.is_empty:
        return SearchResults(query, [])
    hits = _hits(query, language, limit)
    for other in LANGUAGES:
        if other == language or len(hits) >= limit or not _written_for(query, other):
            continue
        seen = {hit.article_id for hit in hits}
        other_query = prepare_query(raw, other)
        more = [hit for hit in _hits(other_query, other, limit) if hit.article_id not in seen]
        hits.extend(more[: limit - len(hits)])
    return SearchResults(query, hits)


def _written_for(query: AnalyzedQuery, language: str) -> bool:
    """Whether the query has words in the script of `language`'s articles."""
    if language == "en":
        return bool(query.stems)
    return bool(query.cjk_segments)


def _hits(query: AnalyzedQuery, language: str, limit: int) -> list[SearchHit]:
    scored = get_backend().search(query, language, limit)
    rows = selectors.translations_for_hits([(s.article_id, s.language) for s in scored])
    hits = []
    for item in scored:
        row = rows.get((item.article_id, item.language))
        if row is None:
            continue
        hits.append(
            SearchHit(
                article_id=item.article_id,
                slug=row.article.slug,
                language=row.language,
                title=row.title,
                summary=row.summary,
                title_html=highlight(row.title, query),
                snippet_html=snippet(row.plain_text or row.summary, query),
                score=item.score,
            )
        )
    return hits
