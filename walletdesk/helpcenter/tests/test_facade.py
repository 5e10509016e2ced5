from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from walletdesk.helpcenter import actions, facade
from walletdesk.helpcenter.enums import Component, ComponentState, IncidentStatus

pytestmark = pytest.mark.django_db


def open_incident(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "title": "银行卡充值延迟",
        "title_en": "Bank-card top-ups delayed",
        "components": [Component.TOPUP_CARD],
        "impact": ComponentState.DEGRADED,
        "message": "部分银行卡充值到账变慢，我们正在处理。",
        "message_en": "Some bank-card top-ups are slow; we are on it.",
    }
    values.update(overrides)
    return actions.create_incident(**values)


def test_affecting_incidents_for_a_component() -> None:
    assert facade.affecting_incidents(Component.TOPUP_CARD) == []
    incident = open_incident()

    (summary,) = facade.affecting_incidents(Component.TOPUP_CARD)
    assert summary.public_id == str(incident.public_id)
    assert summary.components == (Component.TOPUP_CARD,)
    assert summary.impact == ComponentState.DEGRADED
    assert summary.title_for("en") == "Bank-card top-ups delayed"
    assert summary.message_for("zh-hans") == "部分银行卡充值到账变慢，我们正在处理。"
    assert facade.affecting_incidents(Component.WITHDRAWALS) == []


def test_latest_update_and_resolution() -> None:
    incident = open_incident()
    actions.update_incident(
        incident, status=IncidentStatus.IDENTIFIED, message="已定位到银行通道问题。",
        message_en="Cause found at the bank rail.", impact=ComponentState.PARTIAL_OUTAGE,
    )  # fmt: skip
    (summary,) = facade.affecting_incidents(Component.TOPUP_CARD)
    assert summary.status == IncidentStatus.IDENTIFIED
    assert summary.impact == ComponentState.PARTIAL_OUTAGE
    assert summary.latest_message_en == "Cause found at the bank rail."

    actions.update_incident(
        incident, status=IncidentStatus.RESOLVED, message="已恢复。", message_en="Resolved."
    )
    assert facade.affecting_incidents(Component.TOPUP_CARD) == []
    incident.refresh_from_db()
    assert incident.resolved_at is not None
    assert incident.updates.count() == 3


def test_maintenance_window_counts_only_while_running() -> None:
    now = timezone.now()
    open_incident(
        status=IncidentStatus.SCHEDULED,
        impact=ComponentState.MAINTENANCE,
        components=[Component.WITHDRAWALS, Component.TRANSFERS],
        starts_at=now + timedelta(hours=2),
        ends_at=now + timedelta(hours=4),
    )
    assert facade.affecting_incidents(Component.WITHDRAWALS) == []
    running = open_incident(
        status=IncidentStatus.SCHEDULED,
        impact=ComponentState.MAINTENANCE,
        components=[Component.WITHDRAWALS],
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
    )
    (summary,) = facade.affecting_incidents(Component.WITHDRAWALS)
    assert summary.public_id == str(running.public_id)
    assert summary.impact == ComponentState.MAINTENANCE


def test_all_components_and_unknown_component() -> None:
    open_incident(components=[Component.PAYMENTS, Component.LOGIN_SMS])
    assert len(facade.affecting_incidents()) == 1
    with pytest.raises(ValueError, match="unknown component"):
        facade.affecting_incidents("coffee_machine")


def test_search_and_get_article(help_articles: Any) -> None:
    hits = facade.search_articles("体现多久到账", "zh-hans", limit=3)
    assert "withdrawal-not-arrived" in [hit.slug for hit in hits]
    assert hits[0].url.startswith("/help/a/")
    article = facade.get_article("how-to-withdraw", "en")
    assert article is not None
    assert article.language == "en" and "0.1%" in article.body_markdown
    assert "withdraw_how" in article.intents
    assert facade.get_article("does-not-exist", "en") is None


def test_invalid_incident_transition_changes_nothing() -> None:
    incident = open_incident()
    actions.update_incident(incident, status=IncidentStatus.RESOLVED, message="好", message_en="ok")
    with pytest.raises(Exception, match="invalid_state_transition"):
        actions.update_incident(
            incident, status=IncidentStatus.SCHEDULED, message="x", message_en="x"
        )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.updates.count() == 2
