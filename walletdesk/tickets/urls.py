from __future__ import annotations

from django.urls import path

from walletdesk.tickets import csat_views, intake_views, views

app_name = "tickets"

urlpatterns = [
    path("", views.support_home, name="home"),
    path("new/", views.new_ticket, name="new"),
    path("contact/", intake_views.contact, name="contact"),
    path("contact/<str:public_id>/", intake_views.contact_verify, name="contact_verify"),
    path("callback/", intake_views.callback, name="callback"),
    path("rate/<str:token>/", csat_views.rate_link, name="rate_link"),
    path("files/<uuid:public_id>/", views.attachment, name="attachment"),
    path("<str:number>/", views.ticket_detail, name="detail"),
    path("<str:number>/reply/", views.reply, name="reply"),
    path("<str:number>/reopen/", views.reopen, name="reopen"),
    path("<str:number>/rate/", views.rate, name="rate"),
]
