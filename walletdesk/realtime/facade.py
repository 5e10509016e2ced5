"""What other apps may use from realtime, besides `publish` (the fan-out function): the session
check, the groups a user's sockets join besides their own, and `db_hop` (a socket's database
work in a thread, without a health-check query on every hop).

Realtime sits below identity (identity's actions close sockets and publish events), so the socket
cannot ask identity whether a session is still live by importing it. Identity registers its check
when Django starts (`IdentityConfig.ready`); until one is registered, every socket is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from walletdesk.realtime.db import db_hop

#: `check(session, user) -> bool`: True while the handshake's Django session is a live session of
#: `user` (signed in, not revoked, not idle or past its absolute limit). Sync; it may query.
SessionCheck = Callable[[Any, Any], bool]

_session_checks: list[SessionCheck] = []


def register_session_check(check: SessionCheck) -> None:
    """Install the check every socket runs on connect and on each client message (the last
    registration wins)."""
    _session_checks[:] = [check]


def session_is_live(session: Any, user: Any) -> bool:
    """The registered check's answer; False (refuse) when none is registered."""
    if not _session_checks:
        return False
    return bool(_session_checks[0](session, user))


#: `check(user) -> bool`: whether the signed-in user's event sockets join a group besides their
#: own (`supervisors_group()` for those who may watch the live queues). Sync; it may query.
GroupCheck = Callable[[Any], bool]

_group_checks: dict[str, GroupCheck] = {}


def register_group(group: str, check: GroupCheck) -> None:
    """Let the sockets of users for whom `check` answers True join `group` when they connect
    (the last registration for a group wins). The app that owns the permission registers it
    when Django starts, so realtime never imports it."""
    _group_checks[group] = check


def groups_for(user: Any) -> list[str]:
    """The registered groups `user` belongs to, sorted."""
    return sorted(group for group, check in _group_checks.items() if check(user))


__all__ = [
    "GroupCheck",
    "SessionCheck",
    "db_hop",
    "groups_for",
    "register_group",
    "register_session_check",
    "session_is_live",
]
