"""Pages for signing up, signing in (password, second step, passkey), recovery, freeze link."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from walletdesk.core.actors import actor_from_request
from walletdesk.core.errors import WalletDeskError
from walletdesk.core.jsontext import loads_strict
from walletdesk.identity import actions, enrolment, passkeys, throttle, web_session
from walletdesk.identity.audit import RequestMeta
from walletdesk.identity.devices import device_token, set_device_cookie
from walletdesk.identity.errors import (
    LoginThrottledError,
    PasskeyInvalidError,
    SecondFactorRequiredError,
)
from walletdesk.identity.forms import (
    CodeForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    SecondFactorForm,
    SignupForm,
)
from walletdesk.identity.models import TotpDevice, User
from walletdesk.identity.views.common import form_error, login_redirect, safe_next

SIGNUP_KEY = "_wd_signup"
RESET_KEY = "_wd_reset"


def home_for(user: User) -> str:
    """Where a sign-in lands without a `next`: staff start on their approval page."""
    from django.urls import reverse

    return reverse("identity:staff_home") if user.is_staff else login_redirect()


def _finish(request: HttpRequest, target: str) -> HttpResponse:
    response = HttpResponseRedirect(target)
    set_device_cookie(request, response)
    return response


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        assert isinstance(request.user, User)
        return redirect(safe_next(request, home_for(request.user)))
    form = LoginForm(request, data=request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            outcome = web_session.check_password_login(
                request, form.cleaned_data["username"], form.cleaned_data["password"]
            )
        except WalletDeskError as error:
            status = form_error(form, error)
        else:
            target = safe_next(request, home_for(outcome.user))
            if outcome.needs_second_factor:
                request.session["_wd_next"] = target
                if enrolment.needs_enrolment(outcome.user):
                    return redirect("identity:login_enrol")
                return redirect("identity:login_verify")
            return _finish(request, target)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "identity/login.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    user = web_session.pending_second_factor_user(request)
    if user is None:
        return redirect("identity:login")
    if enrolment.needs_enrolment(user):
        return redirect("identity:login_enrol")
    methods = enrolment.second_factor_methods(user)
    form = SecondFactorForm(request.POST or None, methods=methods)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            web_session.complete_second_factor(
                request, form.cleaned_data["code"], kind=form.cleaned_data["method"]
            )
        except WalletDeskError as error:
            status = form_error(form, error)
        else:
            return _finish(request, request.session.pop("_wd_next", None) or home_for(user))
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "identity/login_verify.html",
        {
            "form": form,
            "can_send_sms": "sms" in methods,
            "has_passkey": user.passkeys.exists(),
        },
        status=status,
    )


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def login_enrol(request: HttpRequest) -> HttpResponse:
    """A staff account's first sign-in: set up an authenticator app or a passkey, get recovery
    codes, and only then enter (docs/identity.md, "Staff sign-in")."""
    if request.user.is_authenticated:
        signed_in = request.user
        assert isinstance(signed_in, User)
        codes = enrolment.take_due_recovery_codes(request, signed_in)
        if codes is None:
            return redirect(request.session.pop("_wd_next", None) or home_for(signed_in))
        return _recovery_codes_page(request, codes)
    user = enrolment.pending_enrolment_user(request)
    if user is None:
        return redirect("identity:login")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = enrolment.finish_totp(request, form.cleaned_data["code"])
        except WalletDeskError as error:
            status = form_error(form, error)
        else:
            return _recovery_codes_page(request, codes)
    elif request.method == "POST":
        status = 400
    existing = TotpDevice.objects.filter(user=user).first()
    device = existing if request.method == "POST" and existing else enrolment.start_totp(request)
    from walletdesk.identity import totp
    from walletdesk.identity.views.security import qr_data_uri

    uri = totp.provisioning_uri(device.secret, user.login_name, "WalletDesk")
    return render(
        request,
        "identity/login_enrol.html",
        {"form": form, "secret": device.secret, "qr_svg": qr_data_uri(uri)},
        status=status,
    )


def _recovery_codes_page(request: HttpRequest, codes: list[str]) -> HttpResponse:
    target = request.session.pop("_wd_next", None) or login_redirect()
    response = render(
        request, "identity/recovery_codes.html", {"codes": codes, "continue_url": target}
    )
    set_device_cookie(request, response)
    return response


@never_cache
@require_POST
def login_enrol_passkey_options(request: HttpRequest) -> HttpResponse:
    try:
        options = enrolment.passkey_options(request)
    except WalletDeskError as error:
        return JsonResponse(
            {"error": {"code": error.code, "message": error.user_message}}, status=error.http_status
        )
    return HttpResponse(options, content_type="application/json")


@never_cache
@require_POST
def login_enrol_passkey(request: HttpRequest) -> HttpResponse:
    body = json_body(request)
    credential = body.get("credential")
    try:
        enrolment.finish_passkey(
            request,
            credential if isinstance(credential, dict | str) else {},
            str(body.get("name") or "")[:64],
        )
    except WalletDeskError as error:
        return JsonResponse(
            {"error": {"code": error.code, "message": error.user_message}}, status=error.http_status
        )
    except (ValueError, TypeError, KeyError):
        invalid = PasskeyInvalidError()
        return JsonResponse(
            {"error": {"code": invalid.code, "message": invalid.user_message}}, status=400
        )
    return JsonResponse({"enrolled": True})


@never_cache
@require_POST
def login_verify_send(request: HttpRequest) -> HttpResponse:
    try:
        user = web_session.pending_second_factor_user(request)
        if user is None or "sms" not in enrolment.second_factor_methods(user):
            raise SecondFactorRequiredError()
        web_session.send_login_code(request)
    except WalletDeskError as error:
        return JsonResponse(
            {"error": {"code": error.code, "message": error.user_message}}, status=error.http_status
        )
    return JsonResponse({"sent": True})


@never_cache
@require_POST
def passkey_login_options(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        passkeys.assertion_options(request, purpose="login", user_id=None),
        content_type="application/json",
    )


@never_cache
@require_POST
def passkey_login(request: HttpRequest) -> HttpResponse:
    meta = RequestMeta.from_request(request)
    if throttle.is_limited(throttle.PASSKEY_LOGIN_IP, meta.ip):
        error: WalletDeskError = LoginThrottledError()
        return JsonResponse(
            {"error": {"code": error.code, "message": error.user_message}}, status=429
        )
    try:
        user = passkeys.verify_assertion(
            request, request.body.decode("utf-8"), purpose="login", user_id=None
        )
        if not user.is_active:
            raise PasskeyInvalidError()
    except (WalletDeskError, ValueError) as exc:
        throttle.hit(throttle.PASSKEY_LOGIN_IP, meta.ip)
        error = exc if isinstance(exc, WalletDeskError) else PasskeyInvalidError()
        return JsonResponse(
            {"error": {"code": error.code, "message": error.user_message}}, status=400
        )
    web_session.complete_login(request, user, method="passkey")
    response = JsonResponse({"redirect": safe_next(request, home_for(user))})
    set_device_cookie(request, response)
    return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    web_session.log_out(request)
    return redirect("identity:login")


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        from django.core.exceptions import ValidationError

        try:
            login_name = actions.start_signup(
                form.cleaned_data["identifier"],
                form.cleaned_data["password"],
                form.cleaned_data["display_name"],
                meta=RequestMeta.from_request(request),
            )
        except ValidationError as error:
            form.add_error("password", error)
            status = 400
        except WalletDeskError as error:
            status = form_error(form, error)
        else:
            request.session[SIGNUP_KEY] = login_name
            return redirect("identity:signup_verify")
    elif request.method == "POST":
        status = 400
    return render(request, "identity/signup.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def signup_verify(request: HttpRequest) -> HttpResponse:
    if SIGNUP_KEY not in request.session:
        return redirect("identity:signup")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        login_name = request.session.get(SIGNUP_KEY)
        try:
            if not isinstance(login_name, str):
                from walletdesk.identity.errors import CodeInvalidError

                raise CodeInvalidError()
            user = actions.complete_signup(
                login_name, form.cleaned_data["code"], meta=RequestMeta.from_request(request)
            )
        except WalletDeskError as error:
            status = form_error(form, error)
        else:
            request.session.pop(SIGNUP_KEY, None)
            web_session.complete_login(request, user, method="signup")
            return _finish(request, login_redirect())
    return render(request, "identity/signup_verify.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def forgot_password(request: HttpRequest) -> HttpResponse:
    form = ForgotPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = actions.request_password_reset(
            form.cleaned_data["identifier"],
            meta=RequestMeta.from_request(request),
            device_token=device_token(request),
        )
        request.session[RESET_KEY] = key
        return HttpResponseRedirect("/account/password/reset/")
    return render(
        request,
        "identity/forgot_password.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@sensitive_post_parameters("new_password", "code", "second_factor")
@require_http_methods(["GET", "POST"])
def reset_password(request: HttpRequest) -> HttpResponse:
    key = request.session.get(RESET_KEY)
    if not isinstance(key, str):
        return redirect("identity:forgot_password")
    form = ResetPasswordForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        from django.core.exceptions import ValidationError

        try:
            actions.reset_password(
                key,
                form.cleaned_data["code"],
                form.cleaned_data["new_password"],
                form.cleaned_data["second_factor"],
                meta=RequestMeta.from_request(request),
                device_token=device_token(request),
            )
        except ValidationError as error:
            form.add_error("new_password", error)
            status = 400
        except WalletDeskError as error:
            status = form_error(form, error)
        else:
            request.session.pop(RESET_KEY, None)
            from django.contrib import messages

            messages.success(request, _("Your password was reset. Log in with the new password."))
            return redirect("identity:login")
    return render(request, "identity/reset_password.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def freeze_from_link(request: HttpRequest, token: str) -> HttpResponse:
    user = actions.user_from_freeze_link(token)
    if user is None:
        return render(request, "identity/freeze_link_invalid.html", status=404)
    if request.method == "POST":
        # The signed link proves whose account this is; whoever holds it acts as that customer.
        actions.emergency_freeze(
            user, source="alert_link", actor=actor_from_request(request, user=user)
        )
        return render(request, "identity/frozen.html", {"frozen_user": user})
    return render(request, "identity/freeze_confirm.html", {"from_link": True})


def json_body(request: HttpRequest) -> dict[str, object]:
    try:
        data = loads_strict(request.body or b"{}")
    except (ValueError, WalletDeskError):  # malformed, over-nested or lone-surrogate text
        return {}
    return data if isinstance(data, dict) else {}
