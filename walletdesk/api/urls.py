from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import (
    SpectacularJSONAPIView,
    SpectacularSwaggerSplitView,
)

app_name = "api"

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:openapi"), name="docs"),
    path("", include("walletdesk.payments.api_urls")),
    path("help/", include("walletdesk.helpcenter.api_urls")),
    path("assistant/", include("walletdesk.assistant.api_urls")),
    path("", include("walletdesk.tickets.api_urls")),
]
