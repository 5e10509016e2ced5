from __future__ import annotations

from django.urls import path

from walletdesk.console import views

app_name = "console"

urlpatterns = [
    path("chats/<uuid:conversation>/customer/", views.chat_customer, name="chat_customer"),
    path("chats/<uuid:conversation>/assist/", views.chat_assist, name="chat_assist"),
    path("chats/<uuid:conversation>/notes/", views.chat_notes, name="chat_notes"),
    path("tickets/<str:number>/customer/", views.ticket_customer, name="ticket_customer"),
    path("actions/", views.act, name="act"),
    path("inbox-state/", views.inbox_state, name="inbox_state"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/chats/", views.inbox_chats, name="inbox_chats"),
    path("supervisor/", views.supervisor, name="supervisor"),
    path("supervisor/board/", views.supervisor_board, name="supervisor_board"),
    path("supervisor/reassign/", views.reassign, name="reassign"),
]
