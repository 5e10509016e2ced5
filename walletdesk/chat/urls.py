from __future__ import annotations

from django.urls import path

from walletdesk.chat import views

app_name = "chat"

urlpatterns = [
    path("", views.chat_page, name="page"),
    path("widget-demo/", views.widget_demo, name="widget-demo"),
    path("files/", views.upload_file, name="upload"),
    path("files/<uuid:public_id>/", views.file, name="file"),
]
