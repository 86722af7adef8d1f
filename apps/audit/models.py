from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class AuditEvent(models.Model):
    """One state-changing action, by whom, on what, from where. Append-only: written only
    by ``audit.services.audit_record``; on PostgreSQL a trigger refuses UPDATE and DELETE."""

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    # The actor's email at the time, kept even if the address changes later.
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=100, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["actor", "-occurred_at"], name="audit_actor_time_idx"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="audit_event_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]

    def __str__(self) -> str:
        who = self.actor_email or "system"
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {who} {self.action}"

    @property
    def target_label(self) -> str:
        if self.target_repr:
            return self.target_repr
        if self.target_type:
            return f"{self.target_type} #{self.target_id}"
        return ""


class SecurityEvent(models.Model):
    """Something security or operations staff should look at: a failed webhook signature, a
    platform's fraud report, a security alert, an outbound endpoint disabled. Written only by
    ``audit.services.security_event_record``; staff acknowledge it (who, when, note)."""

    class Kind(models.TextChoices):
        WEBHOOK_SIGNATURE_FAILED = "webhook_signature_failed", "Webhook signature failed"
        WEBHOOK_TIMESTAMP_STALE = "webhook_timestamp_stale", "Webhook timestamp stale"
        FRAUD_DETECTED = "fraud_detected", "Fraud reported by a platform"
        SECURITY_ALERT = "security_alert", "Security alert"
        ENDPOINT_DISABLED = "endpoint_disabled", "Outbound endpoint disabled"
        API_KEY_REVOKED = "api_key_revoked", "API key revoked"

    class Severity(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        CRITICAL = "critical", "Critical"

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    platform = models.ForeignKey(
        "platforms.Platform",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="security_events",
    )
    creator = models.ForeignKey(
        "creators.Creator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="security_events",
    )
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    summary = models.CharField(max_length=255)
    detail = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledgement_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        permissions = [("acknowledge_securityevent", "Can acknowledge security events")]
        indexes = [
            models.Index(fields=["kind", "-occurred_at"], name="security_event_kind_idx"),
            models.Index(
                fields=["acknowledged_at", "-occurred_at"], name="security_event_open_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.kind}: {self.summary}"
