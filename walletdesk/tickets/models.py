"""Support desk models. Business calendars first: SLA targets in business time count on them."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from walletdesk.core.models import PublicIdModel, TimeStampedModel
from walletdesk.tickets.enums import (
    OPEN_STATUSES,
    AuthorKind,
    Channel,
    EventKind,
    FeedbackStatus,
    LinkKind,
    Priority,
    SlaMetric,
    TicketKind,
    TicketStatus,
    TimerState,
    Visibility,
)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(zone)s is not a known time zone."), params={"zone": value})


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessCalendar(TimeStampedModel):
    """When a team works: weekly windows in one time zone, holidays and make-up working days."""

    name = models.SlugField(_("name"), max_length=40, unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=80)
    title_en = models.CharField(_("title (English)"), max_length=80)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    always_open = models.BooleanField(
        _("always open"), default=False, help_text=_("Every minute counts (24x7).")
    )
    holidays_known_from = models.DateField(
        _("holiday data from"),
        null=True,
        blank=True,
        help_text=_("Deadlines before this date are refused. Empty: no holiday data needed."),
    )
    holidays_known_through = models.DateField(
        _("holiday data through"),
        null=True,
        blank=True,
        help_text=_("Deadlines after this date are refused until next year's holidays are added."),
    )

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class WorkingWindow(models.Model):
    """One open period of a weekday. Several per day are allowed (a lunch break is a gap)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="windows")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    # 00:00 as the closing time means midnight at the end of the day.
    closes = models.TimeField(
        _("closes"), help_text=_("00:00 means midnight at the end of the day.")
    )

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ("calendar", "weekday", "opens")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=F("opens")) | Q(closes="00:00:00"),
                name="tickets_window_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", pgettext_lazy("calendar day", "Holiday")
    WORKDAY = "workday", pgettext_lazy("calendar day", "Make-up working day")


class CalendarDay(models.Model):
    """A date that breaks the weekly pattern: a public holiday, or a make-up working day (调休)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    hours_like = models.PositiveSmallIntegerField(
        _("hours as on"),
        choices=Weekday.choices,
        default=Weekday.MONDAY,
        help_text=_("A make-up working day keeps the working hours of this weekday."),
    )

    class Meta:
        verbose_name = _("holiday or make-up day")
        verbose_name_plural = _("holidays and make-up days")
        ordering = ("calendar", "date")
        constraints = [
            models.UniqueConstraint(fields=("calendar", "date"), name="tickets_one_entry_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class Category(models.Model):
    """What a ticket is about. Top-level categories hold subcategories, each tied to the assistant
    intent it answers (../shared/spec/intents.md), so a handoff lands in the right place."""

    slug = models.SlugField(_("code"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    intent = models.CharField(_("assistant intent"), max_length=40, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ("position", "slug")

    def __str__(self) -> str:
        return self.slug

    def name_in(self, language: str) -> str:
        return self.name_en if language.startswith("en") else self.name_zh


class TicketNumberCounter(models.Model):
    """One row whose value only grows: ticket numbers never repeat and never reset."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)


class TicketEventQuerySet(models.QuerySet["TicketEvent"]):
    def update(self, **kwargs: object) -> int:
        raise TypeError("the ticket timeline is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("the ticket timeline is append-only")


class Ticket(PublicIdModel):
    number = models.CharField(_("number"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=TicketKind.choices)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=pgettext_lazy("support desk", "customer"),
    )
    # For people who cannot sign in (public form, email): the contact we verified.
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=8, default="zh-hans")
    subject = models.CharField(_("subject"), max_length=200)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("category")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    # The team whose queue the ticket is in (routing, automation rules or an agent set it).
    team = models.ForeignKey(
        "tickets.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("team"),
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_tickets",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The earliest deadline of the ticket's running SLA timers (tickets.sla keeps it current).
    sla_due_at = models.DateTimeField(_("SLA due"), null=True, blank=True)
    # A call-back request: when the customer would like the call (the callback queue's order);
    # the number to call is `contact_phone`.
    callback_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    # A suggestion's way to the product team (shown to the customer who raised it).
    feedback_status = models.CharField(
        _("suggestion status"), max_length=10, choices=FeedbackStatus.choices, blank=True
    )
    # A complaint: what the complainant asks for (the consumer association's form asks it).
    demand = models.TextField(_("what the customer asks for"), blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # A customer's tickets, newest first (My tickets).
            models.Index(fields=["customer", "-created_at"], name="ticket_customer_recent"),
            # Auto-closing solved tickets.
            models.Index(fields=["status", "solved_at"], name="ticket_status_solved"),
            # The desk's default order: the most urgent deadline first.
            models.Index(
                fields=["sla_due_at"],
                name="ticket_open_by_sla_due",
                condition=Q(status__in=["new", "open", "pending", "on_hold"]),
            ),
            # The agent desk's filters, each leading an index that also serves the default order
            # (SLA due, then priority); docs/support-desk.md explains which serves which.
            models.Index(
                fields=["status", "sla_due_at", "-priority"], name="ticket_desk_status_due"
            ),
            models.Index(fields=["assignee", "status", "sla_due_at"], name="ticket_desk_assignee"),
            models.Index(fields=["kind", "status", "sla_due_at"], name="ticket_desk_kind"),
            models.Index(fields=["channel", "status", "sla_due_at"], name="ticket_desk_channel"),
            models.Index(fields=["priority", "status", "sla_due_at"], name="ticket_desk_priority"),
            models.Index(fields=["category", "status", "sla_due_at"], name="ticket_desk_category"),
            models.Index(fields=["-updated_at"], name="ticket_desk_updated"),
            models.Index(fields=["-created_at"], name="ticket_desk_created"),
            # A team's unassigned queue in the order auto-assignment claims it.
            models.Index(
                "team",
                F("priority").desc(),
                F("sla_due_at").asc(),  # ascending puts NULLs last on PostgreSQL
                "created_at",
                name="ticket_unassigned_queue",
                condition=Q(
                    assignee__isnull=True, status__in=["new", "open", "pending", "on_hold"]
                ),
            ),
            # The desk's list filtered by team or by assignee, sorted by SLA due (first page), and
            # an agent's open load per team (capacity checks, least-loaded choice).
            models.Index(
                fields=["team", "sla_due_at"],
                name="ticket_open_team_by_sla_due",
                condition=Q(status__in=["new", "open", "pending", "on_hold"]),
            ),
            models.Index(
                fields=["assignee", "sla_due_at"],
                name="ticket_open_mine_by_sla_due",
                condition=Q(status__in=["new", "open", "pending", "on_hold"]),
            ),
            # The callback queue: open call-back requests by preferred time.
            models.Index(
                fields=["callback_at"],
                name="ticket_callback_queue",
                condition=Q(kind="callback", status__in=["new", "open", "pending", "on_hold"]),
            ),
        ]
        constraints = [
            # One open call-back request per customer: two requests sent at once both pass the
            # check in `intake.request_callback` (there is no row to lock yet); this refuses the
            # second insert.
            models.UniqueConstraint(
                fields=["customer"],
                name="ticket_one_open_callback",
                condition=Q(kind="callback", status__in=["new", "open", "pending", "on_hold"]),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketMessage(PublicIdModel):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author_kind = models.CharField(max_length=10, choices=AuthorKind.choices)
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_message_order")]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.pk}"


class TicketEvent(models.Model):
    """The ticket's timeline: who changed what, when, from what to what. Append-only."""

    # Indexed by `ticket_event_order` (its first column): a second index on the ticket alone
    # would only slow the inserts (a million rows, the SLA sweep writes them in bulk).
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    actor = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    from_value = models.CharField(max_length=200, blank=True)
    to_value = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=500, blank=True)
    message = models.ForeignKey(
        TicketMessage,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TicketEventQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="ticket_event_order"),
            # Most rows are about no message: only those that are are indexed (deletes cascade).
            models.Index(
                fields=["message"],
                name="ticket_event_message",
                condition=Q(message__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.from_value}→{self.to_value}"


class TicketLink(models.Model):
    """A wallet record the ticket is about, by the record's public id (live status is read from
    the payments facade when the ticket is shown)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(_("kind"), max_length=12, choices=LinkKind.choices)
    object_id = models.CharField(_("record id"), max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("ticket", "kind", "object_id"), name="ticket_link_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class SlaPolicy(TimeStampedModel):
    """Targets for tickets that match its conditions; the first active match by position wins.

    An empty condition matches everything, so the last policy can be the catch-all.
    """

    name = models.CharField(_("name"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    active = models.BooleanField(_("active"), default=True)
    kinds = models.JSONField(_("ticket kinds"), default=list, blank=True)
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    categories = models.ManyToManyField(
        Category,
        blank=True,
        related_name="sla_policies",
        verbose_name=_("categories"),
        help_text=_("A top-level category also covers its subcategories."),
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        related_name="sla_policies",
        verbose_name=_("business calendar"),
        help_text=_("Business-time targets count on this calendar."),
    )
    warn_at_percent = models.PositiveSmallIntegerField(
        _("warn at (%)"),
        default=75,
        help_text=_("Warn and escalate when this share of a target has been used."),
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ("position", "pk")

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    metric = models.CharField(_("metric"), max_length=20, choices=SlaMetric.choices)
    minutes = models.PositiveIntegerField(_("minutes"))
    business_hours = models.BooleanField(
        _("business hours"),
        default=True,
        help_text=_("Count only the calendar's working hours (otherwise every minute)."),
    )

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(fields=("policy", "metric"), name="sla_one_target_per_metric"),
            models.CheckConstraint(condition=Q(minutes__gt=0), name="sla_target_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.minutes} min"


class SlaTimer(models.Model):
    """One run of one metric on one ticket. Recurring metrics (next reply, periodic update) get a
    new cycle each time they start again.

    While running, `due_at` and `warn_at` are absolute instants computed from `run_started_at`
    and the business time already `elapsed` in earlier runs, so the sweep finds what is due with
    one indexed query and nothing is counted while paused.
    """

    # Indexed by `sla_timer_cycle_once` (its first column), which also serves "the latest cycle".
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="sla_timers", db_index=False
    )
    metric = models.CharField(max_length=20, choices=SlaMetric.choices)
    cycle = models.PositiveIntegerField(default=1)
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="+")
    target_minutes = models.PositiveIntegerField()
    business_hours = models.BooleanField(default=True)
    calendar = models.CharField(max_length=40)
    state = models.CharField(max_length=10, choices=TimerState.choices)
    started_at = models.DateTimeField()
    run_started_at = models.DateTimeField(null=True, blank=True)
    elapsed = models.DurationField(default=timedelta(0))
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("ticket", "metric", "cycle"), name="sla_timer_cycle_once"
            ),
        ]
        # The sweep's queues, in the order it takes them (deadline, then id), so each chunk is
        # the first rows of an index scan rather than a sort of everything due. Stamping a timer
        # takes it out of the queue.
        indexes = [
            models.Index(
                fields=["due_at", "id"],
                name="sla_timer_due_queue",
                condition=Q(state="running", breached_at__isnull=True),
            ),
            models.Index(
                fields=["warn_at", "id"],
                name="sla_timer_warn_queue",
                condition=Q(state="running", warned_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.metric}#{self.cycle} {self.state}"


class TicketRating(models.Model):
    """The customer's satisfaction rating (CSAT) of a solved ticket: 1-5 and a comment."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="ticket_rating_one_to_five"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.score}"


# --- Teams, assignment and automation rules (tickets.assignment, tickets.automation) ------------


class AssignmentStrategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")


class Team(TimeStampedModel):
    """A group of agents with the categories (skills) and languages it handles and the business
    calendar it works on. Auto-assignment hands its queue to its available members."""

    name = models.SlugField(_("name"), max_length=40, unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=80)
    title_en = models.CharField(_("title (English)"), max_length=80)
    skills = models.JSONField(
        _("skills"),
        default=list,
        blank=True,
        help_text=_("Category codes the team handles; a top-level category covers its subtopics."),
    )
    languages = models.JSONField(
        _("languages"),
        default=list,
        blank=True,
        help_text=_("Ticket languages the team handles (zh-hans, en); empty: any."),
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        related_name="teams",
        verbose_name=_("working hours"),
    )
    strategy = models.CharField(
        _("assignment"),
        max_length=16,
        choices=AssignmentStrategy.choices,
        default=AssignmentStrategy.ROUND_ROBIN,
    )
    auto_assign = models.BooleanField(_("assign automatically"), default=True)
    position = models.PositiveSmallIntegerField(
        _("position"), default=100, help_text=_("Routing tries teams in this order.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ("position", "pk")

    def __str__(self) -> str:
        return self.name

    def title_in(self, language: str) -> str:
        return self.title_en if language.startswith("en") else self.title_zh


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="team_memberships",
        verbose_name=_("agent"),
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=10, help_text=_("Most open tickets of this team at once.")
    )
    available = models.BooleanField(
        _("available"), default=True, help_text=_("Takes new tickets (off: away, on a break).")
    )
    shift = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("own working hours"),
        help_text=_("Empty: the team's working hours."),
    )
    # Round robin hands the next ticket to the member with the lowest turn.
    turn = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(fields=("team", "agent"), name="team_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.team_id}:{self.agent_id}"


class RuleEvent(models.TextChoices):
    CREATED = "created", pgettext_lazy("automation event", "Ticket created")
    UPDATED = "updated", pgettext_lazy("automation event", "Ticket updated")
    SLA_WARNING = "sla_warning", pgettext_lazy("automation event", "SLA target nearly reached")
    SLA_BREACHED = "sla_breached", pgettext_lazy("automation event", "SLA target missed")


class AutomationRule(TimeStampedModel):
    """When `event` happens and every condition holds, run the actions (tickets.automation).

    conditions: [{"field": "category", "op": "in", "value": ["fraud"]}, ...]
    actions: [{"type": "set_priority", "value": 40}, {"type": "assign_team", "value": "security"},
              {"type": "add_tag", "value": "fraud"}, {"type": "page_team", "value": "security"},
              {"type": "escalate"}]
    """

    name = models.CharField(_("name"), max_length=80, unique=True)
    event = models.CharField(_("when"), max_length=16, choices=RuleEvent.choices)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    actions = models.JSONField(_("actions"), default=list)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")
        ordering = ("position", "pk")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from walletdesk.tickets.automation import validate_rule

        validate_rule(self.conditions, self.actions)


# The agent desk's models (saved views, macros) live in their own module.
from walletdesk.tickets.desk_models import Macro as Macro  # noqa: E402
from walletdesk.tickets.desk_models import SavedView as SavedView  # noqa: E402
from walletdesk.tickets.intake_models import CallLog as CallLog  # noqa: E402
from walletdesk.tickets.intake_models import ContactRequest as ContactRequest  # noqa: E402
from walletdesk.tickets.integration_models import Attachment as Attachment  # noqa: E402
from walletdesk.tickets.integration_models import (  # noqa: E402
    ChannelConversation as ChannelConversation,
)
from walletdesk.tickets.integration_models import ChannelMessage as ChannelMessage  # noqa: E402
from walletdesk.tickets.integration_models import (  # noqa: E402
    IntegrationChannel as IntegrationChannel,
)
from walletdesk.tickets.integration_models import WebhookDelivery as WebhookDelivery  # noqa: E402
from walletdesk.tickets.integration_models import WebhookEndpoint as WebhookEndpoint  # noqa: E402
from walletdesk.tickets.mail_models import CsatRequest as CsatRequest  # noqa: E402
from walletdesk.tickets.mail_models import InboundEmail as InboundEmail  # noqa: E402
from walletdesk.tickets.mail_models import OutboundEmail as OutboundEmail  # noqa: E402
