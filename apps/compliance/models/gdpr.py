"""GDPR/CCPA requests: a data subject asks to see (access), take (portability), correct
(rectification) or erase their personal data. The clock: one calendar month from receipt
(31 January → the last day of February), plus up to two further months with a reason once
the subject has been told, plus every day the request waited for the subject's identity to
be checked (pauses). Legal holds stop erasure; every erasure is logged so that
``gdpr_replay_erasures`` can apply it again after a database restore.

Writes go through ``services/gdpr.py`` (audited); rows are never deleted."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

MAX_EXTENSION_MONTHS = 2


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months, in the project's time zone: the same day of the
    month, or the last day when that month is shorter (31 Jan + 1 → 28 or 29 Feb; 31 Mar + 1
    → 30 Apr; 29 Feb 2028 + 12 → 28 Feb 2029). The time of day is kept."""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    naive = local.replace(tzinfo=None).replace(year=year, month=month, day=day)
    if timezone.is_aware(moment):
        return timezone.make_aware(naive, local.tzinfo)
    return naive


class DataSubjectRequest(models.Model):
    class Kind(models.TextChoices):
        ACCESS = "access", "Access (a copy of their data)"
        PORTABILITY = "portability", "Portability (their data, machine-readable)"
        RECTIFICATION = "rectification", "Rectification (correct their data)"
        ERASURE = "erasure", "Erasure (forget them)"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        WAITING_IDENTITY = "waiting_identity", "Waiting for identity check"
        IN_PROGRESS = "in_progress", "In progress"
        AWAITING_APPROVAL = "awaiting_approval", "Erasure awaiting a second approval"
        COMPLETED = "completed", "Completed"
        REFUSED = "refused", "Refused"

    class IdentityCheck(models.TextChoices):
        NOT_NEEDED = "not_needed", "Not needed"
        WAITING = "waiting", "Waiting for the subject (clock paused)"
        VERIFIED = "verified", "Verified"
        FAILED = "failed", "Failed"

    OPEN_STATUSES = (
        Status.RECEIVED,
        Status.WAITING_IDENTITY,
        Status.IN_PROGRESS,
        Status.AWAITING_APPROVAL,
    )

    kind = models.CharField(max_length=15, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    # The subject: at least one of these (a database constraint).
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="data_subject_requests",
    )
    subject_creator = models.ForeignKey(
        "creators.Creator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="data_subject_requests",
    )
    subject_platform = models.ForeignKey(
        "platforms.Platform", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_platform_user_id = models.CharField(max_length=100, blank=True)
    subject_email = models.EmailField(blank=True)

    received_at = models.DateTimeField()
    # received_at + 1 month + extension months + closed pauses (an open pause is added when
    # shown: ``effective_due_at``).
    due_at = models.DateTimeField()
    extension_months = models.PositiveSmallIntegerField(default=0)
    extension_reason = models.TextField(blank=True)
    subject_told_at = models.DateTimeField(null=True, blank=True)

    identity_check = models.CharField(
        max_length=12, choices=IdentityCheck.choices, default=IdentityCheck.NOT_NEEDED
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(blank=True)
    # Who filed it: staff (created_by) or a platform through its API key (filed_by_platform).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filed_by_platform = models.ForeignKey(
        "platforms.Platform", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    erasure_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    erasure_requested_at = models.DateTimeField(null=True, blank=True)
    erasure_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    erasure_approved_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        permissions = [
            ("handle_datasubjectrequest", "Can handle GDPR/CCPA requests"),
            ("approve_erasure", "Can approve the erasure of a data subject"),
            ("manage_legalhold", "Can place and release legal holds"),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="dsr_status_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(subject_user__isnull=False)
                | Q(subject_creator__isnull=False)
                | (Q(subject_platform__isnull=False) & ~Q(subject_platform_user_id=""))
                | ~Q(subject_email=""),
                name="dsr_has_subject",
            ),
            models.CheckConstraint(
                condition=Q(extension_months__lte=MAX_EXTENSION_MONTHS), name="dsr_extension_max"
            ),
            models.CheckConstraint(
                condition=Q(extension_months=0)
                | (~Q(extension_reason="") & Q(subject_told_at__isnull=False)),
                name="dsr_extension_reason_told",
            ),
            models.CheckConstraint(
                condition=Q(due_at__gt=models.F("received_at")), name="dsr_due_after_received"
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=["access", "portability", "rectification", "erasure"],
                    status__in=[
                        "received",
                        "waiting_identity",
                        "in_progress",
                        "awaiting_approval",
                        "completed",
                        "refused",
                    ],
                    identity_check__in=["not_needed", "waiting", "verified", "failed"],
                ),
                name="dsr_choices_known",
            ),
            models.CheckConstraint(
                condition=Q(erasure_approved_by__isnull=True)
                | ~Q(erasure_approved_by=models.F("erasure_requested_by")),
                name="dsr_erasure_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        # Never the subject's email or name: this text lands in the audit log.
        return f"GDPR request #{self.pk} ({self.kind})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class RequestPause(models.Model):
    """The clock stopped while the request waited for the subject's identity check."""

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.PROTECT, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"], condition=Q(ended_at__isnull=True), name="dsr_one_open_pause"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="dsr_pause_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"pause of GDPR request #{self.request_id} from {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> timedelta | None:
        return None if self.ended_at is None else self.ended_at - self.started_at


class LegalHold(models.Model):
    """Data that must not be erased (litigation, a regulator's request, law enforcement):
    while active (not released, and ``until`` empty or not passed) it refuses an erasure of
    the subject, naming itself."""

    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_creator = models.ForeignKey(
        "creators.Creator", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_email = models.EmailField(blank=True)
    reason = models.TextField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    until = models.DateField(null=True, blank=True, help_text="Empty: until released.")
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    release_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(subject_user__isnull=False)
                | Q(subject_creator__isnull=False)
                | ~Q(subject_email=""),
                name="legal_hold_has_subject",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="legal_hold_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Legal hold #{self.pk}"

    def is_active_on(self, day) -> bool:
        return self.released_at is None and (self.until is None or self.until >= day)


class ErasureLog(models.Model):
    """One erasure, kept so it can be applied again after a restore. The subject is recorded
    by ids (users, creators, platform users: not personal on their own once the rows they
    point to are pseudonymised) and by keyed hashes of the emails and names (to answer "was
    this person erased?" without keeping who)."""

    request = models.OneToOneField(
        DataSubjectRequest, on_delete=models.PROTECT, related_name="erasure_log"
    )
    pseudonym_number = models.PositiveIntegerField()
    user_ids = models.JSONField(default=list)
    creator_ids = models.JSONField(default=list)
    platform_users = models.JSONField(default=list)  # [[platform id, platform user id], ...]
    email_hashes = models.JSONField(default=list)
    name_hashes = models.JSONField(default=list)
    erased = models.JSONField(default=dict)  # {app: {table: rows changed}}
    erased_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    last_replayed_at = models.DateTimeField(null=True, blank=True)
    replay_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["erased_at", "id"]

    def __str__(self) -> str:
        return f"Erasure #{self.pk} (request #{self.request_id})"
