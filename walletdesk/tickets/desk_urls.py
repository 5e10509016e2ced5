from __future__ import annotations

from django.urls import path

from walletdesk.tickets import csat_views, desk_views, intake_views

app_name = "desk"

urlpatterns = [
    path("", desk_views.desk_list, name="list"),
    path("bulk/", desk_views.bulk, name="bulk"),
    path("csat/", csat_views.csat_report, name="csat"),
    path("views/", desk_views.save_view, name="save_view"),
    path("views/<int:view_id>/delete/", desk_views.delete_view, name="delete_view"),
    path("pages/", intake_views.staff_pages, name="pages"),
    path("complaints/", intake_views.complaint_exports, name="complaint_exports"),
    path(
        "complaints/timeline.csv",
        intake_views.complaint_timeline_csv,
        name="complaint_timeline_csv",
    ),
    path("complaints/12315.csv", intake_views.complaint_forms_csv, name="complaint_forms_csv"),
    path("files/<uuid:public_id>/", desk_views.attachment, name="attachment"),
    path("<str:number>/", desk_views.ticket_detail, name="detail"),
    path("<str:number>/timers/", desk_views.ticket_timers, name="timers"),
    path("<str:number>/call/", intake_views.log_call, name="log_call"),
    path("<str:number>/link-account/", intake_views.link_account, name="link_account"),
    path("<str:number>/feedback/", intake_views.feedback_status, name="feedback_status"),
    path("<str:number>/complaint-form/", intake_views.complaint_form, name="complaint_form"),
    path("<str:number>/reply/", desk_views.reply, name="reply"),
    path("<str:number>/note/", desk_views.note, name="note"),
    path("<str:number>/status/", desk_views.set_status, name="status"),
    path("<str:number>/triage/", desk_views.triage, name="triage"),
    path("<str:number>/merge/", desk_views.merge, name="merge"),
    path("<str:number>/split/", desk_views.split, name="split"),
]
