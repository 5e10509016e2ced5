"""Setting and resetting the payment password."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from walletdesk.core.actors import Actor
from walletdesk.identity import audit, otp
from walletdesk.identity.actions.alerts import _security_change
from walletdesk.identity.audit import Actions, RequestMeta
from walletdesk.identity.enums import OtpPurpose
from walletdesk.identity.models import (
    User,
)


def send_payment_password_reset_code(user: User, *, actor: Actor) -> otp.IssuedCode:
    meta = RequestMeta.from_actor(actor)
    return otp.issue_code(user, OtpPurpose.PAYMENT_PASSWORD_RESET, ip=meta.ip, meta=meta)


def set_payment_password_with_code(user: User, code: str | None, new: str, *, actor: Actor) -> None:
    """First time: just set it. Afterwards: only with a payment-password-reset code."""
    meta = RequestMeta.from_actor(actor)
    from walletdesk.identity.models import PaymentCredential
    from walletdesk.identity.payment_password import set_payment_password

    exists = PaymentCredential.objects.filter(user=user).exists()
    if exists:
        otp.verify_code(user, OtpPurpose.PAYMENT_PASSWORD_RESET, code or "", meta=meta)
    with transaction.atomic():
        set_payment_password(user.pk, new)
        audit.record(Actions.PAYMENT_PASSWORD_SET, subject=user, meta=meta, reset=exists)
        if exists:
            _security_change(user, _("Your payment password was changed"))
