from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "walletdesk.identity"
    label = "identity"
    verbose_name = _("Identity and security")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from walletdesk.identity import signals
        from walletdesk.notifications.facade import preferences_changed

        post_migrate.connect(
            signals.sync_role_groups_after_migrate,
            dispatch_uid="walletdesk.identity.sync_role_groups",
        )
        # The apps below identity ask it about people through what it registers here, instead
        # of importing it back (that made the apps depend on each other).
        signals.register_with_lower_apps()
        preferences_changed.connect(
            signals.audit_notification_preferences,
            dispatch_uid="walletdesk.identity.audit_notification_preferences",
        )
