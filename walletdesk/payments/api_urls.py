from django.urls import include, path

from walletdesk.payments import api

urlpatterns = [
    path("", include("walletdesk.payments.api_rails")),
    path("wallet", api.WalletView.as_view(), name="wallet"),
    path("transfers", api.TransferListView.as_view(), name="transfers"),
    path("transfers/preview", api.TransferPreviewView.as_view(), name="transfer-preview"),
    path("transfers/<uuid:public_id>", api.TransferDetailView.as_view(), name="transfer-detail"),
    path("merchants", api.MerchantListView.as_view(), name="merchants"),
    path("payments", api.PaymentListView.as_view(), name="payments"),
    path("payments/<uuid:public_id>", api.PaymentDetailView.as_view(), name="payment-detail"),
    path(
        "payments/<uuid:public_id>/refunds",
        api.RefundCreateView.as_view(),
        name="payment-refunds",
    ),
    path(
        "payments/<uuid:public_id>/refund-requests",
        api.RefundRequestListView.as_view(),
        name="payment-refund-requests",
    ),
    path(
        "payments/<uuid:public_id>/refund-requests/<uuid:request_id>/answer",
        api.RefundRequestAnswerView.as_view(),
        name="payment-refund-request-answer",
    ),
    path("fx/quotes", api.FxQuoteView.as_view(), name="fx-quotes"),
    path("records", api.RecordListView.as_view(), name="records"),
    path("records/export.csv", api.RecordExportView.as_view(), name="records-export"),
]
