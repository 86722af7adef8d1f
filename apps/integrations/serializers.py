"""Request validation of the sync endpoints and the shapes the OpenAPI schema shows for the
integration endpoints (the webhook endpoints validate with ``schemas.event_validate``)."""

from __future__ import annotations

from rest_framework import serializers

from .models import WebhookEvent
from .schemas import EVENT_TYPES
from .services.users import USER_STATUSES

# --- sync/user ---------------------------------------------------------------------------------


class SyncUserSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=100, help_text="The platform's id for the user.")
    username = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(
        max_length=254,
        required=False,
        allow_blank=True,
        help_text="Required when the user is a creator FanzDash does not know yet.",
    )
    role = serializers.CharField(
        max_length=30,
        help_text="`creator` makes or updates the creator; any other role (fan, ...) is only "
        "recorded.",
    )
    status = serializers.ChoiceField(
        choices=USER_STATUSES,
        required=False,
        help_text="Your platform's status of the user, recorded as such: it never changes the "
        "creator's network-wide status (only the network's staff suspend a creator).",
    )

    def validate_role(self, value: str) -> str:
        return value.strip().lower()


class SyncUserResultSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The platform's id for the user.")
    platform = serializers.CharField()
    created = serializers.BooleanField(help_text="True when FanzDash did not know the user.")
    role = serializers.CharField()
    status = serializers.CharField()
    creatorId = serializers.IntegerField(
        allow_null=True, help_text="FanzDash's creator id, for role creator."
    )
    creatorCreated = serializers.BooleanField()
    creatorStatus = serializers.CharField(
        allow_null=True,
        help_text="The creator's network-wide status (set by the network's staff only).",
    )
    link = serializers.ChoiceField(
        choices=["linked", "pending_confirmation"],
        allow_null=True,
        help_text="`linked`: the creator is yours (`creatorId`), your events for `id` land on "
        "them. `pending_confirmation` (answer 202): the email belongs to an existing FanzDash "
        "account, which is linked only when its owner or the network's staff confirm; until "
        "then `creatorId` is null and events for `id` wait. null: not a creator.",
    )
    linkRequestId = serializers.IntegerField(
        required=False, help_text="With `pending_confirmation`: the link request's id."
    )
    linkExpiresAt = serializers.DateTimeField(
        required=False,
        help_text="With `pending_confirmation`: unconfirmed by then, the request expires (sync "
        "again to ask anew).",
    )


# --- sync/earnings -----------------------------------------------------------------------------


class EarningsFiguresSerializer(serializers.Serializer):
    """Documentation only: the figures are validated by ``schemas.earnings_figures_clean``."""

    total = serializers.CharField(required=False, help_text="Lifetime net earnings.")
    thisMonth = serializers.CharField(required=False, help_text="Net earnings this month (UTC).")
    lastPayout = serializers.CharField(required=False, help_text="The last payout's amount.")
    pendingPayout = serializers.CharField(required=False, help_text="Reserved by payouts.")
    platforms = serializers.DictField(
        child=serializers.CharField(), required=False, help_text="Total per platform slug."
    )


class SyncEarningsSerializer(serializers.Serializer):
    """Documentation only (see EarningsFiguresSerializer)."""

    creatorId = serializers.CharField(help_text="The platform's id for the creator.")
    currency = serializers.CharField(
        required=False, help_text="ISO 4217; default: the platform's settlement currency."
    )
    earnings = EarningsFiguresSerializer()


class SyncEarningsResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The stored report.")
    creatorId = serializers.CharField()
    creatorKnown = serializers.BooleanField(
        help_text="False when no creator has this id on the platform (compared with zero)."
    )
    currency = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["matched", "mismatch", "recorded"],
        help_text="How your figure for your own platform (`platforms.<your slug>`) compares "
        "with the ledger; `recorded` when you sent none.",
    )
    mismatches = serializers.ListField(
        child=serializers.CharField(),
        help_text="Your own platform's figure, if it differs from the ledger.",
    )
    withheld = serializers.ListField(
        child=serializers.CharField(),
        help_text="Figures you sent that hold other platforms' money (`total`, `thisMonth`, "
        "`lastPayout`, `pendingPayout`, other platforms' totals): stored and compared for the "
        "network's finance team, and not answered.",
    )


# --- users/<id>/permissions ----------------------------------------------------------------------


class UserPermissionsSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The id asked for.")
    platform = serializers.CharField(allow_null=True)
    userId = serializers.IntegerField(allow_null=True, help_text="FanzDash's user id, if any.")
    email = serializers.CharField(allow_blank=True)
    role = serializers.CharField(allow_blank=True, help_text="FanzDash role (or platform role).")
    roles = serializers.ListField(child=serializers.CharField())
    permissions = serializers.ListField(child=serializers.CharField())
    isActive = serializers.BooleanField()
    creatorId = serializers.IntegerField(allow_null=True)
    creatorStatus = serializers.CharField(allow_null=True)


# --- webhooks ---------------------------------------------------------------------------------


class WebhookEventSerializer(serializers.Serializer):
    """The envelope of every event (``data`` depends on ``event``; see the examples)."""

    id = serializers.CharField(
        max_length=200,
        help_text="Unique per platform: the idempotency key (with Standard Webhooks it may be "
        "left out and is then the `webhook-id` header).",
    )
    event = serializers.ChoiceField(choices=sorted(EVENT_TYPES))
    platform = serializers.CharField(
        help_text="The platform slug; must equal the one in the URL (`fanzdash` or absent for "
        "central events)."
    )
    created_at = serializers.DateTimeField(help_text="When it happened (ISO 8601 with zone).")
    data = serializers.DictField(help_text="Depends on the event type.")


class WebhookBatchSerializer(serializers.Serializer):
    events = WebhookEventSerializer(many=True, help_text="1 to 1,000 events.")


class WebhookAcceptedSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="FanzDash's id of the stored event.")
    eventId = serializers.CharField(help_text="The event's id as sent.")
    duplicate = serializers.BooleanField(help_text="True: already received; nothing changed.")
    state = serializers.ChoiceField(
        choices=["received", "processed", "ignored", "failed"],
        help_text="Processing state of the stored event.",
    )


class WebhookBatchItemSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position in `events`.")
    eventId = serializers.CharField(allow_null=True)
    status = serializers.IntegerField(
        help_text="What a single request would have been answered: 202, 200 or 422."
    )
    id = serializers.IntegerField(required=False)
    duplicate = serializers.BooleanField(required=False)
    state = serializers.CharField(required=False)
    error = serializers.CharField(required=False)
    detail = serializers.JSONField(required=False)


class WebhookBatchResultSerializer(serializers.Serializer):
    batchId = serializers.CharField()
    accepted = serializers.IntegerField(help_text="Events stored now (processing queued).")
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = WebhookBatchItemSerializer(many=True)


class TestWebhookSerializer(serializers.Serializer):
    platform = serializers.CharField(default="boyfanz", help_text="Slug, or `fanzdash`.")
    event = serializers.ChoiceField(choices=sorted(EVENT_TYPES), default="tip_sent")
    data = serializers.DictField(
        required=False, help_text="Default: the event type's example data."
    )
    scheme = serializers.ChoiceField(choices=["fanz", "standard"], default="fanz")


# --- /api/v1/webhook-events/ ------------------------------------------------------------


class WebhookEventListSerializer(serializers.Serializer):
    """A stored event as /api/v1/webhook-events/ lists it (bodies left out)."""

    class Meta:
        ref_name = "WebhookEvent"

    id = serializers.IntegerField(help_text="FanzDash's id of the stored event.")
    source = serializers.CharField(help_text="Platform slug, or `fanzdash` for central events.")
    platform = serializers.CharField(
        source="platform.slug", allow_null=True, help_text="The platform the event concerns."
    )
    eventId = serializers.CharField(source="event_id", help_text="The sender's event id.")
    eventType = serializers.CharField(source="event_type")
    state = serializers.ChoiceField(choices=WebhookEvent.State.choices)
    transactionId = serializers.CharField(source="transaction_id")
    creatorExternalId = serializers.CharField(source="creator_external_id")
    occurredAt = serializers.DateTimeField(
        source="occurred_at", allow_null=True, help_text="The event's own timestamp."
    )
    receivedAt = serializers.DateTimeField(source="received_at")
    processedAt = serializers.DateTimeField(source="processed_at", allow_null=True)
    signatureScheme = serializers.ChoiceField(
        source="signature_scheme", choices=WebhookEvent.Scheme.choices
    )
    attempts = serializers.IntegerField(help_text="Processing attempts so far.")
    errorCode = serializers.CharField(
        source="error_code", help_text="Why processing failed or was ignored (empty if not)."
    )
    errorDetail = serializers.CharField(source="error_detail")
    ledgerEntry = serializers.IntegerField(
        source="ledger_entry_id",
        allow_null=True,
        help_text="The journal entry it produced, if any (`/api/v1/ledger/entries/{id}/`).",
    )
    batchId = serializers.CharField(source="batch_id", help_text="Set for batch deliveries.")


class WebhookEventDetailSerializer(WebhookEventListSerializer):
    class Meta:
        ref_name = "WebhookEventDetail"

    payload = serializers.JSONField(help_text="The event body as received (parsed JSON).")
    result = serializers.JSONField(help_text="What processing recorded (e.g. entry ids).")


class KycProviderResultSerializer(serializers.Serializer):
    """The body a KYC provider (VerifyMy) posts to ``webhooks/kyc/<provider>`` (schema only:
    the body is checked by ``apps.compliance.services.kyc_provider``)."""

    eventId = serializers.CharField(
        max_length=200,
        help_text="The provider's id of this event: a repeat is a duplicate. With Standard "
        "Webhooks it may be left out (`webhook-id` is used) and must otherwise equal it.",
    )
    reference = serializers.CharField(
        max_length=200,
        help_text="The verification's reference at the provider, as FanzDash recorded it when "
        "it sent the creator there.",
    )
    status = serializers.ChoiceField(
        choices=["pending", "approved", "rejected", "expired"],
        help_text="The result. Anything else is refused (422 `unknown_status`).",
    )
    level = serializers.IntegerField(
        min_value=0,
        max_value=3,
        required=False,
        allow_null=True,
        help_text="The KYC level granted (0-3); required with `approved`, ignored otherwise.",
    )
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="Why (kept as the reason)."
    )
    expiresOn = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="With `approved`: the last day the verification is valid (after today).",
    )
    occurredAt = serializers.DateTimeField(help_text="When the provider decided, with offset.")
