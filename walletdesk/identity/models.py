from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from walletdesk.core.models import PublicIdModel
from walletdesk.identity.enums import (
    STAFF_ROLES,
    ApprovalKind,
    ApprovalStatus,
    KycLevel,
    KycRejectReason,
    KycStatus,
    LoginResult,
    OtpChannel,
    OtpPurpose,
    Role,
    UnfreezeRequestStatus,
)


class AppendOnlyError(Exception):
    pass


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are append-only")


def _private_location() -> Path:
    return Path(settings.WALLETDESK_PRIVATE_FILES_DIR)


class PrivateStorage(FileSystemStorage):
    """Files outside MEDIA_ROOT and STATIC_ROOT, served only through authorised views (UPL-4)."""

    def __init__(self) -> None:
        super().__init__(location=None, base_url=None)

    @property
    def base_location(self) -> str:
        return str(_private_location())

    @property
    def location(self) -> str:
        return str(_private_location().resolve())


private_storage = PrivateStorage()


def private_upload_path(instance: object, filename: str) -> str:
    extension = Path(filename).suffix.lower()
    return f"kyc/{uuid.uuid4().hex}{extension}"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, login_name: str, password: str | None = None, **extra: Any) -> User:
        if not login_name:
            raise ValueError("login_name is required")
        user = self.model(login_name=login_name, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, login_name: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("role", Role.ADMIN)
        extra.setdefault("is_superuser", True)
        return self.create_user(login_name, password, **extra)


class User(PublicIdModel, AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a wallet customer, a support agent, a supervisor or an admin.

    `login_name` is the normalised identifier used to sign in: a phone number in E.164 form or a
    lower-cased email address. Phone and email are also kept in their own unique columns so that
    either can be used once both are verified.
    """

    login_name = models.CharField(_("login name"), max_length=254, unique=True)
    phone = models.CharField(_("phone number"), max_length=20, unique=True, null=True, blank=True)
    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)
    display_name = models.CharField(_("display name"), max_length=64, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    kyc_level = models.PositiveSmallIntegerField(
        _("identity verification level"), choices=KycLevel.choices, default=KycLevel.UNVERIFIED
    )
    preferred_language = models.CharField(_("language"), max_length=8, default="zh-hans")
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    address = models.CharField(_("address"), max_length=200, blank=True)
    sms_second_factor = models.BooleanField(_("SMS codes as second step"), default=False)
    failed_login_streak = models.PositiveIntegerField(default=0)
    frozen_at = models.DateTimeField(null=True, blank=True)
    contact_changed_at = models.DateTimeField(null=True, blank=True)
    # Last password, phone or email change or sign-in from a new device: every way money leaves
    # the wallet is held for a while after it (`actions.outflow_hold`).
    security_changed_at = models.DateTimeField(null=True, blank=True)
    # Ten "no such wallet" answers in an hour pause this customer's transfers and payee look-ups
    # until then (`facade.record_recipient_miss`). Kept on the row, like the hold above, so a
    # transfer by a signed-in customer checks it without a query or a cache read.
    recipient_lookups_paused_until = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # After closure the phone and email are released for new sign-ups but kept here, with the
    # rest of the record, for the legal retention period (docs/identity.md, "Closure").
    retained_contact = models.CharField(max_length=300, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "login_name"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # Staff permissions that belong to no single table; roles (groups) grant them
        # (identity/roles.py, seeded by a data migration).
        permissions = [
            ("view_customer_data", _("Can open a customer's data, giving a reason")),
            ("review_kyc", _("Can review identity verification")),
            ("refund_payment", _("Can refund a payment")),
            ("approve_refund", _("Can approve a refund at or above the threshold")),
            ("approve_unfreeze", _("Can approve an early unfreeze")),
            ("view_approval_queue", _("Can see the approval queue")),
            ("use_admin_site", _("Can open the admin site")),
        ]

    def __str__(self) -> str:
        return self.display_name or self.login_name

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER


class PaymentCredential(models.Model):
    """The 6-digit payment password, separate from the login password.

    Five wrong entries lock payments until `locked_until`; the counter resets on success.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="payment_credential")
    password_hash = models.CharField(max_length=256)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("payment password")
        verbose_name_plural = _("payment passwords")

    def __str__(self) -> str:
        return "payment password"


class UserSession(PublicIdModel):
    """Index of signed-in sessions, so they can be listed and revoked server-side (SES-4).

    The session itself stores only this row's public id (`_wd_sid`); a revoked or missing row makes
    the session worthless on its next request, whatever session backend holds it.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    created_at = models.DateTimeField(default=timezone.now)
    auth_time = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    device = models.ForeignKey("Device", null=True, blank=True, on_delete=models.SET_NULL)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=32, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return str(f"session {self.public_id}")


class Device(PublicIdModel):
    """A browser or app install that has signed in, recognised by a long-lived device cookie."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="devices")
    cookie_hash = models.CharField(max_length=64)
    label = models.CharField(max_length=80, blank=True)
    ip_prefix = models.CharField(max_length=64, blank=True)
    region = models.CharField(max_length=64, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    forgotten_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "cookie_hash"], name="device_unique_cookie")
        ]

    def __str__(self) -> str:
        return str(self.label)


class LoginEvent(models.Model):
    """Login history for the customer (and agents with a reason): time, IP, device, result."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_events")
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    device_label = models.CharField(max_length=80, blank=True)
    region = models.CharField(max_length=64, blank=True)
    method = models.CharField(max_length=16, default="password")
    result = models.CharField(max_length=16, choices=LoginResult.choices)
    new_device = models.BooleanField(default=False)

    def __str__(self) -> str:
        return str(f"{self.result} {self.occurred_at}")


class ApiToken(PublicIdModel):
    """A revocable bearer token for the wallet app. Only a SHA-256 of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=64, blank=True)
    prefix = models.CharField(max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Where it was issued, shown on the security page and used to tell a new device.
    device_label = models.CharField(max_length=120, blank=True)
    ip_prefix = models.CharField(max_length=64, blank=True)
    region = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return str(f"{self.prefix}…")


class OneTimeCode(PublicIdModel):
    """A 6-digit code sent by SMS or email (AUTH-4..8).

    Only an HMAC-SHA256 of the code (keyed with a server secret, bound to the account, purpose and
    this row) is stored. A code is dead once used, expired, or after 5 wrong entries.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="one_time_codes")
    purpose = models.CharField(max_length=32, choices=OtpPurpose.choices)
    channel = models.CharField(max_length=8, choices=OtpChannel.choices)
    target = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "purpose", "created_at"])]

    def __str__(self) -> str:
        return str(f"{self.purpose} code")


class TotpDevice(models.Model):
    """An authenticator app (RFC 6238: SHA-1, 6 digits, 30 s step, ±1 step)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return "TOTP"


class RecoveryCode(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return "recovery code"


class Passkey(PublicIdModel):
    """A WebAuthn credential (fingerprint, face, security key) registered by the user."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField()
    sign_count = models.BigIntegerField(default=0)
    name = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return str(self.name or "passkey")


class AuditEvent(models.Model):
    """One row per security event (AUD-1), append-only and hash-chained (AUD-3).

    `entry_hash` = SHA-256 over the previous row's hash and this row's canonical JSON. Rows are
    never updated or deleted: the model and queryset refuse it, and database triggers refuse it
    on SQLite and PostgreSQL. `manage.py audit_verify` recomputes the chain.
    """

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_type = models.CharField(max_length=16)
    subject_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=48, db_index=True)
    result = models.CharField(max_length=16)
    ip = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects: ClassVar[models.Manager[AuditEvent]] = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.action} {self.result}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are append-only")


class AuditChainHead(models.Model):
    """A single row locked while appending, so concurrent writers cannot fork the chain."""

    last_hash = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.last_hash)


class KycSubmission(PublicIdModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="kyc_submissions")
    real_name = models.CharField(max_length=64)
    id_number_last4 = models.CharField(max_length=4)
    id_number_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=KycStatus.choices, default=KycStatus.PENDING)
    submitted_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reject_reason = models.CharField(max_length=16, blank=True, choices=KycRejectReason.choices)
    reject_note = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return str(f"KYC {self.public_id}")


class KycDocument(PublicIdModel):
    """An identity image, re-encoded and stored under a server-generated name (UPL-2, UPL-4)."""

    submission = models.ForeignKey(
        KycSubmission, on_delete=models.CASCADE, related_name="documents"
    )
    side = models.CharField(max_length=8)
    file = models.FileField(storage=private_storage, upload_to=private_upload_path)
    original_name = models.CharField(max_length=120, blank=True)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(f"{self.side} {self.public_id}")


class UnfreezeRequest(PublicIdModel):
    """A customer's request to lift an emergency freeze.

    Self-service: after full verification and a 24 h cool-off. Earlier, agent review: the request
    is linked to an `ApprovalRequest` that needs two distinct staff approvers (ACC-4,
    `unfreeze_review.py`); the approvers are also recorded here.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="unfreeze_requests")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=16, choices=UnfreezeRequestStatus.choices, default=UnfreezeRequestStatus.PENDING
    )
    approval = models.OneToOneField(
        "ApprovalRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="unfreeze_request",
    )
    first_approver = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    second_approver = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return str(f"unfreeze {self.public_id}")


class ApprovalRequest(PublicIdModel):
    """Four eyes on a sensitive action (ACC-4): requested → approved / rejected / expired.

    The action itself is described by plain values in `payload` and run, exactly once, by the
    executor registered for `kind` when the last required approval arrives, as that approver.
    Status changes go through `core.statemachine.change_status` (history in `core.StatusChange`).
    """

    kind = models.CharField(_("kind"), max_length=16, choices=ApprovalKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.REQUESTED
    )
    subject = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="approval_requests_about",
        verbose_name=_("customer"),
    )
    requested_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="approval_requests_made",
        verbose_name=_("requested by"),
    )
    amount = models.BigIntegerField(_("amount (minor units)"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    reason_code = models.CharField(_("reason"), max_length=32)
    note = models.CharField(_("note"), max_length=200, blank=True)
    payload = models.JSONField(default=dict)
    required_approvals = models.PositiveSmallIntegerField(default=1)
    first_approver = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("decision reason"), max_length=32, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return str(f"{self.kind} {self.public_id}")
