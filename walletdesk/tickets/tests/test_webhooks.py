"""Outgoing webhooks (security guide API-5, API-6): Standard Webhooks signing checked with the
reference library and the spec's vector, the outbox written with the change, delivery to a real
HTTP server on loopback, retries with growing waits, dead letters and their retry, SSRF refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.tickets import actions, outbox, safe_http, sla, webhooks
from walletdesk.tickets.enums import SlaMetric, TicketStatus, Visibility
from walletdesk.tickets.errors import AttachmentTooManyError, WebhookTargetRefusedError
from walletdesk.tickets.integration_models import (
    DeliveryState,
    WebhookDelivery,
    WebhookEndpoint,
    new_secret,
)
from walletdesk.tickets.models import SlaTimer, Ticket, TicketEvent
from walletdesk.tickets.tests.http_stub import Stub, http_stub

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver() -> Iterator[Stub]:
    with http_stub() as stub:
        yield stub


@pytest.fixture
def endpoint(receiver: Stub) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(name="crm", url=f"{receiver.url}/hooks?src=desk")


def open_ticket(customer: Any) -> Ticket:
    return actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject="提现没到账",
        body="昨天提现 500 元还没到",
        category="withdraw_not_arrived",
    )


# --- Signing ------------------------------------------------------------------------------------


def test_signature_matches_the_standard_webhooks_vector() -> None:
    # The test vector of the Standard Webhooks specification.
    at = datetime.fromtimestamp(1614265330, tz=UTC)
    assert (
        webhooks.signature(
            ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            at,
            '{"test": 2432232314}',
        )
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_a_delivery_verifies_with_the_reference_library_and_tampering_fails(
    customer: Any, endpoint: WebhookEndpoint, receiver: Stub
) -> None:
    ticket = open_ticket(customer)
    run = outbox.deliver_due()
    assert run.delivered == 2  # ticket.created and ticket.message_added
    assert {r.path for r in receiver.requests} == {"/hooks?src=desk"}
    created = next(r for r in receiver.requests if r.json()["type"] == "ticket.created")
    payload = Webhook(endpoint.secret).verify(created.body, created.headers)
    assert payload["data"]["ticket"]["number"] == ticket.number
    assert created.headers["webhook-id"].startswith("msg_")
    tampered = bytearray(created.body)
    tampered[-2] ^= 0x01
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(bytes(tampered), created.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(created.body, created.headers)


def test_a_receiver_rejects_a_timestamp_301_seconds_old(endpoint: WebhookEndpoint) -> None:
    old = timezone.now() - timedelta(seconds=301)
    body = '{"type":"ticket.created"}'
    headers = webhooks.signed_headers(endpoint, "msg_1", body, old)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(endpoint.secret).verify(body, headers)
    fresh = webhooks.signed_headers(endpoint, "msg_1", body, timezone.now())
    assert Webhook(endpoint.secret).verify(body, fresh) == {"type": "ticket.created"}


def test_during_a_rotation_both_secrets_sign(
    customer: Any, endpoint: WebhookEndpoint, receiver: Stub
) -> None:
    old_secret = endpoint.secret
    webhooks.rotate_secret(endpoint)
    open_ticket(customer)
    outbox.deliver_due()
    request = receiver.requests[0]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(old_secret).verify(request.body, request.headers)
    Webhook(endpoint.secret).verify(request.body, request.headers)


def test_internal_notes_are_announced_without_their_text(
    customer: Any, endpoint: WebhookEndpoint, receiver: Stub, user_factory: Any
) -> None:
    ticket = open_ticket(customer)
    agent = user_factory(role=Role.AGENT)
    actions.add_message(
        Actor.agent(agent.pk), ticket.number, "客户疑似欺诈", visibility=Visibility.INTERNAL
    )
    outbox.deliver_due()
    notes = [
        r.json()["data"]["message"]
        for r in receiver.requests
        if r.json()["type"] == "ticket.message_added"
        and r.json()["data"]["message"]["visibility"] == "internal"
    ]
    assert notes == [notes[0]] and notes[0]["body"] is None
    assert all("客户疑似欺诈".encode() not in r.body for r in receiver.requests)


# --- The outbox --------------------------------------------------------------------------------


def test_the_outbox_row_commits_and_rolls_back_with_the_change(
    customer: Any, endpoint: WebhookEndpoint, settings: Any
) -> None:
    ticket = open_ticket(customer)
    assert set(WebhookDelivery.objects.values_list("event_type", flat=True)) == {
        "ticket.created",
        "ticket.message_added",
    }
    before = WebhookDelivery.objects.count()
    settings.WALLETDESK_ATTACHMENTS = {**settings.WALLETDESK_ATTACHMENTS, "PER_TICKET": 0}
    from walletdesk.tickets.tests.test_attachments import png, upload

    # The reply's timeline row is written, then the attachment count refuses it: all rolls back.
    with pytest.raises(AttachmentTooManyError):
        actions.add_message(
            Actor.customer(customer.pk), ticket.number, "补充", files=[upload("a.png", png())]
        )
    assert WebhookDelivery.objects.count() == before


def test_an_endpoint_gets_only_the_events_it_asked_for(customer: Any, receiver: Stub) -> None:
    WebhookEndpoint.objects.create(
        name="status", url=receiver.url, events=["ticket.status_changed"]
    )
    ticket = open_ticket(customer)
    actions.change_status(Actor.customer(customer.pk), ticket.number, TicketStatus.SOLVED)
    assert list(WebhookDelivery.objects.values_list("event_type", flat=True)) == [
        "ticket.status_changed"
    ]


def test_a_failing_receiver_is_retried_with_growing_waits_then_delivered(
    customer: Any, endpoint: WebhookEndpoint, receiver: Stub
) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(events=["ticket.created"])
    open_ticket(customer)
    receiver.answer(500, 503, 500, 200)
    now = timezone.now()
    waits: list[timedelta] = []
    for _attempt in range(3):
        run = outbox.deliver_due(now)
        assert run.retrying == 1
        row = WebhookDelivery.objects.get()
        assert row.state == DeliveryState.PENDING and row.last_status in (500, 503)
        assert row.next_attempt_at is not None
        waits.append(row.next_attempt_at - now)
        # Nothing is sent before the wait is over.
        assert outbox.deliver_due(now + waits[-1] - timedelta(seconds=1)).delivered == 0
        now = row.next_attempt_at
    assert waits[0] <= waits[1] <= waits[2] and waits[0] < waits[2]
    assert outbox.deliver_due(now).delivered == 1
    row = WebhookDelivery.objects.get()
    assert row.state == DeliveryState.DELIVERED and row.attempts == 4 and row.last_status == 200
    # Every attempt carried the same id, so the receiver can drop repeats.
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert len(receiver.requests) == 4


def test_backoff_doubles_with_jitter_and_is_capped(settings: Any) -> None:
    for attempts in range(1, 12):
        wait = outbox.backoff(attempts).total_seconds()
        base = min(6 * 3600, 30 * 2 ** (attempts - 1))
        assert base / 2 <= wait <= base


def test_after_three_days_a_delivery_is_dead_and_an_admin_retries_it(
    customer: Any, endpoint: WebhookEndpoint, receiver: Stub, user_factory: Any
) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(events=["ticket.created"])
    open_ticket(customer)
    WebhookDelivery.objects.update(created_at=timezone.now() - timedelta(hours=72))
    receiver.answer(500)
    assert outbox.deliver_due().dead == 1
    row = WebhookDelivery.objects.get()
    assert row.state == DeliveryState.DEAD and row.next_attempt_at is None
    assert outbox.deliver_due().delivered == 0

    admin = Client()
    admin.force_login(user_factory(role=Role.ADMIN, is_superuser=False))
    listed = admin.get("/admin/tickets/webhookdelivery/?state__exact=dead")
    assert listed.status_code == 200 and row.event_id in listed.content.decode()
    receiver.answer(204)
    admin.post(
        "/admin/tickets/webhookdelivery/",
        {"action": "retry_now", "_selected_action": [row.pk]},
    )
    assert WebhookDelivery.objects.get().state == DeliveryState.PENDING
    assert outbox.deliver_due().delivered == 1


def test_a_redirect_is_not_followed(
    customer: Any, endpoint: WebhookEndpoint, receiver: Stub
) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(events=["ticket.created"])
    open_ticket(customer)
    receiver.answer(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    assert outbox.deliver_due().retrying == 1
    row = WebhookDelivery.objects.get()
    assert row.last_status == 302 and row.state == DeliveryState.PENDING
    assert len(receiver.requests) == 1


# --- SSRF ------------------------------------------------------------------------------------


@pytest.fixture
def production_rules(settings: Any) -> None:
    settings.WALLETDESK_WEBHOOKS = {**settings.WALLETDESK_WEBHOOKS, "ALLOW_LOOPBACK": False}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://localhost/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://2130706433/",
        "https://0x7f.1/",
        "https://10.0.0.8/",
        "https://192.168.1.1/",
        "https://172.16.0.1/",
        "https://100.64.0.1/",
        "https://[fd00::1]/",
        "https://[fe80::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://0.0.0.0/",
        "https://user:pw@example.com/",
        "ftp://example.com/",
    ],
)
def test_production_refuses_internal_targets(production_rules: None, url: str) -> None:
    with pytest.raises(WebhookTargetRefusedError):
        safe_http.check_url(url)
    with pytest.raises(ValidationError):
        WebhookEndpoint(name="x", url=url).full_clean()


def test_a_public_address_passes_the_rules(production_rules: None) -> None:
    safe_http.check_address("93.184.215.14")
    safe_http.check_address("2606:4700::6810:84e5")


def test_a_delivery_to_a_refused_address_is_never_sent(
    customer: Any, endpoint: WebhookEndpoint, receiver: Stub, production_rules: None
) -> None:
    # Saved while loopback was allowed (or the DNS answer changed since): checked again now.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(events=["ticket.created"])
    open_ticket(customer)
    assert outbox.deliver_due().dead == 1
    row = WebhookDelivery.objects.get()
    assert row.state == DeliveryState.DEAD and "https" in row.last_error
    assert receiver.requests == []


def test_production_refuses_to_start_with_loopback_allowed(settings: Any) -> None:
    settings.WALLETDESK_WEBHOOKS = {**settings.WALLETDESK_WEBHOOKS, "ALLOW_LOOPBACK": True}
    from walletdesk.tickets.checks import check_webhooks_refuse_loopback

    assert [e.id for e in check_webhooks_refuse_loopback()] == ["tickets.E001"]
    settings.WALLETDESK_WEBHOOKS = {**settings.WALLETDESK_WEBHOOKS, "ALLOW_LOOPBACK": False}
    assert check_webhooks_refuse_loopback() == []
    with pytest.raises(SystemCheckError):
        settings.WALLETDESK_WEBHOOKS = {**settings.WALLETDESK_WEBHOOKS, "ALLOW_LOOPBACK": True}
        call_command("check", "--deploy", "--tag", "security", "--fail-level", "ERROR")


def test_the_job_delivers(customer: Any, endpoint: WebhookEndpoint, receiver: Stub) -> None:
    from walletdesk.tickets.tasks import deliver_outbox

    open_ticket(customer)
    assert deliver_outbox() == {"delivered": 2, "retrying": 0, "dead": 0, "removed": 0}
    assert len(receiver.requests) == 2


# --- Events from the SLA sweep ------------------------------------------------------------------


def test_a_breach_recorded_by_the_sweep_is_delivered_once(customer: Any, receiver: Stub) -> None:
    hook = WebhookEndpoint.objects.create(
        name="alerts", url=f"{receiver.url}/sla", events=["ticket.sla_breached"]
    )
    ticket = open_ticket(customer)
    first_reply = ticket.sla_timers.get(metric=SlaMetric.FIRST_REPLY)
    assert first_reply.due_at is not None
    later = first_reply.due_at + timedelta(minutes=1)
    assert SlaTimer.objects.filter(due_at__lte=later).count() == 1  # only the first reply is late

    sla.sweep(later)
    assert outbox.deliver_due().delivered == 1
    sla.sweep(later + timedelta(minutes=1))  # recorded once, announced once
    assert outbox.deliver_due().delivered == 0

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    payload = Webhook(hook.secret).verify(request.body, request.headers)
    assert payload["type"] == "ticket.sla_breached"
    assert payload["data"]["ticket"]["number"] == ticket.number
    assert payload["data"]["change"] == {
        "kind": "sla_breached",
        "from": "",
        "to": "first_reply",
        "actor": "system",
    }
    assert WebhookDelivery.objects.get().state == DeliveryState.DELIVERED


def test_the_sweep_reads_the_endpoints_once_whatever_it_records(
    user_factory: Any, receiver: Stub
) -> None:
    WebhookEndpoint.objects.create(name="all", url=receiver.url)
    WebhookEndpoint.objects.create(name="off", url=receiver.url, active=False)

    def sweep_queries(tickets: int) -> int:
        customer = user_factory()
        for _ in range(tickets):
            open_ticket(customer)
        later = timezone.now() + timedelta(days=60)
        with CaptureQueriesContext(connection) as captured:
            result = sla.sweep(later)
        assert result.breached == SlaTimer.objects.filter(breached_at=later).count() > 0
        return len(captured.captured_queries)

    few, many = sweep_queries(1), sweep_queries(5)
    assert few == many
    sent = WebhookDelivery.objects.filter(event_type__startswith="ticket.sla_")
    recorded = TicketEvent.objects.filter(kind__in=["sla_warning", "sla_breached"])
    assert sent.count() == recorded.count()  # one event per row, for the one active endpoint


# --- Changes made by automation rules and auto-assignment ----------------------------------------


def test_automation_rule_changes_are_delivered_like_any_other_change(
    customer: Any, receiver: Stub, user_factory: Any
) -> None:
    from walletdesk.tickets.models import Team, TeamMembership

    hook = WebhookEndpoint.objects.create(
        name="crm", url=f"{receiver.url}/updates", events=["ticket.updated"]
    )
    guard = user_factory(role=Role.AGENT)
    TeamMembership.objects.create(team=Team.objects.get(name="security"), agent=guard, capacity=5)

    ticket = actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject="请马上冻结我的账户",
        body="手机丢了",
        category="emergency_freeze",
    )
    assert outbox.deliver_due().delivered == WebhookDelivery.objects.count()

    changes = [Webhook(hook.secret).verify(r.body, r.headers) for r in receiver.requests]
    assert {(c["data"]["change"]["kind"], c["data"]["change"]["actor"]) for c in changes} == {
        ("priority", "system"),
        ("tags", "system"),
        ("team", "system"),
        ("assignee", "system"),
    }
    by_kind = {c["data"]["change"]["kind"]: c for c in changes}
    assert by_kind["priority"]["data"]["ticket"]["priority"] == 40  # the rule's priority, shown
    assert by_kind["team"]["data"]["change"]["to"] == "security"
    assert by_kind["assignee"]["data"]["change"]["to"] == str(guard.pk)
    assert all(c["data"]["ticket"]["number"] == ticket.number for c in changes)
    # One event per timeline row the rule and the assignment wrote.
    written = TicketEvent.objects.filter(
        ticket=ticket, kind__in=["priority", "tags", "team", "assignee"]
    ).count()
    assert written == len(changes) == 4


def test_auto_assignment_is_delivered_and_reads_the_endpoints_once_per_pass(
    customer: Any, receiver: Stub, user_factory: Any
) -> None:
    from walletdesk.tickets import assignment
    from walletdesk.tickets.models import BusinessCalendar, Team, TeamMembership

    hook = WebhookEndpoint.objects.create(name="crm", url=receiver.url, events=["ticket.updated"])
    team = Team.objects.create(
        name="payments-q",
        title_zh="支付组",
        title_en="Payments",
        calendar=BusinessCalendar.objects.get(name="24x7"),
    )
    TeamMembership.objects.create(team=team, agent=user_factory(role=Role.AGENT), capacity=10)
    tickets = [open_ticket(customer) for _ in range(3)]
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(team=team)
    WebhookDelivery.objects.all().delete()

    with CaptureQueriesContext(connection) as captured:
        assigned = assignment.auto_assign(timezone.now())
    assert len(assigned) == 3
    endpoint_reads = [
        q["sql"] for q in captured.captured_queries if "tickets_webhookendpoint" in q["sql"]
    ]
    assert len(endpoint_reads) == 1

    assert outbox.deliver_due().delivered == 3
    numbers = sorted(
        Webhook(hook.secret).verify(r.body, r.headers)["data"]["ticket"]["number"]
        for r in receiver.requests
    )
    assert numbers == sorted(t.number for t in tickets)


def test_a_rolled_back_automatic_change_sends_nothing(customer: Any, receiver: Stub) -> None:
    from django.db import transaction

    from walletdesk.tickets import assignment
    from walletdesk.tickets.models import Team

    WebhookEndpoint.objects.create(name="crm", url=receiver.url, events=["ticket.updated"])
    ticket = open_ticket(customer)
    before = WebhookDelivery.objects.count()
    team = Team.objects.get(name="security")
    with pytest.raises(RuntimeError), transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        assignment.set_team(locked, team, "system", timezone.now(), "rule: test")
        assert WebhookDelivery.objects.count() == before + 1
        raise RuntimeError("the change fails after its row was written")
    assert WebhookDelivery.objects.count() == before
