"""`{% load helpcenter %}{% announcement_banner %}` shows current announcements to the
request's user in the request's language; one query."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from walletdesk.helpcenter import selectors

register = template.Library()


def banner_context(request: Any, limit: int = 2) -> dict[str, Any]:
    user = getattr(request, "user", None)
    is_staff = bool(user is not None and user.is_authenticated and user.is_staff)
    language = selectors.normalize_language(get_language())
    announcements = list(
        selectors.active_announcements(language, is_staff=is_staff, banner_only=True)[:limit]
    )
    return {"announcements": announcements}


@register.inclusion_tag("helpcenter/includes/banner.html", takes_context=True)
def announcement_banner(context: template.Context, limit: int = 2) -> dict[str, Any]:
    return banner_context(context.get("request"), limit)
