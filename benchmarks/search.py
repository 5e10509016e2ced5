"""Help-center search benchmark (embedded backend).

1. Retrieval quality: the labelled real-style queries in
   walletdesk/helpcenter/benchmarks_data/queries.jsonl (zh-hans and en, written apart from the
   article text) against the shipped articles; recall@3 = share of queries with an expected
   slug in the top 3.
2. Latency: the same queries against an in-memory index of 10,000 articles generated from the
   shipped ones (regional/product variants with shuffled sections and a borrowed section from
   another article), per query: analysis (slips, synonyms) + ranking + highlighted snippets.

Run: .venv/bin/python benchmarks/search.py [--articles 10000] [--rounds 3]
The last stdout line is one JSON object: articles, p50_ms, p99_ms, recall_at_3 (+ details).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from walletdesk.helpcenter.content_files import (  # noqa: E402
    load_content_files,
    load_default_synonyms,
)
from walletdesk.helpcenter.enums import LANGUAGES  # noqa: E402
from walletdesk.helpcenter.rendering import html_to_text, render_markdown  # noqa: E402
from walletdesk.helpcenter.search.analysis import analyze_query  # noqa: E402
from walletdesk.helpcenter.search.backends import (  # noqa: E402
    LanguageIndex,
    SearchDocument,
    choose_documents,
)
from walletdesk.helpcenter.search.snippets import highlight, snippet  # noqa: E402

QUERIES = ROOT / "walletdesk/helpcenter/benchmarks_data/queries.jsonl"
VARIANTS = {
    "zh-hans": [
        "企业版",
        "香港地区",
        "学生账户",
        "海外用户",
        "老年模式",
        "商户版",
        "新版 App",
        "网页版",
    ],
    "en": [
        "Business",
        "Hong Kong",
        "Student",
        "Overseas",
        "Easy mode",
        "Merchant",
        "New app",
        "Web",
    ],
}


def log(message: str) -> None:
    print(message, flush=True)


def real_documents() -> tuple[list[SearchDocument], dict[int, str]]:
    docs: list[SearchDocument] = []
    slugs: dict[int, str] = {}
    for number, (slug, by_language) in enumerate(sorted(load_content_files().items()), start=1):
        slugs[number] = slug
        for language, item in by_language.items():
            text = html_to_text(render_markdown(item.body))
            docs.append(
                SearchDocument(number, language, item.title, item.summary, item.synonyms, text)
            )
    return docs, slugs


def generated_documents(
    real: list[SearchDocument], count: int, rng: random.Random
) -> tuple[list[SearchDocument], dict[int, int]]:
    """`count` articles (each in both languages) derived from the real ones."""
    by_language: dict[str, list[SearchDocument]] = {lang: [] for lang in LANGUAGES}
    for doc in real:
        by_language[doc.language].append(doc)
    sources = sorted({doc.article_id for doc in real})
    origin: dict[int, int] = {}
    docs: list[SearchDocument] = []
    for n in range(count):
        article_id = 100_000 + n
        source_id = sources[n % len(sources)]
        other_id = sources[rng.randrange(len(sources))]
        origin[article_id] = source_id
        for language in LANGUAGES:
            pool = {d.article_id: d for d in by_language[language]}
            source, other = pool[source_id], pool[other_id]
            sentences = [s for s in source.body.replace("。", "。\n").split("\n") if s.strip()]
            rng.shuffle(sentences)
            borrowed = other.body[: rng.randrange(60, 240)]
            variant = VARIANTS[language][n % len(VARIANTS[language])]
            separator = "" if language == "zh-hans" else " "
            docs.append(
                SearchDocument(
                    article_id,
                    language,
                    f"{source.title}（{variant}）"
                    if language == "zh-hans"
                    else f"{source.title} ({variant})",
                    source.summary,
                    source.synonyms,
                    separator.join([*sentences, borrowed]),
                )
            )
        if (n + 1) % 2000 == 0:
            log(f"  generated {n + 1}/{count} articles")
    return docs, origin


def load_queries() -> list[dict[str, object]]:
    with QUERIES.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def synonym_pairs() -> dict[str, list[tuple[str, str]]]:
    pairs = {
        lang: [(t.lower(), c.lower()) for t, c in items if t.lower() != c.lower()]
        for lang, items in load_default_synonyms().items()
    }
    return {
        "zh-hans": [*pairs["zh-hans"], *pairs["en"]],
        "en": [*pairs["en"], *pairs["zh-hans"]],
    }


def build(docs: list[SearchDocument]) -> dict[str, LanguageIndex]:
    return {lang: LanguageIndex.build(choose_documents(docs, lang)) for lang in LANGUAGES}


def recall_at_3(
    indexes: dict[str, LanguageIndex],
    queries: list[dict[str, object]],
    synonyms: dict[str, list[tuple[str, str]]],
    slug_of: dict[int, str],
) -> tuple[float, dict[str, float], list[str]]:
    found: dict[str, list[bool]] = {lang: [] for lang in LANGUAGES}
    misses: list[str] = []
    for item in queries:
        language = str(item["lang"])
        analyzed = analyze_query(str(item["q"]), synonyms[language])
        hits = [slug_of[h.article_id] for h in indexes[language].search(analyzed, 3)]
        expected = item["expected"]
        assert isinstance(expected, list)
        ok = bool(set(hits) & set(expected))
        found[language].append(ok)
        if not ok:
            misses.append(f"{item['q']} → {hits} (expected {item['expected']})")
    total = [ok for values in found.values() for ok in values]
    per_language = {lang: sum(v) / len(v) for lang, v in found.items() if v}
    return sum(total) / len(total), per_language, misses


def measure_latency(
    indexes: dict[str, LanguageIndex],
    docs: dict[tuple[int, str], SearchDocument],
    queries: list[dict[str, object]],
    synonyms: dict[str, list[tuple[str, str]]],
    rounds: int,
) -> list[float]:
    timings: list[float] = []
    for round_number in range(rounds):
        for item in queries:
            language = str(item["lang"])
            start = time.perf_counter()
            analyzed = analyze_query(str(item["q"]), synonyms[language])
            hits = indexes[language].search(analyzed, 10)
            for hit in hits[:5]:
                doc = docs[(hit.article_id, hit.language)]
                highlight(doc.title, analyzed)
                snippet(doc.body, analyzed)
            timings.append((time.perf_counter() - start) * 1000)
        log(f"  latency round {round_number + 1}/{rounds}: {len(queries)} queries")
    return timings


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    log("loading shipped help content…")
    real, slug_of = real_documents()
    queries = load_queries()
    synonyms = synonym_pairs()
    log(f"  {len(slug_of)} articles, {len(real)} translations, {len(queries)} labelled queries")

    log("retrieval quality on the shipped articles…")
    recall, per_language, misses = recall_at_3(build(real), queries, synonyms, slug_of)
    log(f"  recall@3 = {recall:.3f} " + " ".join(f"{k}={v:.3f}" for k, v in per_language.items()))
    if args.show_misses:
        for miss in misses:
            log(f"  miss: {miss}")

    log(f"generating {args.articles} articles…")
    generated, _origin = generated_documents(real, args.articles, rng)
    log("building the in-memory index…")
    start = time.perf_counter()
    indexes = build(generated)
    build_s = time.perf_counter() - start
    log(f"  built in {build_s:.1f} s ({len(indexes['zh-hans'])} zh-hans, {len(indexes['en'])} en)")

    log("measuring query latency…")
    by_key = {(d.article_id, d.language): d for d in generated}
    measure_latency(indexes, by_key, queries[:20], synonyms, 1)  # warm-up
    timings = measure_latency(indexes, by_key, queries, synonyms, args.rounds)
    p50, p99 = statistics.median(timings), percentile(timings, 99)

    log("")
    log(f"{'articles':<22}{args.articles}")
    log(f"{'labelled queries':<22}{len(queries)}")
    log(f"{'recall@3 (shipped)':<22}{recall:.3f}")
    log(f"{'p50 latency':<22}{p50:.2f} ms")
    log(f"{'p99 latency':<22}{p99:.2f} ms")
    log(f"{'index build':<22}{build_s:.1f} s")
    print(
        json.dumps(
            {
                "articles": args.articles,
                "p50_ms": round(p50, 3),
                "p99_ms": round(p99, 3),
                "recall_at_3": round(recall, 4),
                "recall_at_3_by_language": {k: round(v, 4) for k, v in per_language.items()},
                "queries": len(queries),
                "backend": "embedded",
                "index_build_s": round(build_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
