"""The desk follows the live chats (docs/console.md): an agent's chats as rows of the desk's
ticket list, the supervisors' board as a fragment, and the two events that make both re-read —
`desk.inbox` to the agent whose chats changed, `desk.queues` to supervisors and nobody else."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from config.asgi import application
from walletdesk.chat import actions as chat_actions
from walletdesk.chat import live_actions
from walletdesk.chat.live_models import AgentPresence, ChatState, LiveChat
from walletdesk.chat.models import Conversation
from walletdesk.chat.tests.conftest import run, sign_in
from walletdesk.chat.tests.test_queue import make_team
from walletdesk.console.tests.conftest import chat_with
from walletdesk.console.tests.test_supervisor import BOARD_QUERIES
from walletdesk.core.actors import Actor
from walletdesk.identity import totp
from walletdesk.identity.enums import Role
from walletdesk.identity.models import TotpDevice
from walletdesk.realtime.events import EventSchemaError, check_event
from walletdesk.tickets.models import TeamMembership

# Session, user, permissions (2), the agent's live chats with their last message, unread count
# and customer (one query), then the session's activity stamp (3).
CHAT_ROWS_QUERIES = 8


def _offer(customer: Any, agent: Any, *, priority: int = 0, minutes: int = 1) -> Conversation:
    conversation = Conversation.objects.create(customer=customer, channel="live")
    LiveChat.objects.create(
        conversation=conversation,
        state=ChatState.OFFERED,
        offered_to=agent,
        offer_expires_at=timezone.now() + timedelta(seconds=30),
        queued_at=timezone.now() - timedelta(minutes=minutes),
        priority=priority,
    )
    return conversation


def _says(customer: Any, conversation: Conversation, *texts: str) -> None:
    for text in texts:
        chat_actions.post_message(Actor.customer(customer.pk), conversation.public_id, body=text)


def _row_ids(html: str) -> list[str]:
    return re.findall(r'data-chat="([0-9a-f-]+)"', html)


@pytest.mark.django_db
def test_the_agents_chats_are_rows_offers_first_then_urgent_then_longest_waiting(
    customer: Any, agent: Any, user_factory: Callable[..., Any]
) -> None:
    calm = chat_with(customer, agent)
    _says(customer, calm, "谢谢，没问题了")
    LiveChat.objects.filter(conversation=calm).update(agent_read_seq=1)
    waiting = chat_with(customer, agent)
    _says(customer, waiting, "我的提现三天还没到账", "银行卡尾号 6621")
    urgent = chat_with(customer, agent, priority=40)
    offered = _offer(customer, agent)
    expired = _offer(customer, agent, minutes=3)
    LiveChat.objects.filter(conversation=expired).update(
        offer_expires_at=timezone.now() - timedelta(seconds=1)
    )  # the router withdraws it: not a row
    chat_with(customer, user_factory(role=Role.AGENT))  # another agent's
    client = Client()
    client.force_login(agent)

    response = client.get("/desk/console/inbox/chats/")

    assert response.status_code == 200
    html = response.content.decode()
    assert _row_ids(html) == [
        str(offered.public_id),
        str(urgent.public_id),
        str(waiting.public_id),
        str(calm.public_id),
    ]
    [row] = [
        r["chat"]
        for r in response.context["rows"]
        if r["chat"].conversation == str(waiting.public_id)
    ]
    assert (row.customer, row.preview, row.unread, row.state) == (
        "王芳",
        "银行卡尾号 6621",
        2,
        "assigned",
    )
    assert f'href="/desk/chats/?c={waiting.public_id}"' in html
    assert html.count("desk-chat-unread") == 1
    assert html.count("data-desk-row") == 4


@pytest.mark.django_db
def test_the_chat_rows_cost_the_same_queries_for_one_chat_or_many(
    customer: Any, agent: Any, django_assert_num_queries: Any
) -> None:
    client = Client()
    client.force_login(agent)
    _says(customer, chat_with(customer, agent), "在吗")
    client.get("/desk/console/inbox/chats/")
    with django_assert_num_queries(CHAT_ROWS_QUERIES):
        client.get("/desk/console/inbox/chats/")
    for _ in range(5):
        _says(customer, chat_with(customer, agent), "在吗", "钱没到账")
        _offer(customer, agent)
    with django_assert_num_queries(CHAT_ROWS_QUERIES):
        response = client.get("/desk/console/inbox/chats/")
    assert len(response.context["rows"]) == 11


@pytest.mark.django_db
def test_customers_get_no_chat_rows_and_agents_no_board(customer: Any, agent: Any) -> None:
    client = Client()
    client.force_login(customer)
    assert client.get("/desk/console/inbox/chats/").status_code == 403
    client.force_login(agent)
    assert client.get("/desk/console/supervisor/board/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "hosted"),
    [
        ("", True),
        ("?assignee=mine", True),
        ("?channel=chat&sort=updated", True),
        ("?assignee=unassigned", False),
        ("?channel=email", False),
        ("?status=solved", False),
        ("?kind=complaint&near_breach=1", False),
        ("?q=WD-2612-000001", False),
    ],
)
def test_the_desk_list_hosts_the_chat_rows_on_the_first_page_of_open_work(
    agent_client: Client, query: str, hosted: bool
) -> None:
    html = agent_client.get(f"/desk/{query}").content.decode()
    assert ('id="desk-chats"' in html) is hosted
    assert 'hx-get="/desk/console/inbox/chats/"' in html or not hosted
    assert "console/live_desk.js" in html


@pytest.mark.django_db
def test_the_board_fragment_is_the_board_alone_at_the_boards_cost(
    customer: Any, agent: Any, user_factory: Callable[..., Any], django_assert_num_queries: Any
) -> None:
    supervisor = user_factory(role=Role.SUPERVISOR)
    client = Client()
    client.force_login(supervisor)
    conversation = chat_with(customer, agent)
    AgentPresence.objects.create(agent=agent, status="online", max_chats=2)
    client.get("/desk/console/supervisor/board/")
    with django_assert_num_queries(BOARD_QUERIES):
        response = client.get("/desk/console/supervisor/board/")
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="board">')
    assert f'data-conversation="{conversation.public_id}"' in html and "1 / 2" in html
    page = client.get("/desk/console/supervisor/").content.decode()
    assert 'data-live-on="desk.queues"' in page and "console/live_desk.js" in page


# --- Who hears what ---------------------------------------------------------------------------


@pytest.mark.parametrize("event_type", ["desk.inbox", "desk.queues"])
def test_the_desk_events_are_signals_without_a_payload(event_type: str) -> None:
    check_event(event_type, "changed", {})
    with pytest.raises(EventSchemaError):
        check_event(event_type, "changed", {"conversation": "x"})
    with pytest.raises(EventSchemaError):
        check_event(event_type, "added", {})


def _staff(user_factory: Callable[..., Any], role: str) -> tuple[Any, str]:
    user = user_factory(role=role)
    secret = totp.new_secret()
    TotpDevice.objects.create(user=user, secret=secret, confirmed_at=timezone.now())
    return user, sign_in(user.login_name, secret)


async def _listening(cookie: str) -> Any:
    socket = WebsocketCommunicator(
        application,
        "/ws/events/",
        headers=[
            (b"host", b"127.0.0.1"),
            (b"origin", b"http://127.0.0.1"),
            (b"cookie", cookie.encode()),
        ],
    )
    connected, _ = await socket.connect(timeout=5)
    assert connected
    # The groups are joined once a ping is answered (connect() returns at accept).
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    return socket


async def _events(socket: Any, quiet: float = 0.5) -> list[dict[str, Any]]:
    """The desk's events among every frame until the socket has been quiet for `quiet` s."""
    frames = []
    while not await socket.receive_nothing(timeout=quiet):
        frames.append(await socket.receive_json_from(timeout=1))
    return [frame for frame in frames if str(frame.get("type", "")).startswith("desk.")]


@pytest.fixture
def _private_channel_layer(settings: Any) -> None:
    """On a shared Redis other test processes have users with the same ids (and the same
    supervisors' group): a key prefix of this test's own."""
    layer = settings.CHANNEL_LAYERS["default"]
    if "CONFIG" in layer and "prefix" in layer["CONFIG"]:
        settings.CHANNEL_LAYERS = {
            "default": {
                **layer,
                "CONFIG": {**layer["CONFIG"], "prefix": f"wdtest:{uuid.uuid4().hex[:12]}"},
            }
        }
    else:
        settings.CHANNEL_LAYERS = {"default": dict(layer)}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_private_channel_layer")
def test_queue_changes_reach_supervisors_only_and_chat_changes_only_the_agent_concerned(
    user_factory: Callable[..., Any],
) -> None:
    team = make_team()
    agent, agent_cookie = _staff(user_factory, Role.AGENT)
    TeamMembership.objects.create(team=team, agent=agent)
    bystander, bystander_cookie = _staff(user_factory, Role.AGENT)
    TeamMembership.objects.create(team=team, agent=bystander)
    _supervisor, supervisor_cookie = _staff(user_factory, Role.SUPERVISOR)
    customer = user_factory(display_name="王芳")
    customer_cookie = sign_in(customer.login_name)
    asker = Actor.customer(customer.pk)

    def customer_asks_for_a_person() -> str:
        conversation = live_actions.open_chat(asker)
        live_actions.send(asker, conversation.public_id, text="我要找人工", client_id="c1")
        live_actions.request_agent(asker, conversation.public_id)
        return str(conversation.public_id)

    async def scenario() -> None:
        agent_socket = await _listening(agent_cookie)
        bystander_socket = await _listening(bystander_cookie)
        supervisor_socket = await _listening(supervisor_cookie)
        customer_socket = await _listening(customer_cookie)

        # Nobody online: the chat waits. Only the supervisor's board hears of it.
        conversation = await sync_to_async(customer_asks_for_a_person)()
        assert {e["type"] for e in await _events(supervisor_socket)} == {"desk.queues"}
        for socket in (agent_socket, bystander_socket, customer_socket):
            assert await _events(socket) == []

        # The agent goes online (the board hears it) and is offered the chat (their desk does).
        await sync_to_async(live_actions.set_presence)(Actor.agent(agent.pk), "online")
        assert {e["type"] for e in await _events(supervisor_socket)} == {"desk.queues"}
        assert await _events(agent_socket) == [{"type": "desk.inbox", "op": "changed"}]
        assert await _events(bystander_socket) == []

        # The agent takes the chat, then ends it.
        await sync_to_async(live_actions.accept_offer)(Actor.agent(agent.pk), conversation)
        assert await _events(agent_socket) == [{"type": "desk.inbox", "op": "changed"}]
        assert {e["type"] for e in await _events(supervisor_socket)} == {"desk.queues"}
        # The customer writes (the row's preview and unread count), the agent reads it: the
        # agent's desk list hears both, nobody else's.
        sent = await sync_to_async(live_actions.send)(
            asker, conversation, text="银行卡尾号 6621", client_id="c2"
        )
        assert await _events(agent_socket) == [{"type": "desk.inbox", "op": "changed"}]
        seq = sent.message.seq
        await sync_to_async(live_actions.read)(Actor.agent(agent.pk), conversation, seq)
        assert await _events(agent_socket) == [{"type": "desk.inbox", "op": "changed"}]
        assert await _events(supervisor_socket) == []
        await sync_to_async(live_actions.end_chat)(Actor.agent(agent.pk), conversation)
        assert await _events(agent_socket) == [{"type": "desk.inbox", "op": "changed"}]
        assert {e["type"] for e in await _events(supervisor_socket)} == {"desk.queues"}

        # An agent who is not a supervisor never heard a desk event, nor did the customer.
        assert await _events(bystander_socket) == []
        assert await _events(customer_socket) == []
        for socket in (agent_socket, bystander_socket, supervisor_socket, customer_socket):
            await socket.disconnect()

    run(scenario())
