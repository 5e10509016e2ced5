from __future__ import annotations

from rest_framework import authentication
from rest_framework.request import Request


class SessionAuthentication(authentication.SessionAuthentication):
    """Session auth that answers 401 (not 403) to anonymous callers."""

    def authenticate_header(self, request: Request) -> str:
        return 'Session realm="api"'
