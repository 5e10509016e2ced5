from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from walletdesk.core.errors import InvalidStateTransitionError
from walletdesk.helpcenter import actions, tasks
from walletdesk.helpcenter.enums import ArticleStatus
from walletdesk.helpcenter.errors import ScheduleNotAllowedError, VersionNotFoundError
from walletdesk.helpcenter.models import Article, ArticleStatusChange, ArticleVersion
from walletdesk.helpcenter.search.service import search

pytestmark = pytest.mark.django_db


def history(article: Article) -> list[tuple[str, str]]:
    return list(
        ArticleStatusChange.objects.filter(article=article)
        .order_by("id")
        .values_list("old_status", "new_status")
    )


def test_draft_review_published_with_history(draft_article: Article, agent: Any) -> None:
    assert search("银联快捷", "zh-hans").hits == []
    actions.transition_article(draft_article, ArticleStatus.REVIEW, actor=agent, note="ready")
    published = actions.transition_article(draft_article, ArticleStatus.PUBLISHED, actor=agent)

    assert published.status == ArticleStatus.PUBLISHED
    assert published.published_at is not None
    assert history(draft_article) == [
        ("", "draft"),
        ("draft", "review"),
        ("review", "published"),
    ]
    change = ArticleStatusChange.objects.filter(article=draft_article).order_by("id").last()
    assert change is not None and change.actor == agent
    assert [hit.slug for hit in search("银联快捷", "zh-hans").hits] == ["new-topup-guide"]


def test_draft_cannot_skip_review(draft_article: Article, agent: Any) -> None:
    with pytest.raises(InvalidStateTransitionError):
        actions.transition_article(draft_article, ArticleStatus.PUBLISHED, actor=agent)
    draft_article.refresh_from_db()
    assert draft_article.status == ArticleStatus.DRAFT
    assert draft_article.published_at is None
    assert history(draft_article) == [("", "draft")]


def test_edits_create_versions_with_diff_and_rollback(draft_article: Article, agent: Any) -> None:
    category = draft_article.category
    new = actions.ArticleContent("新的充值指南", "摘要", "第二版正文：银行卡充值。", "快捷充值")
    _, changed = actions.save_article(
        slug=draft_article.slug, category=category, contents={"zh-hans": new}, actor=agent,
        note="rewrite",
    )  # fmt: skip
    assert changed
    _, unchanged = actions.save_article(
        slug=draft_article.slug, category=category, contents={"zh-hans": new}, actor=agent
    )
    assert not unchanged  # saving the same text makes no new version

    v1, v2 = ArticleVersion.objects.filter(article=draft_article).order_by("number")
    assert (v1.number, v2.number) == (1, 2)
    assert v2.created_by == agent and v2.note == "rewrite"
    diff = actions.version_diff(v1, v2)
    assert "-第一版正文：银联快捷充值。" in diff
    assert "+第二版正文：银行卡充值。" in diff

    actions.rollback_article(draft_article, "zh-hans", 1, actor=agent)
    translation = draft_article.translations.get(language="zh-hans")
    assert translation.body == "第一版正文：银联快捷充值。"
    latest = ArticleVersion.objects.filter(article=draft_article).order_by("-number").first()
    assert latest is not None and latest.number == 3 and latest.note == "rollback to v1"
    with pytest.raises(VersionNotFoundError):
        actions.rollback_article(draft_article, "zh-hans", 99, actor=agent)


def test_editing_a_published_article_updates_search(draft_article: Article, agent: Any) -> None:
    actions.transition_article(draft_article, ArticleStatus.REVIEW, actor=agent)
    actions.transition_article(draft_article, ArticleStatus.PUBLISHED, actor=agent)
    assert search("银联快捷", "zh-hans").hits
    actions.save_article(
        slug=draft_article.slug,
        category=draft_article.category,
        contents={"zh-hans": actions.ArticleContent("新的充值指南", "", "改为网银充值。", "")},
        actor=agent,
    )
    assert search("银联快捷", "zh-hans").hits == []
    assert search("网银", "zh-hans").hits


def test_scheduled_publication(draft_article: Article, agent: Any) -> None:
    soon = timezone.now() + timedelta(hours=1)
    with pytest.raises(ScheduleNotAllowedError):
        actions.schedule_article(draft_article, soon, actor=agent)  # drafts need review first
    actions.transition_article(draft_article, ArticleStatus.REVIEW, actor=agent)
    with pytest.raises(ScheduleNotAllowedError):
        actions.schedule_article(draft_article, timezone.now() - timedelta(minutes=1), actor=agent)
    actions.schedule_article(draft_article, soon, actor=agent)

    assert actions.publish_due_articles(now=timezone.now()) == []
    draft_article.refresh_from_db()
    assert draft_article.status == ArticleStatus.REVIEW

    assert actions.publish_due_articles(now=soon + timedelta(seconds=1)) == ["new-topup-guide"]
    draft_article.refresh_from_db()
    assert draft_article.status == ArticleStatus.PUBLISHED
    assert draft_article.publish_at is None
    change = ArticleStatusChange.objects.filter(article=draft_article).order_by("id").last()
    assert change is not None and change.actor is None and change.note == "scheduled publication"
    assert actions.publish_due_articles(now=soon + timedelta(hours=1)) == []  # idempotent


def test_publish_task_runs_the_action(draft_article: Article, agent: Any) -> None:
    actions.transition_article(draft_article, ArticleStatus.REVIEW, actor=agent)
    Article.objects.filter(pk=draft_article.pk).update(
        publish_at=timezone.now() - timedelta(seconds=5)
    )
    assert tasks.publish_due_articles.delay().get() == ["new-topup-guide"]


def test_view_counts_and_feedback(help_articles: list[Article]) -> None:
    article = help_articles[0]
    actions.record_view(article.pk)
    actions.record_view(article.pk)
    actions.record_feedback(article, language="zh-hans", helpful=False, reason="unclear")
    article.refresh_from_db()
    assert (article.view_count, article.helpful_yes, article.helpful_no) == (2, 0, 1)
