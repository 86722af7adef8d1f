"""Double-entry ledger: accounts, journal entries, postings, and balance counters.

Sign convention: a posting's ``amount`` is signed integer minor units, positive = debit,
negative = credit; the postings of an entry sum to zero per currency. Liability accounts
(what FanzDash owes creators, its fee revenue) therefore carry negative balances; people see
them with the sign flipped (``Account.display_sign``). See docs/ledger.md.

Postings and entries are immutable (PostgreSQL triggers refuse UPDATE/DELETE; SQLite
triggers too). ``AccountBalance`` rows are maintained by a database trigger on every posting
insert, never by Python, so a balance read is a sum of at most ``shard_count`` rows.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models


class AccountKind(models.TextChoices):
    # per creator, platform and currency (liabilities: credit-normal)
    PENDING = "pending", "Pending"
    AVAILABLE = "available", "Available"
    IN_PAYOUT = "in_payout", "In payout"
    # per platform and currency
    FEE_REVENUE = "fee_revenue", "Fee revenue"
    # network-wide per currency
    PROCESSOR_CLEARING = "processor_clearing", "Processor clearing"
    PAYOUT_CLEARING = "payout_clearing", "Payout clearing"
    CHARGEBACK_LOSSES = "chargeback_losses", "Chargeback losses"
    PAYOUT_FEES = "payout_fees", "Payout fees"


CREATOR_KINDS = frozenset({AccountKind.PENDING, AccountKind.AVAILABLE, AccountKind.IN_PAYOUT})
PLATFORM_KINDS = frozenset({AccountKind.FEE_REVENUE})
NETWORK_KINDS = frozenset(
    {
        AccountKind.PROCESSOR_CLEARING,
        AccountKind.PAYOUT_CLEARING,
        AccountKind.CHARGEBACK_LOSSES,
        AccountKind.PAYOUT_FEES,
    }
)
CREDIT_NORMAL_KINDS = CREATOR_KINDS | PLATFORM_KINDS
# Network accounts are touched by every event; their balance is spread over this many
# counter rows so concurrent postings rarely wait for one another.
HOT_ACCOUNT_SHARDS = 32


class Account(models.Model):
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=AccountKind.choices)
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")
    creator = models.ForeignKey(
        "creators.Creator", null=True, blank=True, on_delete=models.PROTECT, related_name="accounts"
    )
    platform = models.ForeignKey(
        "platforms.Platform",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    shard_count = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]
        indexes = [
            models.Index(fields=["creator", "platform", "currency"], name="ledger_acct_owner_idx"),
            models.Index(fields=["kind", "currency"], name="ledger_acct_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(shard_count__gte=1) & models.Q(shard_count__lte=256),
                name="ledger_account_shards_range",
            ),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def display_sign(self) -> int:
        """Multiply a balance by this to show it the way people read the account."""
        return -1 if self.kind in CREDIT_NORMAL_KINDS else 1

    @property
    def owner_label(self) -> str:
        if self.creator_id:
            return f"{self.creator} · {self.platform}"
        if self.platform_id:
            return str(self.platform)
        return "Network"


class EntryKind(models.TextChoices):
    SUBSCRIPTION = "subscription", "Subscription"
    RENEWAL = "renewal", "Subscription renewal"
    TIP = "tip", "Tip"
    PURCHASE = "purchase", "Content purchase"
    REFUND = "refund", "Refund"
    CHARGEBACK = "chargeback", "Chargeback"
    RELEASE = "release", "Release to available"
    TRANSFER = "transfer", "Transfer"
    REVERSAL = "reversal", "Reversal"
    PAYOUT = "payout", "Payout"
    ADJUSTMENT = "adjustment", "Adjustment"


EARNING_KINDS = frozenset(
    {EntryKind.SUBSCRIPTION, EntryKind.RENEWAL, EntryKind.TIP, EntryKind.PURCHASE}
)


class JournalEntry(models.Model):
    idempotency_key = models.CharField(max_length=200, unique=True)
    # sha256 of the postings and kind: a repeated key with different content is refused.
    fingerprint = models.CharField(max_length=64)
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    memo = models.CharField(max_length=500, blank=True)
    occurred_at = models.DateTimeField(db_index=True)
    posted_at = models.DateTimeField(auto_now_add=True)
    # No single-column indexes: (platform, source_type, source_id) and (creator, occurred_at)
    # below lead with these columns, and every index is paid on each of millions of inserts.
    platform = models.ForeignKey(
        "platforms.Platform",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    creator = models.ForeignKey(
        "creators.Creator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,
    )
    # What caused it: a platform transaction id, a webhook event, a payout ...
    source_type = models.CharField(max_length=50, blank=True)
    source_id = models.CharField(max_length=200, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "journal entries"
        permissions = [
            ("view_ledger", "Can view the ledger, trial balance and statements"),
            ("reverse_entry", "Can reverse a journal entry"),
        ]
        indexes = [
            models.Index(fields=["creator", "-occurred_at"], name="ledger_entry_creator_idx"),
            models.Index(
                fields=["platform", "source_type", "source_id"], name="ledger_entry_src_idx"
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="ledger_entry_immutable", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class Posting(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    # Indexed by (account, occurred_at) below; a second index on account alone would only cost.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="postings", db_index=False
    )
    amount = models.BigIntegerField()
    # Copied from the entry so that balances as of an instant read one index.
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [
            # Covers balances as of an instant: an index-only scan sums the amounts.
            models.Index(
                fields=["account", "occurred_at"],
                include=["amount"],
                name="ledger_posting_acct_time_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledger_posting_nonzero"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="ledger_posting_immutable", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount}"


class AccountBalance(models.Model):
    """Running total of one shard of an account. Written only by the posting trigger."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="balance_shards")
    shard = models.PositiveSmallIntegerField()
    balance = models.BigIntegerField(default=0)
    posting_count = models.BigIntegerField(default=0)
    # Lifetime earnings credited to a creator's pending account (credits of earning entries),
    # kept by the same trigger so "lifetime" reads a few rows, not the whole history.
    earned = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "shard"], name="ledger_balance_account_shard"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}[{self.shard}] = {self.balance}"


class PendingRelease(models.Model):
    """What an earning put into ``pending`` and when it becomes payable. A refund or chargeback
    before that date takes its creator share from here first (``amount`` shrinks; the lot is
    bookkeeping state, not money: every movement is a posting)."""

    entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, related_name="pending_release"
    )
    pending_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    available_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    available_at = models.DateTimeField()
    released_entry = models.OneToOneField(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["available_at"],
                name="ledger_release_due_idx",
                condition=models.Q(released_entry__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="ledger_release_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} from #{self.entry_id} on {self.available_at:%Y-%m-%d}"
