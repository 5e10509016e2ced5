"""Status enums and their allowed-transition maps."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_LANGUAGE = "zh-hans"
LANGUAGES = ("zh-hans", "en")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class CategorySection(models.TextChoices):
    TOPIC = "topic", _("Help topics")
    SECURITY = "security", _("Security education")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


ARTICLE_TRANSITIONS: dict[ArticleStatus, frozenset[ArticleStatus]] = {
    ArticleStatus.DRAFT: frozenset({ArticleStatus.REVIEW, ArticleStatus.ARCHIVED}),
    ArticleStatus.REVIEW: frozenset(
        {ArticleStatus.DRAFT, ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED}
    ),
    ArticleStatus.PUBLISHED: frozenset({ArticleStatus.DRAFT, ArticleStatus.ARCHIVED}),
    ArticleStatus.ARCHIVED: frozenset({ArticleStatus.DRAFT}),
}


class FeedbackReason(models.TextChoices):
    NONE = "", _("No reason given")
    UNCLEAR = "unclear", _("Hard to understand")
    INCOMPLETE = "incomplete", _("Missing information")
    WRONG = "wrong", _("Wrong or out of date")
    NOT_MY_PROBLEM = "not_my_problem", _("It is not about my problem")
    OTHER = "other", _("Something else")


class AnnouncementKind(models.TextChoices):
    MAINTENANCE = "maintenance", _("Maintenance")
    PROMOTION = "promotion", _("Promotion")
    POLICY = "policy", _("Policy change")
    NOTICE = "notice", _("Notice")


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    CUSTOMERS = "customers", _("Customers")
    STAFF = "staff", _("Staff")


class AnnouncementLanguage(models.TextChoices):
    ALL = "", _("All languages")
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class Component(models.TextChoices):
    TOPUP_CARD = "topup_card", _("Top-up by bank card")
    TOPUP_WALLET = "topup_wallet", _("Top-up by third-party wallet")
    WITHDRAWALS = "withdrawals", _("Withdrawals")
    PAYMENTS = "payments", _("Payments")
    TRANSFERS = "transfers", _("Transfers")
    LOGIN_SMS = "login_sms", _("Login and SMS")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")


class ComponentState(models.TextChoices):
    OPERATIONAL = "operational", _("Operational")
    DEGRADED = "degraded", _("Degraded performance")
    PARTIAL_OUTAGE = "partial_outage", _("Partial outage")
    MAJOR_OUTAGE = "major_outage", _("Major outage")
    MAINTENANCE = "maintenance", _("Maintenance")


# Worst first: the state shown for a component is the most severe of its open incidents.
STATE_SEVERITY: dict[str, int] = {
    ComponentState.OPERATIONAL: 0,
    ComponentState.MAINTENANCE: 1,
    ComponentState.DEGRADED: 2,
    ComponentState.PARTIAL_OUTAGE: 3,
    ComponentState.MAJOR_OUTAGE: 4,
}


class IncidentStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")


OPEN_INCIDENT_STATUSES = frozenset(
    {IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING}
)

INCIDENT_TRANSITIONS: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    IncidentStatus.SCHEDULED: frozenset(
        {IncidentStatus.INVESTIGATING, IncidentStatus.MONITORING, IncidentStatus.RESOLVED}
    ),
    IncidentStatus.INVESTIGATING: frozenset(
        {
            IncidentStatus.INVESTIGATING,
            IncidentStatus.IDENTIFIED,
            IncidentStatus.MONITORING,
            IncidentStatus.RESOLVED,
        }
    ),
    IncidentStatus.IDENTIFIED: frozenset(
        {
            IncidentStatus.IDENTIFIED,
            IncidentStatus.INVESTIGATING,
            IncidentStatus.MONITORING,
            IncidentStatus.RESOLVED,
        }
    ),
    IncidentStatus.MONITORING: frozenset(
        {
            IncidentStatus.MONITORING,
            IncidentStatus.INVESTIGATING,
            IncidentStatus.IDENTIFIED,
            IncidentStatus.RESOLVED,
        }
    ),
    IncidentStatus.RESOLVED: frozenset({IncidentStatus.INVESTIGATING}),
}
