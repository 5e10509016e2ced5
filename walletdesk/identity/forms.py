from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from walletdesk.identity.enums import DecisionReason, KycRejectReason

MAX_PASSWORD_FIELD = 1024  # longer input is refused by the validator, not cut (AUTH-2)


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Phone number or email"),
        max_length=254,
        widget=forms.TextInput(
            attrs={"autocomplete": "username webauthn", "autofocus": True, "inputmode": "email"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=MAX_PASSWORD_FIELD,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _("The phone number, email or password is not right. Please try again."),
        "inactive": _("This account is not active."),
    }

    def clean(self) -> dict[str, Any]:
        # Authentication happens in actions.check_password_login (throttling, history, audit).
        return self.cleaned_data


def _password_field(label: Any, autocomplete: str = "new-password") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=MAX_PASSWORD_FIELD,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


def _code_field(label: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Verification code"),
        max_length=32,
        strip=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6"}
        ),
    )


class SignupForm(forms.Form):
    identifier = forms.CharField(
        label=_("Phone number or email"),
        max_length=254,
        help_text=_("Mainland numbers need no +86; for other countries start with + and the code."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "email"}),
    )
    display_name = forms.CharField(label=_("Nickname"), max_length=64, required=False)
    password = _password_field(_("Password"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = _(
            "At least 12 characters. Spaces, Chinese characters and emoji are all fine; a short "
            "sentence is easy to remember."
        )


class CodeForm(forms.Form):
    code = _code_field()


class SecondFactorForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Verify with"),
        choices=[
            ("totp", _("Authenticator app")),
            ("sms", _("SMS code")),
            ("recovery", _("Recovery code")),
        ],
    )
    code = _code_field(_("Code"))

    def __init__(self, *args: Any, methods: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["maxlength"] = "12"
        if methods is not None:
            # Only the factors this account has: never an SMS choice without a phone to send to.
            method_field = self.fields["method"]
            assert isinstance(method_field, forms.ChoiceField)
            offered: list[tuple[str, Any]] = list(method_field.choices)  # type: ignore[arg-type]
            method_field.choices = [(value, label) for value, label in offered if value in methods]
            if methods:
                self.initial.setdefault("method", methods[0])


class ForgotPasswordForm(forms.Form):
    identifier = forms.CharField(label=_("Phone number or email"), max_length=254)


class ResetPasswordForm(forms.Form):
    code = _code_field()
    new_password = _password_field(_("New password"))
    second_factor = forms.CharField(
        label=_("Authenticator or recovery code"),
        required=False,
        max_length=20,
        help_text=_("Only if you turned on an authenticator app."),
    )


class StepUpForm(forms.Form):
    password = _password_field(_("Login password"), "current-password")
    method = forms.ChoiceField(
        label=_("Verify with"),
        choices=[("code", _("Code sent to you")), ("totp", _("Authenticator app"))],
    )
    code = _code_field()


class ChangePasswordForm(forms.Form):
    old_password = _password_field(_("Current password"), "current-password")
    new_password = _password_field(_("New password"))


class PhoneForm(forms.Form):
    value = forms.CharField(
        label=_("New phone number"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class EmailForm(forms.Form):
    value = forms.CharField(
        label=_("New email"),
        max_length=254,
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "email"}),
    )


class PaymentPasswordForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=32, required=False, strip=False)
    new_password = forms.CharField(
        label=_("New payment password (6 digits)"),
        max_length=6,
        strip=False,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": "6"}
        ),
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Nickname"), max_length=64, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)


class KycForm(forms.Form):
    real_name = forms.CharField(label=_("Full name as on your ID"), max_length=64)
    id_number = forms.CharField(label=_("ID number"), max_length=32)
    front = forms.FileField(label=_("Photo of the front"))
    back = forms.FileField(label=_("Photo of the back"))


class KycReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    reason = forms.ChoiceField(
        label=_("Reason for rejection"),
        choices=[("", "—"), *KycRejectReason.choices],
        required=False,
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ApprovalDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=DecisionReason.choices)


class UnfreezeForm(forms.Form):
    code = _code_field(_("Authenticator or SMS code"))
