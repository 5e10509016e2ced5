from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "walletdesk.identity"
    label = "identity"
    verbose_name = _("Identity and security")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from walletdesk.identity import signals

        post_migrate.connect(
            signals.sync_role_groups_after_migrate,
            dispatch_uid="walletdesk.identity.sync_role_groups",
        )
