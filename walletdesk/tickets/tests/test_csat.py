"""CSAT: the survey mailed when a ticket is solved (through a real SMTP sink), its signed links
(one use, an age limit, forged ones refused, each with its own translated page) and the
supervisors' results page (permission, figures per agent, team and category, pinned queries)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.identity.models import AuditEvent
from walletdesk.tickets import actions, csat
from walletdesk.tickets.enums import EventKind, TicketStatus
from walletdesk.tickets.mail_models import CsatRequest, OutboundEmail, OutboundKind
from walletdesk.tickets.models import Category, Team, Ticket, TicketEvent, TicketRating
from walletdesk.tickets.tests.mail_helpers import Sink, smtp_sink

__all__ = ["smtp_sink"]

pytestmark = pytest.mark.django_db


def _ticket(customer: Any, *, category: str = "topup_not_arrived") -> Ticket:
    return actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject="充值没到账",
        body="我昨天充值了 2000 元。",
        category=category,
    )


def _solve(agent: Any, ticket: Ticket) -> None:
    actions.add_message(
        Actor.agent(agent.pk), ticket.number, "已到账。", then_status=TicketStatus.SOLVED
    )


@pytest.fixture
def agent(user_factory: Any) -> Any:
    return user_factory(role=Role.AGENT, display_name="客服小周")


def _links(text: str) -> dict[int, str]:
    found = re.findall(r"(\d) 星[^:：]*[:：]\s*(\S+)", text)
    return {int(score): url for score, url in found}


def _path(url: str) -> str:
    return url.split("://", 1)[1].partition("/")[2].join(["/", ""])


def test_solving_mails_the_survey_with_one_link_per_score(
    smtp_sink: Sink, user_factory: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    customer = user_factory(email="li@example.com")
    ticket = _ticket(customer)
    with django_capture_on_commit_callbacks(execute=True):
        _solve(agent, ticket)
    (mail,) = smtp_sink.messages  # an app ticket: the reply itself is not mailed
    assert smtp_sink.recipients == [["li@example.com"]]
    assert mail["Subject"].strip() == f"[{ticket.number}] 你对这次服务满意吗？请打个分"
    assert mail["Auto-Submitted"] == "auto-generated"
    plain, rich = mail.get_body(("plain",)), mail.get_body(("html",))
    assert plain is not None and rich is not None
    text, html = str(plain.get_content()), str(rich.get_content())
    links = _links(text)
    assert sorted(links) == [1, 2, 3, 4, 5]
    for url in links.values():
        assert url.startswith("http://127.0.0.1:8000/support/rate/") and url in html
    assert CsatRequest.objects.get(ticket=ticket).used_at is None


def test_a_link_opens_the_page_with_its_score_and_one_click_records_it(
    user_factory: Any, agent: Any
) -> None:
    customer = user_factory(email="li@example.com")
    ticket = _ticket(customer)
    _solve(agent, ticket)
    survey = CsatRequest.objects.get(ticket=ticket)
    url = f"/support/rate/{csat.link_token(survey.token, 4)}/"
    page = Client().get(url)  # a mail scanner following the link records nothing
    assert page.status_code == 200
    assert re.search(r"value=\"4\"[^>]*checked", page.content.decode())
    assert not TicketRating.objects.exists()

    done = Client().post(url, {"score": "4", "comment": "很快"})
    assert done.status_code == 200 and "感谢你的评价" in done.content.decode()
    rating = TicketRating.objects.get(ticket=ticket)
    assert (rating.score, rating.comment) == (4, "很快")
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.RATED)
    assert event.actor == f"customer:{customer.pk}" and event.to_value == "4"

    # Any link of the same survey has now been used.
    for score in (4, 1):
        again = Client().get(f"/support/rate/{csat.link_token(survey.token, score)}/")
        assert again.status_code == 409
        assert "csat_link_used" in again.content.decode()
        assert "已经使用过" in again.content.decode()
    assert Client().post(url, {"score": "1"}).status_code == 409
    assert TicketRating.objects.get(ticket=ticket).score == 4


def test_an_expired_or_forged_link_gets_its_own_page(user_factory: Any, agent: Any) -> None:
    customer = user_factory(email="li@example.com")
    ticket = _ticket(customer)
    _solve(agent, ticket)
    survey = CsatRequest.objects.get(ticket=ticket)
    with time_machine.travel(timezone.now() - timedelta(days=15)):
        old = csat.link_token(survey.token, 5)
    expired = Client().post(f"/support/rate/{old}/", {"score": "5"})
    assert expired.status_code == 410 and "已过期" in expired.content.decode()
    english = Client(headers={"accept-language": "en"}).get(f"/support/rate/{old}/")
    assert english.status_code == 410 and "This rating link has expired" in english.content.decode()

    token = csat.link_token(survey.token, 5)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert Client().get(f"/support/rate/{forged}/").status_code == 404
    assert not TicketRating.objects.exists()


def test_a_contact_without_an_account_rates_through_the_link(
    user_factory: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = actions.open_ticket(
        Actor.system(),
        customer_id=None,
        subject="Locked out",
        body="Phone lost",
        category="other_question",
        contact_email="lost@example.com",
        language="en",
    )
    _solve(agent, ticket)
    survey = CsatRequest.objects.get(ticket=ticket)
    row = OutboundEmail.objects.get(kind=OutboundKind.CSAT)
    assert row.to_address == "lost@example.com" and row.language == "en"
    assert "How satisfied are you" in row.text_body
    actions.rate_with_link(csat.link_token(survey.token, 2), 2, "slow")
    assert TicketRating.objects.get(ticket=ticket).score == 2


def test_no_survey_without_an_address_or_when_already_rated(user_factory: Any, agent: Any) -> None:
    no_email = user_factory()
    _solve(agent, _ticket(no_email))
    assert not CsatRequest.objects.exists()

    customer = user_factory(email="li@example.com")
    ticket = _ticket(customer)
    _solve(agent, ticket)
    actions.rate(Actor.customer(customer.pk), ticket.number, 5)
    actions.change_status(Actor.customer(customer.pk), ticket.number, TicketStatus.OPEN)
    _solve(agent, ticket)
    assert CsatRequest.objects.filter(ticket=ticket).count() == 1


def test_a_link_to_a_reopened_ticket_is_refused(user_factory: Any, agent: Any) -> None:
    customer = user_factory(email="li@example.com")
    ticket = _ticket(customer)
    _solve(agent, ticket)
    survey = CsatRequest.objects.get(ticket=ticket)
    actions.change_status(Actor.customer(customer.pk), ticket.number, TicketStatus.OPEN)
    response = Client().post(f"/support/rate/{csat.link_token(survey.token, 3)}/", {"score": "3"})
    assert response.status_code == 409 and "ticket_not_rateable" in response.content.decode()
    assert CsatRequest.objects.get(pk=survey.pk).used_at is None


# --- The results page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.AGENT, False), (Role.SENIOR_AGENT, False), (Role.SUPERVISOR, True), (Role.ADMIN, True)],
)
def test_only_supervisors_see_the_results(user_factory: Any, role: str, allowed: bool) -> None:
    client = Client()
    client.force_login(user_factory(role=role))
    assert client.get("/desk/csat/").status_code == (200 if allowed else 403)
    if role != Role.SENIOR_AGENT:  # agents and above see the desk; only some see the link
        assert ('id="nav-csat"' in client.get("/desk/").content.decode()) == allowed
    denied = AuditEvent.objects.filter(action="access_denied", result="denied")
    assert denied.count() == (0 if allowed else 1)
    customer_client = Client()
    customer_client.force_login(user_factory())
    assert customer_client.get("/desk/csat/").status_code == 403
    assert Client().get("/desk/csat/").status_code == 302


def _rated(customer: Any, agent: Any, score: int, *, team: Team | None, category: str) -> Ticket:
    ticket = _ticket(customer, category=category)
    actions.triage(
        Actor.agent(agent.pk), ticket.number, assignee_id=agent.pk, team=team.name if team else None
    )
    _solve(agent, ticket)
    actions.rate(Actor.customer(customer.pk), ticket.number, score, f"评分 {score}")
    return ticket


def test_results_per_agent_team_and_category(user_factory: Any, agent: Any) -> None:
    other = user_factory(role=Role.AGENT, display_name="客服小李")
    team = Team.objects.filter(active=True).first()
    assert team is not None
    customer = user_factory()
    _rated(customer, agent, 5, team=team, category="topup_not_arrived")
    _rated(customer, agent, 3, team=team, category="topup_failed")
    _rated(customer, other, 4, team=None, category="withdraw_failed")
    supervisor = Client()
    supervisor.force_login(user_factory(role=Role.SUPERVISOR))
    response = supervisor.get("/desk/csat/")
    report = response.context["report"]
    assert (report.overall.ratings, report.overall.average, report.overall.satisfied_percent) == (
        3,
        4.0,
        67,
    )
    assert [(r.label, r.ratings, r.average, r.satisfied_percent) for r in report.by_agent] == [
        ("客服小周", 2, 4.0, 50),
        ("客服小李", 1, 4.0, 100),
    ]
    assert [(r.key, r.ratings) for r in report.by_team] == [(team.name, 2), ("", 1)]
    topup = Category.objects.get(slug="topup_not_arrived").parent
    assert topup is not None
    first = report.by_category[0]
    assert (first.key, first.ratings, first.average) == (topup.slug, 2, 4.0)
    assert [t.score for t in report.recent] == [4, 3, 5]
    body = response.content.decode()
    assert "客服小周" in body and "评分 3" in body
    # A period without ratings.
    empty = supervisor.get("/desk/csat/?since=2020-01-01&until=2020-01-31")
    assert empty.context["report"].overall.ratings == 0


def test_the_results_page_costs_the_same_queries_for_one_rating_or_ten(
    user_factory: Any, agent: Any
) -> None:
    team = Team.objects.filter(active=True).first()
    customer = user_factory()
    _rated(customer, agent, 5, team=team, category="topup_not_arrived")
    supervisor = Client()
    supervisor.force_login(user_factory(role=Role.SUPERVISOR))
    supervisor.get("/desk/csat/")
    with CaptureQueriesContext(connection) as one:
        assert supervisor.get("/desk/csat/").status_code == 200
    for n in range(9):
        helper = user_factory(role=Role.AGENT, display_name=f"客服{n}")
        _rated(
            user_factory(),
            helper,
            1 + n % 5,
            team=None if n % 2 else team,
            category="withdraw_failed" if n % 3 else "topup_failed",
        )
    with CaptureQueriesContext(connection) as ten:
        response = supervisor.get("/desk/csat/")
    assert len(response.context["report"].recent) == 10
    assert len(ten) == len(one), [q["sql"] for q in ten.captured_queries]
