"""Creator payouts: processors (as data), payout methods (details encrypted at rest),
schedules, batches, payouts, and what each processor said.

Money is integer minor units + currency throughout. Every movement of money is a ledger entry
posted by ``apps.ledger.services`` (see docs/payouts.md): creating a payout reserves its
amount (``available`` → ``in_payout``), paid settles it out through ``payout_clearing`` (fee
to ``payout_fees``), failed or cancelled returns it to ``available``.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from apps.core import crypto

DETAILS_PURPOSE = "payout-method-details"  # what crypto binds a method's sealed details to


def details_context(creator_id: int) -> str:
    """What a method's sealed details are bound to: its creator."""
    return f"creator:{creator_id}"


class Processor(models.Model):
    """A way money leaves the network (Paxum, Wise, SEPA, ACH, a crypto chain, ...)."""

    class MethodType(models.TextChoices):
        PAXUM = "paxum", "Paxum account (email)"
        EPAYSERVICE = "epayservice", "ePayService account"
        WISE = "wise", "Wise recipient (email or IBAN)"
        PAYONEER = "payoneer", "Payoneer account (email)"
        CRYPTO = "crypto", "Crypto wallet"
        US_BANK = "us_bank", "US bank account (ACH)"
        IBAN = "iban", "IBAN (SEPA)"
        WIRE = "wire", "Bank wire (SWIFT)"
        CHECK = "check", "Paper check (postal address)"
        SANDBOX = "sandbox", "Sandbox account (demo and tests)"

    class Settlement(models.TextChoices):
        API = "api", "API call"
        FILE = "file", "File uploaded by an operator"

    class FileFormat(models.TextChoices):
        NONE = "", "None"
        SEPA = "sepa", "SEPA credit transfer (pain.001.001.03 XML)"
        NACHA = "nacha", "NACHA ACH file"
        PAXUM = "paxum", "Paxum mass-payment CSV"
        WISE = "wise", "Wise batch CSV"
        CSV = "csv", "Generic CSV"

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    method_type = models.CharField(max_length=20, choices=MethodType.choices)
    # For crypto processors: the chain and asset (BTC, ETH, USDT, USDC); blank otherwise.
    crypto_asset = models.CharField(max_length=10, blank=True)
    settlement = models.CharField(max_length=10, choices=Settlement.choices)
    file_format = models.CharField(max_length=10, choices=FileFormat.choices, blank=True)
    fee_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    speed = models.CharField(max_length=100, help_text="How long settlement takes, in words.")
    instant_allowed = models.BooleanField(
        default=False, help_text="Creators may ask for an instant payout (crypto, Paxum)."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProcessorCurrency(models.Model):
    """A currency a processor pays out in, with its fixed fee and limits (minor units)."""

    processor = models.ForeignKey(Processor, on_delete=models.CASCADE, related_name="currencies")
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")
    fee_fixed_minor = models.BigIntegerField(default=0)
    min_minor = models.BigIntegerField(default=0)
    max_minor = models.BigIntegerField(null=True, blank=True, help_text="Empty: no maximum.")

    class Meta:
        ordering = ["processor__name", "currency_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["processor", "currency"], name="processor_currency_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(fee_fixed_minor__gte=0) & models.Q(min_minor__gte=0),
                name="processor_currency_nonneg",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.processor.code} {self.currency_id}"


class FxRate(models.Model):
    """How many units of ``quote`` one unit of ``base`` buys, from ``as_of`` on (the newest
    rate not after an instant is the one in force). Used for the USD KYC limits and for a
    crypto payout's destination amount; the ledger itself stays in fiat."""

    base = models.CharField(max_length=10)
    quote = models.CharField(max_length=10)
    rate = models.DecimalField(max_digits=24, decimal_places=12)
    as_of = models.DateTimeField()
    source = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["base", "quote", "-as_of"]
        constraints = [
            models.UniqueConstraint(fields=["base", "quote", "as_of"], name="fx_rate_unique"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="fx_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate} {self.quote} ({self.as_of:%Y-%m-%d})"


class PayoutMethod(models.Model):
    """Where a creator is paid. The details (account numbers, IBAN, wallet address, ...) are
    encrypted at rest (``details_encrypted``, sealed by ``apps.core.crypto`` under ``key_id``
    and bound to the creator); ``details_hint`` is what screens show ("IBAN DE89 …3000")."""

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", "Awaiting verification"
        VERIFIED = "verified", "Verified"
        NEEDS_ATTENTION = "needs_attention", "Needs attention (a payout failed)"
        DISABLED = "disabled", "Disabled"

    creator = models.ForeignKey(
        "creators.Creator", on_delete=models.PROTECT, related_name="payout_methods"
    )
    processor = models.ForeignKey(Processor, on_delete=models.PROTECT, related_name="methods")
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=100, blank=True)
    details_encrypted = models.TextField()
    details_hint = models.CharField(max_length=100)
    key_id = models.CharField(max_length=40, help_text="Which encryption key sealed the details.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNVERIFIED)
    is_default = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Why the last payout to it failed, in plain words for the creator.
    attention_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["creator_id", "-is_default", "-created_at"]
        permissions = [("verify_payoutmethod", "Can verify creators' payout methods")]
        constraints = [
            models.UniqueConstraint(
                fields=["creator"],
                condition=models.Q(is_default=True),
                name="payout_method_one_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.processor.name}: {self.details_hint}"

    def details_seal(self, details: dict) -> None:
        """Encrypt ``details`` (already validated) into this row under the newest key."""
        self.details_encrypted, self.key_id = crypto.seal(
            details, purpose=DETAILS_PURPOSE, context=details_context(self.creator_id)
        )

    def details(self) -> dict:
        """The decrypted details (the fields ``validation.py`` cleaned, e.g.
        ``{"account_holder", "iban", "bic"}``). For settlement adapters and bank files only:
        never render them in a page, a log line or an audit event. Raises
        ``apps.core.crypto.SealError`` when they cannot be read."""
        try:
            return crypto.unseal(
                self.details_encrypted,
                self.key_id,
                purpose=DETAILS_PURPOSE,
                context=details_context(self.creator_id),
            )
        except crypto.TamperedTokenError:
            # Details sealed without a context (test fixtures that seal directly) are still
            # read; `rotate_payout_keys` binds them. A token bound to another creator fails
            # both ways: only code holding the key can make a context-free one.
            return crypto.unseal(self.details_encrypted, self.key_id, purpose=DETAILS_PURPOSE)


class PayoutSchedule(models.Model):
    """When a creator is paid. ``minimum_minor`` (in ``currency``) applies to every kind."""

    class Kind(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"
        THRESHOLD = "threshold", "When the balance reaches a threshold"
        MANUAL = "manual", "Only on request"

    creator = models.OneToOneField(
        "creators.Creator", on_delete=models.PROTECT, related_name="payout_schedule"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.WEEKLY)
    weekday = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(6)], help_text="0 = Monday (weekly)."
    )
    day_of_month = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text="1 to 28 (monthly).",
    )
    threshold_minor = models.BigIntegerField(default=0)
    minimum_minor = models.BigIntegerField(default=5000)
    currency = models.ForeignKey(
        "core.Currency", on_delete=models.PROTECT, default="USD", related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.creator}: {self.get_kind_display()}"


class MassPayoutRequest(models.Model):
    """A ``mass_payout_initiated`` event as the integrations app received it (``source`` and
    ``event_id`` name the webhook event); the batch builder turns it into batches once."""

    class Status(models.TextChoices):
        RECORDED = "recorded", "Recorded"
        HANDLED = "handled", "Turned into batches"
        REJECTED = "rejected", "Rejected"

    source = models.CharField(max_length=50, help_text="Who sent the event (platform or network).")
    event_id = models.CharField(max_length=200, help_text="The event's id at its sender.")
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECORDED)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "event_id"], name="mass_payout_request_one_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"mass payout request {self.pk} ({self.status})"


class PayoutBatch(models.Model):
    """Payouts of one processor and currency, approved and submitted together."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        SUBMITTED = "submitted", "Submitted"
        SETTLED = "settled", "Settled"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        SCHEDULE = "schedule", "Scheduled run"
        MANUAL = "manual", "Built by finance"
        MASS_PAYOUT = "mass_payout", "Mass payout request"
        INSTANT = "instant", "Instant payout request"

    processor = models.ForeignKey(Processor, on_delete=models.PROTECT, related_name="batches")
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    source = models.CharField(max_length=12, choices=Source.choices)
    mass_payout_request = models.ForeignKey(
        "MassPayoutRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="batches",
    )
    total_minor = models.BigIntegerField(default=0)
    fee_total_minor = models.BigIntegerField(default=0)
    payout_count = models.PositiveIntegerField(default=0)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    auto_approved = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "payout batches"
        permissions = [
            ("build_payoutbatch", "Can build payout batches"),
            ("approve_payoutbatch", "Can approve payout batches (not one they built)"),
            ("submit_payoutbatch", "Can submit, settle and cancel payout batches"),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="payout_batch_status_idx")]

    def __str__(self) -> str:
        status = self.get_status_display().lower()
        return f"Batch #{self.pk} · {self.processor.name} · {self.currency_id} ({status})"


class Payout(models.Model):
    """One payment to one creator through one method. ``idempotency_key`` goes to the
    processor: submitting twice can never pay twice."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending (in a batch, not sent)"
        SUBMITTED = "submitted", "Sent to the processor"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="payouts")
    creator = models.ForeignKey(
        "creators.Creator", on_delete=models.PROTECT, related_name="payouts"
    )
    method = models.ForeignKey(PayoutMethod, on_delete=models.PROTECT, related_name="payouts")
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")
    amount_minor = models.BigIntegerField()
    fee_minor = models.BigIntegerField(default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # What the processor calls it, and what it said when it failed.
    processor_reference = models.CharField(max_length=200, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Crypto: the destination amount at the recorded rate (the ledger stays in fiat).
    destination_amount = models.DecimalField(
        max_digits=30, decimal_places=12, null=True, blank=True
    )
    destination_asset = models.CharField(max_length=10, blank=True)
    fx_rate = models.DecimalField(max_digits=24, decimal_places=12, null=True, blank=True)
    reserve_entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    settle_entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["creator", "-created_at"], name="payout_creator_idx"),
            models.Index(fields=["state", "next_attempt_at"], name="payout_state_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="payout_positive"),
            models.CheckConstraint(condition=models.Q(fee_minor__gte=0), name="payout_fee_nonneg"),
        ]

    def __str__(self) -> str:
        return f"Payout #{self.pk} to {self.creator} ({self.get_state_display().lower()})"


class PayoutItem(models.Model):
    """Which available balance (creator, platform, currency) a payout takes how much from."""

    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="items")
    available_account = models.ForeignKey(
        "ledger.Account", on_delete=models.PROTECT, related_name="+"
    )
    in_payout_account = models.ForeignKey(
        "ledger.Account", on_delete=models.PROTECT, related_name="+"
    )
    amount_minor = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0), name="payout_item_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount_minor} from {self.available_account_id}"


class ProcessorEvent(models.Model):
    """What a processor answered or called back about a payout (API adapters), or what an
    operator's result file said (file adapters): the trail behind every state change."""

    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="processor_events")
    kind = models.CharField(max_length=30)  # submitted, accepted, paid, failed, callback, ...
    status_code = models.PositiveIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} for payout #{self.payout_id}"
