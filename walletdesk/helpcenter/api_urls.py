from __future__ import annotations

from django.urls import path

from walletdesk.helpcenter import api

urlpatterns = [
    path("search", api.SearchAPIView.as_view(), name="help-search"),
    path("articles/<slug:slug>", api.ArticleAPIView.as_view(), name="help-article"),
    path("status", api.StatusAPIView.as_view(), name="help-status"),
    path("announcements", api.AnnouncementsAPIView.as_view(), name="help-announcements"),
]
