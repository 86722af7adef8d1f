"""Response shapes of the creators API. Amounts are decimal strings with the currency's
number of decimals (``apps.core.api.MinorAmountField``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import AMOUNT_SCHEMA, MinorAmountField
from apps.core.money import format_minor

from .models import Creator


class CreatorPlatformAccountSerializer(serializers.Serializer):
    platform = serializers.CharField(source="platform.slug", help_text="Platform slug.")
    externalId = serializers.CharField(
        source="external_id", help_text="The creator's id on that platform (`creatorId`)."
    )


class CreatorSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    displayName = serializers.CharField(source="display_name")
    status = serializers.ChoiceField(choices=Creator.Status.choices)
    kycLevel = serializers.IntegerField(
        source="kyc_level", min_value=0, max_value=3, help_text="KYC level, 0 to 3."
    )
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2, or empty.")
    defaultCurrency = serializers.CharField(
        source="default_currency_id", help_text="ISO 4217 code."
    )
    ageVerifiedUntil = serializers.DateField(
        source="age_verified_until",
        allow_null=True,
        help_text="Age verification valid until this date (null: never verified).",
    )
    platforms = CreatorPlatformAccountSerializer(
        source="platform_accounts", many=True, help_text="The creator's platform accounts."
    )


class CreatorBalanceSerializer(serializers.Serializer):
    """A creator's balances on one platform in one currency, as the creator reads them
    (positive = owed to the creator)."""

    platform = serializers.CharField(source="platform_slug", help_text="Platform slug.")
    currency = serializers.CharField(help_text="ISO 4217 code.")
    pending = MinorAmountField(
        minor="pending",
        exponent="exponent",
        help_text="Earned, still inside the platform's hold period.",
    )
    available = MinorAmountField(
        minor="available",
        exponent="exponent",
        help_text="Payable now (negative only after a chargeback, recovered from later earnings).",
    )
    inPayout = MinorAmountField(
        minor="in_payout", exponent="exponent", help_text="Reserved by payouts not yet settled."
    )
    lifetime = MinorAmountField(
        minor="lifetime",
        exponent="exponent",
        help_text="Net earnings ever credited (after the platform fee; refunds not deducted).",
    )


class CreatorDetailSerializer(CreatorSummarySerializer):
    balances = CreatorBalanceSerializer(
        source="balance_rows", many=True, help_text="Per platform and currency."
    )


class CreatorBalancesSerializer(serializers.Serializer):
    creatorId = serializers.CharField(source="pk", help_text="The creator's id.")
    balances = CreatorBalanceSerializer(
        source="balance_rows", many=True, help_text="Per platform and currency."
    )


PLATFORMS_SCHEMA = {
    "type": "object",
    "additionalProperties": AMOUNT_SCHEMA,
    "description": "Lifetime earnings (as `total`) per platform slug, for every platform the "
    'creator has an account on ("0.00" when nothing was earned there) and any other platform '
    "the creator earned on.",
    "example": {"boyfanz": "2000.00", "girlfanz": "0.00"},
}


class CreatorEarningsFiguresSerializer(serializers.Serializer):
    total = MinorAmountField(
        minor="total",
        exponent="exponent",
        help_text="Lifetime net earnings: the sum of what earning entries (subscription, "
        "renewal, tip, purchase) credited to the creator's `pending` accounts in this "
        "currency, after the platform fee. Refunds and chargebacks are not deducted here.",
    )
    thisMonth = MinorAmountField(
        minor="this_month",
        exponent="exponent",
        help_text="As `total`, counting only entries that occurred since 00:00 UTC on the 1st "
        "of the current month.",
    )
    lastPayout = MinorAmountField(
        minor="last_payout",
        exponent="exponent",
        allow_null=True,
        help_text="Amount the most recent ledger entry of kind `payout` moved out of the "
        "creator's accounts in this currency; null until a payout exists.",
    )
    pendingPayout = MinorAmountField(
        minor="pending_payout",
        exponent="exponent",
        help_text="Current `in_payout` balance: money reserved by payouts not yet settled.",
    )
    platforms = serializers.SerializerMethodField()

    @extend_schema_field(PLATFORMS_SCHEMA)
    def get_platforms(self, earnings) -> dict[str, str]:
        return {
            slug: format_minor(minor, earnings.exponent)
            for slug, minor in earnings.platforms.items()
        }


class CreatorEarningsSerializer(serializers.Serializer):
    creatorId = serializers.CharField(
        source="creator_id", help_text="The creator's id (as a string)."
    )
    earnings = CreatorEarningsFiguresSerializer(source="*")
    currency = serializers.CharField(
        help_text="ISO 4217 code of every amount: the creator's default currency unless "
        "`?currency=` asked for another."
    )


class EarningsQuerySerializer(serializers.Serializer):
    # Any string: the view answers an unknown code with 400 unknown_currency.
    currency = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True)
