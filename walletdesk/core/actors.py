"""Who does something: the typed actor every action takes instead of an HTTP request.

Views, API endpoints, consumers, jobs and the assistant all build an `Actor` and pass it to an
action; the action never sees HTTP. `label` is the house form stored in history rows and audit
entries: `customer:<id>`, `agent:<id>`, `system` or `assistant`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.http import HttpRequest
from rest_framework.request import Request

from walletdesk.core.client_address import client_address


class ActorKind(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"  # any staff member: agent, senior agent, supervisor or admin
    SYSTEM = "system"
    ASSISTANT = "assistant"


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    user_id: int | None = None
    ip: str | None = None
    device: str | None = None

    def __post_init__(self) -> None:
        needs_user = self.kind in (ActorKind.CUSTOMER, ActorKind.AGENT)
        if needs_user != (self.user_id is not None):
            raise ValueError(f"a {self.kind} actor {'needs' if needs_user else 'has no'} user id")

    @classmethod
    def customer(cls, user_id: int, *, ip: str | None = None, device: str | None = None) -> Actor:
        return cls(ActorKind.CUSTOMER, user_id, ip, device)

    @classmethod
    def agent(cls, user_id: int, *, ip: str | None = None, device: str | None = None) -> Actor:
        return cls(ActorKind.AGENT, user_id, ip, device)

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM)

    @classmethod
    def assistant(cls) -> Actor:
        return cls(ActorKind.ASSISTANT)

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.user_id}" if self.user_id is not None else str(self.kind)

    @property
    def is_customer(self) -> bool:
        return self.kind == ActorKind.CUSTOMER

    @property
    def is_staff(self) -> bool:
        return self.kind == ActorKind.AGENT


def actor_from_request(request: HttpRequest | Request, *, user: Any = None) -> Actor:
    """The signed-in person behind a request (a Django one, or DRF's, whose user may come from
    a bearer token), with where they are: the client's address (the one rule,
    `client_address`) and their user agent as the device. Staff are agents.

    `user`: the person when the request is not signed in yet but they have proved who they are
    (sign-in steps: second-factor enrolment, an API token's issue)."""
    user = user if user is not None else request.user
    if user is None or not user.is_authenticated:
        raise ValueError("an anonymous request has no actor")
    http: HttpRequest = request._request if isinstance(request, Request) else request
    ip = client_address(http)[:64] or None
    device = http.headers.get("User-Agent", "")[:300] or None
    if getattr(user, "is_staff", False):
        return Actor.agent(int(user.pk), ip=ip, device=device)
    return Actor.customer(int(user.pk), ip=ip, device=device)
