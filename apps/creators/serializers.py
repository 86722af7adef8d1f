"""Response shapes of the creators API. Amounts are decimal strings with the currency's
number of decimals (``apps.core.api.MinorAmountField``)."""

from __future__ import annotations

from rest_framework import serializers

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
