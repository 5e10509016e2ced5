"""Recognising devices: a long-lived random device cookie plus a readable label from the UA."""

from __future__ import annotations

import hashlib
import re
import secrets

from django.http import HttpRequest, HttpResponse

DEVICE_COOKIE = "wd_device"
DEVICE_COOKIE_AGE = 400 * 86400

_BROWSERS = [
    ("MicroMessenger", "WeChat"),
    ("AlipayClient", "Alipay"),
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("HeadlessChrome", "Chrome"),
    ("Chrome/", "Chrome"),
    ("CriOS", "Chrome"),
    ("Safari/", "Safari"),
    ("WalletDesk", "WalletDesk app"),
    ("curl/", "curl"),
]
_SYSTEMS = [
    (re.compile(r"iPhone|iPad"), "iOS"),
    (re.compile(r"Android"), "Android"),
    (re.compile(r"HarmonyOS|OpenHarmony"), "HarmonyOS"),
    (re.compile(r"Windows"), "Windows"),
    (re.compile(r"Mac OS X|Macintosh"), "macOS"),
    (re.compile(r"Linux"), "Linux"),
]


def describe_user_agent(user_agent: str) -> str:
    """ "Chrome on Android" style label; "Unknown device" when nothing matches."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for pattern, name in _SYSTEMS if pattern.search(user_agent)), "")
    if browser and system:
        return f"{browser} · {system}"
    return browser or system or "Unknown device"


def hash_device_token(token: str) -> str:
    return hashlib.sha256(f"walletdesk.device|{token}".encode()).hexdigest()


def device_token(request: HttpRequest) -> str | None:
    token = request.COOKIES.get(DEVICE_COOKIE, "")
    return token if re.fullmatch(r"[A-Za-z0-9_-]{32,64}", token) else None


def ensure_device_token(request: HttpRequest) -> str:
    token = device_token(request)
    if token is None:
        token = secrets.token_urlsafe(32)
    request.walletdesk_device_token = token  # type: ignore[attr-defined]
    return token


def set_device_cookie(request: HttpRequest, response: HttpResponse) -> None:
    token = getattr(request, "walletdesk_device_token", None)
    if token and request.COOKIES.get(DEVICE_COOKIE) != token:
        from django.conf import settings

        response.set_cookie(
            DEVICE_COOKIE,
            token,
            max_age=DEVICE_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
