from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Support agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})


class KycLevel(models.IntegerChoices):
    UNVERIFIED = 0, _("Not verified")
    BASIC = 1, _("Basic (name and ID number)")
    FULL = 2, _("Full (ID documents reviewed)")
