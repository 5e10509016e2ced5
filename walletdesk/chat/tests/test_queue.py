"""Handoff, queue and routing (docs/chat-protocol.md, "Queue, routing and offers"): teams by
language and topic, agents by presence, shift and capacity, most urgent then oldest first, offers
that expire to the next agent, queue positions and honest estimates, leaving a message outside
working hours."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from walletdesk.chat import live_actions, queue
from walletdesk.chat.errors import ChatNotYoursError, ChatOfferGoneError
from walletdesk.chat.live_models import ChatState, LiveChat
from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.tickets.models import BusinessCalendar, Team, TeamMembership, Ticket, WorkingWindow

pytestmark = pytest.mark.django_db


def make_team(name: str = "chat-desk", calendar: str = "24x7", **extra: Any) -> Team:
    extra.setdefault("position", 1)
    return Team.objects.create(
        name=name,
        title_zh="在线客服",
        title_en="Live chat",
        calendar=BusinessCalendar.objects.get(name=calendar),
        **extra,
    )


def closed_calendar() -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(
        name="never-open", title_zh="从不营业", title_en="Never open", time_zone="Asia/Shanghai"
    )
    # One minute a week, long ago in the week: closed whenever the test runs (almost surely).
    WorkingWindow.objects.create(calendar=calendar, weekday=0, opens=time(3), closes=time(3, 1))
    return calendar


@pytest.fixture
def team() -> Team:
    return make_team()


@pytest.fixture
def agent_in(user_factory: Callable[..., Any]) -> Callable[..., Actor]:
    def make(team: Team, *, max_chats: int = 2, online: bool = True) -> Actor:
        agent = user_factory(role=Role.AGENT)
        TeamMembership.objects.create(team=team, agent=agent)
        actor = Actor.agent(agent.pk)
        live_actions.set_presence(actor, "online" if online else "away", max_chats=max_chats)
        return actor

    return make


def waiting_chat(user_factory: Callable[..., Any], **kwargs: Any) -> tuple[Actor, str]:
    customer = Actor.customer(user_factory().pk)
    conversation = live_actions.open_chat(customer)
    live_actions.send(customer, conversation.public_id, text="我要找人工", client_id="c1")
    live_actions.request_agent(customer, conversation.public_id, **kwargs)
    return customer, str(conversation.public_id)


def chat(conversation: str) -> LiveChat:
    return LiveChat.objects.get(conversation__public_id=conversation)


def test_handoff_queues_the_chat_and_an_online_agent_is_offered_it(
    team: Team, agent_in: Callable[..., Actor], user_factory: Callable[..., Any]
) -> None:
    agent = agent_in(team)
    customer, conversation = waiting_chat(user_factory)
    row = chat(conversation)
    assert (row.state, row.team_id, row.offered_to_id) == (
        ChatState.OFFERED,
        team.pk,
        agent.user_id,
    )

    # Asking again changes nothing; accepting makes it the agent's.
    live_actions.request_agent(customer, conversation)
    live_actions.accept_offer(agent, conversation)
    row = chat(conversation)
    assert (row.state, row.agent_id, row.offered_to_id) == (ChatState.ASSIGNED, agent.user_id, None)
    stored = live_actions.send(agent, conversation, text="您好，我来帮您查", client_id="a1")
    assert stored.message.author_kind == "agent"


def test_agents_are_offered_chats_up_to_their_capacity_most_urgent_then_oldest_first(
    team: Team, agent_in: Callable[..., Actor], user_factory: Callable[..., Any]
) -> None:
    first = waiting_chat(user_factory)[1]
    second = waiting_chat(user_factory)[1]
    fraud = waiting_chat(user_factory, reasons=["fraud"])[1]
    vip = waiting_chat(user_factory, reasons=["vip"])[1]
    assert {chat(c).state for c in (first, second, fraud, vip)} == {ChatState.WAITING}
    assert (chat(fraud).priority, chat(vip).priority) == (30, 20)

    agent = agent_in(team, max_chats=3)
    offered = {c for c in (first, second, fraud, vip) if chat(c).state == ChatState.OFFERED}
    assert offered == {fraud, vip, first}
    assert chat(second).state == ChatState.WAITING

    # Ending a chat frees the slot and the queue moves on.
    live_actions.accept_offer(agent, fraud)
    live_actions.end_chat(agent, fraud)
    assert (chat(second).state, chat(second).offered_to_id) == (ChatState.OFFERED, agent.user_id)


def test_away_offline_and_off_shift_agents_and_other_teams_get_nothing(
    team: Team, agent_in: Callable[..., Actor], user_factory: Callable[..., Any]
) -> None:
    agent_in(team, online=False)
    off_shift = agent_in(team)
    TeamMembership.objects.filter(agent_id=off_shift.user_id).update(shift=closed_calendar())
    agent_in(make_team("elsewhere", position=50, skills=["fees"]))
    conversation = waiting_chat(user_factory)[1]
    assert chat(conversation).state == ChatState.WAITING


def test_an_offer_not_accepted_in_time_goes_to_the_next_agent(
    team: Team, agent_in: Callable[..., Actor], user_factory: Callable[..., Any]
) -> None:
    slow = agent_in(team)
    conversation = waiting_chat(user_factory)[1]
    assert chat(conversation).offered_to_id == slow.user_id
    quick = agent_in(team)

    later = timezone.now() + timedelta(seconds=queue.offer_seconds() + 1)
    offers = queue.route_all(later)
    assert [(o.conversation, o.agent_id) for o in offers] == [(conversation, quick.user_id)]
    row = chat(conversation)
    assert (row.state, row.offered_to_id, row.passed_by) == (
        ChatState.OFFERED,
        quick.user_id,
        [slow.user_id],
    )
    with pytest.raises(ChatOfferGoneError):
        live_actions.accept_offer(slow, conversation)
    live_actions.accept_offer(quick, conversation, now=later)
    assert chat(conversation).agent_id == quick.user_id


def test_an_agent_cannot_write_in_a_chat_that_is_not_theirs(
    team: Team, agent_in: Callable[..., Actor], user_factory: Callable[..., Any]
) -> None:
    agent = agent_in(team)
    stranger = agent_in(make_team("other-desk", position=60))
    conversation = waiting_chat(user_factory)[1]
    live_actions.accept_offer(agent, conversation)
    with pytest.raises(ChatNotYoursError):
        live_actions.send(stranger, conversation, text="我也来", client_id="s1")
    assert not live_actions.may_join(stranger, conversation)
    assert live_actions.may_join(agent, conversation)


def test_queue_position_and_an_honest_estimate(
    team: Team, agent_in: Callable[..., Actor], user_factory: Callable[..., Any]
) -> None:
    chats = [waiting_chat(user_factory)[1] for _ in range(3)]
    now = timezone.now()
    # Nobody online: positions, but no invented waiting time.
    assert [queue.queue_status(chat(c), now).position for c in chats] == [1, 2, 3]
    assert queue.queue_status(chat(chats[2]), now).eta_seconds is None

    agent_in(team, max_chats=1, online=False)
    busy = agent_in(team, max_chats=1)
    # One agent online with one slot: the oldest chat is offered, two wait. No finished chats
    # yet: 5 minutes per chat.
    assert chat(chats[0]).offered_to_id == busy.user_id
    status = queue.queue_status(chat(chats[2]), now)
    assert (status.position, status.eta_seconds, status.agents_online) == (2, 600, 1)

    # The team's recent chats took two minutes each: the estimate follows.
    done = chat(chats[0])
    LiveChat.objects.filter(pk=done.pk).update(
        state=ChatState.ENDED, assigned_at=now - timedelta(minutes=2), ended_at=now
    )
    assert queue.queue_status(chat(chats[2]), now).eta_seconds == 240


def test_outside_working_hours_the_customer_leaves_a_message_as_a_ticket(
    user_factory: Callable[..., Any],
) -> None:
    make_team(calendar="24x7").delete()
    Team.objects.create(
        name="daytime", title_zh="白班", title_en="Day", calendar=closed_calendar(), position=1
    )
    customer, conversation = waiting_chat(user_factory)
    assert chat(conversation).state == ChatState.AFTER_HOURS
    number = live_actions.leave_message(customer, conversation, text="明天请给我回电话")
    ticket = Ticket.objects.get(number=number)
    body = ticket.messages.get().body
    assert ticket.channel == "chat" and ticket.customer_id == customer.user_id
    assert "明天请给我回电话" in body and "我要找人工" in body
    row = chat(conversation)
    assert (row.state, row.ticket_number) == (ChatState.LEFT_MESSAGE, number)
    assert row.conversation.handoff_ticket == number


def test_an_emergency_freeze_and_fraud_topics_go_first(
    team: Team, user_factory: Callable[..., Any]
) -> None:
    from walletdesk.identity.models import User

    frozen = user_factory()
    User.objects.filter(pk=frozen.pk).update(frozen_at=timezone.now())
    actor = Actor.customer(frozen.pk)
    conversation = live_actions.open_chat(actor)
    live_actions.request_agent(actor, conversation.public_id, topic="suspicious_login")
    row = chat(str(conversation.public_id))
    assert row.boosts == ["emergency_freeze", "fraud"] and row.priority == 70


def test_an_agent_transfers_a_chat_to_a_colleague_or_a_team_with_a_note(
    team: Team, agent_in: Callable[..., Actor], user_factory: Callable[..., Any]
) -> None:
    first = agent_in(team, max_chats=1)
    conversation = waiting_chat(user_factory)[1]
    live_actions.accept_offer(first, conversation)
    queued_at = chat(conversation).queued_at
    colleague = agent_in(team, max_chats=1, online=False)

    live_actions.transfer(first, conversation, agent_id=colleague.user_id, note="要查银行流水")
    row = chat(conversation)
    assert (row.state, row.offered_to_id, row.agent_id, row.handover_note) == (
        ChatState.OFFERED,
        colleague.user_id,
        None,
        "要查银行流水",
    )
    with pytest.raises(ChatNotYoursError):
        live_actions.send(first, conversation, text="还在吗", client_id="late")
    live_actions.accept_offer(colleague, conversation)

    fraud_team = make_team("fraud-desk", position=5)
    fraud_agent = agent_in(fraud_team)
    live_actions.transfer(colleague, conversation, team_id=fraud_team.pk, note="疑似盗刷")
    row = chat(conversation)
    assert (row.team_id, row.state, row.offered_to_id) == (
        fraud_team.pk,
        ChatState.OFFERED,
        fraud_agent.user_id,
    )
    assert row.queued_at == queued_at  # the customer keeps their place
    texts = list(row.conversation.messages.values_list("body", flat=True))
    assert "疑似盗刷" not in " ".join(texts)


def test_a_chat_becomes_a_ticket_with_its_whole_history(
    team: Team, agent_in: Callable[..., Actor], user_factory: Callable[..., Any]
) -> None:
    agent = agent_in(team)
    customer, conversation = waiting_chat(user_factory)
    live_actions.accept_offer(agent, conversation)
    live_actions.send(agent, conversation, text="请提供银行流水号", client_id="a1")
    live_actions.send(customer, conversation, text="流水号 8812", client_id="c2")

    number = live_actions.to_ticket(agent, conversation)
    assert live_actions.to_ticket(agent, conversation) == number
    ticket = Ticket.objects.get(number=number)
    body = ticket.messages.get().body
    assert ticket.channel == "chat" and ticket.customer_id == customer.user_id
    for text in ("我要找人工", "请提供银行流水号", "流水号 8812"):
        assert text in body
    assert chat(conversation).conversation.handoff_ticket == number


def test_the_customer_rates_a_chat_with_an_agent_once_it_has_ended(
    team: Team, agent_in: Callable[..., Actor], user_factory: Callable[..., Any]
) -> None:
    from walletdesk.chat import live_selectors
    from walletdesk.chat.errors import ChatWrongStateError

    agent = agent_in(team)
    customer, conversation = waiting_chat(user_factory)
    live_actions.accept_offer(agent, conversation)
    with pytest.raises(ChatWrongStateError):
        live_actions.rate(customer, conversation, score=5)
    live_actions.end_chat(agent, conversation)
    assert live_selectors.queue_frame(conversation)["can_rate"] is True
    with pytest.raises(ChatNotYoursError):
        live_actions.rate(agent, conversation, score=5)
    live_actions.rate(customer, conversation, score=4, comment="很快")
    live_actions.rate(customer, conversation, score=1)
    row = chat(conversation)
    assert (row.csat_score, row.csat_comment) == (4, "很快")
    assert live_selectors.queue_frame(conversation)["can_rate"] is False
