"""The double-entry ledger.

Invariants (also enforced by the database, see migrations and docs/ledger.md):

* A journal entry has two or more postings; per currency its postings sum to zero.
* Postings are append-only: corrections are new, reversing entries.
* `LedgerAccount.posted` equals the sum of the account's postings, and `held` the sum of its
  active holds; both are updated in the same transaction as the rows they summarise.
* A customer wallet or merchant account never has `posted - held < 0` (available balance).

Amounts are signed integer minor units: a positive posting adds to the account's balance, a
negative one takes from it.
"""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from walletdesk.core.models import PublicIdModel
from walletdesk.ledger.enums import AccountKind, EntryKind, HoldStatus


class LedgerAccount(models.Model):
    code = models.CharField(max_length=100, unique=True, verbose_name=_("code"))
    kind = models.CharField(max_length=20, choices=AccountKind.choices, verbose_name=_("kind"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    owner_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("account owner"))
    name = models.CharField(max_length=120, blank=True, verbose_name=_("name"))
    allow_negative = models.BooleanField(default=False, verbose_name=_("may go negative"))
    debits_blocked = models.BooleanField(default=False, verbose_name=_("debits blocked"))
    posted = models.BigIntegerField(default=0, verbose_name=_("posted balance"))
    held = models.BigIntegerField(default=0, verbose_name=_("held"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        indexes = [models.Index(fields=["kind", "owner_id"], name="ledger_acct_kind_owner")]
        constraints = [
            models.CheckConstraint(
                condition=Q(allow_negative=True) | Q(posted__gte=F("held")),
                name="ledger_account_available_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(held__gte=0), name="ledger_account_held_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def available(self) -> int:
        return self.posted - self.held


class JournalEntry(PublicIdModel):
    kind = models.CharField(max_length=20, choices=EntryKind.choices, verbose_name=_("kind"))
    memo = models.CharField(max_length=200, blank=True, verbose_name=_("memo"))
    reference = models.CharField(max_length=100, blank=True, verbose_name=_("reference"))
    actor = models.CharField(max_length=60, blank=True, verbose_name=_("actor"))
    # At most one reversal per entry (the partial unique constraint below: entries that reverse
    # nothing, nearly all of them, are not indexed).
    reverses = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
        db_index=False,
        verbose_name=_("reverses"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        constraints = [
            models.UniqueConstraint(
                fields=["reverses"],
                condition=Q(reverses__isnull=False),
                name="ledger_entry_reversed_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class Posting(models.Model):
    entry = models.ForeignKey(
        JournalEntry,
        on_delete=models.PROTECT,
        related_name="postings",
        verbose_name=_("journal entry"),
    )
    # Indexed by ledger_posting_account (account, id), which also serves the foreign key.
    account = models.ForeignKey(
        LedgerAccount,
        on_delete=models.PROTECT,
        related_name="postings",
        db_index=False,
        verbose_name=_("account"),
    )
    amount = models.BigIntegerField(verbose_name=_("amount"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        indexes = [models.Index(fields=["account", "id"], name="ledger_posting_account")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_posting_not_zero")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+d} {self.currency}"


class Hold(PublicIdModel):
    """Money reserved on an account (two-phase): captured once, released once, or expired."""

    account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="holds", verbose_name=_("account")
    )
    amount = models.BigIntegerField(verbose_name=_("amount"))
    captured_amount = models.BigIntegerField(default=0, verbose_name=_("captured amount"))
    status = models.CharField(
        max_length=10,
        choices=HoldStatus.choices,
        default=HoldStatus.ACTIVE,
        verbose_name=_("status"),
    )
    reference = models.CharField(max_length=100, blank=True, verbose_name=_("reference"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    resolved_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("released or captured at")
    )
    capture_entry = models.OneToOneField(
        JournalEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="captured_hold",
        verbose_name=_("capture entry"),
    )

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        indexes = [
            models.Index(
                fields=["expires_at"],
                name="ledger_hold_active_expiry",
                condition=Q(status="active"),
            ),
            models.Index(fields=["account", "status"], name="ledger_hold_account_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_hold_amount_positive"),
            models.CheckConstraint(
                condition=Q(captured_amount__gte=0) & Q(captured_amount__lte=F("amount")),
                name="ledger_hold_capture_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"hold {self.public_id} {self.amount} {self.status}"


class IdempotencyRecord(models.Model):
    """The stored outcome of a money-moving command, keyed by (scope, key).

    Written in the same transaction as the command's ledger entries, so a command either moved
    money and left this row, or did neither.
    """

    scope = models.CharField(max_length=120, verbose_name=_("scope"))
    key = models.CharField(max_length=255, verbose_name=_("key"))
    request_hash = models.CharField(max_length=64, verbose_name=_("request fingerprint"))
    # A plain integer: a CHECK constraint is compiled again by every statement that writes the
    # table, once per money command.
    response_status = models.SmallIntegerField(
        default=200, validators=[MinValueValidator(0)], verbose_name=_("response status")
    )
    # The exact JSON text of the first response: a replay must be byte-identical, and PostgreSQL's
    # jsonb would reorder the keys.
    response = models.TextField(verbose_name=_("response"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        # No index on created_at: pruning walks the primary key from the oldest row
        # (ledger.tasks.prune_idempotency_records), and every index costs each money command.
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="ledger_idempotency_scope_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
