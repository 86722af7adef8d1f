from __future__ import annotations

import os
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey


class Platform(models.Model):
    """One creator site of the network (BoyFanz, GirlFanz, ...)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        RETIRED = "retired", "Retired"

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    domain = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # Percent of gross the network keeps (default 0: creators keep 100%).
    fee_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    hold_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MaxValueValidator(365)],
        help_text="Days before earnings are payable.",
    )
    settlement_currency = models.ForeignKey(
        "core.Currency", on_delete=models.PROTECT, default="USD", related_name="+"
    )
    outbound_webhook_url = models.URLField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fee_percent__gte=0) & models.Q(fee_percent__lte=100),
                name="platform_fee_percent_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def environment_webhook_url(self) -> str:
        """``WEBHOOK_<SLUG>`` from the environment, read now (platforms are data, so their
        variables cannot be declared in settings); empty when unset."""
        return os.environ.get(f"WEBHOOK_{self.slug.upper()}", "")

    @property
    def effective_outbound_webhook_url(self) -> str:
        """``WEBHOOK_<SLUG>`` in the environment overrides the stored URL."""
        return self.environment_webhook_url or self.outbound_webhook_url


class WebhookSecretQuerySet(models.QuerySet):
    def active(self, at=None):
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=at)
        )


class WebhookSecret(models.Model):
    """A shared secret a platform signs its webhooks with. Several may be valid at once while
    a rotation's grace window runs: the old one gets ``expires_at``, the new one none."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="webhook_secrets")
    secret = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = WebhookSecretQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.platform.slug} secret …{self.secret[-4:]}"

    @property
    def hint(self) -> str:
        return f"…{self.secret[-4:]}"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class PlatformAPIKey(AbstractAPIKey):
    """A key a platform calls the REST API with (``Authorization: Bearer <key>``). Only a hash
    is stored (djangorestframework-api-key: ``<prefix>.<secret>``, SHA-512 of the whole key);
    the full key is shown once, when it is made. A key acts for its platform only."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="api_keys")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta(AbstractAPIKey.Meta):
        ordering = ["-created"]
        verbose_name = "platform API key"
        verbose_name_plural = "platform API keys"

    def __str__(self) -> str:
        return f"{self.platform.slug} key {self.prefix} ({self.name})"

    @property
    def is_usable(self) -> bool:
        return not self.revoked and not self.has_expired
