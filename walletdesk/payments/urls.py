from django.urls import include, path

from walletdesk.payments import views

app_name = "payments"

urlpatterns = [
    path("", include("walletdesk.payments.urls_rails")),
    path("", views.home, name="home"),
    path("transfer/", views.transfer, name="transfer"),
    path("pay/", views.pay, name="pay"),
    path("records/", views.records, name="records"),
    path("records/export.csv", views.records_export, name="records-export"),
    path("records/<str:kind>/<uuid:public_id>/", views.record_detail, name="record-detail"),
    path(
        "records/payment/<uuid:public_id>/refund-request/",
        views.refund_request,
        name="refund-request",
    ),
]
