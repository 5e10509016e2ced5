from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Support agent")
    SENIOR_AGENT = "senior_agent", _("Senior support agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset({Role.AGENT, Role.SENIOR_AGENT, Role.SUPERVISOR, Role.ADMIN})


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


class ApprovalStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")


APPROVAL_TRANSITIONS: dict[str, frozenset[str]] = {
    ApprovalStatus.REQUESTED: frozenset(
        {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.EXPIRED}
    ),
}


class ApprovalKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    UNFREEZE = "unfreeze", _("Early unfreeze")


class UnfreezeRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    COMPLETED = "completed", _("Unfrozen")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")


UNFREEZE_REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    UnfreezeRequestStatus.PENDING: frozenset(
        {
            UnfreezeRequestStatus.COMPLETED,
            UnfreezeRequestStatus.REJECTED,
            UnfreezeRequestStatus.EXPIRED,
        }
    ),
}


class DecisionReason(models.TextChoices):
    """Why an approver decided as they did."""

    CHECKED = "checked", _("Checked against the records")
    IDENTITY_CONFIRMED = "identity_confirmed", _("The customer's identity was confirmed")
    NOT_JUSTIFIED = "not_justified", _("The reason does not justify it")
    SUSPECTED_FRAUD = "suspected_fraud", _("Suspected fraud")
    NEEDS_MORE_INFORMATION = "needs_info", _("More information is needed")


class CustomerDataReason(models.TextChoices):
    """Why an agent opens a customer's data; recorded in the audit log with every view."""

    CUSTOMER_CONTACT = "customer_contact", _("The customer contacted us")
    TICKET = "ticket", _("Working on a ticket")
    INVESTIGATION = "investigation", _("Risk or fraud investigation")
    QUALITY_REVIEW = "quality_review", _("Quality review")
