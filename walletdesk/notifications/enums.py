from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app")
    SMS = "sms", _("SMS")
    EMAIL = "email", pgettext_lazy("notification channel", "Email")


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", pgettext_lazy("delivery status", "Failed")


# A message is written queued (SMS, email) or already sent (in-app). Delivery moves it once:
# to sent (the provider took it) or failed (out of attempts, or a code that can no longer be
# sent); a provider's receipt may later say delivered, or failed after all.
MESSAGE_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.QUEUED: frozenset({Status.SENT, Status.FAILED}),
    Status.SENT: frozenset({Status.DELIVERED, Status.FAILED}),
    Status.DELIVERED: frozenset(),
    Status.FAILED: frozenset(),
}


class Category(models.TextChoices):
    CODE = "code", _("Verification codes")
    SECURITY = "security", _("Security alerts")
    TRANSACTION = "transaction", _("Transaction alerts")
    ACCOUNT = "account", _("Account notices")
    # Pages to staff (a complaint escalating): in-app only, shown on the agent desk.
    STAFF = "staff", _("Staff pages")
