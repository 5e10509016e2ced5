from __future__ import annotations

from django.urls import path

from walletdesk.helpcenter import editor_views, feeds, views

app_name = "helpcenter"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("c/<slug:slug>/", views.category, name="category"),
    path("a/<slug:slug>/", views.article, name="article"),
    path("a/<slug:slug>/feedback/", views.feedback, name="feedback"),
    path("a/<slug:slug>/video/", views.article_video, name="article-video"),
    path("status/", views.status, name="status"),
    path("announcements/", views.announcements, name="announcements"),
    path("announcements/rss/", feeds.AnnouncementsFeed(), name="announcements-rss"),
    path("announcements/atom/", feeds.AnnouncementsAtomFeed(), name="announcements-atom"),
    path("editor/", editor_views.dashboard, name="editor"),
    path("editor/new/", editor_views.edit_article, name="editor-new"),
    path("editor/a/<slug:slug>/", editor_views.edit_article, name="editor-article"),
    path("editor/a/<slug:slug>/status/", editor_views.transition, name="editor-transition"),
    path("editor/a/<slug:slug>/schedule/", editor_views.schedule, name="editor-schedule"),
    path("editor/a/<slug:slug>/owner/", editor_views.take_ownership, name="editor-owner"),
    path("editor/a/<slug:slug>/versions/", editor_views.versions, name="editor-versions"),
    path("editor/a/<slug:slug>/rollback/", editor_views.rollback, name="editor-rollback"),
    path("editor/synonyms/", editor_views.synonyms, name="editor-synonyms"),
    path("editor/analytics/", editor_views.analytics, name="editor-analytics"),
    path("editor/announcements/", editor_views.announcements, name="editor-announcements"),
    path("editor/incidents/", editor_views.incidents, name="editor-incidents"),
    path(
        "editor/incidents/<uuid:public_id>/", editor_views.incident_detail, name="editor-incident"
    ),
]
