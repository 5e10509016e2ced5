"""The customer's ticket API under /api/v1/tickets."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.payments.models import Activity
from walletdesk.tickets import actions
from walletdesk.tickets.enums import TicketStatus
from walletdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(path, body or {}, content_type="application/json")


def a_top_up(user_id: int) -> str:
    row = Activity.objects.create(
        user_id=user_id,
        type="top_up",
        status="pending",
        currency="CNY",
        amount=2_000_00,
        title="银行卡充值",
        object_public_id=uuid.uuid4(),
        created_at=timezone.now(),
    )
    return str(row.object_public_id)


def test_categories_are_listed_in_the_request_language(customer_client: Client) -> None:
    zh = customer_client.get("/api/v1/tickets/categories").json()
    en = customer_client.get("/api/v1/tickets/categories", HTTP_ACCEPT_LANGUAGE="en").json()
    top_up_zh = next(c for c in zh if c["code"] == "top_up")
    top_up_en = next(c for c in en if c["code"] == "top_up")
    assert top_up_zh["name"] == "充值"
    assert top_up_en["name"] == "Top-up"
    assert {"code": "topup_not_arrived", "name": "充值未到账"} in top_up_zh["topics"]


def test_a_customer_opens_a_ticket_about_a_record_and_reads_it_back(
    customer: Any, customer_client: Client
) -> None:
    record = a_top_up(customer.pk)
    response = post(
        customer_client,
        "/api/v1/tickets",
        {
            "subject": "充值不到账",
            "body": "昨天充了 2,000 元还没到",
            "category": "topup_not_arrived",
            "records": [{"kind": "top_up", "id": record}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("WD-")
    assert body["status"] == "new"
    assert body["status_label"] == "已受理"
    assert body["messages"][0]["author"] == "you"
    assert body["records"][0]["id"] == record
    assert body["records"][0]["status_label"] == "处理中"
    assert body["records"][0]["url"].endswith(f"/records/top_up/{record}/")
    assert body["can_reply"] is True and body["can_rate"] is False

    listed = customer_client.get("/api/v1/tickets").json()
    assert [t["number"] for t in listed["results"]] == [body["number"]]
    assert customer_client.get(f"/api/v1/tickets/{body['number']}").status_code == 200


def test_reply_reopen_and_rate(customer: Any, customer_client: Client, user_factory: Any) -> None:
    agent = Actor.agent(user_factory(role=Role.AGENT).pk)
    ticket = actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject="提现失败",
        body="提现被退回了",
        category="withdraw_failed",
    )
    actions.add_message(agent, ticket.number, "内部备注", visibility="internal")  # type: ignore[arg-type]
    actions.add_message(
        agent, ticket.number, "银行退回了，请换一张卡。", then_status=TicketStatus.SOLVED
    )

    seen = customer_client.get(f"/api/v1/tickets/{ticket.number}").json()
    assert [m["author"] for m in seen["messages"]] == ["you", "support"]
    assert "内部备注" not in str(seen)
    assert seen["can_rate"] is True and seen["can_reopen"] is True

    rated = post(
        customer_client, f"/api/v1/tickets/{ticket.number}/rating", {"score": 5, "comment": "很快"}
    )
    assert rated.status_code == 200
    assert rated.json()["rating"] == {"score": 5, "comment": "很快"}

    reopened = post(customer_client, f"/api/v1/tickets/{ticket.number}/reopen")
    assert reopened.json()["status"] == "open"
    replied = post(
        customer_client, f"/api/v1/tickets/{ticket.number}/replies", {"body": "换了还是不行"}
    )
    assert replied.json()["messages"][-1]["body"] == "换了还是不行"


def test_another_customers_ticket_is_a_404_with_the_error_envelope(
    customer_client: Client, user_factory: Callable[..., Any]
) -> None:
    other = user_factory()
    ticket = actions.open_ticket(
        Actor.customer(other.pk),
        customer_id=other.pk,
        subject="x",
        body="y",
        category="fees_general",
    )
    for response in (
        customer_client.get(f"/api/v1/tickets/{ticket.number}"),
        post(customer_client, f"/api/v1/tickets/{ticket.number}/replies", {"body": "hi"}),
        post(customer_client, f"/api/v1/tickets/{ticket.number}/rating", {"score": 1}),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "ticket_not_found"


def test_someone_elses_record_cannot_be_linked(
    customer_client: Client, user_factory: Callable[..., Any]
) -> None:
    theirs = a_top_up(user_factory().pk)
    response = post(
        customer_client,
        "/api/v1/tickets",
        {
            "subject": "s",
            "body": "b",
            "category": "topup_not_arrived",
            "records": [{"kind": "top_up", "id": theirs}],
        },
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ticket_record_not_found"
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subject": "", "body": "b", "category": "fees_general"}, "subject"),
        ({"subject": "s", "body": "b", "category": "fees_general", "status": "solved"}, "status"),
        ({"subject": "s", "body": "b", "category": "fees_general", "kind": "callback"}, "kind"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    customer_client: Client, body: dict[str, Any], field: str
) -> None:
    response = post(customer_client, "/api/v1/tickets", body)
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]["fields"]


def test_an_unknown_category_has_its_own_code(customer_client: Client) -> None:
    response = post(
        customer_client, "/api/v1/tickets", {"subject": "s", "body": "b", "category": "nope"}
    )
    assert response.json()["error"]["code"] == "ticket_category_not_found"


def test_staff_and_anonymous_callers_are_refused(user_factory: Callable[..., Any]) -> None:
    assert Client().get("/api/v1/tickets").status_code in (401, 403)
    staff = Client()
    staff.force_login(user_factory(role=Role.AGENT))
    assert staff.get("/api/v1/tickets").status_code == 403


def test_the_list_costs_the_same_queries_for_one_ticket_or_ten(
    customer: Any, customer_client: Client
) -> None:
    def open_one() -> None:
        actions.open_ticket(
            Actor.customer(customer.pk),
            customer_id=customer.pk,
            subject="s",
            body="b",
            category="topup_failed",
        )

    open_one()
    with CaptureQueriesContext(connection) as one:
        customer_client.get("/api/v1/tickets")
    for _ in range(9):
        open_one()
    with CaptureQueriesContext(connection) as ten:
        rows = customer_client.get("/api/v1/tickets").json()["results"]
    assert len(rows) == 10
    assert len(ten) == len(one)


def test_the_ticket_api_is_in_the_openapi_schema(customer_client: Client) -> None:
    paths = customer_client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/tickets",
        "/api/v1/tickets/categories",
        "/api/v1/tickets/{number}",
        "/api/v1/tickets/{number}/replies",
        "/api/v1/tickets/{number}/reopen",
        "/api/v1/tickets/{number}/rating",
    ):
        assert path in paths


def test_only_a_ticket_number_is_read_as_one_and_the_schema_says_what_one_looks_like(
    customer_client: Client,
) -> None:
    """`tickets/{number}` never swallows a sibling path: `tickets/categories` with a method of a
    ticket's route is the categories' answer or not found, never another operation's body
    documented as a ticket (the API contract test found `GET tickets/categories` answering for
    `GET tickets/{number}`)."""
    from django.urls import Resolver404, resolve

    assert resolve("/api/v1/tickets/WD-2612-000042/reopen").url_name == "ticket-reopen"
    assert resolve("/api/v1/tickets/WD-2612-1000042").kwargs == {"number": "WD-2612-1000042"}
    for path in ("/api/v1/tickets/categories/reopen", "/api/v1/tickets/files/replies"):
        with pytest.raises(Resolver404):
            resolve(path)
        response = customer_client.post(path, {}, content_type="application/json")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    schema = customer_client.get("/api/v1/openapi.json").json()
    number = schema["paths"]["/api/v1/tickets/{number}"]["get"]["parameters"][0]
    assert (number["name"], number["schema"]["pattern"]) == ("number", "^WD-[0-9]{4}-[0-9]{6,}$")
