"""安全设置: step-up, password, phone/email, 2FA, passkeys, devices and sessions, payment password,
emergency freeze and unfreeze, profile, identity verification and account closure."""

from __future__ import annotations

import base64
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from walletdesk.core.actors import actor_from_request
from walletdesk.core.errors import WalletDeskError
from walletdesk.identity import actions, kyc, passkeys, selectors, sessions, totp
from walletdesk.identity.audit import RequestMeta
from walletdesk.identity.errors import StepUpRequiredError
from walletdesk.identity.forms import (
    ChangePasswordForm,
    CodeForm,
    EmailForm,
    KycForm,
    PaymentPasswordForm,
    PhoneForm,
    ProfileForm,
    StepUpForm,
    UnfreezeForm,
)
from walletdesk.identity.views.auth import json_body
from walletdesk.identity.views.common import (
    account_required,
    current_user,
    form_error,
    safe_next,
    step_up_url,
)


def _json_error(error: WalletDeskError) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": error.code, "message": error.user_message}}, status=error.http_status
    )


def _step_up_refused(request: HttpRequest) -> HttpResponse:
    error = StepUpRequiredError()
    return render(
        request,
        "identity/step_up_required.html",
        {"error": error, "verify_url": step_up_url(request)},
        status=403,
    )


@never_cache
@account_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    return render(request, "identity/security.html", selectors.security_overview(user))


@never_cache
@account_required
@sensitive_post_parameters("password", "code")
@require_http_methods(["GET", "POST"])
def step_up(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = StepUpForm(
        request.POST or None, initial={"method": "totp" if actions.has_totp(user) else "code"}
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            actions.step_up(
                user,
                form.cleaned_data["password"],
                form.cleaned_data["code"],
                kind="totp" if form.cleaned_data["method"] == "totp" else "code",
                actor=actor_from_request(request),
            )
            sessions.mark_step_up(request)
        except WalletDeskError as error:
            status = form_error(form, error)
        else:
            return redirect(safe_next(request, reverse("identity:security")))
    return render(
        request,
        "identity/step_up.html",
        {"form": form, "next": request.GET.get("next", ""), "has_totp": actions.has_totp(user)},
        status=status,
    )


@never_cache
@account_required
@require_POST
def send_step_up_code(request: HttpRequest) -> HttpResponse:
    try:
        issued = actions.send_step_up_code(current_user(request), actor=actor_from_request(request))
    except WalletDeskError as error:
        return _json_error(error)
    return JsonResponse({"sent": True, "channel": issued.channel})


@never_cache
@account_required
@sensitive_post_parameters("old_password", "new_password")
@require_http_methods(["GET", "POST"])
def change_password(request: HttpRequest) -> HttpResponse:
    form = ChangePasswordForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = current_user(request)
            actions.change_password(
                user,
                form.cleaned_data["old_password"],
                form.cleaned_data["new_password"],
                keep=sessions.current_session(request),
                actor=actor_from_request(request),
            )
            update_session_auth_hash(request, user)
        except ValidationError as error:
            form.add_error("new_password", error)
            status = 400
        except WalletDeskError as error:
            status = form_error(form, error)
        else:
            messages.success(
                request, _("Your password was changed. Other devices were signed out.")
            )
            return redirect("identity:security")
    return render(
        request,
        "identity/simple_form.html",
        {
            "form": form,
            "title": _("Change login password"),
            "submit": _("Change password"),
        },
        status=status,
    )


@never_cache
@account_required
@require_http_methods(["GET", "POST"])
def change_contact(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in {"phone", "email"}:
        raise Http404
    if not sessions.has_recent_step_up(request):
        return _step_up_refused(request)
    form = (PhoneForm if kind == "phone" else EmailForm)(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            new = actions.start_contact_change(
                current_user(request),
                kind,
                form.cleaned_data["value"],
                actor=actor_from_request(request),
                stepped_up_at=sessions.step_up_time(request),
            )
            request.session[actions.CONTACT_PENDING_KEY] = {"kind": kind, "value": new}
        except WalletDeskError as error:
            status = form_error(form, error)
        else:
            return redirect("identity:contact_confirm")
    title = _("Change phone number") if kind == "phone" else _("Change email")
    intro = _(
        "We will send a verification code to the new number or address to make sure it is yours."
    )
    return render(
        request,
        "identity/simple_form.html",
        {
            "form": form,
            "title": title,
            "intro": intro,
            "submit": _("Send code"),
        },
        status=status,
    )


@never_cache
@account_required
@require_http_methods(["GET", "POST"])
def confirm_contact(request: HttpRequest) -> HttpResponse:
    if not sessions.has_recent_step_up(request):
        return _step_up_refused(request)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            pending = request.session.get(actions.CONTACT_PENDING_KEY)
            pending = pending if isinstance(pending, dict) else {}
            actions.finish_contact_change(
                current_user(request),
                form.cleaned_data["code"],
                kind=pending.get("kind"),
                new=pending.get("value"),
                actor=actor_from_request(request),
                stepped_up_at=sessions.step_up_time(request),
                origin=request.build_absolute_uri("/").rstrip("/"),
            )
            request.session.pop(actions.CONTACT_PENDING_KEY, None)
            sessions.clear_step_up(request)
        except WalletDeskError as error:
            status = form_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "Saved. For your safety, withdrawals, transfers and payments to new payees "
                    "are paused for 24 hours."
                ),
            )
            return redirect("identity:security")
    return render(
        request,
        "identity/simple_form.html",
        {
            "form": form,
            "title": _("Enter the code"),
            "submit": _("Confirm"),
            "intro": _("Enter the code we just sent to the new number or address."),
        },
        status=status,
    )


@never_cache
@account_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    enabled = actions.has_totp(user)
    context: dict[str, object] = {"enabled": enabled, "sms_enabled": user.sms_second_factor}
    form = CodeForm(request.POST or None)
    status = 200
    if not enabled:
        if not sessions.has_recent_step_up(request):
            return _step_up_refused(request)
        device = actions.start_totp_setup(user) if request.method == "GET" else user.totp_device
        if request.method == "POST" and form.is_valid():
            try:
                codes = actions.confirm_totp(
                    user, form.cleaned_data["code"], actor=actor_from_request(request)
                )
            except WalletDeskError as error:
                status = form_error(form, error)
            else:
                return render(request, "identity/recovery_codes.html", {"codes": codes})
        uri = totp.provisioning_uri(device.secret, user.login_name, "WalletDesk")
        context.update({"secret": device.secret, "qr_svg": qr_data_uri(uri), "form": form})
    return render(request, "identity/two_factor.html", context, status=status)


def qr_data_uri(text: str) -> str:
    import qrcode  # type: ignore[import-untyped]
    import qrcode.image.svg  # type: ignore[import-untyped]

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@never_cache
@account_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    if not sessions.has_recent_step_up(request):
        return _step_up_refused(request)
    actions.disable_totp(current_user(request), actor=actor_from_request(request))
    messages.success(request, _("The authenticator app is turned off."))
    return redirect("identity:two_factor")


@never_cache
@account_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if not sessions.has_recent_step_up(request):
        return _step_up_refused(request)
    user = current_user(request)
    if not actions.has_totp(user):
        return redirect("identity:two_factor")
    codes = actions.regenerate_recovery_codes(user, actor=actor_from_request(request))
    return render(request, "identity/recovery_codes.html", {"codes": codes})


@never_cache
@account_required
@require_POST
def sms_second_factor(request: HttpRequest) -> HttpResponse:
    if not sessions.has_recent_step_up(request):
        return _step_up_refused(request)
    user = current_user(request)
    try:
        actions.set_sms_second_factor(
            user, request.POST.get("enabled") == "1", actor=actor_from_request(request)
        )
    except WalletDeskError as error:
        messages.error(request, error.user_message)
    return redirect("identity:two_factor")


@never_cache
@account_required
@require_GET
def passkey_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    return render(request, "identity/passkeys.html", {"passkeys": selectors.passkeys_of(user)})


@never_cache
@account_required
@require_POST
def passkey_register_options(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        passkeys.registration_options(request, current_user(request)),
        content_type="application/json",
    )


@never_cache
@account_required
@require_POST
def passkey_payment_options(request: HttpRequest) -> HttpResponse:
    """Challenge for confirming a payment with a passkey (the pay page's passkey button)."""
    return HttpResponse(
        passkeys.assertion_options(request, purpose="payment", user_id=current_user(request).pk),
        content_type="application/json",
    )


@never_cache
@account_required
@require_POST
def passkey_register(request: HttpRequest) -> HttpResponse:
    body = json_body(request)
    try:
        passkey = passkeys.register(
            request,
            current_user(request),
            _credential(body.get("credential")),
            str(body.get("name") or "")[:64],
        )
    except WalletDeskError as error:
        return _json_error(error)
    except (ValueError, TypeError, KeyError):
        from walletdesk.identity.errors import PasskeyInvalidError

        return _json_error(PasskeyInvalidError())
    return JsonResponse({"id": str(passkey.public_id)})


def _credential(value: object) -> dict[str, Any] | str:
    return value if isinstance(value, dict | str) else {}


@never_cache
@account_required
@require_POST
def passkey_remove(request: HttpRequest, public_id: str) -> HttpResponse:
    if not passkeys.remove(
        current_user(request), public_id, meta=RequestMeta.from_request(request)
    ):
        raise Http404
    messages.success(request, _("The passkey was removed."))
    return redirect("identity:passkeys")


@never_cache
@account_required
@require_GET
def devices(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    current = sessions.current_session(request)
    return render(request, "identity/devices.html", selectors.devices_page(user, current))


@never_cache
@account_required
@require_POST
def revoke_session(request: HttpRequest, public_id: str) -> HttpResponse:
    if not actions.revoke_session(
        current_user(request), public_id, actor=actor_from_request(request)
    ):
        raise Http404
    messages.success(request, _("That device was signed out."))
    return redirect("identity:devices")


@never_cache
@account_required
@require_POST
def revoke_api_token(request: HttpRequest, public_id: str) -> HttpResponse:
    if not actions.revoke_api_token(
        current_user(request), str(public_id), actor=actor_from_request(request)
    ):
        raise Http404
    messages.success(request, _("The app sign-in was revoked."))
    return redirect("identity:security")


@never_cache
@account_required
@require_POST
def revoke_other_sessions(request: HttpRequest) -> HttpResponse:
    actions.revoke_other_sessions(
        current_user(request),
        keep=sessions.current_session(request),
        actor=actor_from_request(request),
    )
    messages.success(request, _("All other devices were signed out."))
    return redirect("identity:devices")


@never_cache
@account_required
@require_POST
def forget_device(request: HttpRequest, public_id: str) -> HttpResponse:
    if not actions.forget_device(
        current_user(request), public_id, actor=actor_from_request(request)
    ):
        raise Http404
    messages.success(request, _("The device was removed and signed out."))
    return redirect("identity:devices")


@never_cache
@account_required
@sensitive_post_parameters("new_password", "code")
@require_http_methods(["GET", "POST"])
def payment_password(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    has_one = selectors.has_payment_password(user)
    form = PaymentPasswordForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_payment_password_with_code(
                user,
                form.cleaned_data["code"],
                form.cleaned_data["new_password"],
                actor=actor_from_request(request),
            )
        except WalletDeskError as error:
            status = form_error(form, error)
        else:
            messages.success(request, _("Your payment password is set."))
            return redirect("identity:security")
    return render(
        request, "identity/payment_password.html", {"form": form, "has_one": has_one}, status=status
    )


@never_cache
@account_required
@require_POST
def payment_password_send(request: HttpRequest) -> HttpResponse:
    try:
        actions.send_payment_password_reset_code(
            current_user(request), actor=actor_from_request(request)
        )
    except WalletDeskError as error:
        return _json_error(error)
    return JsonResponse({"sent": True})


@never_cache
@account_required
@require_http_methods(["GET", "POST"])
def freeze(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if request.method == "POST":
        actions.emergency_freeze(user, source="app", actor=actor_from_request(request))
        # The freeze revoked every session, this one too (and audited it): the page is drawn as
        # the signed-out visitor the customer now is, so its links lead where they can still go.
        logout(request)
        return render(request, "identity/frozen.html", {"frozen_user": user})
    return render(request, "identity/freeze_confirm.html", {"from_link": False})


@never_cache
@account_required
@require_http_methods(["GET", "POST"])
def unfreeze(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if user.frozen_at is None:
        return redirect("identity:security")
    if not sessions.has_recent_step_up(request):
        return _step_up_refused(request)
    form = UnfreezeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            actions.self_unfreeze(
                user,
                form.cleaned_data["code"],
                actor=actor_from_request(request),
                stepped_up_at=sessions.step_up_time(request),
            )
        except WalletDeskError as error:
            status = form_error(form, error)
        else:
            messages.success(request, _("Your account is unfrozen."))
            return redirect("identity:security")
    return render(
        request,
        "identity/unfreeze.html",
        {
            "form": form,
            "available_at": actions.unfreeze_available_at(user),
            "has_totp": actions.has_totp(user),
        },
        status=status,
    )


@never_cache
@account_required
@require_POST
def unfreeze_send(request: HttpRequest) -> HttpResponse:
    from walletdesk.identity import otp
    from walletdesk.identity.enums import OtpPurpose

    user = current_user(request)
    meta = RequestMeta.from_request(request)
    try:
        otp.issue_code(user, OtpPurpose.UNFREEZE, ip=meta.ip, meta=meta)
    except WalletDeskError as error:
        return _json_error(error)
    return JsonResponse({"sent": True})


@never_cache
@account_required
@require_POST
def unfreeze_review(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if user.frozen_at is not None:
        actions.request_unfreeze_review(user, actor=actor_from_request(request))
        messages.success(request, _("Your request was sent. Support will contact you."))
    return redirect("identity:security")


@never_cache
@account_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = ProfileForm(
        request.POST or None, initial={"display_name": user.display_name, "address": user.address}
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_profile(
                user,
                display_name=form.cleaned_data["display_name"],
                address=form.cleaned_data["address"],
                actor=actor_from_request(request),
            )
        except WalletDeskError as error:
            status = form_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("identity:profile")
    return render(
        request, "identity/profile.html", {"form": form, "profile_user": user}, status=status
    )


@never_cache
@account_required
@require_http_methods(["GET", "POST"])
def kyc_submit(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = KycForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            kyc.submit(
                user,
                real_name=form.cleaned_data["real_name"],
                id_number=form.cleaned_data["id_number"],
                files={"front": form.cleaned_data["front"], "back": form.cleaned_data["back"]},
                meta=RequestMeta.from_request(request),
            )
        except WalletDeskError as error:
            status = form_error(form, error)
        else:
            messages.success(
                request, _("Thank you. We will review your documents within 1 working day.")
            )
            return redirect("identity:kyc")
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "identity/kyc.html",
        {
            "form": form,
            "submissions": selectors.kyc_submissions_of(user),
            "level": user.get_kyc_level_display(),
        },
        status=status,
    )


@never_cache
@account_required
@require_GET
def kyc_document(request: HttpRequest, public_id: str) -> HttpResponseBase:
    user = current_user(request)
    document = kyc.access_document(user, public_id, meta=RequestMeta.from_request(request))
    handle = document.file.open("rb")
    response = FileResponse(
        handle,
        content_type=document.content_type,
        as_attachment=True,
        filename=f"{document.side}{kyc.extension_for(document.content_type)}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@account_required
@require_http_methods(["GET", "POST"])
def close_account(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    blockers = actions.closure_blockers(user)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            actions.close_account(
                user, form.cleaned_data["code"], actor=actor_from_request(request)
            )
        except WalletDeskError as error:
            status = form_error(form, error)
        else:
            from django.contrib.auth import logout

            logout(request)
            return render(
                request, "identity/closed.html", {"retention": actions.closure_retention()}
            )
    return render(
        request,
        "identity/close.html",
        {
            "form": form,
            "blockers": blockers,
            "retention": actions.closure_retention(),
        },
        status=status,
    )


@never_cache
@account_required
@require_POST
def close_account_send(request: HttpRequest) -> HttpResponse:
    try:
        actions.send_closure_code(current_user(request), actor=actor_from_request(request))
    except WalletDeskError as error:
        return _json_error(error)
    return JsonResponse({"sent": True})
