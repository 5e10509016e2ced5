from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from walletdesk.helpcenter import actions
from walletdesk.helpcenter.enums import ArticleStatus
from walletdesk.helpcenter.search.analysis import analyze, analyze_query, normalize
from walletdesk.helpcenter.search.backends import get_backend
from walletdesk.helpcenter.search.service import search
from walletdesk.helpcenter.search.stemmer import stem

pytestmark = pytest.mark.django_db

BACKENDS = ["auto", "embedded"]


@pytest.fixture(params=BACKENDS)
def backend(request: Any, settings: Any) -> str:
    settings.HELPCENTER_SEARCH_BACKEND = request.param
    return get_backend().name


def top(query: str, language: str = "zh-hans", n: int = 3) -> list[str]:
    return [hit.slug for hit in search(query, language, limit=n).hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("充值没到账怎么办", "topup-not-arrived"),
        ("提现手续费多少", "withdrawal-fee"),
        ("手机丢了要冻结账户", "emergency-freeze"),
        ("忘记登录密码", "forgot-password"),
        ("绑定银行卡", "bind-card"),
    ],
)
def test_chinese_without_spaces(
    help_articles: Any, backend: str, query: str, expected: str
) -> None:
    assert expected in top(query)


@pytest.mark.parametrize(
    ("slip", "expected"),
    [
        ("冲值没到账", "topup-not-arrived"),
        ("体现手续费", "withdrawal-fee"),
        ("登陆密码忘了", "forgot-password"),
        ("银航卡绑定", "bind-card"),
    ],
)
def test_common_slips_are_corrected(
    help_articles: Any, backend: str, slip: str, expected: str
) -> None:
    assert expected in top(slip)


def test_traditional_chinese_queries(help_articles: Any, backend: str) -> None:
    assert "withdrawal-not-arrived" in top("提現多久到賬")
    assert "account-frozen-why" in top("帳戶被凍結了怎麼辦")


def test_slip_table_fixes_query_text() -> None:
    assert analyze_query("冲值 体现 登陆").text == "充值 提现 登录"


def test_staff_synonyms_apply_immediately(help_articles: Any, backend: str) -> None:
    assert top("出金") == []
    actions.add_synonym("zh-hans", "出金", "提现")
    assert top("出金")[0] in {"how-to-withdraw", "withdrawal-fee", "withdrawal-not-arrived"}
    actions.add_synonym("zh-hans", "挂失", "冻结")
    assert "emergency-freeze" in top("挂失")


def test_deleting_a_synonym_takes_effect(help_articles: Any, backend: str) -> None:
    synonym, _ = actions.add_synonym("en", "bankout", "withdraw")
    assert "how-to-withdraw" in top("bankout", "en")
    actions.delete_synonym(synonym.pk)
    assert top("bankout", "en") == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("withdrawals", "how-to-withdraw"),
        ("withdrawing money fees", "withdrawal-fee"),
        ("forgotten passwords", "forgot-password"),
        ("exchanging currencies", "exchange-rate"),
        ("top-up hasn't arrived", "topup-not-arrived"),
    ],
)
def test_english_stemming(help_articles: Any, backend: str, query: str, expected: str) -> None:
    assert expected in top(query, "en")


def test_english_misspelling(help_articles: Any, backend: str) -> None:
    assert "how-to-withdraw" in top("withdrawl", "en") or "withdrawal-fee" in top("withdrawl", "en")
    assert "forgot-password" in top("forgot pasword", "en")


def test_stemmer() -> None:
    assert stem("withdrawals") == stem("withdrawing") == stem("withdraw")
    assert stem("refunded") == stem("refunds") == "refund"
    assert analyze("Payments paid paying") == [stem("pay")] * 3


def test_results_fall_back_to_default_language(load_articles: Any, backend: str) -> None:
    (article,) = load_articles("how-to-top-up")
    article.translations.filter(language="en").delete()
    actions.bump_search_generation()
    results = search("充值", "en").hits
    assert [hit.slug for hit in results] == ["how-to-top-up"]
    assert results[0].language == "zh-hans"


def test_unpublished_articles_are_not_found(help_articles: Any, backend: str) -> None:
    assert "exchange-rate" in top("汇率")
    article = help_articles[[a.slug for a in help_articles].index("exchange-rate")]
    actions.transition_article(article, ArticleStatus.ARCHIVED, actor=None)
    assert "exchange-rate" not in top("汇率")


def test_snippets_escape_then_highlight(category: Any, backend: str) -> None:
    actions.save_article(
        slug="hostile",
        category=category,
        contents={
            "zh-hans": actions.ArticleContent(
                "<b>充值</b> 指南", "", "充值 <script>alert(1)</script> 说明", ""
            )
        },
        initial_status=ArticleStatus.PUBLISHED,
    )
    (hit,) = search("充值", "zh-hans").hits
    assert "<b>" not in hit.title_html
    assert "&lt;b&gt;<mark>充值</mark>&lt;/b&gt;" in hit.title_html
    assert "<script>" not in hit.snippet_html
    assert "<mark>充值</mark>" in hit.snippet_html


@pytest.mark.parametrize(
    "hostile",
    [
        "%",
        "_",
        "%%__\\",
        "' OR 1=1 --",
        "'; DROP TABLE helpcenter_article; --",
        "<script>alert(1)</script>",
        "\x00\x01\x02",
        "a" * 5000,
        "充" * 300,
        ":* & | ! ()",
        "\u202e\u200b",
        "   ",
    ],
)
def test_hostile_queries_never_fail(
    client: Client, help_articles: Any, backend: str, hostile: str
) -> None:
    response = client.get("/help/search/", {"q": hostile})
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content
    api = client.get("/api/v1/help/search", {"q": hostile[:100]})
    assert api.status_code == 200


def test_query_is_capped_at_100_characters() -> None:
    assert len(analyze_query("提" * 500).raw) == 100
    assert normalize("ＡＢＣ　１２３") == "abc 123"


def test_prefix_matches_while_typing(help_articles: Any, backend: str) -> None:
    assert "how-to-withdraw" in top("withdr", "en", n=5)


def test_any_text_is_safe_to_search(help_articles: Any) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.text(max_size=120))
    def check(text: str) -> None:
        results = search(text, "zh-hans", limit=5)
        assert len(results.hits) <= 5
        for hit in results.hits:
            assert "<script" not in hit.snippet_html

    check()


@pytest.fixture
def shipped_synonyms(db: None) -> None:
    from walletdesk.helpcenter.content_files import load_default_synonyms

    for language, pairs in load_default_synonyms().items():
        for term, canonical in pairs:
            actions.add_synonym(language, term, canonical)


def test_a_query_in_the_other_language_still_finds_articles(
    load_articles: Any, backend: str
) -> None:
    load_articles("request-refund", "withdrawal-not-arrived", "topup-not-arrived", "how-to-top-up")
    english_on_a_chinese_page = search("how do i get my money back", "zh-hans", limit=3).hits
    assert english_on_a_chinese_page[0].slug == "request-refund"
    assert english_on_a_chinese_page[0].language == "en"
    assert top("withdrawal not arrived", "zh-hans", 1) == ["withdrawal-not-arrived"]
    assert top("提现没到账", "en", 1) == ["withdrawal-not-arrived"]


def test_the_pages_language_ranks_first(load_articles: Any, backend: str) -> None:
    load_articles("withdrawal-not-arrived", "topup-not-arrived", "how-to-top-up")
    hits = search("充值 withdrawal", "zh-hans", limit=5).hits
    languages = [hit.language for hit in hits]
    assert languages[0] == "zh-hans" and "en" in languages
    assert languages == sorted(languages, key=lambda language: language != "zh-hans")
    assert len({hit.article_id for hit in hits}) == len(hits)


def test_money_topped_up_but_not_arrived_finds_the_top_up_article(
    load_articles: Any, shipped_synonyms: None, backend: str
) -> None:
    from walletdesk.helpcenter.content_files import load_content_files

    load_articles(*load_content_files())
    assert top("钱充了没到", "zh-hans", 1) == ["topup-not-arrived"]
    assert top("我充了100块钱还没到", "zh-hans", 1) == ["topup-not-arrived"]
