"""Response shapes of the compliance API (camelCase, amounts as decimal strings)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import AMOUNT_SCHEMA
from apps.core.currencies import currency_exponent
from apps.core.money import format_minor

from .models import DataSubjectRequest


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="age_verification_missing, age_verification_expired, record_2257_missing, "
        "record_2257_incomplete, creator_not_active, payout_hold, open_critical_violation"
    )
    detail = serializers.CharField(help_text="The reason in words.")
    stops = serializers.ListField(
        child=serializers.ChoiceField(choices=["publish", "payout"]),
        help_text="What it stops: publishing content, payouts, or both.",
    )


class KycLimitSerializer(serializers.Serializer):
    amount = serializers.SerializerMethodField()
    currency = serializers.CharField(help_text="ISO 4217 code (the limits are in USD).")

    @extend_schema_field(AMOUNT_SCHEMA)
    def get_amount(self, limit) -> str:
        return format_minor(limit["minor"], currency_exponent(limit["currency"]))


class ComplianceStatusSerializer(serializers.Serializer):
    creatorId = serializers.IntegerField(source="creator.pk")
    canPublish = serializers.BooleanField(
        source="can_publish",
        help_text="True when compliance lets the creator's content be published: an active "
        "account, a valid age verification and a complete 2257 record.",
    )
    canBePaid = serializers.BooleanField(
        source="can_be_paid",
        help_text="True when nothing in compliance stops a payout: what publishing needs, and "
        "no open payout hold and no open critical violation. The KYC limit caps the amount; it "
        "does not stop a payout.",
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
    reasons = ReasonSerializer(
        many=True,
        help_text="What stops the creator from publishing or being paid, each saying which "
        "(empty: nothing).",
    )

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


class Record2257Serializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The record's id.")
    performerId = serializers.IntegerField(source="performer.pk")
    creatorId = serializers.IntegerField(
        source="performer.creator_id",
        allow_null=True,
        help_text="The creator this performer is (null: a co-performer who is not a creator).",
    )
    legalName = serializers.CharField(source="performer.legal_name")
    version = serializers.IntegerField(
        source="version_count", help_text="The current version (1 + amendments)."
    )
    complete = serializers.BooleanField(source="is_complete")
    missing = serializers.ListField(
        child=serializers.CharField(),
        help_text="What the record lacks, in words (empty when complete): e.g. "
        "'no ID document examined', 'no date of birth', 'no content references'.",
    )
    createdAt = serializers.DateTimeField(source="created_at")
    lastAmendedAt = serializers.DateTimeField(source="amended_at")
    retainUntil = serializers.DateField(
        source="retain_until",
        help_text="Kept at least until this day: 7 years after creation or the last amendment.",
    )


# --- GDPR/CCPA requests ----------------------------------------------------------------------


class GdprRequestCreateSerializer(serializers.Serializer):
    """A new request. Name the subject by at least one of: ``platformUserId`` (with
    ``platform``; a platform key's own platform is implied), ``email``, and for staff also
    ``userId`` or ``creatorId``."""

    kind = serializers.ChoiceField(
        choices=DataSubjectRequest.Kind.choices,
        help_text="access, portability, rectification or erasure.",
    )
    platform = serializers.SlugField(
        required=False, help_text="The platform's slug (staff; a platform key: its own)."
    )
    platformUserId = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="The platform's user id."
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    userId = serializers.IntegerField(required=False, min_value=1, help_text="Staff only.")
    creatorId = serializers.IntegerField(required=False, min_value=1, help_text="Staff only.")
    receivedAt = serializers.DateTimeField(
        required=False, help_text="Staff only; default now. The clock starts here."
    )
    identityCheck = serializers.ChoiceField(
        choices=["not_needed", "waiting"],
        default="not_needed",
        help_text="waiting: the subject must prove who they are; the clock pauses until then.",
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class GdprSubjectSerializer(serializers.Serializer):
    userId = serializers.IntegerField(source="subject_user_id", allow_null=True)
    creatorId = serializers.IntegerField(source="subject_creator_id", allow_null=True)
    platform = serializers.CharField(
        source="subject_platform.slug",
        allow_null=True,
        default=None,
        help_text="The platform's slug (with platformUserId).",
    )
    platformUserId = serializers.CharField(source="subject_platform_user_id")
    email = serializers.CharField(source="subject_email")


class GdprRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField(
        help_text="received, waiting_identity, in_progress, awaiting_approval, completed, refused"
    )
    subject = GdprSubjectSerializer(source="*")
    receivedAt = serializers.DateTimeField(source="received_at")
    dueAt = serializers.SerializerMethodField(
        help_text="The deadline now (one month, plus extensions and pauses so far)."
    )
    daysLeft = serializers.SerializerMethodField(help_text="Negative: overdue.")
    paused = serializers.SerializerMethodField(
        help_text="True while waiting for the subject's identity check (the clock stands)."
    )
    extensionMonths = serializers.IntegerField(source="extension_months")
    identityCheck = serializers.CharField(source="identity_check")
    completedAt = serializers.DateTimeField(source="completed_at", allow_null=True)
    refusalReason = serializers.CharField(source="refusal_reason")

    def _clock(self, request):
        from .services import gdpr_clock

        cache = self.context.setdefault("_clocks", {})
        if request.pk not in cache:
            cache[request.pk] = gdpr_clock(request)
        return cache[request.pk]

    @extend_schema_field(serializers.DateTimeField())
    def get_dueAt(self, request):
        return serializers.DateTimeField().to_representation(self._clock(request).due_at)

    @extend_schema_field(serializers.IntegerField())
    def get_daysLeft(self, request) -> int:
        return self._clock(request).days_left

    @extend_schema_field(serializers.BooleanField())
    def get_paused(self, request) -> bool:
        return self._clock(request).paused_since is not None
