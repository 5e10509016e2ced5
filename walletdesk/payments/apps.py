from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "walletdesk.payments"
    label = "payments"
    verbose_name = _("Wallet operations")

    def ready(self) -> None:
        from walletdesk.identity.facade import register_approval_executor
        from walletdesk.payments import (
            caps,  # noqa: F401  (registers its system check)
            checks,  # noqa: F401  (registers the deployment checks)
        )
        from walletdesk.payments.staff_refunds import RefundReason, execute_approved_refund

        register_approval_executor(
            "refund", execute_approved_refund, reason_labels=dict(RefundReason.choices)
        )
