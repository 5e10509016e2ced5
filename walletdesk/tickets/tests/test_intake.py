"""Intake channels through the test client: the public contact form (email code, rate limits, no
account enumeration, a ticket holding a verified contact until an agent links the account), the
hotline and call-back requests with their desk queue, logged calls on the timeline, and a
suggestion's status seen by the customer who raised it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.identity.models import AuditEvent
from walletdesk.notifications.models import Message
from walletdesk.tickets import actions, intake
from walletdesk.tickets.enums import (
    Channel,
    EventKind,
    FeedbackStatus,
    TicketKind,
    TicketStatus,
)
from walletdesk.tickets.errors import (
    CallbackAlreadyRequestedError,
    CallbackTimeInvalidError,
    ContactCodeInvalidError,
    FeedbackStatusInvalidError,
    TicketAccountLinkError,
    TicketActionNotAllowedError,
)
from walletdesk.tickets.models import CallLog, ContactRequest, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

CONTACT = {
    "email": "locked.out@example.com",
    "phone": "13800138000",
    "name": "王小明",
    "topic": "change_phone",
    "subject": "手机丢了，登录不了",
    "body": "我的手机昨天丢了，收不到验证码，登录不了钱包。",
}


@pytest.fixture
def agent(user_factory: Callable[..., Any]) -> Any:
    return user_factory(role=Role.AGENT, display_name="客服小周")


@pytest.fixture
def agent_client(agent: Any) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def emailed_code(address: str) -> str:
    for message in reversed(mail.outbox):
        if address in message.to:
            found = re.search(r"\b(\d{6})\b", str(message.body))
            if found:
                return found.group(1)
    raise AssertionError(f"no code sent to {address}")


def start(client: Client, run_on_commit: Any, **changes: str) -> Any:
    with run_on_commit(execute=True):
        return client.post("/support/contact/", {**CONTACT, **changes})


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    return django_capture_on_commit_callbacks


# --- The public contact form ---------------------------------------------------------------------


def test_the_login_page_and_the_help_center_lead_to_the_public_form() -> None:
    client = Client()
    assert 'href="/support/contact/"' in client.get("/account/login/").content.decode()
    assert 'href="/support/contact/"' in client.get("/help/").content.decode()
    page = client.get("/support/contact/")
    assert page.status_code == 200
    assert "验证码" in page.content.decode() or "code" in page.content.decode()


def test_a_verified_email_opens_a_ticket_holding_the_contact_not_an_account(
    customer: Any, run_on_commit: Any
) -> None:
    client = Client()
    response = start(client, run_on_commit, email=customer.email or "owner@example.com")
    assert response.status_code == 302
    verify_url = response["Location"]
    assert verify_url.startswith("/support/contact/")
    page = client.get(verify_url)
    assert page.status_code == 200
    assert "o***@example.com" in page.content.decode() or "***@" in page.content.decode()
    code = emailed_code(customer.email or "owner@example.com")
    # The stored message never holds the code.
    assert code not in Message.objects.get(kind="contact_code").body
    done = client.post(verify_url, {"code": code})
    assert done.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.number in done.content.decode()
    assert ticket.customer_id is None
    assert ticket.contact_email == (customer.email or "owner@example.com")
    assert ticket.contact_phone == "+8613800138000"
    assert ticket.channel == Channel.WEB_FORM
    assert intake.IDENTITY_CHECK_TAG in ticket.tags
    assert ticket.category.slug == "change_phone"
    # The first reply clock runs as for any request from outside.
    assert ticket.sla_timers.filter(metric="first_reply").exists()
    # A code works once.
    again = client.post(verify_url, {"code": code})
    assert Ticket.objects.count() == 1
    assert again.status_code == 200
    assert "expired" in again.content.decode() or "失效" in again.content.decode()


def test_the_form_answers_and_works_the_same_whether_or_not_the_address_is_a_customers(
    user_factory: Callable[..., Any], run_on_commit: Any
) -> None:
    user_factory(email="known@example.com", phone="+8613900139001")
    answers = []
    for email, phone in (
        ("known@example.com", "13900139001"),
        ("nobody@example.com", "13700000000"),
    ):
        client = Client()
        with CaptureQueriesContext(connection) as queries:
            response = start(client, run_on_commit, email=email, phone=phone)
        tables = {
            name
            for query in queries.captured_queries
            for name in re.findall(r'"(\w+)"', query["sql"])
            if name.startswith("identity_")
        }
        assert "identity_user" not in tables  # no account is looked up
        page = client.get(response["Location"]).content.decode()
        answers.append(
            (
                response.status_code,
                len(queries.captured_queries),
                page.replace(email[0], "?").count("***@"),
                len([m for m in mail.outbox if email in m.to]),
            )
        )
    assert answers[0] == answers[1]
    assert Message.objects.filter(kind="contact_code", user__isnull=True).count() == 2


def test_the_form_is_limited_per_address_and_per_client(run_on_commit: Any) -> None:
    client = Client()
    for n in range(intake.CONTACT_PER_EMAIL_HOURLY):
        assert start(client, run_on_commit).status_code == 302, n
    refused = start(client, run_on_commit)
    assert refused.status_code == 429
    assert ContactRequest.objects.count() == intake.CONTACT_PER_EMAIL_HOURLY
    # Other addresses from the same client: the per-IP limit.
    made = intake.CONTACT_PER_EMAIL_HOURLY + 1
    for n in range(intake.CONTACT_PER_IP_HOURLY - made):
        assert start(client, run_on_commit, email=f"other{n}@example.com").status_code == 302
    assert start(client, run_on_commit, email="fresh@example.com").status_code == 429
    assert AuditEvent.objects.filter(action="rate_limited", result="denied").exists()


def test_wrong_codes_count_and_five_end_the_request(run_on_commit: Any) -> None:
    client = Client()
    verify_url = start(client, run_on_commit)["Location"]
    code = emailed_code(CONTACT["email"])
    wrong = "000000" if code != "000000" else "111111"
    for _n in range(intake.CONTACT_CODE_ATTEMPTS):
        response = client.post(verify_url, {"code": wrong})
        assert response.status_code == 200
    assert ContactRequest.objects.get().attempts == intake.CONTACT_CODE_ATTEMPTS
    client.post(verify_url, {"code": code})
    assert not Ticket.objects.exists()
    assert client.get(verify_url).status_code == 404


def test_an_expired_code_opens_nothing(run_on_commit: Any) -> None:
    client = Client()
    verify_url = start(client, run_on_commit)["Location"]
    ContactRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    public_id = verify_url.rstrip("/").rsplit("/", 1)[-1]
    with pytest.raises(ContactCodeInvalidError):
        intake.verify_contact(public_id, emailed_code(CONTACT["email"]))
    assert not Ticket.objects.exists()
    assert Client().get("/support/contact/not-a-uuid/").status_code == 404


def contact_ticket(run_on_commit: Any, **changes: str) -> Ticket:
    client = Client()
    verify_url = start(client, run_on_commit, **changes)["Location"]
    client.post(verify_url, {"code": emailed_code(changes.get("email", CONTACT["email"]))})
    return Ticket.objects.get(contact_email=changes.get("email", CONTACT["email"]))


def test_an_agent_links_the_account_after_identity_checks(
    agent_client: Client, customer: Any, run_on_commit: Any
) -> None:
    ticket = contact_ticket(run_on_commit)
    page = agent_client.get(f"/desk/{ticket.number}/").content.decode()
    assert 'id="link-account-form"' in page
    response = agent_client.post(
        f"/desk/{ticket.number}/link-account/",
        {"identifier": customer.phone, "checks": "回拨账户预留手机号，核对了最近三笔交易"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.customer_id == customer.pk
    assert intake.IDENTITY_CHECK_TAG not in ticket.tags
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.CUSTOMER)
    assert "核对" in event.note
    assert AuditEvent.objects.filter(action="ticket_account_link", subject_id=customer.pk).exists()
    # The customer now sees it among their requests.
    mine = Client()
    mine.force_login(customer)
    assert ticket.number in mine.get("/support/").content.decode()
    # Linked once only.
    with pytest.raises(TicketAccountLinkError):
        intake.link_account(
            Actor.agent(1), ticket.number, identifier=customer.phone, checks="again"
        )


def test_linking_needs_one_known_customer_checks_and_staff(
    agent: Any, customer: Any, run_on_commit: Any
) -> None:
    ticket = contact_ticket(run_on_commit)
    staff = Actor.agent(agent.pk)
    with pytest.raises(TicketAccountLinkError):
        intake.link_account(staff, ticket.number, identifier="+8613000000000", checks="ok")
    with pytest.raises(TicketAccountLinkError):  # staff are not customers
        intake.link_account(staff, ticket.number, identifier=agent.phone, checks="ok")
    with pytest.raises(TicketActionNotAllowedError):
        intake.link_account(
            Actor.customer(customer.pk), ticket.number, identifier=customer.phone, checks="me"
        )
    from walletdesk.core.errors import ValidationFailedError

    with pytest.raises(ValidationFailedError):
        intake.link_account(staff, ticket.number, identifier=customer.phone, checks=" ")
    ticket.refresh_from_db()
    assert ticket.customer_id is None


# --- Hotline and call-back requests --------------------------------------------------------------


def beijing(days: int, hour: int, minute: int = 0) -> datetime:
    local = timezone.localtime() + timedelta(days=days)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0)


def test_the_hotline_number_and_hours_are_shown(settings: Any, customer_client: Client) -> None:
    settings.WALLETDESK = {
        **settings.WALLETDESK,
        "SUPPORT": {**settings.WALLETDESK["SUPPORT"], "HOTLINE": "400-123-4567"},
    }
    for client, path in ((Client(), "/support/contact/"), (customer_client, "/support/")):
        page = client.get(path).content.decode()
        assert "400-123-4567" in page, path
        assert settings.WALLETDESK["SUPPORT"]["HOTLINE_HOURS"] in page, path
    assert 'href="/support/callback/"' in customer_client.get("/support/").content.decode()


def test_a_callback_request_becomes_a_phone_ticket_in_the_queue(
    customer: Any, customer_client: Client, agent_client: Client
) -> None:
    preferred = beijing(1, 10, 30)
    page = customer_client.get("/support/callback/")
    assert page.status_code == 200
    assert customer.phone in page.content.decode()
    response = customer_client.post(
        "/support/callback/",
        {
            "phone": customer.phone,
            "preferred_at": preferred.strftime("%Y-%m-%dT%H:%M"),
            "topic": "topup_not_arrived",
            "note": "上午方便",
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/support/{ticket.number}/"
    assert (ticket.kind, ticket.channel) == (TicketKind.CALLBACK, Channel.PHONE)
    assert ticket.callback_at == preferred
    assert ticket.contact_phone == customer.phone
    queue = agent_client.get("/desk/?kind=callback&sort=callback")
    assert [row["ticket"].number for row in queue.context["rows"]] == [ticket.number]
    assert 'data-view="callbacks"' in queue.content.decode()


def test_one_open_callback_at_a_time_within_the_hotline_hours(customer: Any) -> None:
    me = Actor.customer(customer.pk)
    first = intake.request_callback(
        me, phone=customer.phone, preferred_at=beijing(1, 9), topic="exchange_rate"
    )
    with pytest.raises(CallbackAlreadyRequestedError):
        intake.request_callback(
            me, phone=customer.phone, preferred_at=beijing(2, 9), topic="exchange_rate"
        )
    actions.change_status(Actor.system(), first.number, "solved")  # type: ignore[arg-type]
    from walletdesk.core.errors import ValidationFailedError

    with pytest.raises(ValidationFailedError):  # 03:00 is outside 08:00–22:00
        intake.request_callback(
            me, phone=customer.phone, preferred_at=beijing(1, 3), topic="exchange_rate"
        )
    with pytest.raises(CallbackTimeInvalidError):
        intake.request_callback(
            me,
            phone=customer.phone,
            preferred_at=timezone.now() - timedelta(hours=1),
            topic="exchange_rate",
        )
    with pytest.raises(CallbackTimeInvalidError):
        intake.request_callback(
            me, phone=customer.phone, preferred_at=beijing(30, 10), topic="exchange_rate"
        )


def test_a_solved_callback_is_not_reopened_while_a_newer_one_waits(customer: Any) -> None:
    me = Actor.customer(customer.pk)
    first = intake.request_callback(
        me, phone=customer.phone, preferred_at=beijing(1, 9), topic="exchange_rate"
    )
    actions.change_status(Actor.system(), first.number, "solved")  # type: ignore[arg-type]
    second = intake.request_callback(
        me, phone=customer.phone, preferred_at=beijing(2, 9), topic="exchange_rate"
    )
    with pytest.raises(CallbackAlreadyRequestedError) as refused:
        actions.change_status(Actor.system(), first.number, "open")  # type: ignore[arg-type]
    assert refused.value.details["number"] == second.number
    first.refresh_from_db()
    assert first.status == TicketStatus.SOLVED


def test_the_callback_queue_is_sorted_by_preferred_time_and_its_cost_is_pinned(
    user_factory: Callable[..., Any], agent_client: Client, django_assert_max_num_queries: Any
) -> None:
    def request(days: int, hour: int) -> str:
        person = user_factory()
        return intake.request_callback(
            Actor.customer(person.pk),
            phone=person.phone,
            preferred_at=beijing(days, hour),
            topic="exchange_rate",
        ).number

    late = request(2, 9)
    early = request(1, 15)
    with CaptureQueriesContext(connection) as few:
        agent_client.get("/desk/?kind=callback&sort=callback")
    for n in range(8):
        request(3, 9 + n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = agent_client.get("/desk/?kind=callback&sort=callback")
    numbers = [row["ticket"].number for row in response.context["rows"]]
    assert numbers[:2] == [early, late]
    assert len(numbers) == 10


def test_agents_log_calls_on_the_timeline(agent: Any, agent_client: Client, customer: Any) -> None:
    ticket = intake.request_callback(
        Actor.customer(customer.pk),
        phone=customer.phone,
        preferred_at=beijing(1, 11),
        topic="exchange_rate",
    )
    response = agent_client.post(
        f"/desk/{ticket.number}/call/",
        {
            "direction": "outbound",
            "minutes": "4",
            "seconds": "05",
            "outcome": "answered",
            "notes": "已解释手续费规则",
        },
    )
    assert response.status_code == 302
    call = CallLog.objects.get()
    assert (call.direction, call.duration_seconds, call.outcome) == ("outbound", 245, "answered")
    assert call.agent_id == agent.pk
    page = agent_client.get(f"/desk/{ticket.number}/").content.decode()
    assert 'data-event="call"' in page
    assert "4 分 05 秒" in page or "4 min 05 s" in page
    assert "已解释手续费规则" in page
    # A bad duration or outcome is refused and logs nothing.
    agent_client.post(f"/desk/{ticket.number}/call/", {"direction": "up", "outcome": "answered"})
    assert CallLog.objects.count() == 1
    with pytest.raises(TicketActionNotAllowedError):
        intake.log_call(
            Actor.customer(customer.pk),
            ticket.number,
            direction="inbound",
            duration_seconds=1,
            outcome="answered",
        )


# --- Suggestions ---------------------------------------------------------------------------------


def test_a_suggestion_goes_to_product_then_ships_and_its_author_sees_it(
    customer: Any, customer_client: Client, agent_client: Client
) -> None:
    ticket = actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject="希望支持深色模式",
        body="晚上用太亮了",
        category="feedback",
        kind=TicketKind.FEEDBACK,
    )
    page = customer_client.get(f"/support/{ticket.number}/").content.decode()
    assert 'data-status="received"' in page
    desk = agent_client.get(f"/desk/{ticket.number}/").content.decode()
    assert 'value="passed"' in desk and 'value="shipped"' not in desk
    agent_client.post(f"/desk/{ticket.number}/feedback/", {"feedback_status": "passed"})
    ticket.refresh_from_db()
    assert ticket.feedback_status == FeedbackStatus.PASSED
    page = customer_client.get(f"/support/{ticket.number}/").content.decode()
    assert 'data-status="passed"' in page
    assert "产品团队" in page
    agent_client.post(f"/desk/{ticket.number}/feedback/", {"feedback_status": "shipped"})
    ticket.refresh_from_db()
    assert ticket.feedback_status == FeedbackStatus.SHIPPED
    events = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.FEEDBACK)
    assert [(e.from_value, e.to_value) for e in events.order_by("pk")] == [
        ("", "passed"),
        ("passed", "shipped"),
    ]
    api = customer_client.get(f"/api/v1/tickets/{ticket.number}").json()
    assert api["feedback_status"] == "shipped"
    with pytest.raises(FeedbackStatusInvalidError):
        intake.set_feedback_status(Actor.system(), ticket.number, "passed")


def test_only_suggestions_have_a_product_status(customer: Any, agent: Any) -> None:
    ticket = actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject="充值没到账",
        body="2000 元",
        category="topup_not_arrived",
    )
    with pytest.raises(TicketActionNotAllowedError):
        intake.set_feedback_status(Actor.agent(agent.pk), ticket.number, "passed")
    with pytest.raises(TicketActionNotAllowedError):
        intake.set_feedback_status(Actor.customer(customer.pk), ticket.number, "passed")
