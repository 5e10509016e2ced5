from django.urls import path

from walletdesk.identity import api

app_name = "identity_api"

urlpatterns = [
    path("tokens", api.TokenCreateView.as_view(), name="token_create"),
    path("tokens/current", api.TokenCurrentView.as_view(), name="token_current"),
    path("me", api.MeView.as_view(), name="me"),
    path("freeze", api.FreezeView.as_view(), name="freeze"),
    path(
        "passkeys/payment-options",
        api.PaymentPasskeyOptionsView.as_view(),
        name="passkey_payment_options",
    ),
]
