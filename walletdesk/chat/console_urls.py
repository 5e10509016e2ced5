from __future__ import annotations

from django.urls import path

from walletdesk.chat import views

app_name = "chat-console"

urlpatterns = [
    path("", views.console, name="home"),
]
