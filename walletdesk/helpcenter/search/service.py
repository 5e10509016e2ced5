"""One entry point for searching: analyse the query, ask the configured backend, attach
titles and highlighted snippets."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString

from walletdesk.helpcenter import selectors
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
    language = selectors.normalize_language(language)
    limit = max(1, min(limit, 50))
    query = prepare_query(raw, language)
    if query.is_empty:
        return SearchResults(query, [])
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
    return SearchResults(query, hits)
