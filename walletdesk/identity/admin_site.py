"""The admin behind the app's own sign-in.

Django's admin has its own password-only login and password-change pages; both would skip the
second factor, the audit log, the alerts and the token revocation of the app's flows (AUTH-9,
ACC-4). Here they hand over to `/account/login/` and `/account/security/password/`, and only staff
whose role grants `identity.use_admin_site` enter at all; the index then lists what their
permissions allow.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse


class StaffAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active
            and getattr(user, "is_staff", False)
            and user.has_perm("identity.use_admin_site")
        )

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        if request.user.is_authenticated:
            if self.has_permission(request):
                return HttpResponseRedirect(reverse("admin:index"))
            from walletdesk.identity import audit

            audit.record(
                audit.Actions.ACCESS_DENIED, "denied", request=request, path=request.path[:100]
            )
            return render(request, "identity/denied.html", status=403)
        target = request.GET.get("next") or reverse("admin:index")
        return HttpResponseRedirect(reverse("identity:login") + "?" + urlencode({"next": target}))

    def logout(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        from walletdesk.identity import web_session

        if request.method == "POST":
            web_session.log_out(request)
        return HttpResponseRedirect(reverse("identity:login"))

    def password_change(  # type: ignore[override]
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return HttpResponseRedirect(reverse("identity:change_password"))

    def password_change_done(  # type: ignore[override]
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return HttpResponseRedirect(reverse("identity:security"))


class StaffAdminConfig(AdminConfig):
    default_site = "walletdesk.identity.admin_site.StaffAdminSite"
