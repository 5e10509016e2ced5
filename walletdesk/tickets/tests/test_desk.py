"""The agent desk through the test client: who gets in, the list (filters, SLA-due order, saved
views, bulk changes, a pinned query count), one ticket's page (reply, note, status, triage,
merge, macros) and the indexes behind every filter. The browser walk is in tests/browser."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from walletdesk.core.actors import Actor
from walletdesk.core.masking import mask_phone
from walletdesk.identity.enums import Role
from walletdesk.identity.models import AuditEvent
from walletdesk.payments.models import Activity
from walletdesk.tickets import actions, desk_actions, desk_selectors
from walletdesk.tickets.desk_models import Macro, SavedView
from walletdesk.tickets.enums import (
    Channel,
    EventKind,
    LinkKind,
    Priority,
    TicketKind,
    TicketStatus,
    Visibility,
)
from walletdesk.tickets.errors import TicketClosedError
from walletdesk.tickets.models import Ticket, TicketEvent, TicketMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(user_factory: Callable[..., Any]) -> Any:
    return user_factory(role=Role.AGENT, display_name="客服小周")


@pytest.fixture
def agent_client(agent: Any) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def open_for(customer: Any, subject: str = "充值没到账", **extra: Any) -> Ticket:
    extra.setdefault("category", "topup_not_arrived")
    return actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject=subject,
        body="我昨天充值了 2000 元，到现在还没到账。",
        **extra,
    )


def top_up(user_id: int, status: str = "pending") -> Activity:
    return Activity.objects.create(
        user_id=user_id,
        type="top_up",
        status=status,
        currency="CNY",
        amount=2_000_00,
        title="银行卡充值",
        object_public_id=uuid.uuid4(),
        created_at=timezone.now(),
    )


def listed(client: Client, query: str = "") -> list[str]:
    response = client.get(f"/desk/?{query}")
    assert response.status_code == 200
    return [row["ticket"].number for row in response.context["rows"]]


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.CUSTOMER, False),
        (Role.AGENT, True),
        (Role.SENIOR_AGENT, True),
        (Role.SUPERVISOR, True),
        (Role.ADMIN, True),
    ],
)
def test_only_agents_and_above_use_the_desk(
    user_factory: Callable[..., Any], customer: Any, role: str, allowed: bool
) -> None:
    ticket = open_for(customer)
    client = Client()
    client.force_login(user_factory(role=role))
    pages = ("/desk/", f"/desk/{ticket.number}/")
    for path in pages:
        assert client.get(path).status_code == (200 if allowed else 403), path
    reply = client.post(f"/desk/{ticket.number}/reply/", {"body": "您好"})
    assert reply.status_code == (302 if allowed else 403)
    assert TicketMessage.objects.filter(ticket=ticket).count() == (2 if allowed else 1)
    denied = AuditEvent.objects.filter(action="access_denied", result="denied")
    assert denied.count() == (0 if allowed else 3)
    if not allowed:
        assert {row.data["permission"] for row in denied} == {"tickets.work_tickets"}


def test_signed_out_visitors_are_sent_to_sign_in(customer: Any) -> None:
    ticket = open_for(customer)
    for path in ("/desk/", f"/desk/{ticket.number}/"):
        response = Client().get(path)
        assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_staff_whose_group_lost_the_permission_are_refused(
    agent: Any, agent_client: Client
) -> None:
    Group.objects.get(name="agent").permissions.remove(
        Permission.objects.get(content_type__app_label="tickets", codename="work_tickets")
    )
    assert agent_client.get("/desk/").status_code == 403


def test_the_role_groups_hold_the_desk_permission() -> None:
    for name in ("agent", "senior agent", "supervisor", "admin"):
        assert Group.objects.get(name=name).permissions.filter(codename="work_tickets").exists()


# --- The list ---------------------------------------------------------------------------------


def test_default_order_is_sla_due_first_then_priority_with_no_deadline_last(
    customer: Any, agent_client: Client
) -> None:
    now = timezone.now()
    late = open_for(customer, "late")
    soon_low = open_for(customer, "soon low", priority=Priority.LOW)
    soon_urgent = open_for(customer, "soon urgent", priority=Priority.URGENT)
    none = open_for(customer, "no deadline")
    Ticket.objects.filter(pk=late.pk).update(sla_due_at=now + timedelta(hours=5))
    Ticket.objects.filter(pk__in=[soon_low.pk, soon_urgent.pk]).update(
        sla_due_at=now + timedelta(hours=1)
    )
    Ticket.objects.filter(pk=none.pk).update(sla_due_at=None)
    assert listed(agent_client) == [soon_urgent.number, soon_low.number, late.number, none.number]
    assert listed(agent_client, "sort=created")[0] == none.number
    Ticket.objects.filter(pk=late.pk).update(updated_at=now + timedelta(minutes=1))
    assert listed(agent_client, "sort=updated")[0] == late.number


def test_filters(customer: Any, agent: Any, agent_client: Client, user_factory: Any) -> None:
    other_agent = user_factory(role=Role.AGENT)
    staff = Actor.agent(agent.pk)
    mine = open_for(customer, "mine")
    theirs = open_for(customer, "theirs", channel=Channel.EMAIL)
    complaint = open_for(customer, "扣款两次", kind=TicketKind.COMPLAINT, category="fees_general")
    solved = open_for(customer, "already solved")
    actions.triage(staff, mine.number, assignee_id=agent.pk, tags=["vip"], priority=Priority.HIGH)
    actions.triage(staff, theirs.number, assignee_id=other_agent.pk)
    actions.change_status(staff, solved.number, TicketStatus.SOLVED)

    assert set(listed(agent_client)) == {mine.number, theirs.number, complaint.number}
    assert listed(agent_client, "assignee=mine") == [mine.number]
    assert set(listed(agent_client, "assignee=unassigned")) == {complaint.number}
    assert listed(agent_client, "status=solved") == [solved.number]
    assert len(listed(agent_client, "status=any")) == 4
    assert listed(agent_client, "priority=30") == [mine.number]
    assert listed(agent_client, "kind=complaint") == [complaint.number]
    assert listed(agent_client, "channel=email") == [theirs.number]
    assert listed(agent_client, "tag=vip") == [mine.number]
    actions.triage(staff, theirs.number, tags=["大额", "vip2"])
    assert listed(agent_client, "tag=大额") == [theirs.number]
    assert listed(agent_client, "tag=vip") == [mine.number]
    assert listed(agent_client, "category=fees") == [complaint.number]
    assert listed(agent_client, f"q={theirs.number.lower()}") == [theirs.number]
    assert listed(agent_client, "q=扣款") == [complaint.number]
    # Unknown values fall back to the defaults rather than failing.
    assert len(listed(agent_client, "status=bogus&sort=bogus&priority=x")) == 3


def test_complaints_near_breach_view(customer: Any, agent_client: Client) -> None:
    now = timezone.now()
    near = open_for(customer, "near", kind=TicketKind.COMPLAINT)
    far = open_for(customer, "far", kind=TicketKind.COMPLAINT)
    question = open_for(customer, "question near")
    Ticket.objects.filter(pk__in=[near.pk, question.pk]).update(sla_due_at=now + timedelta(hours=1))
    Ticket.objects.filter(pk=far.pk).update(sla_due_at=now + timedelta(days=3))
    view = next(v for v in desk_selectors.BUILT_IN_VIEWS if v.key == "complaints")
    assert listed(agent_client, view.query) == [near.number]
    page = agent_client.get("/desk/").content.decode()
    for built_in in ("我的待处理工单", "未分配", "即将超时的投诉", "全部未结"):
        assert built_in in page


def test_the_list_costs_the_same_queries_for_one_ticket_or_twenty(
    customer: Any, agent: Any, agent_client: Client, user_factory: Any
) -> None:
    open_for(customer)
    agent_client.get("/desk/")  # warm the session and permission caches alike for both runs
    with CaptureQueriesContext(connection) as one:
        assert agent_client.get("/desk/").status_code == 200
    for n in range(19):
        other = user_factory()
        ticket = open_for(other, f"工单 {n}")
        actions.triage(Actor.agent(agent.pk), ticket.number, assignee_id=agent.pk)
    with CaptureQueriesContext(connection) as twenty:
        response = agent_client.get("/desk/")
    assert len(response.context["rows"]) == 20
    assert len(twenty) == len(one), [q["sql"] for q in twenty.captured_queries]


def test_pages_of_the_list_keep_the_filters(customer: Any, agent_client: Client) -> None:
    for n in range(30):
        open_for(customer, f"subject {n}")
    response = agent_client.get("/desk/?sort=created")
    assert len(response.context["rows"]) == 25
    assert 'href="?sort=created&amp;page=2"' in response.content.decode()
    assert len(agent_client.get("/desk/?sort=created&page=2").context["rows"]) == 5


def test_saved_views_are_created_listed_and_deleted_by_their_owner_only(
    agent: Any, agent_client: Client, user_factory: Any
) -> None:
    response = agent_client.post(
        "/desk/views/", {"name": "我的投诉", "query": "kind=complaint&assignee=mine&junk=1"}
    )
    assert response.status_code == 302
    view = SavedView.objects.get(owner=agent)
    assert view.query == "assignee=mine&kind=complaint"
    assert "我的投诉" in agent_client.get("/desk/").content.decode()
    other = Client()
    other.force_login(user_factory(role=Role.AGENT))
    other.post(f"/desk/views/{view.pk}/delete/")
    assert SavedView.objects.filter(pk=view.pk).exists()
    agent_client.post(f"/desk/views/{view.pk}/delete/")
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_bulk_changes_go_through_the_ticket_actions(
    customer: Any, agent: Any, agent_client: Client
) -> None:
    first, second = open_for(customer, "one"), open_for(customer, "two")
    numbers = [first.number, second.number]

    agent_client.post("/desk/bulk/", {"tickets": numbers, "operation": "assign_me"})
    agent_client.post(
        "/desk/bulk/", {"tickets": numbers, "operation": "priority", "value_priority": "40"}
    )
    agent_client.post("/desk/bulk/", {"tickets": numbers, "operation": "tag", "value_tag": "Bank"})
    agent_client.post(
        "/desk/bulk/", {"tickets": numbers, "operation": "status", "value_status": "on_hold"}
    )
    for ticket in Ticket.objects.filter(number__in=numbers):
        assert ticket.assignee_id == agent.pk
        assert ticket.priority == Priority.URGENT
        assert ticket.tags == ["bank"]
        assert ticket.status == TicketStatus.ON_HOLD
        kinds = set(ticket.events.values_list("kind", flat=True))
        assert {EventKind.ASSIGNEE, EventKind.PRIORITY, EventKind.TAGS, EventKind.STATUS} <= kinds

    actions.change_status(Actor.agent(agent.pk), first.number, TicketStatus.SOLVED)
    actions.change_status(Actor.agent(agent.pk), first.number, TicketStatus.CLOSED)
    response = agent_client.post(
        "/desk/bulk/",
        {"tickets": numbers, "operation": "status", "value_status": "pending"},
        follow=True,
    )
    page = response.content.decode()
    assert "已更新 1 个工单" in page and first.number in page
    assert Ticket.objects.get(pk=second.pk).status == TicketStatus.PENDING
    assert Ticket.objects.get(pk=first.pk).status == TicketStatus.CLOSED


def test_bulk_refuses_no_selection_and_a_bad_value(customer: Any, agent_client: Client) -> None:
    ticket = open_for(customer)
    page = agent_client.post(
        "/desk/bulk/", {"operation": "assign_me"}, follow=True
    ).content.decode()
    assert "请至少选择一个工单" in page
    agent_client.post(
        "/desk/bulk/", {"tickets": [ticket.number], "operation": "status", "value_status": "new"}
    )
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.NEW


# --- One ticket -------------------------------------------------------------------------------


def test_the_ticket_page_shows_customer_timeline_records_timers_and_other_tickets(
    customer: Any, agent: Any, agent_client: Client
) -> None:
    record = top_up(customer.pk)
    ticket = open_for(
        customer, records=[actions.RecordRef(LinkKind.TOP_UP, str(record.object_public_id))]
    )
    older = open_for(customer, "上个月的提现")
    actions.add_message(
        Actor.agent(agent.pk), ticket.number, "已联系银行核查", visibility=Visibility.INTERNAL
    )
    actions.triage(Actor.agent(agent.pk), ticket.number, priority=Priority.HIGH)
    html = agent_client.get(f"/desk/{ticket.number}/").content.decode()
    assert customer.display_name in html
    assert mask_phone(customer.phone) in html and customer.phone[3:] not in html
    assert "entry-internal" in html and "已联系银行核查" in html
    assert "客服小周" in html and "普通 → 高" in html
    assert str(record.object_public_id) in html and "处理中" in html
    assert older.number in html
    assert 'data-metric="first_reply"' in html and "计时中" in html


def test_the_ticket_page_costs_the_same_queries_however_long_the_timeline(
    customer: Any, agent: Any, agent_client: Client, user_factory: Any
) -> None:
    record = top_up(customer.pk)
    ticket = open_for(
        customer, records=[actions.RecordRef(LinkKind.TOP_UP, str(record.object_public_id))]
    )
    open_for(customer, "another")
    # One agent's change, so both pages look up staff names (one query for any number of them).
    actions.triage(Actor.agent(agent.pk), ticket.number, priority=Priority.HIGH)
    agent_client.get(f"/desk/{ticket.number}/")
    with CaptureQueriesContext(connection) as short:
        assert agent_client.get(f"/desk/{ticket.number}/").status_code == 200
    colleague = user_factory(role=Role.AGENT)
    for n in range(5):
        staff = Actor.agent(agent.pk if n % 2 else colleague.pk)
        actions.add_message(staff, ticket.number, f"备注 {n}", visibility=Visibility.INTERNAL)
        actions.add_message(Actor.customer(customer.pk), ticket.number, f"补充 {n}")
        actions.triage(staff, ticket.number, tags=[f"t{n}"], assignee_id=staff.user_id)
        open_for(customer, f"more {n}")
    with CaptureQueriesContext(connection) as long:
        response = agent_client.get(f"/desk/{ticket.number}/")
    assert len(response.context["timeline"]) > 20
    assert len(long) == len(short), [q["sql"] for q in long.captured_queries]


def test_reply_with_status_reaches_the_customer_and_notes_do_not(
    customer: Any, customer_client: Client, agent_client: Client
) -> None:
    ticket = open_for(customer)
    agent_client.post(f"/desk/{ticket.number}/note/", {"body": "内部：疑似银行延迟"})
    response = agent_client.post(
        f"/desk/{ticket.number}/reply/", {"body": "请提供银行流水号", "status": "pending"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING
    customer_page = customer_client.get(f"/support/{ticket.number}/").content.decode()
    assert "请提供银行流水号" in customer_page
    assert "疑似银行延迟" not in customer_page


def test_solve_triage_and_an_empty_reply(customer: Any, agent: Any, agent_client: Client) -> None:
    ticket = open_for(customer)
    page = agent_client.post(
        f"/desk/{ticket.number}/reply/", {"body": "  "}, follow=True
    ).content.decode()
    assert "flash-error" in page
    agent_client.post(
        f"/desk/{ticket.number}/triage/",
        {
            "priority": "40",
            "category": "topup_failed",
            "assignee": str(agent.pk),
            "tags": "bank, urgent-review",
        },
    )
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.category.slug, ticket.assignee_id, ticket.tags) == (
        Priority.URGENT,
        "topup_failed",
        agent.pk,
        ["bank", "urgent-review"],
    )
    refused = agent_client.post(
        f"/desk/{ticket.number}/triage/",
        {"priority": "10", "category": "topup_failed", "assignee": str(customer.pk), "tags": ""},
        follow=True,
    )
    assert "请从列表中选择处理人" in refused.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee_id == agent.pk and ticket.priority == Priority.URGENT
    agent_client.post(f"/desk/{ticket.number}/status/", {"status": "solved"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SOLVED


def test_merge_from_the_page(customer: Any, agent_client: Client) -> None:
    keep, duplicate = open_for(customer, "keep"), open_for(customer, "duplicate")
    response = agent_client.post(f"/desk/{duplicate.number}/merge/", {"target": keep.number})
    assert response["Location"] == f"/desk/{keep.number}/"
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == keep.pk and duplicate.status == TicketStatus.CLOSED
    missing = agent_client.post(
        f"/desk/{keep.number}/merge/", {"target": "WD-0000-000000"}, follow=True
    )
    assert "没有工单 WD-0000-000000" in missing.content.decode()


def test_a_missing_ticket_is_404(agent_client: Client) -> None:
    assert agent_client.get("/desk/WD-0000-000000/").status_code == 404
    assert agent_client.post("/desk/WD-0000-000000/reply/", {"body": "x"}).status_code == 404


# --- Macros -----------------------------------------------------------------------------------


def test_macros_fill_variables_in_the_ticket_language(customer: Any) -> None:
    record = top_up(customer.pk)
    ref = [actions.RecordRef(LinkKind.TOP_UP, str(record.object_public_id))]
    zh_ticket = open_for(customer, records=ref)
    en_ticket = open_for(customer, "Top-up missing", language="en", records=ref)
    macro = Macro.objects.get(name__startswith="充值未到账")
    zh = desk_actions.render_macro(macro, zh_ticket)
    assert zh.startswith(f"{customer.display_name}，您好")
    assert "这笔 ¥2,000.00 的充值" in zh and zh_ticket.number in zh
    assert f"/records/top_up/{record.object_public_id}/" in zh
    with translation.override("zh-hans"):
        en = desk_actions.render_macro(macro, en_ticket)
    assert en.startswith(f"Hi {customer.display_name},") and "bank's app" in en
    assert "{" not in en and "}" not in en


def test_only_the_listed_variables_are_replaced(customer: Any) -> None:
    ticket = open_for(customer)
    macro = Macro.objects.create(
        name="probe",
        body_zh="{ticket_number} {customer_name.__class__} {amount} {unknown}",
        body_en="x",
    )
    text = desk_actions.render_macro(macro, ticket)
    assert text == f"{ticket.number} {{customer_name.__class__}} （没有关联记录） {{unknown}}"


def test_applying_a_macro_fills_the_reply_and_its_actions_run_when_sent(
    customer: Any, customer_client: Client, agent_client: Client
) -> None:
    ticket = open_for(customer)
    macro = Macro.objects.get(name__startswith="充值未到账")
    Macro.objects.filter(pk=macro.pk).update(set_priority=Priority.HIGH)
    fragment = agent_client.get(f"/desk/{ticket.number}/?macro={macro.pk}", HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert 'id="reply-box"' in html and "<html" not in html
    assert "交易流水号" in html and f'name="macro" value="{macro.pk}"' in html
    assert '<option value="pending" selected>' in html

    body = desk_actions.render_macro(macro, ticket)
    agent_client.post(
        f"/desk/{ticket.number}/reply/",
        {"body": body, "status": "pending", "macro": str(macro.pk)},
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING
    assert ticket.tags == ["need-bank-ref", "topup"]
    assert ticket.priority == Priority.HIGH
    assert "交易流水号" in customer_client.get(f"/support/{ticket.number}/").content.decode()


def test_the_status_sent_is_the_one_the_agent_left_selected(
    customer: Any, agent_client: Client
) -> None:
    ticket = open_for(customer)
    macro = Macro.objects.get(name__startswith="问题已解决")
    agent_client.post(
        f"/desk/{ticket.number}/reply/",
        {"body": "好的", "status": "on_hold", "macro": str(macro.pk)},
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ON_HOLD
    agent_client.post(
        f"/desk/{ticket.number}/reply/",
        {"body": "再补充一句", "status": "", "macro": str(macro.pk)},
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ON_HOLD


def test_a_refused_reply_runs_no_macro_action(customer: Any, agent: Any) -> None:
    ticket = open_for(customer)
    staff = Actor.agent(agent.pk)
    actions.change_status(staff, ticket.number, TicketStatus.SOLVED)
    actions.change_status(staff, ticket.number, TicketStatus.CLOSED)
    macro = Macro.objects.get(name__startswith="充值未到账")
    with pytest.raises(TicketClosedError):
        desk_actions.send_reply(staff, ticket.number, "x", macro_id=macro.pk)
    ticket.refresh_from_db()
    assert ticket.tags == []
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.TAGS).exists()


# --- Indexes ----------------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
@pytest.mark.parametrize(
    "query",
    [
        "",
        "status=pending",
        "status=any",
        "assignee=mine",
        "assignee=unassigned",
        "priority=40",
        "category=top_up",
        "kind=complaint",
        "channel=email",
        "q=WD-2612-000001",
        "sort=updated&status=any",
        "sort=created&status=any",
        "kind=complaint&near_breach=1",
        "kind=callback&sort=callback",
    ],
)
def test_every_filter_and_sort_reads_through_an_index(query: str) -> None:
    from django.http import QueryDict

    wanted = desk_selectors.DeskFilter.from_query(QueryDict(query))
    plan = desk_selectors.desk_tickets(1, wanted).explain()
    ticket_lines = [line for line in plan.splitlines() if "tickets_ticket" in line]
    assert ticket_lines, plan
    assert all("INDEX" in line for line in ticket_lines), plan


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's query plan")
@pytest.mark.parametrize(
    "query",
    [
        "",
        "status=pending",
        "assignee=mine",
        "assignee=unassigned",
        "priority=40",
        "category=top_up",
        "kind=complaint",
        "channel=email",
        "tag=vip",
        "q=WD-2612-000001",
        "q=到账",
        "sort=updated&status=any",
        "sort=created&status=any",
        "kind=callback&sort=callback",
    ],
)
def test_every_filter_and_sort_can_read_through_an_index_on_postgresql(query: str) -> None:
    """With sequential scans priced out, the planner still finds an index for each filter, so
    none of them needs a full scan of the ticket table (with real data it chooses freely)."""
    from django.http import QueryDict

    wanted = desk_selectors.DeskFilter.from_query(QueryDict(query))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = desk_selectors.desk_tickets(1, wanted).explain()
    ticket_lines = [line for line in plan.splitlines() if "on tickets_ticket" in line]
    assert ticket_lines, plan
    assert not any("Seq Scan" in line for line in ticket_lines), plan


def test_the_timers_card_is_re_read_alone_by_staff_only(
    customer: Any, agent: Any, agent_client: Client, customer_client: Client
) -> None:
    ticket = open_for(customer)
    card = agent_client.get(f"/desk/{ticket.number}/timers/")
    html = card.content.decode()
    assert card.status_code == 200 and html.lstrip().startswith("<section")
    assert 'data-metric="first_reply"' in html and "计时中" in html
    assert 'hx-trigger="every 15s"' in html and 'data-breached-label="已超时"' in html
    actions.add_message(Actor.agent(agent.pk), ticket.number, "您好，正在核查。")
    html = agent_client.get(f"/desk/{ticket.number}/timers/").content.decode()
    assert "已达成" in html
    assert customer_client.get(f"/desk/{ticket.number}/timers/").status_code == 403
    assert agent_client.get("/desk/WD-0000-000000/timers/").status_code == 404
