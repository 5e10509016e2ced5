from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from walletdesk.core.models import PublicIdModel
from walletdesk.identity.enums import STAFF_ROLES, KycLevel, Role


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

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    USERNAME_FIELD = "login_name"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

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
