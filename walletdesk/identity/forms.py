from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Phone number or email"),
        max_length=254,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autofocus": True, "inputmode": "email"}
        ),
    )
    error_messages = {
        "invalid_login": _("The phone number, email or password is not right. Please try again."),
        "inactive": _("This account is not active."),
    }
