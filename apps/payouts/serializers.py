"""Response shapes of the payouts API (/api/v1/payouts/). Amounts are decimal strings with
the currency's number of decimals (``apps.core.api.MinorAmountField``); payout method
details never appear (only the hint screens show, e.g. "IBAN DE89 …3000")."""

from __future__ import annotations

from rest_framework import serializers

from apps.core.api import MinorAmountField

from .models import Payout, PayoutBatch, PayoutMethod


class PayoutMethodBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    hint = serializers.CharField(source="details_hint", help_text="Masked destination.")
    status = serializers.ChoiceField(choices=PayoutMethod.Status.choices)
    attentionReason = serializers.CharField(
        source="attention_reason",
        help_text="Why the last payout to this method failed, in plain words (or empty).",
    )


class PayoutItemSerializer(serializers.Serializer):
    platform = serializers.CharField(
        source="available_account.platform.slug", help_text="Platform the money came from."
    )
    amount = MinorAmountField(
        minor="amount_minor",
        exponent="available_account.currency.exponent",
        help_text="Taken from the creator's available balance on that platform.",
    )


class PayoutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    batch = serializers.IntegerField(source="batch_id", help_text="The batch's id.")
    creator = serializers.IntegerField(source="creator_id", help_text="The creator's id.")
    processor = serializers.CharField(source="batch.processor.code", help_text="Processor code.")
    currency = serializers.CharField(source="currency_id", help_text="ISO 4217 code.")
    amount = MinorAmountField(
        minor="visible_amount_minor",
        exponent="currency.exponent",
        help_text="What left the creator's balance (the whole transfer, fee included). For a "
        "platform API key: only what came from its own platform, the sum of `items`.",
    )
    fee = MinorAmountField(
        minor="visible_fee_minor",
        exponent="currency.exponent",
        allow_null=True,
        help_text="The processor's fee on the whole transfer. null for a platform API key: "
        "the fee is charged on the whole payout, not per platform.",
    )
    state = serializers.ChoiceField(choices=Payout.State.choices)
    processorReference = serializers.CharField(
        source="processor_reference", help_text="The processor's id for the transfer."
    )
    failureCode = serializers.CharField(
        source="failure_code",
        help_text="Machine code of the failure (or of the last transient error while a retry "
        "waits): account_closed, invalid_account_number, insufficient_funds, ...",
    )
    failureReason = serializers.CharField(
        source="failure_reason", help_text="The failure in plain words, as the creator reads it."
    )
    attempts = serializers.IntegerField(help_text="Submissions to the processor so far.")
    nextAttemptAt = serializers.DateTimeField(
        source="next_attempt_at",
        allow_null=True,
        help_text="When a pending payout is tried again (transient failure), or when a "
        "submission in flight is considered lost.",
    )
    method = PayoutMethodBriefSerializer()
    items = PayoutItemSerializer(
        many=True,
        source="visible_items",
        help_text="Where the money came from (a platform API key sees its own platform only).",
    )
    createdAt = serializers.DateTimeField(source="created_at")
    submittedAt = serializers.DateTimeField(source="submitted_at", allow_null=True)
    settledAt = serializers.DateTimeField(
        source="settled_at", allow_null=True, help_text="When it was paid or failed."
    )


class ProcessorEventSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="submitting, accepted, failed, awaiting_file, paid, callback, ..."
    )
    statusCode = serializers.IntegerField(source="status_code", allow_null=True)
    payload = serializers.JSONField(help_text="What the processor or operator said.")
    occurredAt = serializers.DateTimeField(source="occurred_at")


class PayoutDetailSerializer(PayoutSerializer):
    events = ProcessorEventSerializer(
        many=True,
        source="trail",
        help_text="The trail behind every state change, oldest first (staff only; empty for "
        "platform API keys).",
    )


class PayoutStateCountSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Payout.State.choices)
    count = serializers.IntegerField()


class PayoutBatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    processor = serializers.CharField(source="processor.code", help_text="Processor code.")
    processorName = serializers.CharField(source="processor.name")
    settlement = serializers.CharField(
        source="processor.settlement", help_text="api (submitted by FanzDash) or file."
    )
    currency = serializers.CharField(source="currency_id", help_text="ISO 4217 code.")
    status = serializers.ChoiceField(choices=PayoutBatch.Status.choices)
    source = serializers.ChoiceField(choices=PayoutBatch.Source.choices)
    total = MinorAmountField(minor="total_minor", exponent="currency.exponent")
    feeTotal = MinorAmountField(minor="fee_total_minor", exponent="currency.exponent")
    payoutCount = serializers.IntegerField(source="payout_count")
    builtBy = serializers.EmailField(source="built_by.email", allow_null=True, default=None)
    approvedBy = serializers.EmailField(source="approved_by.email", allow_null=True, default=None)
    autoApproved = serializers.BooleanField(source="auto_approved")
    createdAt = serializers.DateTimeField(source="created_at")
    approvedAt = serializers.DateTimeField(source="approved_at", allow_null=True)
    submittedAt = serializers.DateTimeField(source="submitted_at", allow_null=True)
    settledAt = serializers.DateTimeField(source="settled_at", allow_null=True)
    cancelledAt = serializers.DateTimeField(source="cancelled_at", allow_null=True)


class PayoutBatchDetailSerializer(PayoutBatchSerializer):
    states = PayoutStateCountSerializer(
        many=True, source="state_counts", help_text="How many of its payouts are in each state."
    )


# --- the sandbox processor's callback (apis.SandboxCallbackApi) -----------------------------

TRANSFER_STATUSES = [("paid", "paid"), ("failed", "failed")]


class SandboxCallbackSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=100, help_text="The callback's own id (deduplicated).")
    type = serializers.ChoiceField(choices=["transfer.paid", "transfer.failed"])
    reference = serializers.CharField(max_length=200, help_text="The sandbox's transfer id.")
    idempotencyKey = serializers.UUIDField(
        help_text="The payout's idempotency key, sent with the transfer."
    )
    status = serializers.ChoiceField(choices=TRANSFER_STATUSES)
    amount = serializers.CharField(required=False)
    currency = serializers.CharField(required=False, max_length=3)
    failureCode = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=64
    )
    failureMessage = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    occurredAt = serializers.CharField(required=False, allow_null=True)

    def validate(self, attrs):
        failed = attrs["status"] == "failed"
        if failed != (attrs["type"] == "transfer.failed"):
            raise serializers.ValidationError({"status": ["Does not match the type."]})
        if failed and not attrs.get("failureCode"):
            raise serializers.ValidationError(
                {"failureCode": ["A failed transfer needs its failure code."]}
            )
        return attrs


class SandboxCallbackResultSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=["applied", "duplicate", "ignored"],
        help_text="applied: the payout changed; duplicate: this callback id was applied "
        "before; ignored: the payout was already closed (recorded in its trail).",
    )
    payout = serializers.IntegerField(help_text="The payout's id.")
    state = serializers.CharField(help_text="The payout's state after the callback.")
