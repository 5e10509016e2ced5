"""The live chat's queue: offering waiting chats to agents, expiring offers, queue positions and
honest waiting-time estimates (docs/chat-protocol.md, "Queue, routing and offers").

Two rules keep concurrent routers honest (every web process routes when a chat is queued or an
agent frees a slot, and the beat job routes every few seconds):

- Waiting chats are claimed with `SELECT … FOR UPDATE SKIP LOCKED`, most urgent first, so two
  routers never offer the same chat and neither waits for the other.
- The team's agents' presence rows are locked (`SKIP LOCKED` too) before their loads are counted,
  so two routers never both fill an agent's last free slot.

On SQLite `select_for_update` does nothing; writers are serialised by the database instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q

from walletdesk.chat.live_models import AgentPresence, ChatState, LiveChat, Presence
from walletdesk.realtime.publish import publish_on_commit, supervisors_group, user_group
from walletdesk.tickets import facade as tickets

# Priority boosts (added up), docs/chat-protocol.md.
BOOSTS = {"emergency_freeze": 40, "fraud": 30, "vip": 20, "angry": 10, "urgent": 10}
DEFAULT_HANDLE_SECONDS = 300
HANDLE_TIME_WINDOW = timedelta(days=7)


def offer_seconds() -> int:
    return int(getattr(settings, "CHAT_OFFER_SECONDS", 30))


def silence_seconds() -> int:
    return int(getattr(settings, "CHAT_AGENT_SILENCE_SECONDS", 180))


def peak_wait_seconds() -> int:
    return int(getattr(settings, "CHAT_PEAK_WAIT_SECONDS", 300))


def front_of_queue(team_id: int | None, queued_at: datetime | None, now: datetime) -> datetime:
    """A queueing time that puts a chat handed back by an agent before every chat of its team
    waiting at its priority (it keeps its own time when that is earlier already)."""
    if team_id is None:
        return queued_at or now
    first = (
        LiveChat.objects.filter(team_id=team_id, state=ChatState.WAITING)
        .order_by("queued_at")
        .values_list("queued_at", flat=True)
        .first()
    )
    candidates = [t for t in (queued_at, first - timedelta(milliseconds=1) if first else None) if t]
    return min(candidates) if candidates else now


def conversation_group(conversation_id: str) -> str:
    return f"chat.conversation.{conversation_id.replace('-', '')}"


def agent_group(agent_id: int) -> str:
    return f"chat.agent.{agent_id}"


def public_id(chat: LiveChat) -> str:
    return str(chat.conversation.public_id)


def announce_board() -> None:
    """After commit, tell the supervisors' live-queues boards to re-read (docs/console.md)."""
    publish_on_commit(supervisors_group(), "desk.queues", "changed", {})


def announce_agent(*agent_ids: int | None) -> None:
    """After commit, tell these agents' desk lists to re-read their chat rows: a chat was
    offered to them, withdrawn, taken or ended, the customer wrote (the row's preview and unread
    count) or the agent read it."""
    for agent_id in sorted({a for a in agent_ids if a is not None}):
        publish_on_commit(user_group(agent_id), "desk.inbox", "changed", {})


def announce_queue(team_id: int | None) -> None:
    """After commit, tell every chat waiting in the team's queue that it moved (and the
    supervisors' boards)."""
    announce_board()
    if team_id is None:
        return
    waiting = LiveChat.objects.filter(
        team_id=team_id, state__in=(ChatState.WAITING, ChatState.OFFERED)
    )
    for conversation in waiting.values_list("conversation__public_id", flat=True):
        publish_on_commit(
            conversation_group(str(conversation)),
            "chat.queue",
            "changed",
            {"conversation": str(conversation)},
        )


@dataclass(frozen=True, slots=True)
class Offer:
    conversation: str
    agent_id: int


def _loads(agent_ids: list[int]) -> dict[int, int]:
    loads = dict.fromkeys(agent_ids, 0)
    rows = (
        LiveChat.objects.filter(
            Q(state=ChatState.ASSIGNED, agent_id__in=agent_ids)
            | Q(state=ChatState.OFFERED, offered_to_id__in=agent_ids)
        )
        .values_list("agent_id", "offered_to_id", "state")
        .order_by()
    )
    for agent_id, offered_to, state in rows:
        holder = agent_id if state == ChatState.ASSIGNED else offered_to
        if holder in loads:
            loads[holder] += 1
    return loads


def dispatch(team_id: int, now: datetime) -> list[Offer]:
    """Offer the team's waiting chats, most urgent and then oldest first, to its online, on-shift
    agents with a free slot (the least loaded first; ties to whoever was offered a chat longest
    ago). Returns the offers made."""
    on_shift = tickets.team_agents_on_shift(team_id, now)
    if not on_shift:
        return []
    offers: list[Offer] = []
    with transaction.atomic():
        presences = {
            p.agent_id: p
            for p in AgentPresence.objects.select_for_update(skip_locked=True)
            .filter(agent_id__in=on_shift, status=Presence.ONLINE)
            .order_by("pk")
        }
        if not presences:
            return []
        loads = _loads(list(presences))
        free = {a: max(p.max_chats - loads[a], 0) for a, p in presences.items()}
        room = sum(free.values())
        if room <= 0:
            return []
        # A chat kept away from its silent agent may be passed over: read past it.
        kept_from_silent_agents = LiveChat.objects.filter(
            team_id=team_id, state=ChatState.WAITING, silent_agent_until__gt=now
        ).count()
        chats = list(
            LiveChat.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("conversation")
            .filter(team_id=team_id, state=ChatState.WAITING)
            .order_by(F("priority").desc(), "queued_at", "pk")[: room + kept_from_silent_agents]
        )
        deadline = now + timedelta(seconds=offer_seconds())
        for chat in chats:
            with_room = [a for a, slots in free.items() if slots > 0]
            if not with_room:
                break
            silent_agent = (
                chat.silent_agent_id
                if chat.silent_agent_until is not None and now < chat.silent_agent_until
                else None
            )
            candidates = [a for a in with_room if a != silent_agent]
            if not candidates:
                continue
            fresh = [a for a in candidates if a not in (chat.passed_by or [])]
            pool = fresh or candidates

            def order(agent: int) -> tuple[int, float]:
                last = presences[agent].last_offer_at
                return (loads[agent], last.timestamp() if last else 0.0)

            agent = min(pool, key=order)
            free[agent] -= 1
            loads[agent] += 1
            presences[agent].last_offer_at = now
            chat.state = ChatState.OFFERED
            chat.offered_to_id = agent
            chat.offer_expires_at = deadline
            chat.updated_at = now
            chat.save(update_fields=["state", "offered_to", "offer_expires_at", "updated_at"])
            AgentPresence.objects.filter(pk=presences[agent].pk).update(last_offer_at=now)
            conversation = public_id(chat)
            offers.append(Offer(conversation, agent))
            publish_on_commit(
                agent_group(agent), "chat.offer", "added", {"conversation": conversation}
            )
            announce_agent(agent)
        if offers:
            announce_queue(team_id)
    return offers


def expire_offers(now: datetime) -> list[Offer]:
    """Put the chats whose offer ran out back in their queue (the agent is skipped for that chat
    while another has room). Returns the expired offers; `route_all` offers the chats again."""
    expired: list[Offer] = []
    with transaction.atomic():
        chats = list(
            LiveChat.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("conversation")
            .filter(state=ChatState.OFFERED, offer_expires_at__lte=now)
        )
        for chat in chats:
            agent = chat.offered_to_id
            if agent is not None:
                chat.passed_by = sorted({*(chat.passed_by or []), agent})
                expired.append(Offer(public_id(chat), agent))
                publish_on_commit(
                    agent_group(agent), "chat.offer", "withdrawn", {"conversation": public_id(chat)}
                )
                announce_agent(agent)
            chat.state = ChatState.WAITING
            chat.offered_to = None
            chat.offer_expires_at = None
            chat.updated_at = now
            chat.save(
                update_fields=["state", "offered_to", "offer_expires_at", "passed_by", "updated_at"]
            )
        if chats:
            announce_board()
    return expired


def route_all(now: datetime) -> list[Offer]:
    """One pass of the beat job: expire offers, then offer every team's waiting chats."""
    expire_offers(now)
    offers: list[Offer] = []
    teams = (
        LiveChat.objects.filter(state=ChatState.WAITING, team__isnull=False)
        .values_list("team_id", flat=True)
        .distinct()
        .order_by()
    )
    for team_id in list(teams):
        offers.extend(dispatch(team_id, now))
    return offers


@dataclass(frozen=True, slots=True)
class QueueStatus:
    state: str
    position: int | None
    eta_seconds: int | None
    agents_online: int


def _average_handle_seconds(team_id: int, now: datetime) -> float:
    durations = [
        (ended - assigned).total_seconds()
        for assigned, ended in LiveChat.objects.filter(
            team_id=team_id,
            state__in=(ChatState.ENDED,),
            assigned_at__isnull=False,
            ended_at__gte=now - HANDLE_TIME_WINDOW,
        )
        .order_by("-ended_at")
        .values_list("assigned_at", "ended_at")[:200]
        if ended is not None and assigned is not None
    ]
    return sum(durations) / len(durations) if durations else float(DEFAULT_HANDLE_SECONDS)


def queue_status(chat: LiveChat, now: datetime) -> QueueStatus:
    """Where the chat stands. Waiting (or being offered): its position (1 = next) and an
    estimate from the team's recent handling times and the slots of the agents online now;
    no estimate when nobody is online."""
    if chat.state not in (ChatState.WAITING, ChatState.OFFERED) or chat.team_id is None:
        return QueueStatus(chat.state, None, None, 0)
    if chat.state == ChatState.OFFERED:
        position = 1
    else:
        ahead = (
            LiveChat.objects.filter(team_id=chat.team_id, state=ChatState.WAITING)
            .filter(
                Q(priority__gt=chat.priority)
                | Q(priority=chat.priority, queued_at__lt=chat.queued_at)
                | Q(priority=chat.priority, queued_at=chat.queued_at, pk__lt=chat.pk)
            )
            .count()
        )
        position = ahead + 1
    agents = tickets.team_agents_on_shift(chat.team_id, now)
    online = AgentPresence.objects.filter(agent_id__in=agents, status=Presence.ONLINE)
    slots = sum(online.values_list("max_chats", flat=True))
    count = online.count()
    if slots <= 0:
        return QueueStatus(chat.state, position, None, 0)
    eta = math.ceil(position * _average_handle_seconds(chat.team_id, now) / slots)
    return QueueStatus(chat.state, position, eta, count)


def team_load(team_id: int) -> dict[str, int]:
    """Waiting, offered and assigned chats of a team (for supervisors)."""
    counts = dict(
        LiveChat.objects.filter(team_id=team_id)
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
        .order_by()
    )
    return {state: counts.get(state, 0) for state in ("waiting", "offered", "assigned")}
