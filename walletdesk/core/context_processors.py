from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "site_name": settings.WALLETDESK["SITE_NAME"],
        # A deployment allowed to run on the sandbox says so on every page.
        "sandbox_ribbon": bool(settings.WALLETDESK.get("ALLOW_SANDBOX", False)),
    }
