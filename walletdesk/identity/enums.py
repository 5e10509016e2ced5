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


class OtpPurpose(models.TextChoices):
    """What a one-time code may be used for. A code is valid for exactly one purpose (AUTH-6)."""

    LOGIN = "login", _("Sign in")
    PASSWORD_RESET = "password_reset", _("Password reset")
    STEP_UP = "step_up", _("Identity check")
    PHONE_CHANGE = "phone_change", _("Change phone number")
    EMAIL_CHANGE = "email_change", _("Change email")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    UNFREEZE = "unfreeze", _("Unfreeze account")
    CLOSURE = "closure", _("Close account")
    PAYMENT_PASSWORD_RESET = "payment_password_reset", _("Reset payment password")
    SIGNUP = "signup", _("Sign up")


class OtpChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class LoginResult(models.TextChoices):
    SUCCEEDED = "succeeded", _("Signed in")
    FAILED = "failed", _("Wrong password or code")
    LOCKED = "locked", _("Blocked: too many attempts")
    SECOND_FACTOR = "second_factor", _("Waiting for the second step")


class KycStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


KYC_TRANSITIONS: dict[str, frozenset[str]] = {
    KycStatus.PENDING: frozenset({KycStatus.APPROVED, KycStatus.REJECTED}),
}


class KycRejectReason(models.TextChoices):
    BLURRY = "blurry", _("The photo is blurry or cut off")
    MISMATCH = "mismatch", _("The name or ID number does not match the document")
    EXPIRED = "expired", _("The document has expired")
    NOT_ID = "not_id", _("The image is not an identity document")
    OTHER = "other", _("Other reason (see note)")
