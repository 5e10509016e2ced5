from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from walletdesk.helpcenter import actions, selectors
from walletdesk.helpcenter.content_files import load_categories, load_content_files
from walletdesk.helpcenter.enums import ArticleStatus
from walletdesk.helpcenter.models import Article, Category, CategoryTranslation
from walletdesk.helpcenter.search.backends import _backends

SAMPLE_SLUGS = (
    "how-to-top-up",
    "topup-not-arrived",
    "how-to-withdraw",
    "withdrawal-fee",
    "withdrawal-not-arrived",
    "forgot-password",
    "emergency-freeze",
    "account-frozen-why",
    "exchange-rate",
    "bind-card",
    "duplicate-charge",
    "spot-phishing",
)


@pytest.fixture(autouse=True)
def _fresh_search_state() -> Iterator[None]:
    """The in-memory index and synonym cache are keyed by a generation stored in the database;
    tests roll the database back, so reset the process state around every test."""
    for backend in _backends.values():
        backend.invalidate()
    selectors._synonym_cache.update({"generation": None, "pairs": {}})
    yield
    for backend in _backends.values():
        backend.invalidate()
    selectors._synonym_cache.update({"generation": None, "pairs": {}})


@pytest.fixture
def categories(db: None) -> dict[str, Category]:
    items = load_categories()
    created = Category.objects.bulk_create(
        [
            Category(slug=item["slug"], section=item["section"], icon=item["icon"], position=n)
            for n, item in enumerate(items, start=1)
        ]
    )
    CategoryTranslation.objects.bulk_create(
        [
            CategoryTranslation(category=category, language=lang, name=pair[0], description=pair[1])
            for category, item in zip(created, items, strict=True)
            for lang, pair in item["names"].items()
        ]
    )
    return {category.slug: category for category in created}


@pytest.fixture
def load_articles(categories: dict[str, Category]) -> Callable[..., list[Article]]:
    files = load_content_files()

    def load(*slugs: str, status: str = ArticleStatus.PUBLISHED) -> list[Article]:
        loaded = []
        for slug in slugs or SAMPLE_SLUGS:
            by_language = files[slug]
            first = by_language["zh-hans"]
            article, _ = actions.save_article(
                slug=slug,
                category=categories[first.category],
                contents={
                    lang: actions.ArticleContent(f.title, f.summary, f.body, f.synonyms)
                    for lang, f in by_language.items()
                },
                intents=first.intents,
                position=first.position,
                initial_status=status,
            )
            loaded.append(article)
        return loaded

    return load


@pytest.fixture
def help_articles(load_articles: Callable[..., list[Article]]) -> list[Article]:
    return load_articles()


@pytest.fixture
def default_synonyms(db: None) -> None:
    actions.add_synonym("zh-hans", "取现", "提现")
    actions.add_synonym("zh-hans", "挂失", "冻结")
    actions.add_synonym("en", "cash out", "withdraw")


@pytest.fixture
def category(categories: dict[str, Category]) -> Category:
    return categories["top-up"]


@pytest.fixture
def draft_article(category: Category) -> Article:
    article, _ = actions.save_article(
        slug="new-topup-guide",
        category=category,
        contents={
            "zh-hans": actions.ArticleContent(
                "新的充值指南", "摘要", "第一版正文：银联快捷充值。", "快捷充值"
            )
        },
    )
    return article


@pytest.fixture
def agent(user_factory: Callable[..., Any]) -> Any:
    return user_factory(role="agent")


@pytest.fixture
def agent_client(agent: Any) -> Client:
    client = Client()
    client.force_login(agent)
    return client
