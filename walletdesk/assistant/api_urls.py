from django.urls import path

from walletdesk.assistant import api

urlpatterns = [
    path("parse", api.ParseView.as_view(), name="assistant-parse"),
    path("messages", api.MessagesView.as_view(), name="assistant-messages"),
]
