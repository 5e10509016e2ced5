"""Server-side session index, timeouts (SES-3), step-up (SES-1, AUTH-10) and revocation (SES-4).

Each signed-in session stores the public id of its `UserSession` row under `_wd_sid`. The
middleware refuses a session whose row is missing, revoked, idle too long or older than the
absolute limit, so revocation works with any session backend and takes effect on the very next
request.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from walletdesk.core.db import on_commit
from walletdesk.identity import audit
from walletdesk.identity.models import ApiToken, Device, User, UserSession

SID_KEY = "_wd_sid"
STEP_UP_KEY = "_wd_step_up_at"
LAST_SEEN_WRITE_EVERY = timedelta(seconds=60)


def _limits() -> dict[str, Any]:
    limits: dict[str, Any] = settings.WALLETDESK_IDENTITY
    return limits


def idle_limit(user: User) -> timedelta:
    key = "STAFF_IDLE_SECONDS" if user.is_staff else "CUSTOMER_IDLE_SECONDS"
    return timedelta(seconds=_limits()[key])


def absolute_limit() -> timedelta:
    return timedelta(seconds=_limits()["ABSOLUTE_SECONDS"])


STATE_TTL = 60


def _state_key(sid: str) -> str:
    return f"wdsess:{sid}"


def _state_of(row: UserSession) -> dict[str, Any]:
    return _state(row.user_id, row.revoked_at, row.last_seen_at, row.auth_time, row.pk)


_STATE_COLUMNS = ("user_id", "revoked_at", "last_seen_at", "auth_time", "pk")


def _state(
    user_id: int, revoked_at: datetime | None, last_seen_at: datetime, auth_time: datetime, pk: int
) -> dict[str, Any]:
    return {
        "u": user_id,
        "revoked": revoked_at is not None,
        "seen": last_seen_at.timestamp(),
        "auth": auth_time.timestamp(),
        "pk": pk,
    }


def _cache_state(row: UserSession) -> dict[str, Any]:
    state = _state_of(row)
    cache.set(_state_key(str(row.public_id)), state, STATE_TTL)
    return state


def _forget_states(sids: list[str]) -> None:
    cache.delete_many([_state_key(sid) for sid in sids])
    for sid in sids:
        _socket_states.pop(sid, None)


def start_session(request: HttpRequest, user: User, device: Device | None = None) -> UserSession:
    meta = audit.RequestMeta.from_request(request)
    row = UserSession.objects.create(
        user=user, ip=meta.ip or None, user_agent=meta.user_agent, device=device
    )
    request.session[SID_KEY] = str(row.public_id)
    request.session.pop(STEP_UP_KEY, None)
    _cache_state(row)
    return row


def current_session(request: HttpRequest) -> UserSession | None:
    sid = request.session.get(SID_KEY)
    if not sid or not request.user.is_authenticated:
        return None
    return UserSession.objects.filter(public_id=sid, user_id=request.user.pk).first()


def mark_step_up(request: HttpRequest) -> None:
    """A fresh re-authentication: new session id (SES-1) and a step-up timestamp."""
    request.session.cycle_key()
    request.session[STEP_UP_KEY] = time.time()


def has_recent_step_up(request: HttpRequest, max_age: int | None = None) -> bool:
    return is_recent_step_up(step_up_time(request), max_age)


def step_up_time(request: HttpRequest) -> float | None:
    """When this session last stepped up (epoch seconds), the plain value actions check."""
    stamp = request.session.get(STEP_UP_KEY)
    return float(stamp) if isinstance(stamp, int | float) else None


def is_recent_step_up(stamp: float | None, max_age: int | None = None) -> bool:
    max_age = max_age if max_age is not None else _limits()["STEP_UP_SECONDS"]
    return stamp is not None and 0 <= time.time() - stamp <= max_age


def clear_step_up(request: HttpRequest) -> None:
    request.session.pop(STEP_UP_KEY, None)


def revoke_sessions(user: User, *, reason: str, keep: UserSession | None = None) -> int:
    rows = UserSession.objects.filter(user=user, revoked_at__isnull=True)
    if keep is not None:
        rows = rows.exclude(pk=keep.pk)
    return revoke_rows(rows, reason)


def revoke_rows(rows: Any, reason: str) -> int:
    """Revoke the given UserSession rows in the database and drop their cached state, so the
    very next request of each of them is refused (whatever process serves it)."""
    sids = [str(sid) for sid in rows.values_list("public_id", flat=True)]
    count: int = rows.update(revoked_at=timezone.now(), revoke_reason=reason[:32])
    _forget_states(sids)
    on_commit(_forget_states, sids)
    return count


def revoke_api_tokens(user: User) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def _send_force_close(user_id: int, reason: str) -> None:
    from walletdesk.realtime.publish import user_group

    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(
            user_group(user_id), {"type": "force_close", "reason": reason}
        )


def force_close_websockets(user_id: int, reason: str) -> None:
    """After commit, tell every open socket of this user to close (contract in docs/identity.md)."""
    on_commit(_send_force_close, user_id, reason)


def revoke_everything(user: User, *, reason: str, keep: UserSession | None = None) -> None:
    revoke_sessions(user, reason=reason, keep=keep)
    revoke_api_tokens(user)
    force_close_websockets(user.pk, reason)


def _read_state(sid: str) -> dict[str, Any] | None:
    return _read_states([sid])[sid]


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _read_states(sids: Collection[str]) -> dict[str, dict[str, Any] | None]:
    """The states of `sids` (None for an unknown or empty sid) in one cache round trip, plus one
    query and one cache write for those the cache no longer holds."""
    keys = {_state_key(sid): sid for sid in sids if sid}
    states: dict[str, dict[str, Any] | None] = dict.fromkeys(sids)
    if not keys:
        return states
    for key, state in cache.get_many(list(keys)).items():
        states[keys[key]] = state
    # A sid that is not a UUID has no row (and must not fail the others' query).
    missing = [sid for sid in keys.values() if states[sid] is None and _is_uuid(sid)]
    if missing:
        # Plain values, not model instances: a batch can be every socket of the process (their
        # cached states expire together), and this runs in the thread they all share.
        rows = UserSession.objects.filter(public_id__in=missing).values_list(
            "public_id", *_STATE_COLUMNS
        )
        found = {str(public_id): _state(*values) for public_id, *values in rows}
        if found:
            cache.set_many({_state_key(sid): state for sid, state in found.items()}, STATE_TTL)
        states.update(found)
    return states


def session_state(sid: str, user: Any) -> tuple[dict[str, Any] | None, str]:
    """The cached state of indexed session `sid` and "" when `user` may use it now, or the
    reason it is dead: unknown, revoked, idle or absolute."""
    state = _read_state(sid)
    return state, _dead_because(state, user)


def _dead_because(state: dict[str, Any] | None, user: Any) -> str:
    now = time.time()
    reason = ""
    if state is None or state["u"] != user.pk:
        reason = "unknown"
    elif state["revoked"]:
        reason = "revoked"
    elif now - state["seen"] > idle_limit(user).total_seconds():
        reason = "idle"
    elif now - state["auth"] > absolute_limit().total_seconds():
        reason = "absolute"
    return reason


#: How old the state a socket's per-frame check reads may be (RT-2). A busy chat socket checks
#: its session on every frame; a Redis read for each cost about a tenth of the server's work
#: per message. A revocation still closes sockets at once: identity sends `force_close` to every
#: socket of the user, and this process's checks see its own revocations at once
#: (`_forget_states`). The window bounds only a revocation elsewhere whose close event was lost.
#: Copies are kept per window of this length (floor(monotonic() / SOCKET_STATE_SECONDS)), and the
#: first check in a new window re-reads every sid asked for in the previous window or this one in
#: one batch (one cache `get_many`), since customers message every few seconds and one Redis GET
#: per message in the shared database thread was a quarter of its work.
SOCKET_STATE_SECONDS = 5.0
_SOCKET_STATES_KEPT = 20_000
# sid -> (window read, state)
_socket_states: dict[str, tuple[int, dict[str, Any] | None]] = {}
# The sids asked for since the last batch read, which was in window `_batch_window`: those not
# asked for in the window before a batch are dropped, so a closed socket is not read forever.
_asked: set[str] = set()
_batch_window: int | None = None


#: Read through this name so that tests can move the clock.
monotonic: Callable[[], float] = time.monotonic


def _socket_state(sid: str) -> dict[str, Any] | None:
    global _batch_window
    window = math.floor(monotonic() / SOCKET_STATE_SECONDS)
    _asked.add(sid)
    known = _socket_states.get(sid)
    if known is not None and known[0] == window:
        return known[1]
    if _batch_window == window:
        # Not in this window's batch (a socket that just connected, or forgotten here): read it
        # alone now rather than wait; it joins the next batch.
        if len(_socket_states) >= _SOCKET_STATES_KEPT:
            _socket_states.clear()  # a cache, not a record: the next checks read Redis again
            _asked.clear()
            _asked.add(sid)
        state = _read_state(sid)
        _socket_states[sid] = (window, state)
        return state
    # The first check of a new window. After a window with no check at all, no other socket was
    # used during it, so only this one is read; the rest are read alone if they speak again.
    sids = _asked if _batch_window == window - 1 else {sid}
    states = _read_states(sids)
    _socket_states.clear()
    _socket_states.update((each, (window, state)) for each, state in states.items())
    _asked.clear()
    _asked.add(sid)
    _batch_window = window
    return states[sid]


def session_is_live(session: Any, user: Any) -> bool:
    """For WebSocket consumers (RT-2): is this Django session (from the handshake cookie) a live
    indexed session of `user`? Reads only; the next HTTP request does the clean-up. The idle
    and absolute limits are checked against the clock each time; the session's stored state
    may be up to `SOCKET_STATE_SECONDS` old."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    sid = str(session.get(SID_KEY) or "") if session is not None else ""
    return _dead_because(_socket_state(sid), user) == ""


class SessionSecurityMiddleware:
    """Enforce the session index, idle and absolute timeouts, on every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self._check(request)
        response = self.get_response(request)
        if request.user.is_authenticated and response.get("Cache-Control") is None:
            response["Cache-Control"] = "no-store"
        return response

    def _check(self, request: HttpRequest) -> None:
        """The session's state comes from the cache (primed at login, refreshed from the database
        at most once a minute), so a signed-in request costs no extra query in the common case."""
        if not hasattr(request, "session") or not request.user.is_authenticated:
            return
        user: Any = request.user
        sid = str(request.session.get(SID_KEY) or "")
        state, reason = session_state(sid, user)
        now = time.time()
        if reason:
            if state is not None and not state["revoked"]:
                revoke_rows(UserSession.objects.filter(pk=state["pk"]), reason)
            request.session.flush()
            request.user = AnonymousUser()
            request.walletdesk_session_ended = reason  # type: ignore[attr-defined]
            return
        assert state is not None
        if now - state["seen"] >= LAST_SEEN_WRITE_EVERY.total_seconds():
            stamp = timezone.now()
            UserSession.objects.filter(pk=state["pk"]).update(last_seen_at=stamp)
            cache.set(_state_key(sid), {**state, "seen": stamp.timestamp()}, STATE_TTL)
