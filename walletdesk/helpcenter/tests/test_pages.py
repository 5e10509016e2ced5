from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from walletdesk.helpcenter import actions
from walletdesk.helpcenter.enums import (
    AnnouncementKind,
    ArticleStatus,
    Audience,
    Component,
    ComponentState,
    IncidentStatus,
)
from walletdesk.helpcenter.models import Article, ArticleFeedback, SearchClick, SearchQueryLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(help_articles: list[Article], default_synonyms: None) -> list[Article]:
    actions.set_related(help_articles[0], [a.slug for a in help_articles[1:4]])
    now = timezone.now()
    actions.create_announcement(
        title="系统维护通知",
        body="周六凌晨 2 点至 4 点提现暂停。",
        kind=AnnouncementKind.MAINTENANCE,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )
    actions.create_incident(
        title="银行卡充值延迟", title_en="Card top-ups delayed", components=[Component.TOPUP_CARD],
        impact=ComponentState.DEGRADED, message="处理中", message_en="Working on it",
    )  # fmt: skip
    old = actions.create_incident(
        title="短信延迟", title_en="SMS delays", components=[Component.LOGIN_SMS],
        message="处理中", message_en="Working on it", starts_at=now - timedelta(days=2),
    )  # fmt: skip
    actions.update_incident(old, status=IncidentStatus.RESOLVED, message="好了", message_en="Fixed")
    return help_articles


# Anonymous visitors: no session or user queries. Each number is the page's full query budget.
PAGES = [
    ("/help/", 5),  # banner, categories + names, popular articles + titles
    ("/help/c/top-up/", 5),  # banner, category + names + articles + titles
    ("/help/a/how-to-top-up/", 7),  # banner, article + texts + category names + related + titles,
    # view count
    ("/help/search/?q=冲值没到账", 5),  # banner, index generation (x2), hit titles, query log
    ("/help/status/", 8),  # banner, active (+2 prefetches), upcoming (+1), history (+2)
    ("/help/announcements/", 2),  # banner, list
    ("/help/announcements/rss/", 1),
    ("/help/announcements/atom/", 1),
]


@pytest.mark.parametrize(("url", "queries"), PAGES)
def test_page_query_counts(
    client: Client, site: Any, django_assert_num_queries: Any, url: str, queries: int
) -> None:
    client.get(url)  # warm the search index and caches
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200


def test_query_counts_do_not_grow_with_content(
    client: Client, site: Any, load_articles: Any, django_assert_num_queries: Any
) -> None:
    load_articles("topup-failed", "how-to-transfer", "request-refund", "fees-overview")
    client.get("/help/")
    with django_assert_num_queries(5):
        client.get("/help/")
    with django_assert_num_queries(5):
        client.get("/help/c/top-up/")


def test_home_page_in_both_languages(client: Client, site: Any) -> None:
    zh = client.get("/help/").content.decode()
    assert "充值" in zh and "系统维护通知" in zh
    en = client.get("/help/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Top up" in en
    assert "系统维护通知" in en  # language "" = all languages


def test_article_page_renders_sanitised_body_and_related(client: Client, site: Any) -> None:
    response = client.get("/help/a/how-to-top-up/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "怎么充值" in body
    assert '<img alt="充值页面示意" src="/static/helpcenter/img/topup.svg">' in body
    assert "相关文章" in body
    english = client.get("/help/a/how-to-top-up/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "How to top up your wallet" in english


def test_unpublished_article_is_404_but_staff_can_preview(
    client: Client, agent_client: Client, draft_article: Article
) -> None:
    assert client.get("/help/a/new-topup-guide/").status_code == 404
    assert client.get("/help/a/new-topup-guide/?preview=1").status_code == 404
    assert agent_client.get("/help/a/new-topup-guide/?preview=1").status_code == 200
    assert client.get("/help/c/nope/").status_code == 404


def test_search_page_logs_queries_and_clicks(client: Client, site: Any) -> None:
    response = client.get("/help/search/", {"q": "冲值没到账"})
    assert response.status_code == 200
    assert "<mark>充值</mark>" in response.content.decode()
    log = SearchQueryLog.objects.get()
    assert (log.query, log.normalized, log.results_count > 0) == ("冲值没到账", "充值没到账", True)
    client.get(f"/help/a/topup-not-arrived/?qid={log.pk}&pos=1")
    click = SearchClick.objects.get()
    assert (click.query_log_id, click.article.slug, click.position) == (
        log.pk,
        "topup-not-arrived",
        1,
    )

    client.get("/help/search/", {"q": "量子纠缠"})
    assert SearchQueryLog.objects.filter(results_count=0).count() == 1


def test_search_as_you_type_returns_a_fragment_and_does_not_log(client: Client, site: Any) -> None:
    response = client.get("/help/search/", {"q": "体现"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert 'data-testid="search-results"' in html and "<mark>提现</mark>" in html
    assert not SearchQueryLog.objects.exists()


def test_feedback_is_recorded_once_per_session(client: Client, site: Any) -> None:
    url = "/help/a/how-to-withdraw/feedback/"
    response = client.post(url, {"helpful": "no", "reason": "unclear", "comment": "看不懂"})
    assert response.status_code == 302
    client.post(url, {"helpful": "no"}, HTTP_HX_REQUEST="true")
    feedback = ArticleFeedback.objects.get()
    assert (feedback.helpful, feedback.reason, feedback.comment) == (False, "unclear", "看不懂")
    article = Article.objects.get(slug="how-to-withdraw")
    assert (article.helpful_yes, article.helpful_no) == (0, 1)
    assert client.post("/help/a/nope/feedback/", {"helpful": "yes"}).status_code == 404


def test_view_count_increments(client: Client, site: Any) -> None:
    client.get("/help/a/how-to-withdraw/")
    client.get("/help/a/how-to-withdraw/")
    assert Article.objects.get(slug="how-to-withdraw").view_count == 2


def test_status_page_shows_component_states(client: Client, site: Any) -> None:
    html = client.get("/help/status/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Card top-ups delayed" in html
    assert "Degraded performance" in html
    assert "SMS delays" in html  # resolved, in history


def test_announcement_audience_and_language(
    client: Client, agent_client: Client, site: Any
) -> None:
    now = timezone.now()
    actions.create_announcement(
        title="Staff only drill", body="x", audience=Audience.STAFF, starts_at=now
    )
    actions.create_announcement(title="English promo", body="x", language="en", starts_at=now)
    actions.create_announcement(
        title="Expired", body="x", starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=1),
    )  # fmt: skip
    zh = client.get("/help/").content.decode()
    assert "Staff only drill" not in zh and "English promo" not in zh and "Expired" not in zh
    en = client.get("/help/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "English promo" in en
    assert "Staff only drill" in agent_client.get("/help/").content.decode()
    rss = client.get("/help/announcements/rss/").content.decode()
    assert "系统维护通知" in rss and "Staff only drill" not in rss


EDITOR_URLS = [
    "/help/editor/",
    "/help/editor/new/",
    "/help/editor/a/new-topup-guide/",
    "/help/editor/a/new-topup-guide/versions/",
    "/help/editor/synonyms/",
    "/help/editor/analytics/",
    "/help/editor/announcements/",
    "/help/editor/incidents/",
]


@pytest.mark.parametrize("url", EDITOR_URLS)
def test_editor_access_control(
    client: Client, customer_client: Client, agent_client: Client, draft_article: Article, url: str
) -> None:
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/account/login/" in anonymous["Location"]
    assert customer_client.get(url).status_code == 403
    assert agent_client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/help/editor/a/new-topup-guide/status/", {"target": "review"}),
        ("/help/editor/synonyms/", {"language": "zh-hans", "term": "a", "canonical": "b"}),
        ("/help/editor/incidents/", {"title": "x"}),
    ],
)
def test_customers_cannot_write_through_editor(
    customer_client: Client, draft_article: Article, url: str, data: dict[str, str]
) -> None:
    assert customer_client.post(url, data).status_code == 403
    draft_article.refresh_from_db()
    assert draft_article.status == ArticleStatus.DRAFT


def test_editor_workflow_through_pages(agent_client: Client, draft_article: Article) -> None:
    url = "/help/editor/a/new-topup-guide/"
    assert agent_client.post(url + "status/", {"target": "review"}).status_code == 302
    assert agent_client.post(url + "status/", {"target": "published"}).status_code == 302
    draft_article.refresh_from_db()
    assert draft_article.status == ArticleStatus.PUBLISHED
    response = agent_client.post(
        url,
        {
            "category": draft_article.category_id,
            "intents": "topup_how", "related": "", "note": "typo",
            "zh_title": "新的充值指南", "zh_summary": "摘要", "zh_synonyms": "",
            "zh_body": "第二版", "en_title": "", "en_summary": "", "en_synonyms": "", "en_body": "",
            "video_url": "",
        },
    )  # fmt: skip
    assert response.status_code == 302
    versions = agent_client.get(url + "versions/").content.decode()
    assert "+第二版" in versions
    assert (
        agent_client.post(url + "rollback/", {"lang": "zh-hans", "number": "1"}).status_code == 302
    )
    assert draft_article.translations.get(language="zh-hans").body == "第一版正文：银联快捷充值。"


def test_staff_creates_and_updates_incident(agent_client: Client) -> None:
    response = agent_client.post(
        "/help/editor/incidents/",
        {
            "title": "提现延迟", "title_en": "Withdrawals delayed", "components": ["withdrawals"],
            "impact": "partial_outage", "status": "investigating", "message": "排查中",
            "message_en": "Investigating",
        },
    )  # fmt: skip
    assert response.status_code == 302
    from walletdesk.helpcenter.facade import affecting_incidents

    (summary,) = affecting_incidents("withdrawals")
    detail = response["Location"]
    agent_client.post(
        detail,
        {"status": "resolved", "impact": "partial_outage", "message": "好了", "message_en": "Done"},
    )
    assert affecting_incidents("withdrawals") == []
    assert summary.title_en == "Withdrawals delayed"


def test_analytics_page_shows_gaps(agent_client: Client, client: Client, site: Any) -> None:
    client.get("/help/search/", {"q": "量子纠缠"})
    html = agent_client.get("/help/editor/analytics/").content.decode()
    assert "量子纠缠" in html


def test_take_ownership(agent_client: Client, agent: Any, draft_article: Article) -> None:
    assert draft_article.owner is None
    response = agent_client.post("/help/editor/a/new-topup-guide/owner/")
    assert response.status_code == 302
    draft_article.refresh_from_db()
    assert draft_article.owner == agent


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # Logged in: session read, user, session save in a savepoint (3 statements) = 5, plus
        ("/help/editor/", 7),  # articles (with owner and category), titles
        ("/help/editor/analytics/", 10),  # totals, clicks, top, gaps, unclicked
        ("/help/editor/synonyms/", 6),  # synonyms
    ],
)
def test_editor_query_counts(
    agent_client: Client, site: Any, django_assert_num_queries: Any, url: str, queries: int
) -> None:
    agent_client.get(url)
    with django_assert_num_queries(queries):
        assert agent_client.get(url).status_code == 200


def test_banner_tag_renders_in_any_template(rf: Any, site: Any) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.template import Context, Template

    request = rf.get("/")
    request.user = AnonymousUser()
    html = Template("{% load helpcenter %}{% announcement_banner %}").render(
        Context({"request": request})
    )
    assert "系统维护通知" in html and 'class="alert alert-warning"' in html


def test_uploaded_video_is_checked_and_served(
    client: Client, agent_client: Client, site: Any, tmp_path: Any, settings: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from walletdesk.helpcenter.errors import InvalidVideoError

    settings.MEDIA_ROOT = str(tmp_path)
    article = Article.objects.get(slug="how-to-top-up")
    fake = SimpleUploadedFile("guide.mp4", b"<html><script>alert(1)</script>", "video/mp4")
    with pytest.raises(InvalidVideoError):
        actions.set_article_video(article, upload=fake)
    mp4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64
    actions.set_article_video(article, upload=SimpleUploadedFile("../../x.mp4", mp4, "video/mp4"))
    article.refresh_from_db()
    stored = article.video_file.name or ""
    assert stored.startswith("helpcenter/video/") and ".." not in stored
    page = client.get("/help/a/how-to-top-up/").content.decode()
    assert 'src="/help/a/how-to-top-up/video/"' in page
    response = client.get("/help/a/how-to-top-up/video/")
    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"
    assert b"".join(response.streaming_content).startswith(b"\x00\x00\x00\x18ftyp")  # type: ignore[attr-defined]


def test_video_links_only_for_allow_listed_hosts(client: Client, site: Any, settings: Any) -> None:
    article = Article.objects.get(slug="how-to-top-up")
    actions.set_article_video(article, url="https://videos.example.com/v/1")
    assert "videos.example.com" not in client.get("/help/a/how-to-top-up/").content.decode()
    settings.HELPCENTER_VIDEO_HOSTS = ["videos.example.com"]
    html = client.get("/help/a/how-to-top-up/").content.decode()
    assert 'href="https://videos.example.com/v/1"' in html and "<iframe" not in html


def test_announcement_links_must_be_safe(agent_client: Client) -> None:
    data = {
        "kind": "notice", "language": "", "audience": "everyone", "title": "t", "body": "b",
        "starts_at": "2026-01-01T00:00",
    }  # fmt: skip
    for bad in ("javascript:alert(1)", "//evil.example/x", "http://plain.example"):
        response = agent_client.post("/help/editor/announcements/", {**data, "link": bad})
        assert response.status_code == 200  # form shown again with an error
    response = agent_client.post("/help/editor/announcements/", {**data, "link": "/help/status/"})
    assert response.status_code == 302
