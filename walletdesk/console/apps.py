from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

SUPERVISE = "console.supervise_chats"


def may_watch_the_queues(user: Any) -> bool:
    """Whose event sockets hear `desk.queues` (the live-queues board's signal)."""
    return bool(user.is_active and user.is_staff and user.has_perm(SUPERVISE))


class ConsoleConfig(AppConfig):
    name = "walletdesk.console"
    label = "console"
    verbose_name = _("Agent console")

    def ready(self) -> None:
        from walletdesk.realtime.facade import register_group
        from walletdesk.realtime.publish import supervisors_group

        # Realtime sits below the console: the console says who is a supervisor.
        register_group(supervisors_group(), may_watch_the_queues)
