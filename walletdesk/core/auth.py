from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied


def authenticated_user_id(request: Any) -> int:
    """The signed-in user's id; views and API views behind a login check call this."""
    user_id = getattr(request.user, "pk", None)
    if user_id is None:
        raise PermissionDenied
    return int(user_id)
