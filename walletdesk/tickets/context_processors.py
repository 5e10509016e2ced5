from __future__ import annotations

from typing import cast

from django.conf import settings
from django.http import HttpRequest


def support_config() -> dict[str, str]:
    """WALLETDESK["SUPPORT"]: the hotline, its hours and the complaint contacts."""
    return cast(dict[str, str], settings.WALLETDESK["SUPPORT"])


def support(request: HttpRequest) -> dict[str, object]:
    """The hotline shown in every page's "contact support" line."""
    config = support_config()
    return {"support_hotline": {"number": config["HOTLINE"], "hours": config["HOTLINE_HOURS"]}}
