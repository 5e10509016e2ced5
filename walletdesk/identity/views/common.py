from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from walletdesk.core.errors import WalletDeskError
from walletdesk.identity import audit
from walletdesk.identity.models import User

F = TypeVar("F", bound=Callable[..., HttpResponseBase])


def current_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def account_required(view: F) -> F:
    """Signed in (any role); anonymous visitors go to the login page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def staff_required(view: F) -> F:
    """Agents, supervisors and admins. Customers get 403 and an audit row (ACC-2)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not current_user(request).is_staff:
            audit.record(
                audit.Actions.ACCESS_DENIED, "denied", request=request, path=request.path[:100]
            )
            return render(request, "identity/denied.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def staff_permission_required(permission: str) -> Callable[[F], F]:
    """Staff whose role grants `permission` (identity/roles.py). Everyone else signed in gets 403
    and a `denied` audit row naming the permission (ACC-4)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            user = current_user(request)
            if not (user.is_staff and user.is_active and user.has_perm(permission)):
                audit.record(
                    audit.Actions.ACCESS_DENIED,
                    "denied",
                    request=request,
                    path=request.path[:100],
                    permission=permission,
                )
                return render(request, "identity/denied.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def form_error(form: forms.Form, error: WalletDeskError) -> int:
    form.add_error(None, error.user_message)
    return error.http_status


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def step_up_url(request: HttpRequest) -> str:
    return "/account/security/verify/?" + urlencode({"next": request.get_full_path()})


def login_redirect() -> str:
    from django.urls import reverse

    return reverse(settings.LOGIN_REDIRECT_URL)
