from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "walletdesk.payments"
    label = "payments"
    verbose_name = _("Wallet operations")

    def ready(self) -> None:
        from walletdesk.identity.facade import (
            WalletHooks,
            register_approval_executor,
            register_wallet_hooks,
        )
        from walletdesk.payments import (
            caps,  # noqa: F401  (registers its system check)
            checks,  # noqa: F401  (registers the deployment checks)
            facade,
        )
        from walletdesk.payments.staff_refunds import RefundReason, execute_approved_refund

        register_approval_executor(
            "refund", execute_approved_refund, reason_labels=dict(RefundReason.choices)
        )
        # Identity's emergency freeze and closure reach the wallet through these (identity does
        # not import payments: payments depends on identity).
        register_wallet_hooks(
            WalletHooks(
                freeze=facade.freeze_for_customer,
                unfreeze=facade.unfreeze_for_customer,
                closure_blockers=facade.closure_blockers,
                close=facade.close_wallet,
            )
        )
