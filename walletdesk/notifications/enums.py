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


class Category(models.TextChoices):
    CODE = "code", _("Verification codes")
    SECURITY = "security", _("Security alerts")
    TRANSACTION = "transaction", _("Transaction alerts")
    ACCOUNT = "account", _("Account notices")
