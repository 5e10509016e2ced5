"""Complaints for the regulator (CSV with the full timeline, the 12315 form per complaint and as a
CSV: supervisors only, audited), escalations paging the supervisors in the app, and the admin
pages of the desk's settings with Chinese column headers."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.identity.models import AuditEvent
from walletdesk.notifications.models import Message
from walletdesk.tickets import actions, sla
from walletdesk.tickets.enums import EventKind, TicketKind, TicketStatus
from walletdesk.tickets.models import Team, TeamMembership, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(user_factory: Callable[..., Any]) -> Any:
    return user_factory(role=Role.SUPERVISOR, display_name="主管林姐")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def complaint(customer: Any, **extra: Any) -> Ticket:
    return actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject="重复扣款 59.90 元",
        body="3 月 2 日在美团外卖付款一次，被扣了两次。",
        category="duplicate_charge",
        kind=TicketKind.COMPLAINT,
        demand="退还多扣的 59.90 元",
        **extra,
    )


def rows(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


# --- Exports ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.AGENT, False), (Role.SENIOR_AGENT, False), (Role.SUPERVISOR, True), (Role.ADMIN, True)],
)
def test_only_supervisors_and_above_export_complaints(
    user_factory: Callable[..., Any], customer: Any, role: str, allowed: bool
) -> None:
    ticket = complaint(customer)
    client = client_for(user_factory(role=role))
    paths = (
        "/desk/complaints/",
        "/desk/complaints/timeline.csv",
        "/desk/complaints/12315.csv",
        f"/desk/{ticket.number}/complaint-form/",
    )
    for path in paths:
        assert client.get(path).status_code == (200 if allowed else 403), path
    denied = AuditEvent.objects.filter(
        action="access_denied", data__permission="tickets.export_complaints"
    )
    assert denied.count() == (0 if allowed else len(paths))
    exports = AuditEvent.objects.filter(action="data_export")
    assert exports.count() == (3 if allowed else 0)
    assert Client().get("/desk/complaints/timeline.csv").status_code == 302  # sign in first


def test_the_timeline_csv_holds_every_event_of_every_complaint(
    supervisor: Any, customer: Any, user_factory: Callable[..., Any]
) -> None:
    agent = user_factory(role=Role.AGENT)
    first = complaint(customer)
    actions.add_message(Actor.agent(agent.pk), first.number, "您好，我们正在核实扣款记录。")
    actions.add_message(
        Actor.agent(agent.pk),
        first.number,
        "内部：已联系美团",
        visibility="internal",  # type: ignore[arg-type]
    )
    actions.change_status(Actor.agent(agent.pk), first.number, TicketStatus.SOLVED)
    second = complaint(customer)
    question = actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject="问题",
        body="问题",
        category="fees",
    )
    response = client_for(supervisor).get("/desk/complaints/timeline.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store"
    table = rows(response)
    header, body = table[0], table[1:]
    assert header[:3] == ["ticket", "opened", "status"]
    numbers = {row[0] for row in body}
    assert numbers == {first.number, second.number}
    assert question.number not in numbers
    first_rows = [row for row in body if row[0] == first.number]
    assert len(first_rows) == TicketEvent.objects.filter(ticket=first).count()
    kinds = [row[6] for row in first_rows]
    assert kinds[0] == EventKind.CREATED and "status" in kinds
    messages = [row[-1] for row in first_rows if row[6] == EventKind.MESSAGE]
    assert "您好，我们正在核实扣款记录。" in messages and "内部：已联系美团" in messages
    audit = AuditEvent.objects.get(action="data_export")
    assert audit.data["what"] == "complaint_timeline" and audit.data["rows"] == 2


def test_a_period_outside_the_complaints_exports_nothing(supervisor: Any, customer: Any) -> None:
    complaint(customer)
    response = client_for(supervisor).get(
        "/desk/complaints/timeline.csv?from=2020-01-01&to=2020-01-31"
    )
    assert rows(response)[1:] == []


def test_the_12315_form_per_complaint_and_as_csv(supervisor: Any, customer: Any) -> None:
    customer.email = "wang@example.com"
    customer.save(update_fields=["email"])
    ticket = complaint(customer)
    page = client_for(supervisor).get(f"/desk/{ticket.number}/complaint-form/")
    text = page.content.decode()
    for label, value in (
        ("投诉人", customer.display_name),
        ("联系方式", customer.phone),
        ("投诉诉求", "退还多扣的 59.90 元"),
        ("投诉事实", "被扣了两次"),
        ("处理结果", "尚未答复"),
    ):
        assert label in text and value in text, label
    assert page["Cache-Control"] == "no-store"
    table = rows(client_for(supervisor).get("/desk/complaints/12315.csv"))
    assert table[0][:3] == ["工单编号", "投诉人", "联系方式"]
    assert table[1][0] == ticket.number
    assert "wang@example.com" in table[1][2]
    assert table[1][9] == "退还多扣的 59.90 元"
    assert AuditEvent.objects.filter(action="data_export", data__what="complaint_form").exists()
    assert AuditEvent.objects.filter(action="data_export", data__what="complaint_forms").exists()


def test_cells_a_spreadsheet_would_run_are_neutralised(supervisor: Any, customer: Any) -> None:
    actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject='=HYPERLINK("http://evil")',
        body="+cmd",
        category="duplicate_charge",
        kind=TicketKind.COMPLAINT,
    )
    table = rows(client_for(supervisor).get("/desk/complaints/12315.csv"))
    assert all(not cell.startswith(("=", "+")) for row in table[1:] for cell in row)


# --- Escalation pages ---------------------------------------------------------------------------


def test_a_complaint_escalating_pages_the_supervisors_in_the_app(
    supervisor: Any, customer: Any, user_factory: Callable[..., Any]
) -> None:
    agent = user_factory(role=Role.AGENT)
    ticket = complaint(customer)
    # The shipped supervisors team has no members: everyone who handles escalations is paged.
    assert not TeamMembership.objects.filter(team__name="supervisors").exists()
    sla.sweep(timezone.now() + timedelta(hours=19))  # 75 % of the 24-hour first reply
    pages = Message.objects.filter(user=supervisor, category="staff", channel="inbox")
    assert pages.count() == 1
    page = pages.get()
    assert ticket.number in page.subject and f"/desk/{ticket.number}/" in page.body
    assert not Message.objects.filter(user=agent, category="staff").exists()
    assert not Message.objects.filter(user=customer, category="staff").exists()
    paged = TicketEvent.objects.get(ticket=ticket, kind=EventKind.PAGED)
    assert paged.from_value == str(supervisor.pk)
    # Shown on the desk, once; marking read clears it.
    desk = client_for(supervisor)
    listed = desk.get("/desk/")
    assert [p.link for p in listed.context["staff_pages"]] == [f"/desk/{ticket.number}/"]
    assert 'id="desk-pages"' in listed.content.decode()
    assert ticket.number in desk.get("/desk/pages/").content.decode()
    desk.post("/desk/pages/")
    assert desk.get("/desk/").context["staff_pages"] == []
    # The breach pages again; repeated sweeps do not.
    sla.sweep(timezone.now() + timedelta(hours=25))
    sla.sweep(timezone.now() + timedelta(hours=26))
    assert pages.count() == 2


def test_a_team_with_members_pages_its_members(
    supervisor: Any, customer: Any, user_factory: Callable[..., Any]
) -> None:
    lead = user_factory(role=Role.SENIOR_AGENT)
    TeamMembership.objects.create(team=Team.objects.get(name="supervisors"), agent=lead)
    complaint(customer)
    sla.sweep(timezone.now() + timedelta(hours=19))
    assert Message.objects.filter(user=lead, category="staff").count() == 1
    assert not Message.objects.filter(user=supervisor, category="staff").exists()


def test_the_pages_list_costs_the_same_for_one_page_or_many(
    supervisor: Any, customer: Any, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    complaint(customer)
    sla.sweep(timezone.now() + timedelta(hours=19))
    desk = client_for(supervisor)
    with CaptureQueriesContext(connection) as one:
        desk.get("/desk/pages/")
    for _n in range(6):
        complaint(customer)
    sla.sweep(timezone.now() + timedelta(hours=19))
    assert Message.objects.filter(user=supervisor, category="staff").count() == 7
    with django_assert_max_num_queries(len(one.captured_queries)):
        desk.get("/desk/pages/")


# --- Admin pages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "header"),
    [
        ("/admin/tickets/category/", "中文名称"),
        ("/admin/tickets/slapolicy/", "预警比例"),
        ("/admin/tickets/businesscalendar/", "时区"),
        ("/admin/tickets/macro/", "同时设置状态"),
        ("/admin/tickets/team/", "分配方式"),
        ("/admin/tickets/automationrule/", "触发时机"),
    ],
)
def test_the_desk_settings_are_in_the_admin_with_chinese_headers(
    user_factory: Callable[..., Any], path: str, header: str
) -> None:
    admin = user_factory(role=Role.ADMIN, is_superuser=True)
    client = client_for(admin)
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200, path
    assert header in response.content.decode(), path
