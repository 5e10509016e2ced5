from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistantConfig(AppConfig):
    name = "walletdesk.assistant"
    label = "assistant"
    verbose_name = _("Assistant")

    def ready(self) -> None:
        # The assistant answers first in the live chat (docs/chat-protocol.md, "The assistant").
        from walletdesk.assistant.actions import answer_chat_message
        from walletdesk.chat import facade as chat

        chat.connect_assistant(answer_chat_message)
