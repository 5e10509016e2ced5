"""Snippets with highlighted matches: the text is escaped first, then <mark> is added around
the matched spans, so nothing from the article or the query can inject markup."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from walletdesk.helpcenter.search.analysis import AnalyzedQuery, stem_word

_WORD_RE = re.compile(r"[A-Za-z0-9]+")


def match_spans(text: str, query: AnalyzedQuery) -> list[tuple[int, int]]:
    lowered = text.lower()
    spans: list[tuple[int, int]] = []
    pieces: set[str] = set()
    for segment in query.cjk_segments:
        if len(segment) == 1:
            pieces.add(segment)
        else:
            pieces.update(segment[i : i + 2] for i in range(len(segment) - 1))
    for piece in pieces:
        start = lowered.find(piece)
        while start != -1:
            spans.append((start, start + len(piece)))
            start = lowered.find(piece, start + 1)
    if query.stems or query.prefix:
        for match in _WORD_RE.finditer(lowered):
            word = match.group()
            if stem_word(word) in query.stems or (
                len(query.prefix) >= 2 and word.startswith(query.prefix)
            ):
                spans.append(match.span())
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, query: AnalyzedQuery) -> SafeString:
    return _render(text, match_spans(text, query), 0, len(text))


def snippet(text: str, query: AnalyzedQuery, width: int = 90) -> SafeString:
    """The window of `text` (about `width` characters) holding the most matches."""
    spans = match_spans(text, query)
    if not spans:
        end = min(len(text), width)
        return _render(text, [], 0, end, tail=end < len(text))
    # Sliding window over the sorted spans: the start whose window holds the most matches.
    best_start, best_count, right = spans[0][0], 0, 0
    for left, (start, _end) in enumerate(spans):
        right = max(right, left)
        while right < len(spans) and spans[right][0] < start + width:
            right += 1
        if right - left > best_count:
            best_start, best_count = start, right - left
    start = max(0, best_start - width // 4)
    # Do not cut an English word in half.
    while 0 < start < len(text) and text[start - 1].isalnum() and text[start].isascii():
        start -= 1
    end = min(len(text), start + width)
    while (
        end < len(text)
        and text[end - 1].isalnum()
        and text[end].isascii()
        and end - start < width + 20
    ):
        end += 1
    inside = [(max(s, start), min(e, end)) for s, e in spans if e > start and s < end]
    return _render(text, inside, start, end, head=start > 0, tail=end < len(text))


def _render(
    text: str,
    spans: list[tuple[int, int]],
    start: int,
    end: int,
    *,
    head: bool = False,
    tail: bool = False,
) -> SafeString:
    out: list[str] = ["…" if head else ""]
    cursor = start
    for s, e in spans:
        out.append(escape(text[cursor:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        cursor = e
    out.append(escape(text[cursor:end]))
    if tail:
        out.append("…")
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped
