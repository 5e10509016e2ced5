from __future__ import annotations

from django.urls import path

from walletdesk.tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.support_home, name="home"),
    path("new/", views.new_ticket, name="new"),
    path("<str:number>/", views.ticket_detail, name="detail"),
    path("<str:number>/reply/", views.reply, name="reply"),
    path("<str:number>/reopen/", views.reopen, name="reopen"),
    path("<str:number>/rate/", views.rate, name="rate"),
]
