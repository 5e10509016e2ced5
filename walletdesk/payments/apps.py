from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "walletdesk.payments"
    label = "payments"
    verbose_name = _("Wallet operations")

    def ready(self) -> None:
        from walletdesk.payments import (
            caps,  # noqa: F401  (registers its system check)
            checks,  # noqa: F401  (registers the deployment checks)
        )
