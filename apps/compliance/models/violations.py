"""Violations: what breaks the network's rules (content policy, DMCA, age/2257, KYC, fraud),
reported by a platform (``content_flagged``), found by a scan rule, or opened by staff; their
append-only notes; the suspension proposals of the strike policy; and the notices the daily
scan sent (so it never sends one twice). Every write is in ``services/violations.py`` and
``services/scan.py``, audited; rows are never deleted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Violation(models.Model):
    class Kind(models.TextChoices):
        CONTENT_POLICY = "content_policy", "Content policy"
        DMCA = "dmca", "DMCA (copyright)"
        AGE_2257 = "age_2257", "Age / 2257 records"
        KYC = "kyc", "KYC"
        FRAUD = "fraud", "Fraud"
        OTHER = "other", "Other"

    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        CRITICAL = "critical", "Critical"

    class Source(models.TextChoices):
        PLATFORM_EVENT = "platform_event", "Reported by a platform"
        RULE = "rule", "Found by a compliance rule"
        STAFF = "staff", "Opened by staff"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        INVESTIGATING = "investigating", "Investigating"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    creator = models.ForeignKey(
        "creators.Creator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="violations",
    )
    platform = models.ForeignKey(
        "platforms.Platform", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    content_reference = models.CharField(max_length=200, blank=True)
    summary = models.CharField(max_length=300)
    source = models.CharField(max_length=20, choices=Source.choices)
    # What opened it: "integrations.webhookevent:12 (evt_…)", a rule key, or empty for staff.
    source_reference = models.CharField(max_length=200, blank=True)
    # Who or what would open it again: a rule's finding, a platform's event. Unique when set, so
    # a rule run twice or an event processed twice never opens a second violation.
    dedupe_key = models.CharField(max_length=200, blank=True)
    # A platform's confidence in its report, 0 to 1 (None: not given, e.g. staff or a rule).
    confidence = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.TextField(blank=True)
    # A resolution that confirms the violation counts as a strike (the strike policy).
    confirmed = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The hold a critical violation placed on the creator's payouts (released by staff).
    payout_hold = models.ForeignKey(
        "creators.PayoutHold", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        permissions = [
            ("open_violation", "Can open a violation"),
            ("decide_violation", "Can investigate, resolve or dismiss a violation"),
        ]
        indexes = [
            models.Index(fields=["status", "severity", "opened_at"], name="violation_queue_idx"),
            models.Index(fields=["creator", "status"], name="violation_creator_status_idx"),
            models.Index(
                fields=["creator", "resolved_at"],
                condition=Q(confirmed=True),
                name="violation_strike_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="violation_dedupe_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=["content_policy", "dmca", "age_2257", "kyc", "fraud", "other"]
                ),
                name="violation_kind_known",
            ),
            models.CheckConstraint(
                condition=Q(severity__in=["low", "medium", "high", "critical"]),
                name="violation_severity_known",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["platform_event", "rule", "staff"]),
                name="violation_source_known",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "investigating", "resolved", "dismissed"]),
                name="violation_status_known",
            ),
            models.CheckConstraint(
                condition=Q(creator__isnull=False)
                | Q(platform__isnull=False)
                | ~Q(content_reference=""),
                name="violation_has_subject",
            ),
            # Closed: when, and why. Open: neither (and never a strike).
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "dismissed"])
                | (Q(resolved_at__isnull=False) & ~Q(resolution="")),
                name="violation_closed_has_resolution",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["resolved", "dismissed"])
                | Q(resolved_at__isnull=True, confirmed=False),
                name="violation_open_undecided",
            ),
            models.CheckConstraint(
                condition=Q(confirmed=False) | Q(status="resolved"),
                name="violation_confirmed_is_resolved",
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=0, confidence__lte=1),
                name="violation_confidence_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"violation #{self.pk}: {self.summary}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.INVESTIGATING)

    @property
    def subject_text(self) -> str:
        parts = []
        if self.creator_id:
            parts.append(str(self.creator))
        if self.platform_id:
            parts.append(f"on {self.platform.name}")
        if self.content_reference:
            parts.append(f"content {self.content_reference}")
        return ", ".join(parts)


class ViolationNote(models.Model):
    """A note on a violation: append-only (never edited or deleted)."""

    violation = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="violation_note_text")]

    def __str__(self) -> str:
        return f"note on violation #{self.violation_id}"


class SuspensionProposal(models.Model):
    """The strike policy's proposal: the creator reached ``COMPLIANCE_STRIKES`` confirmed
    violations within ``COMPLIANCE_STRIKE_WINDOW_DAYS``. Staff decide (suspend or not, with a
    reason); nothing is suspended automatically. At most one open proposal per creator."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Suspension proposed"
        SUSPENDED = "suspended", "Suspended by staff"
        DECLINED = "declined", "Not suspended"

    creator = models.ForeignKey(
        "creators.Creator", on_delete=models.PROTECT, related_name="suspension_proposals"
    )
    strikes = models.PositiveIntegerField()
    window_days = models.PositiveIntegerField()
    violation_ids = models.JSONField(default=list)  # the confirmed violations counted
    proposed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["creator"],
                condition=Q(status="proposed"),
                name="suspension_one_open_per_creator",
            ),
            models.CheckConstraint(
                condition=Q(status="proposed")
                | (Q(decided_at__isnull=False) & ~Q(decision_reason="")),
                name="suspension_decided_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"suspension of {self.creator} ({self.status})"


class ComplianceNotice(models.Model):
    """A notice the scan sent to a creator, once per ``(creator, kind, key)``: e.g. the age
    verification running until 2026-07-01 expires soon (``key`` = that date), or identity
    document 12 expiring on 2026-07-01 (``key`` = ``12:2026-07-01``). The row is
    written before the email is sent, so a second scan sends nothing."""

    class Kind(models.TextChoices):
        AGE_EXPIRING = "age_expiring", "Age verification expiring"
        ID_DOCUMENT_EXPIRING = "id_document_expiring", "Identity document expiring"

    creator = models.ForeignKey(
        "creators.Creator", on_delete=models.PROTECT, related_name="compliance_notices"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    key = models.CharField(max_length=100)
    sent_at = models.DateTimeField(default=timezone.now)
    email = models.EmailField(blank=True)  # where it was sent ("" = no address on file)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["creator", "kind", "key"], name="compliance_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} notice to {self.creator} ({self.key})"
