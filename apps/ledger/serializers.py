"""Response shapes of the ledger API. Amounts are signed decimal strings with the currency's
number of decimals; the sign is the ledger's (debit positive, credit negative)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import AMOUNT_SCHEMA, MinorAmountField
from apps.core.money import format_minor
from apps.creators.serializers import CreatorSummarySerializer

from .models import AccountKind, EntryKind


class LedgerAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField(
        help_text="Unique account key, e.g. creator:42:boyfanz:pending:USD."
    )
    kind = serializers.ChoiceField(choices=AccountKind.choices)
    currency = serializers.CharField(source="currency_id", help_text="ISO 4217 code.")
    creator = serializers.IntegerField(
        source="creator_id", allow_null=True, help_text="Owning creator's id, if any."
    )
    platform = serializers.CharField(
        source="platform.slug", allow_null=True, help_text="Owning platform's slug, if any."
    )
    balance = MinorAmountField(
        minor="balance",
        exponent="currency.exponent",
        help_text="Current balance in the ledger's sign: debit positive, credit negative "
        "(what FanzDash owes creators is negative).",
    )
    displayBalance = serializers.SerializerMethodField(
        help_text="The balance as people read the account: sign flipped for credit-normal "
        "accounts (creator pending/available/in_payout, platform fee revenue)."
    )

    @extend_schema_field(AMOUNT_SCHEMA)
    def get_displayBalance(self, account) -> str:
        return format_minor(account.balance * account.display_sign, account.currency.exponent)


class LedgerPostingSerializer(serializers.Serializer):
    account = serializers.CharField(source="account.key", help_text="Account key.")
    amount = MinorAmountField(
        minor="amount",
        exponent="account.currency.exponent",
        help_text="Signed: debit positive, credit negative. An entry's postings sum to zero "
        "per currency.",
    )
    currency = serializers.CharField(source="account.currency_id", help_text="ISO 4217 code.")


class LedgerEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=EntryKind.choices)
    memo = serializers.CharField()
    occurredAt = serializers.DateTimeField(source="occurred_at", help_text="When it happened.")
    postedAt = serializers.DateTimeField(source="posted_at", help_text="When it was recorded.")
    platform = serializers.CharField(source="platform.slug", allow_null=True)
    creator = serializers.IntegerField(source="creator_id", allow_null=True)
    sourceType = serializers.CharField(source="source_type")
    sourceId = serializers.CharField(source="source_id")
    idempotencyKey = serializers.CharField(source="idempotency_key")
    reverses = serializers.IntegerField(
        source="reverses_id", allow_null=True, help_text="Id of the entry this one reverses."
    )
    reversedBy = serializers.SerializerMethodField(help_text="Id of the reversal of this entry.")
    postings = LedgerPostingSerializer(many=True)

    def get_reversedBy(self, entry) -> int | None:
        reversal = getattr(entry, "reversed_by", None)  # reverse one-to-one: absent = None
        return reversal.pk if reversal is not None else None


class TrialBalanceAccountSerializer(serializers.Serializer):
    account = serializers.CharField(help_text="Account key.")
    currency = serializers.CharField(help_text="ISO 4217 code.")
    balance = MinorAmountField(
        minor="balance", exponent="exponent", help_text="Signed balance: debit positive."
    )


class TrialBalanceSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(help_text="The instant the balances are taken at.")
    accounts = TrialBalanceAccountSerializer(
        many=True, help_text="Every account with a non-zero balance, by currency then key."
    )
    totals = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "object",
            "additionalProperties": AMOUNT_SCHEMA,
            "description": "Sum of the balances per currency: always zero in a balanced ledger.",
            "example": {"USD": "0.00", "JPY": "0"},
        }
    )
    def get_totals(self, report) -> dict[str, str]:
        return {
            currency: format_minor(total, report["exponents"][currency])
            for currency, total in report["totals"].items()
        }


class TrialBalanceQuerySerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(required=False)


# --- a creator's money (/api/v1/creators/{id}/, .../balances/, .../earnings/) ---------------


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
