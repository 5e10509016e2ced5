from __future__ import annotations

from django.urls import path

from walletdesk.tickets import desk_views

app_name = "desk"

urlpatterns = [
    path("", desk_views.desk_list, name="list"),
    path("bulk/", desk_views.bulk, name="bulk"),
    path("views/", desk_views.save_view, name="save_view"),
    path("views/<int:view_id>/delete/", desk_views.delete_view, name="delete_view"),
    path("<str:number>/", desk_views.ticket_detail, name="detail"),
    path("<str:number>/reply/", desk_views.reply, name="reply"),
    path("<str:number>/note/", desk_views.note, name="note"),
    path("<str:number>/status/", desk_views.set_status, name="status"),
    path("<str:number>/triage/", desk_views.triage, name="triage"),
    path("<str:number>/merge/", desk_views.merge, name="merge"),
]
