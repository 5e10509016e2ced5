from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "walletdesk.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from walletdesk.api import schema  # noqa: F401  (registers the OpenAPI auth schemes)
