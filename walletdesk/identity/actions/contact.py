"""Phone and email change (AUTH-10)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from walletdesk.core.actors import Actor
from walletdesk.identity import audit, otp, throttle
from walletdesk.identity.actions._shared import _notify, _now_text
from walletdesk.identity.actions.alerts import freeze_link
from walletdesk.identity.actions.second_factor import require_step_up
from walletdesk.identity.audit import Actions, RequestMeta
from walletdesk.identity.enums import OtpChannel, OtpPurpose
from walletdesk.identity.errors import (
    CodeInvalidError,
    IdentifierTakenError,
    RateLimitedActionError,
)
from walletdesk.identity.identifiers import (
    check_identifier_characters,
    normalise_email,
    normalise_phone,
)
from walletdesk.identity.models import (
    User,
)

CONTACT_PENDING_KEY = "_wd_contact_change"


def start_contact_change(
    user: User, kind: str, raw: str, *, actor: Actor, stepped_up_at: float | None
) -> str:
    """Send a code to the new phone or email. Returns the normalised new value, which the
    caller keeps (the web keeps it in the session) for `finish_contact_change`."""
    require_step_up(stepped_up_at)
    meta = RequestMeta.from_actor(actor)
    check_identifier_characters(raw)
    new = normalise_phone(raw) if kind == "phone" else normalise_email(raw)
    if new is None:
        raise IdentifierTakenError()
    key = str(user.pk)
    if throttle.is_limited(throttle.CONTACT_CHANGE_HOURLY, key) or throttle.is_limited(
        throttle.CONTACT_CHANGE_DAILY, key
    ):
        audit.record(Actions.RATE_LIMITED, "denied", subject=user, meta=meta, what="contact_change")
        raise RateLimitedActionError()
    taken = (
        User.objects.exclude(pk=user.pk)
        .filter(**({"phone": new} if kind == "phone" else {"email": new}))
        .exists()
        or User.objects.exclude(pk=user.pk).filter(login_name=new).exists()
    )
    if taken or new in (user.phone, user.email):
        raise IdentifierTakenError()
    throttle.hit(throttle.CONTACT_CHANGE_HOURLY, key)
    throttle.hit(throttle.CONTACT_CHANGE_DAILY, key)
    purpose = OtpPurpose.PHONE_CHANGE if kind == "phone" else OtpPurpose.EMAIL_CHANGE
    channel = OtpChannel.SMS if kind == "phone" else OtpChannel.EMAIL
    otp.issue_code(user, purpose, channel=channel, target=new, ip=meta.ip, meta=meta)
    return new


def finish_contact_change(
    user: User,
    code: str,
    *,
    kind: str | None,
    new: str | None,
    actor: Actor,
    stepped_up_at: float | None,
    origin: str | None = None,
) -> None:
    """`kind` and `new`: what `start_contact_change` was asked (None when nothing is pending).
    The caller then forgets them and its step-up: one step-up, one change."""
    require_step_up(stepped_up_at)
    meta = RequestMeta.from_actor(actor)
    if kind is None or new is None:
        raise CodeInvalidError()
    purpose = OtpPurpose.PHONE_CHANGE if kind == "phone" else OtpPurpose.EMAIL_CHANGE
    otp.verify_code(user, purpose, code, target=new, meta=meta)
    apply_contact_change(user, kind=kind, new=new, meta=meta, origin=origin)


def apply_contact_change(
    user: User, *, kind: str, new: str, meta: RequestMeta, origin: str | None = None
) -> None:
    """The change itself, once possession of `new` is proven (`finish_contact_change`'s code;
    demo seeding, which owns the numbers it makes up): the login follows, the outflow hold
    starts, the old phone and email are told."""
    old_phone, old_email = user.phone, user.email
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        old = locked.phone if kind == "phone" else locked.email
        if kind == "phone":
            locked.phone = new
        else:
            locked.email = new
        if locked.login_name == old:
            locked.login_name = new
        locked.contact_changed_at = locked.security_changed_at = timezone.now()
        try:
            with transaction.atomic():
                locked.save(
                    update_fields=[
                        "phone",
                        "email",
                        "login_name",
                        "contact_changed_at",
                        "security_changed_at",
                    ]
                )
        except IntegrityError as exc:
            raise IdentifierTakenError() from exc
        audit.record(
            Actions.PHONE_CHANGE if kind == "phone" else Actions.EMAIL_CHANGE,
            subject=locked,
            meta=meta,
        )
        change = (
            _("Your phone number was changed") if kind == "phone" else _("Your email was changed")
        )
        context = {"change": change, "time": _now_text(), "link": freeze_link(user.pk, origin)}
        destinations = {}
        channels = ["inbox"]
        if old_phone:
            channels.append("sms")
            destinations["sms"] = old_phone
        if old_email or locked.email:
            channels.append("email")
            destinations["email"] = old_email or locked.email or ""
        _notify(user.pk, "security_change", context, channels=channels, destinations=destinations)
    user.refresh_from_db()
