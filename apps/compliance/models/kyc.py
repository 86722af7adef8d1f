"""Compliance records: KYC verifications and age verifications. Rows are history and are
never deleted (the admin refuses it, foreign keys protect them); a decision updates a pending
verification once, an expiry marks an approved one expired, each through ``services.py`` and
audited. ``Creator.kyc_level`` and ``Creator.age_verified_until`` are derived from these rows
(``services.creator_compliance_derive``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.compliance.rules import KYC_LEVELS, MAX_KYC_LEVEL

KYC_LEVEL_CHOICES = [(level, f"{level} ({name})") for level, name in KYC_LEVELS.items()]


class KycProvider(models.Model):
    """Who checks an identity: ``verifymy``, ``manual`` (staff looked at the documents), and
    any other added as data."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class KycVerification(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"

    creator = models.ForeignKey(
        "creators.Creator", on_delete=models.PROTECT, related_name="kyc_verifications"
    )
    provider = models.ForeignKey(KycProvider, on_delete=models.PROTECT, related_name="+")
    provider_reference = models.CharField(max_length=200, blank=True)
    level_requested = models.PositiveSmallIntegerField(choices=KYC_LEVEL_CHOICES)
    level_granted = models.PositiveSmallIntegerField(
        choices=KYC_LEVEL_CHOICES, null=True, blank=True
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    expires_on = models.DateField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        permissions = [
            ("review_compliance", "Can see compliance queues and records"),
            ("decide_kycverification", "Can approve or reject a KYC verification"),
            ("record_ageverification", "Can record an age verification"),
        ]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="kyc_status_requested_idx"),
            models.Index(fields=["creator", "status"], name="kyc_creator_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level_requested__lte=MAX_KYC_LEVEL), name="kyc_requested_0_3"
            ),
            models.CheckConstraint(
                condition=Q(level_granted__isnull=True) | Q(level_granted__lte=MAX_KYC_LEVEL),
                name="kyc_granted_0_3",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected", "expired"]),
                name="kyc_status_known",
            ),
            # Pending: nothing decided yet.
            models.CheckConstraint(
                condition=~Q(status="pending")
                | Q(decided_at__isnull=True, level_granted__isnull=True, reviewer__isnull=True),
                name="kyc_pending_undecided",
            ),
            # Approved (and later expired): a level granted, a decision time, a reason.
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "expired"])
                | (
                    Q(level_granted__isnull=False, decided_at__isnull=False)
                    & ~Q(decision_reason="")
                ),
                name="kyc_approved_has_grant",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected")
                | (
                    Q(level_granted__isnull=True, decided_at__isnull=False) & ~Q(decision_reason="")
                ),
                name="kyc_rejected_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="expired") | Q(expired_at__isnull=False),
                name="kyc_expired_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"KYC level {self.level_requested} for {self.creator} ({self.status})"

    def deciding_provider_event(self):
        """The provider's result that approved or rejected this verification, if one did
        (reads ``provider_events``: prefetch it for a list)."""
        for event in self.provider_events.all():
            if event.state == KycProviderEvent.State.PROCESSED and event.status in (
                KycProviderEvent.Status.APPROVED,
                KycProviderEvent.Status.REJECTED,
            ):
                return event
        return None


class AgeVerification(models.Model):
    """One check that the creator is an adult, valid from ``verified_on`` to ``expires_on``."""

    class Method(models.TextChoices):
        ID_DOCUMENT = "id_document", "ID document check"
        PROVIDER = "provider", "Provider check"
        DATABASE = "database", "Database check"
        # The date a creator carried before compliance records existed (migration 0003): kept
        # so the derived date does not vanish; no date of birth was recorded. Never recorded
        # by the services.
        LEGACY = "legacy", "Recorded before compliance records"

    creator = models.ForeignKey(
        "creators.Creator", on_delete=models.PROTECT, related_name="age_verifications"
    )
    method = models.CharField(max_length=20, choices=Method.choices)
    date_of_birth = models.DateField(null=True, blank=True)  # only a legacy row has none
    verified_on = models.DateField()
    expires_on = models.DateField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-verified_on", "-id"]
        indexes = [models.Index(fields=["creator", "expires_on"], name="age_creator_expires_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("verified_on")), name="age_expires_after_verified"
            ),
            models.CheckConstraint(
                condition=Q(verified_on__gt=F("date_of_birth")), name="age_born_before_verified"
            ),
            models.CheckConstraint(
                condition=Q(method__in=["id_document", "provider", "database", "legacy"]),
                name="age_method_known",
            ),
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=False) | Q(method="legacy"),
                name="age_date_of_birth_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"age verification of {self.creator} until {self.expires_on:%Y-%m-%d}"


class KycProviderEvent(models.Model):
    """One result a KYC provider sent to its webhook (``POST /api/integrations/webhooks/kyc/
    <provider>``), stored before it is answered and processed once, after the commit
    (``services.kyc_provider``). ``event_id`` is the provider's id of the event: a second
    delivery of it is answered as a duplicate and stores nothing. Rows are history: never
    changed but by the processing, never deleted."""

    class State(models.TextChoices):
        RECEIVED = "received", "Waiting to be processed"
        PROCESSED = "processed", "Applied to the verification"
        IGNORED = "ignored", "Recorded, nothing to change"
        FAILED = "failed", "Failed"

    class Status(models.TextChoices):
        PENDING = "pending", "Still checking"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"

    provider = models.ForeignKey(KycProvider, on_delete=models.PROTECT, related_name="+")
    event_id = models.CharField(max_length=200)
    verification = models.ForeignKey(
        KycVerification, on_delete=models.PROTECT, related_name="provider_events"
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    level = models.PositiveSmallIntegerField(choices=KYC_LEVEL_CHOICES, null=True, blank=True)
    reason = models.TextField(blank=True)
    expires_on = models.DateField(null=True, blank=True)
    occurred_at = models.DateTimeField()
    payload = models.JSONField()
    verification_detail = models.JSONField(default=dict, blank=True)  # how it was signed
    received_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_detail = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "KYC provider event"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="kyc_event_once"),
            models.CheckConstraint(
                condition=Q(state__in=["received", "processed", "ignored", "failed"]),
                name="kyc_event_state_known",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected", "expired"]),
                name="kyc_event_status_known",
            ),
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__lte=MAX_KYC_LEVEL),
                name="kyc_event_level_0_3",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="kyc_event_due_idx"),
            models.Index(fields=["verification", "occurred_at"], name="kyc_event_verif_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} ({self.get_status_display().lower()}, {self.state})"

    OUTCOMES = {
        "still_checking": "recorded: the provider is still checking",
        "already_decided": "recorded, not applied: the verification was already decided",
        "not_approved": "recorded, not applied: the verification was not approved",
    }

    def outcome_text(self) -> str:
        """What became of the event, in words (the creator's compliance page)."""
        if self.state == self.State.PROCESSED:
            return "applied"
        if self.state == self.State.IGNORED:
            return self.OUTCOMES.get((self.result or {}).get("outcome"), "recorded, not applied")
        if self.state == self.State.FAILED:
            return f"failed: {self.error_detail or self.error_code}"
        if self.error_detail:
            return f"waiting to be retried: {self.error_detail}"
        return "waiting to be processed"
