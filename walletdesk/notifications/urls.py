from django.urls import path

from walletdesk.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.mark_read, name="mark_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("dev-outbox/", views.developer_outbox, name="dev_outbox"),
]
