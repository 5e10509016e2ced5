from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "walletdesk.tickets"
    label = "tickets"
    verbose_name = _("Support desk")

    def ready(self) -> None:
        from walletdesk.tickets import (
            checks,  # noqa: F401 - registers the deployment checks
            signals,  # noqa: F401 - connects the receivers
        )
