from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from walletdesk.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/identity/", include("walletdesk.identity.api_urls")),
    path("api/v1/", include("walletdesk.api.urls")),
    path("account/", include("walletdesk.identity.urls")),
    path("notifications/", include("walletdesk.notifications.urls")),
    path("help/", include("walletdesk.helpcenter.urls")),
    path("assistant/", include("walletdesk.assistant.urls")),
    path("support/chat/", include("walletdesk.chat.urls")),
    path("support/", include("walletdesk.tickets.urls")),
    path("desk/chats/", include("walletdesk.chat.console_urls")),
    path("desk/console/", include("walletdesk.console.urls")),
    path("desk/", include("walletdesk.tickets.desk_urls")),
    path("", include("walletdesk.payments.urls")),
]

handler400 = "walletdesk.core.views.bad_request"
handler403 = "walletdesk.core.views.permission_denied"
handler404 = "walletdesk.core.views.not_found"
handler500 = "walletdesk.core.views.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
