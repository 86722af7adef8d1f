from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone


class Creator(models.Model):
    """A user who earns on one or more platforms."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        CLOSED = "closed", "Closed"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="creator"
    )
    legal_name = models.CharField(max_length=200, blank=True)
    display_name = models.CharField(max_length=100)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    kyc_level = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(3)])
    age_verified_until = models.DateField(null=True, blank=True)
    default_currency = models.ForeignKey(
        "core.Currency", on_delete=models.PROTECT, default="USD", related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name", "id"]
        permissions = [("suspend_creator", "Can suspend and unsuspend creators")]
        indexes = [models.Index(fields=["status", "kyc_level"], name="creator_status_kyc_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(kyc_level__lte=3), name="creator_kyc_0_3")
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def age_verified(self) -> bool:
        return (
            self.age_verified_until is not None and self.age_verified_until >= timezone.now().date()
        )


class PlatformAccount(models.Model):
    """The creator as a platform knows them: ``external_id`` is the ``creatorId`` in events."""

    creator = models.ForeignKey(Creator, on_delete=models.PROTECT, related_name="platform_accounts")
    platform = models.ForeignKey(
        "platforms.Platform", on_delete=models.PROTECT, related_name="creator_accounts"
    )
    external_id = models.CharField(max_length=100)
    username = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["platform__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="platform_account_external_id_unique"
            ),
            models.UniqueConstraint(
                fields=["creator", "platform"], name="platform_account_one_per_platform"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.creator} on {self.platform.slug} ({self.external_id})"


class PayoutHold(models.Model):
    """While a hold is open (``released_at`` empty) the creator is not paid: a platform's
    ``fraud_detected`` event or staff place one; staff release it (audited)."""

    class Source(models.TextChoices):
        FRAUD_DETECTED = "fraud_detected", "Fraud reported by a platform"
        STAFF = "staff", "Placed by staff"
        SECURITY_ALERT = "security_alert", "Security alert"
        COMPLIANCE_VIOLATION = "compliance_violation", "Critical compliance violation"

    creator = models.ForeignKey(Creator, on_delete=models.PROTECT, related_name="payout_holds")
    source = models.CharField(max_length=20, choices=Source.choices)
    reason = models.TextField()
    platform = models.ForeignKey(
        "platforms.Platform", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The webhook event or security event that caused it, if any ("integrations.webhookevent:12").
    reference = models.CharField(max_length=100, blank=True)
    placed_at = models.DateTimeField(auto_now_add=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    release_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        permissions = [("release_payouthold", "Can release a creator's payout hold")]
        indexes = [models.Index(fields=["creator", "released_at"], name="payout_hold_open_idx")]

    def __str__(self) -> str:
        state = "released" if self.released_at else "open"
        return f"hold on {self.creator} ({self.source}, {state})"

    @property
    def is_open(self) -> bool:
        return self.released_at is None
