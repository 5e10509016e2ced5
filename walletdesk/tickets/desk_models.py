"""Models of the agent desk: saved list views and macros (canned replies with actions).

Kept apart from the ticket core (imported at the end of tickets/models.py) so the desk can grow
without touching the ticket tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from walletdesk.tickets.enums import Priority, TicketStatus

SAVED_VIEW_QUERY_MAX = 500


class SavedView(models.Model):
    """A named desk list: the list page's query string, kept for its owner."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_ticket_views",
        verbose_name=pgettext_lazy("saved view", "owner"),
    )
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=SAVED_VIEW_QUERY_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ("name", "pk")
        constraints = [
            models.UniqueConstraint(fields=("owner", "name"), name="saved_view_name_per_owner")
        ]

    def __str__(self) -> str:
        return self.name


class Macro(models.Model):
    """A canned reply in both languages, with what sending it also does to the ticket."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    body_zh = models.TextField(_("reply (Chinese)"))
    body_en = models.TextField(_("reply (English)"))
    set_status = models.CharField(
        _("then set status"),
        max_length=10,
        choices=[(s.value, s.label) for s in TicketStatus if s != TicketStatus.NEW],
        blank=True,
    )
    add_tags = models.JSONField(_("add tags"), default=list, blank=True)
    set_priority = models.PositiveSmallIntegerField(
        _("then set priority"), choices=Priority.choices, null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        ordering = ("position", "name")
        # The desk's own permission lives here so the ticket tables stay untouched; granted to
        # agents and above through identity/roles.py.
        permissions = [
            ("work_tickets", _("Can work tickets in the agent desk")),
            # Supervisors and above (identity/roles.py): regulator exports, escalation pages.
            ("export_complaints", _("Can export complaints for the regulator")),
            ("handle_escalations", _("Is paged when a complaint escalates")),
        ]

    def __str__(self) -> str:
        return self.name

    def body_in(self, language: str) -> str:
        return self.body_en if language.startswith("en") else self.body_zh
