"""What notifications needs to know about people, supplied by the app that owns them.

Notifications sits below identity (identity's actions send alerts through its facade), so it must
not call identity back: that made the two apps depend on each other. Instead identity registers
a `UserDirectory` when Django starts (`IdentityConfig.ready`), and notifications asks it. With no
directory registered, sending a message fails loudly rather than dropping SMS and email quietly.

Things notifications does that others want to record (a customer changed their alert
preferences) are announced as signals; identity's audit log listens (`preferences_changed`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.dispatch import Signal
from django.utils.functional import Promise


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str | None
    email: str | None
    language: str
    public_id: str = ""


@dataclass(frozen=True, slots=True)
class UserDirectory:
    #: Where to reach a user: `contact(user_id)`.
    contact: Callable[[int], Contact]
    #: The signed "this wasn't me — freeze my account" link, from the user's public id.
    freeze_link: Callable[[str], str]
    #: What a verification code is for, as the customer reads it (`purpose_label("login")`).
    purpose_label: Callable[[str], str | Promise]


_directory: list[UserDirectory] = []


def register(directory: UserDirectory) -> None:
    """Install the directory (the last registration wins; tests may swap it)."""
    _directory[:] = [directory]


def directory() -> UserDirectory:
    if not _directory:
        raise ImproperlyConfigured(
            "No user directory is registered with notifications "
            "(walletdesk.identity registers one when the app is ready)."
        )
    return _directory[0]


#: Sent in the saving transaction after a customer changed their notification preferences:
#: `user_id` (whose), `actor` (core.actors.Actor, who and from where).
preferences_changed = Signal()
