from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "walletdesk.identity"
    label = "identity"
    verbose_name = _("Identity and security")

    def ready(self) -> None:
        from walletdesk.identity import signals  # noqa: F401
