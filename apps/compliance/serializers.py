"""Response shapes of the compliance API (camelCase, amounts as decimal strings)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import AMOUNT_SCHEMA
from apps.core.currencies import currency_exponent
from apps.core.money import format_minor


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="age_verification_missing, age_verification_expired, creator_not_active, "
        "payout_hold, open_critical_violation"
    )
    detail = serializers.CharField(help_text="The reason in words.")


class KycLimitSerializer(serializers.Serializer):
    amount = serializers.SerializerMethodField()
    currency = serializers.CharField(help_text="ISO 4217 code (the limits are in USD).")

    @extend_schema_field(AMOUNT_SCHEMA)
    def get_amount(self, limit) -> str:
        return format_minor(limit["minor"], currency_exponent(limit["currency"]))


class ComplianceStatusSerializer(serializers.Serializer):
    creatorId = serializers.IntegerField(source="creator.pk")
    canBePaid = serializers.BooleanField(
        source="can_be_paid",
        help_text="True when nothing in compliance stops a payout (valid age verification, "
        "active account, no open payout hold, no open critical violation). The KYC limit caps "
        "the amount; it does not stop "
        "a payout.",
    )
    kycLevel = serializers.IntegerField(source="kyc_level", help_text="0 to 3.")
    kycLimit = serializers.SerializerMethodField(
        help_text="What the KYC level allows to be paid in any rolling 30 days; null: no limit."
    )
    ageVerifiedUntil = serializers.DateField(
        source="age_verified_until",
        allow_null=True,
        help_text="The last day the age verification is valid (null: never verified).",
    )
    reasons = ReasonSerializer(many=True, help_text="Why the creator cannot be paid (empty: can).")

    @extend_schema_field(KycLimitSerializer(allow_null=True))
    def get_kycLimit(self, status) -> dict | None:
        if status.kyc_limit_usd_minor is None:
            return None
        return KycLimitSerializer({"minor": status.kyc_limit_usd_minor, "currency": "USD"}).data


# --- violations ------------------------------------------------------------------------------


class ViolationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField(help_text="content_policy, dmca, age_2257, kyc, fraud, other")
    severity = serializers.CharField(help_text="low, medium, high, critical")
    status = serializers.CharField(help_text="open, investigating, resolved, dismissed")
    creatorId = serializers.IntegerField(source="creator_id", allow_null=True)
    platform = serializers.CharField(
        source="platform.slug",
        allow_null=True,
        default=None,
        help_text="The platform's slug (null: none named).",
    )
    contentReference = serializers.CharField(source="content_reference")
    summary = serializers.CharField()
    source = serializers.CharField(help_text="platform_event, rule, staff")
    sourceReference = serializers.CharField(
        source="source_reference", help_text="The webhook event or the rule that opened it."
    )
    confidence = serializers.DecimalField(
        max_digits=4, decimal_places=3, allow_null=True, help_text="The platform's, 0 to 1."
    )
    openedAt = serializers.DateTimeField(source="opened_at")
    resolvedAt = serializers.DateTimeField(source="resolved_at", allow_null=True)
    resolution = serializers.CharField(help_text="Why it was resolved or dismissed.")
    confirmed = serializers.BooleanField(help_text="Resolved as confirmed: counts as a strike.")
    payoutsHeld = serializers.SerializerMethodField(
        help_text="Whether the payout hold this (critical) violation placed is still in force."
    )

    def get_payoutsHeld(self, violation) -> bool:
        hold = violation.payout_hold
        return hold is not None and hold.released_at is None
