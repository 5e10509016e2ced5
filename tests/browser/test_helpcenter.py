from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import choose_language
from walletdesk.helpcenter import actions
from walletdesk.helpcenter.content_files import load_categories, load_content_files
from walletdesk.helpcenter.enums import ArticleStatus
from walletdesk.helpcenter.search.backends import _backends

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUGS = (
    "how-to-top-up",
    "topup-not-arrived",
    "how-to-withdraw",
    "withdrawal-fee",
    "emergency-freeze",
)


@pytest.fixture
def help_site(db: None) -> None:
    for backend in _backends.values():
        backend.invalidate()
    categories = {}
    for position, item in enumerate(load_categories(), start=1):
        category, _ = actions.upsert_category(
            slug=item["slug"],
            section=item["section"],
            icon=item.get("icon", ""),
            position=position,
            names={lang: (pair[0], pair[1]) for lang, pair in item["names"].items()},
        )
        categories[category.slug] = category
    files = load_content_files()
    for slug in SLUGS:
        by_language = files[slug]
        actions.save_article(
            slug=slug,
            category=categories[by_language["zh-hans"].category],
            contents={
                lang: actions.ArticleContent(f.title, f.summary, f.body, f.synonyms)
                for lang, f in by_language.items()
            },
            initial_status=ArticleStatus.PUBLISHED,
        )
    actions.add_synonym("zh-hans", "取现", "提现")


def test_search_as_you_type_and_article_page(page: Page, live_server: Any, help_site: None) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server.url}/help/")
    expect(page.locator("h1")).to_contain_text("有什么可以帮你")

    page.locator("#help-q").press_sequentially("冲值没到账", delay=30)
    results = page.locator("#live-results [data-testid=search-results]")
    expect(results).to_be_visible()
    expect(results.locator(".hit").first).to_contain_text("充值")
    expect(results.locator("mark").first).to_have_text("充值")

    page.locator("#help-q").fill("")
    page.locator("#help-q").press_sequentially("取现", delay=30)
    expect(page.locator("#live-results .hit").first).to_contain_text("提现")

    page.locator("#live-results .hit").first.click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator("article h1")).to_contain_text("提现")
    expect(page.locator(".article-body")).to_be_visible()

    page.locator("button[name=helpful][value=yes]").click()
    expect(page.locator("#feedback .alert-ok")).to_contain_text("谢谢反馈")
    assert not [e for e in errors if "Content Security Policy" in e]


def test_article_page_in_english_and_status_page(
    page: Page, live_server: Any, help_site: None
) -> None:
    page.goto(f"{live_server.url}/help/a/how-to-top-up/")
    expect(page.locator("article h1")).to_contain_text("充值")
    expect(page.locator(".article-body img")).to_have_count(1)
    expect(page.locator(".article-body ol li").first).to_be_visible()
    choose_language(page, "en")
    expect(page.locator("article h1")).to_have_text("How to top up your wallet")
    page.goto(f"{live_server.url}/help/status/")
    expect(page.locator("[data-testid=components] li")).to_have_count(7)
