"""Customer satisfaction (CSAT): the survey mailed when a ticket is solved, its signed one-click
links, and the results per ticket, agent, team and category for supervisors.

A survey link carries the survey's random token and a score, signed with the secret key
(django.core.signing, its own salt) and refused after `CSAT_LINK_DAYS`; the survey row records
when a link was used, so each survey answers once. Following a link only shows the confirmation
page with that score chosen: mail scanners open every link in a message, and a GET that recorded
a rating would let them vote. The customer's one click on "Send" records it (with an optional
comment).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import Avg, Count, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from walletdesk.tickets import email_out
from walletdesk.tickets.errors import (
    CsatLinkExpiredError,
    CsatLinkInvalidError,
    CsatLinkUsedError,
)
from walletdesk.tickets.mail_models import CsatRequest, OutboundKind
from walletdesk.tickets.models import Ticket, TicketRating

SALT = "walletdesk.tickets.csat"
SCORES = (5, 4, 3, 2, 1)


def _max_age() -> timedelta:
    return timedelta(days=email_out.mail_settings().csat_link_days)


def link_token(survey_token: str, score: int) -> str:
    return signing.dumps({"r": survey_token, "s": score}, salt=SALT)


def link_url(survey_token: str, score: int) -> str:
    base = str(settings.WALLETDESK_NOTIFICATIONS["SITE_URL"]).rstrip("/")
    return base + reverse("tickets:rate_link", args=[link_token(survey_token, score)])


def ticket_solved(ticket: Ticket, now: datetime) -> CsatRequest | None:
    """Mail the survey (in the ticket's transaction): once per solving, unless already rated or
    the requester has no email address. The app asks on the ticket's page in any case."""
    if ticket.merged_into_id is not None or TicketRating.objects.filter(ticket=ticket).exists():
        return None
    to = email_out.recipient(ticket)
    if to is None:
        return None
    survey = CsatRequest.objects.create(
        ticket=ticket,
        token=secrets.token_urlsafe(16)[:32],
        created_at=now,
        expires_at=now + _max_age(),
    )
    with translation.override(to.language):
        subject = _("How did we do? Rate your ticket")
    email_out.queue(
        ticket,
        OutboundKind.CSAT,
        template="csat",
        context={
            "links": [(score, link_url(survey.token, score)) for score in SCORES],
            "days": _max_age().days,
        },
        subject=subject,
        to=to,
    )
    return survey


@dataclass(frozen=True, slots=True)
class LinkChoice:
    survey_token: str
    score: int


def read_link(token: str) -> LinkChoice:
    try:
        data = signing.loads(token, salt=SALT, max_age=_max_age())
    except signing.SignatureExpired as exc:
        raise CsatLinkExpiredError() from exc
    except signing.BadSignature as exc:
        raise CsatLinkInvalidError() from exc
    score = data.get("s") if isinstance(data, dict) else None
    if not isinstance(score, int) or not 1 <= score <= 5 or not isinstance(data.get("r"), str):
        raise CsatLinkInvalidError()
    return LinkChoice(data["r"], score)


@dataclass(frozen=True, slots=True)
class SurveyPage:
    number: str
    subject: str
    score: int
    language: str


def survey_page(token: str) -> SurveyPage:
    """What the link's page shows; refuses a forged, expired or used link."""
    choice = read_link(token)
    survey = CsatRequest.objects.select_related("ticket").filter(token=choice.survey_token).first()
    if survey is None:
        raise CsatLinkInvalidError()
    if survey.used_at is not None:
        raise CsatLinkUsedError()
    ticket = survey.ticket
    return SurveyPage(ticket.number, ticket.subject, choice.score, ticket.language)


def lock_survey(token: str) -> CsatRequest:
    choice = read_link(token)
    survey = (
        CsatRequest.objects.select_for_update()
        .select_related("ticket")
        .filter(token=choice.survey_token)
        .first()
    )
    if survey is None:
        raise CsatLinkInvalidError()
    if survey.used_at is not None:
        raise CsatLinkUsedError()
    return survey


def mark_used(survey: CsatRequest, now: datetime) -> None:
    CsatRequest.objects.filter(pk=survey.pk).update(used_at=now)


# --- Results (selectors for the desk's report) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResultRow:
    key: str
    label: str
    ratings: int
    average: float
    satisfied_percent: int


@dataclass(frozen=True, slots=True)
class RatedTicket:
    number: str
    subject: str
    score: int
    comment: str
    agent: str
    team: str
    category: str
    rated_at: datetime


@dataclass(frozen=True, slots=True)
class CsatReport:
    since: datetime
    until: datetime
    overall: ResultRow
    by_agent: list[ResultRow]
    by_team: list[ResultRow]
    by_category: list[ResultRow]
    recent: list[RatedTicket]


def _row(key: object, label: str, values: Mapping[str, Any]) -> ResultRow:
    ratings = int(values["n"] or 0)
    satisfied = int(values["satisfied"] or 0)
    average = float(values["avg"] or 0)
    return ResultRow(
        str(key or ""),
        label,
        ratings,
        round(average, 2),
        round(100 * satisfied / ratings) if ratings else 0,
    )


_AGGREGATES = {
    "n": Count("pk"),
    "avg": Avg("score"),
    # Satisfied: 4 or 5 stars, the usual CSAT percentage.
    "satisfied": Count("pk", filter=Q(score__gte=4)),
}


def csat_report(since: datetime, until: datetime, language: str, recent: int = 50) -> CsatReport:
    """Five queries whatever the number of ratings: the total, one grouped query per dimension
    and the latest rated tickets."""
    rated = TicketRating.objects.filter(updated_at__gte=since, updated_at__lt=until)
    english = language.startswith("en")
    overall = _row("all", _("All tickets"), rated.aggregate(**_AGGREGATES))
    unassigned, no_team = _("Unassigned"), _("No team")
    by_agent = [
        _row(v["ticket__assignee"], v["ticket__assignee__display_name"] or unassigned, v)
        if v["ticket__assignee"]
        else _row("", unassigned, v)
        for v in rated.values("ticket__assignee", "ticket__assignee__display_name")
        .annotate(**_AGGREGATES)
        .order_by("-n", "ticket__assignee")  # type: ignore[misc]
    ]
    team_title = "ticket__team__title_en" if english else "ticket__team__title_zh"
    by_team = [
        _row(v["ticket__team__name"], v[team_title] or no_team, v)
        for v in rated.values("ticket__team__name", team_title)
        .annotate(**_AGGREGATES)
        .order_by("-n", "ticket__team__name")
    ]
    # Top-level categories: a subcategory counts for its parent.
    name = "name_en" if english else "name_zh"
    by_category = [
        _row(v["top"], v["top_name"] or v["top"], v)
        for v in rated.annotate(
            top=Coalesce("ticket__category__parent__slug", "ticket__category__slug"),
            top_name=Coalesce(f"ticket__category__parent__{name}", f"ticket__category__{name}"),
        )
        .values("top", "top_name")
        .annotate(**_AGGREGATES)
        .order_by("-n", "top")  # type: ignore[misc]
    ]
    latest = rated.select_related("ticket__assignee", "ticket__team", "ticket__category").order_by(
        "-updated_at", "-pk"
    )[:recent]
    return CsatReport(
        since=since,
        until=until,
        overall=overall,
        by_agent=by_agent,
        by_team=by_team,
        by_category=by_category,
        recent=[
            RatedTicket(
                number=r.ticket.number,
                subject=r.ticket.subject,
                score=r.score,
                comment=r.comment,
                agent=(r.ticket.assignee.display_name if r.ticket.assignee else "") or "",
                team=r.ticket.team.title_in(language) if r.ticket.team else "",
                category=r.ticket.category.name_in(language),
                rated_at=r.updated_at,
            )
            for r in latest
        ],
    )
