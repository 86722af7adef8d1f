"""How the integration endpoints appear in the OpenAPI schema (/api/schema/, /api/docs/):
descriptions, parameters, every error response with an example, and the example events. The
views in ``apis.py`` wear these as decorators, so what they do stays readable there."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)

from apps.core.api import ApiErrorSerializer, error_responses

from .event_examples import EVENT_EXAMPLES
from .schemas import CENTRAL_EVENTS, PLATFORM_EVENTS
from .serializers import (
    KycProviderResultSerializer,
    SyncEarningsResultSerializer,
    SyncEarningsSerializer,
    SyncUserResultSerializer,
    SyncUserSerializer,
    TestWebhookSerializer,
    UserPermissionsSerializer,
    WebhookAcceptedSerializer,
    WebhookBatchResultSerializer,
    WebhookBatchSerializer,
    WebhookEventDetailSerializer,
    WebhookEventListSerializer,
    WebhookEventSerializer,
)

TAGS = ["integrations"]
WEBHOOK_TAGS = ["webhooks"]
EVENTS_TAGS = ["webhook events"]

# --- the webhook endpoints ------------------------------------------------------------------

SIGNATURE_PARAMETERS = [
    OpenApiParameter(
        "X-FANZ-Signature",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=False,
        description="`sha256=<hex HMAC-SHA256(secret, raw body)>`. Either this or the three "
        "Standard Webhooks headers.",
    ),
    OpenApiParameter(
        "webhook-id",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=False,
        description="Standard Webhooks message id (the event id when the body has none).",
    ),
    OpenApiParameter(
        "webhook-timestamp",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        required=False,
        description="Standard Webhooks: Unix seconds; at most 5 minutes from our clock.",
    ),
    OpenApiParameter(
        "webhook-signature",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=False,
        description="Standard Webhooks: space-separated `v1,<base64 HMAC-SHA256(key, "
        '"{webhook-id}.{webhook-timestamp}.{body}")>`.',
    ),
]
PLATFORM_PARAMETER = OpenApiParameter(
    "platform",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The platform's slug (boyfanz, girlfanz, ...).",
)


def error_response(description: str, code: str, detail) -> OpenApiResponse:
    return OpenApiResponse(
        response=ApiErrorSerializer,
        description=description,
        examples=[
            OpenApiExample(code, value={"error": code, "detail": detail}, response_only=True)
        ],
    )


def webhook_errors(*, batch: bool = False) -> dict:
    responses = {
        400: error_response(
            "`malformed_json`: the body is not UTF-8 JSON.",
            "malformed_json",
            "The body is not valid JSON: Expecting value: line 1 column 1 (char 0)",
        ),
        401: OpenApiResponse(
            response=ApiErrorSerializer,
            description="`missing_signature`, `invalid_signature` (no active secret matches), "
            "or `stale_timestamp` (Standard Webhooks timestamp more than 5 minutes away). "
            "Recorded as a security event with the source IP.",
            examples=[
                OpenApiExample(
                    "invalid_signature",
                    value={
                        "error": "invalid_signature",
                        "detail": "X-FANZ-Signature does not match the body under any active "
                        "secret.",
                    },
                    response_only=True,
                ),
                OpenApiExample(
                    "missing_signature",
                    value={
                        "error": "missing_signature",
                        "detail": "Sign the request with X-FANZ-Signature or the Standard "
                        "Webhooks headers.",
                    },
                    response_only=True,
                ),
                OpenApiExample(
                    "stale_timestamp",
                    value={
                        "error": "stale_timestamp",
                        "detail": "webhook-timestamp is more than 300 seconds away from now.",
                    },
                    response_only=True,
                ),
            ],
        ),
        404: error_response(
            "`unknown_platform`: no platform has this slug.",
            "unknown_platform",
            "No platform 'nosuchfanz'.",
        ),
        409: error_response(
            "`platform_inactive`: the platform is paused or retired.",
            "platform_inactive",
            "Platform boyfanz is paused; its webhooks are refused until it is active again.",
        ),
        411: error_response(
            "`length_required`: a chunked body (no `Content-Length`) that this server cannot "
            "delimit; send the length.",
            "length_required",
            "Send the body with a Content-Length header (this server cannot read a chunked body).",
        ),
        413: OpenApiResponse(
            response=ApiErrorSerializer,
            description=(
                "`payload_too_large`: the body is over 8 MiB; `batch_too_large`: more than "
                "1,000 events."
                if batch
                else "`payload_too_large`: the body is over 256 KiB."
            ),
            examples=[
                OpenApiExample(
                    "payload_too_large",
                    value={
                        "error": "payload_too_large",
                        "detail": "The body is larger than 262144 bytes.",
                    },
                    response_only=True,
                )
            ]
            + (
                [
                    OpenApiExample(
                        "batch_too_large",
                        value={
                            "error": "batch_too_large",
                            "detail": "1200 events in one batch; at most 1000: split it.",
                        },
                        response_only=True,
                    )
                ]
                if batch
                else []
            ),
        ),
        415: error_response(
            "`unsupported_media_type`: `Content-Type` is not `application/json` (a `charset` "
            "parameter, if given, must be `utf-8`).",
            "unsupported_media_type",
            "Send the body as Content-Type: application/json (UTF-8); got 'text/plain'.",
        ),
        422: error_response(
            "`invalid_event`: the event does not match its schema; `detail` maps field paths "
            "to messages."
            + (" For a batch: only when `events` is missing or empty." if batch else ""),
            "invalid_event",
            {
                "data.amount": ["At most 2 decimal places allowed."],
                "platform": ["The event says 'girlfanz' but was sent to 'boyfanz'."],
            },
        ),
        429: error_response(
            "`throttled`: too many failed attempts from this IP, or the platform is over its "
            "quota; retry after `Retry-After` seconds.",
            "throttled",
            "Too many webhook requests that failed authentication from this address "
            "(limit 100 per 60 s).",
        ),
    }
    return responses


def event_examples(names) -> list[OpenApiExample]:
    return [
        OpenApiExample(name, value=EVENT_EXAMPLES[name], request_only=True)
        for name in sorted(names)
        if name in EVENT_EXAMPLES
    ]


ACCEPTED_EXAMPLES = [
    OpenApiExample(
        "Stored",
        value={"id": 1042, "eventId": "evt_8f14e45f", "duplicate": False, "state": "received"},
        response_only=True,
        status_codes=["202"],
    ),
    OpenApiExample(
        "Duplicate",
        value={"id": 1042, "eventId": "evt_8f14e45f", "duplicate": True, "state": "processed"},
        response_only=True,
        status_codes=["200"],
    ),
]


SINGLE_DESCRIPTION = (
    "One signed event (body at most 256 KiB, `Content-Type: application/json`). Checked in "
    "this order, and nothing is written for a refusal (except the security event of a "
    "failed signature): body length and size (411 for a chunked body this server cannot "
    "delimit, 413), media type (415), platform (404), platform active (409), signature "
    "(401), JSON (400), schema (422). A new event is "
    "stored before the answer (**202**, `duplicate: false`); an event id seen before is "
    "answered **200** with `duplicate: true` and the stored state, and changes nothing. "
    "Processing into the ledger runs afterwards (state `received` → `processed` / `ignored` "
    "/ `failed`)."
)


def key_errors():
    return {
        400: OpenApiResponse(
            ApiErrorSerializer, description="`malformed_json`: the body is not JSON."
        ),
        401: OpenApiResponse(
            ApiErrorSerializer,
            description="No, a malformed, unknown, revoked or expired API key "
            "(`not_authenticated`, `authentication_failed`).",
        ),
        403: OpenApiResponse(
            ApiErrorSerializer,
            description="The key's platform is not active (`platform_inactive`).",
        ),
        422: OpenApiResponse(
            ApiErrorSerializer,
            description="`invalid`: field path → messages; or a refused rule "
            "(`platform_account_exists`, ...).",
        ),
        429: OpenApiResponse(ApiErrorSerializer, description="`throttled`."),
    }


# --- /api/v1/webhook-events/ --------------------------------------------------------------

EVENT_EXAMPLE = {
    "id": 5012,
    "source": "boyfanz",
    "platform": "boyfanz",
    "eventId": "evt_8f14e45f",
    "eventType": "tip_sent",
    "state": "processed",
    "transactionId": "tx_123",
    "creatorExternalId": "creator456",
    "occurredAt": "2026-11-20T12:00:00Z",
    "receivedAt": "2026-11-20T12:00:00.120Z",
    "processedAt": "2026-11-20T12:00:00.480Z",
    "signatureScheme": "fanz",
    "attempts": 1,
    "errorCode": "",
    "errorDetail": "",
    "ledgerEntry": 1001,
    "batchId": "",
}
FAILED_EXAMPLE = {
    **EVENT_EXAMPLE,
    "id": 5013,
    "eventId": "evt_c9f0f895",
    "eventType": "refund_issued",
    "state": "failed",
    "transactionId": "tx_999",
    "processedAt": None,
    "attempts": 6,
    "errorCode": "unknown_transaction",
    "errorDetail": "No earning with transaction id 'tx_999' on boyfanz.",
    "ledgerEntry": None,
}


# --- the schema of each endpoint ------------------------------------------------------------

platform_webhook = extend_schema(
    tags=WEBHOOK_TAGS,
    summary="Receive a platform event",
    description=SINGLE_DESCRIPTION
    + " Platform events: "
    + ", ".join(f"`{name}`" for name in sorted(PLATFORM_EVENTS))
    + ".",
    parameters=[PLATFORM_PARAMETER, *SIGNATURE_PARAMETERS],
    request=WebhookEventSerializer,
    responses={
        202: OpenApiResponse(WebhookAcceptedSerializer, description="Stored (new)."),
        200: OpenApiResponse(WebhookAcceptedSerializer, description="Duplicate."),
        **webhook_errors(),
    },
    examples=[*event_examples(PLATFORM_EVENTS), *ACCEPTED_EXAMPLES],
    auth=[],
)

central_webhook = extend_schema(
    tags=WEBHOOK_TAGS,
    summary="Receive a central (FanzDash network) event",
    description=SINGLE_DESCRIPTION
    + " Signed with the network secret (`NETWORK_WEBHOOK_SECRET`). Central events: "
    + ", ".join(f"`{name}`" for name in sorted(CENTRAL_EVENTS))
    + ".",
    parameters=SIGNATURE_PARAMETERS,
    request=WebhookEventSerializer,
    responses={
        202: OpenApiResponse(WebhookAcceptedSerializer, description="Stored (new)."),
        200: OpenApiResponse(WebhookAcceptedSerializer, description="Duplicate."),
        **webhook_errors(),
    },
    examples=[*event_examples(CENTRAL_EVENTS), *ACCEPTED_EXAMPLES],
    auth=[],
)

platform_webhook_batch = extend_schema(
    tags=WEBHOOK_TAGS,
    summary="Receive up to 1,000 platform events in one signed body",
    description=(
        '`{"events": [...]}`, body at most 8 MiB, signed as a whole like a single event. '
        "The request-level checks (411, 413, 415, 404, 409, 401, 400) are those of the single "
        "endpoint; then each event is validated, deduplicated and stored exactly like a "
        "single one, in one insert. The answer is **200** whenever the batch itself was "
        "accepted, with one result per event in order: `status` 202 (stored now), 200 "
        "(duplicate, also of an earlier copy in the same batch) or 422 (`invalid_event` "
        "with field paths; that event is not stored, the valid ones are). Why 200 and "
        "not 207 or a 4xx: the outcome is mixed by design and a 4xx would tell retrying "
        "clients that nothing was stored."
    ),
    parameters=[PLATFORM_PARAMETER, *SIGNATURE_PARAMETERS],
    request=WebhookBatchSerializer,
    responses={200: WebhookBatchResultSerializer, **webhook_errors(batch=True)},
    examples=[
        OpenApiExample(
            "A batch",
            value={
                "events": [
                    EVENT_EXAMPLES["tip_sent"],
                    EVENT_EXAMPLES["subscription_created"],
                ]
            },
            request_only=True,
        ),
        OpenApiExample(
            "Mixed results",
            value={
                "batchId": "9b2f0c1e4d6a4f1b8e3c2a1d0f9e8d7c",
                "accepted": 1,
                "duplicates": 1,
                "rejected": 1,
                "results": [
                    {
                        "index": 0,
                        "status": 202,
                        "id": 1043,
                        "eventId": "evt_8f14e45f",
                        "duplicate": False,
                        "state": "received",
                    },
                    {
                        "index": 1,
                        "status": 200,
                        "id": 1001,
                        "eventId": "evt_sub_0001",
                        "duplicate": True,
                        "state": "processed",
                    },
                    {
                        "index": 2,
                        "eventId": "evt_bad_1",
                        "status": 422,
                        "error": "invalid_event",
                        "detail": {"data.currency": ["Unknown currency 'XXX'."]},
                    },
                ],
            },
            response_only=True,
            status_codes=["200"],
        ),
    ],
    auth=[],
)

sync_user = extend_schema(
    tags=TAGS,
    summary="Create or update a platform's user",
    description=(
        "Upserts the user by the platform's `id`. For role `creator`: a creator already "
        "linked to your `id` is updated; an email nobody has makes a new creator (and a "
        "FanzDash login), linked to your platform with `id` as the external id, so your "
        "events with `creatorId` = `id` land on them (201/200, `link` `linked`).\n\n"
        "An email that belongs to an **existing** FanzDash account not yet linked to your "
        "platform is not linked on your word: FanzDash records a link request and answers "
        "**202** with `link` `pending_confirmation`, `creatorId` null, `linkRequestId` and "
        "`linkExpiresAt`. The link is made when the account's owner confirms it on their "
        "own page, or the network's staff do; until then you see nothing of that creator "
        "(404 on `/api/v1/creators/...`) and your events for `id` wait. Sync again to learn "
        "the outcome (`linked` once confirmed; 409 `link_rejected` if declined).\n\n"
        "`status` is your platform's status of the user and is only recorded: it never "
        "changes the creator's network-wide status (`creatorStatus`), which only the "
        "network's staff (or the central `user_suspended` event) change. An email of a staff "
        "account is refused (409 `email_is_staff`)."
    ),
    request=SyncUserSerializer,
    responses={
        200: SyncUserResultSerializer,
        201: SyncUserResultSerializer,
        202: OpenApiResponse(
            SyncUserResultSerializer,
            description="The email belongs to an existing account: link pending confirmation.",
        ),
        409: OpenApiResponse(
            ApiErrorSerializer,
            description="`email_is_staff`, `email_taken`, `external_id_taken`, "
            "`link_request_pending` (the email waits for confirmation under another of your "
            "ids), `link_rejected` (its owner or staff declined the link recently).",
        ),
        **key_errors(),
    },
    examples=[
        OpenApiExample(
            "A creator",
            value={
                "id": "user123",
                "username": "creator_username",
                "email": "user@example.com",
                "role": "creator",
                "status": "active",
            },
            request_only=True,
        ),
        OpenApiExample(
            "Created",
            value={
                "id": "user123",
                "platform": "boyfanz",
                "created": True,
                "role": "creator",
                "status": "active",
                "creatorId": 42,
                "creatorCreated": True,
                "creatorStatus": "active",
                "link": "linked",
            },
            response_only=True,
            status_codes=["201"],
        ),
        OpenApiExample(
            "Existing account: pending confirmation",
            value={
                "id": "user123",
                "platform": "boyfanz",
                "created": True,
                "role": "creator",
                "status": "active",
                "creatorId": None,
                "creatorCreated": False,
                "creatorStatus": None,
                "link": "pending_confirmation",
                "linkRequestId": 7,
                "linkExpiresAt": "2026-12-20T12:00:00Z",
            },
            response_only=True,
            status_codes=["202"],
        ),
    ],
)

sync_earnings = extend_schema(
    tags=TAGS,
    summary="Report a creator's earnings figures",
    description=(
        "The platform's own figures for the creator it calls `creatorId` (amounts as "
        "decimal strings or JSON numbers, converted exactly; at least one figure). They are "
        "stored beside the ledger's figures at this moment and the difference: `total`, "
        "`thisMonth`, `lastPayout`, `pendingPayout` against the creator's figures across "
        "the network, `platforms.<slug>` against that platform's total. Any difference "
        "flags the report for the network's finance team.\n\n"
        "The answer says only how your figure about your own money compares "
        "(`platforms.<your slug>`: `status` `matched` or `mismatch`, `recorded` if you sent "
        "none); the other figures hold other platforms' money and are listed as `withheld` "
        "(compared for finance, not answered). Never the ledger's amounts."
    ),
    request=SyncEarningsSerializer,
    responses={201: SyncEarningsResultSerializer, **key_errors()},
    examples=[
        OpenApiExample(
            "Seed shape",
            value={
                "creatorId": "creator123",
                "earnings": {
                    "total": 5000.00,
                    "thisMonth": 1200.00,
                    "lastPayout": 4500.00,
                    "pendingPayout": 500.00,
                    "platforms": {"boyfanz": 2000.00, "girlfanz": 1500.00},
                },
            },
            request_only=True,
        ),
        OpenApiExample(
            "Mismatch",
            value={
                "id": 7,
                "creatorId": "creator123",
                "creatorKnown": True,
                "currency": "USD",
                "status": "mismatch",
                "mismatches": ["platforms.boyfanz"],
                "withheld": [
                    "total",
                    "thisMonth",
                    "lastPayout",
                    "pendingPayout",
                    "platforms.girlfanz",
                ],
            },
            response_only=True,
        ),
    ],
)

user_permissions = extend_schema(
    tags=TAGS,
    summary="A user's roles and permissions",
    description=(
        "With a platform API key, `user_id` is the platform's user id (as sent to "
        "`sync/user`); only that platform's users are found. Staff (session, "
        "`accounts.view_user`) give FanzDash's numeric user id, or a platform's user id "
        "with `?platform=<slug>`. "
        "Permissions are FanzDash's (`app.codename`); a fan known only to the platform has "
        "its platform role and none."
    ),
    parameters=[
        OpenApiParameter(
            "user_id",
            OpenApiTypes.STR,
            OpenApiParameter.PATH,
            description="The platform's user id (API key), or FanzDash's user id (staff).",
        ),
        OpenApiParameter(
            "platform",
            OpenApiTypes.STR,
            OpenApiParameter.QUERY,
            required=False,
            description="Staff only: look `user_id` up among this platform's users.",
        ),
    ],
    responses={
        200: UserPermissionsSerializer,
        401: OpenApiResponse(ApiErrorSerializer, description="Bad API key."),
        403: OpenApiResponse(ApiErrorSerializer, description="Not signed in, or not allowed."),
        404: OpenApiResponse(ApiErrorSerializer, description="No such user (`not_found`)."),
    },
    examples=[
        OpenApiExample(
            "A creator",
            value={
                "id": "user123",
                "platform": "boyfanz",
                "userId": 17,
                "email": "user@example.com",
                "role": "creator",
                "roles": ["creator"],
                "permissions": [],
                "isActive": True,
                "creatorId": 42,
                "creatorStatus": "active",
            },
            response_only=True,
        )
    ],
)

integration_health = extend_schema(
    tags=TAGS,
    summary="FanzDash and its dependencies",
    description="Database, cache and broker (required: 503 when one is down) and the "
    "worker heartbeat (informational). Open to anyone, who sees the status and each check's "
    "`ok`; the details (vendors, backends, latencies, error classes, the worker's heartbeat) "
    "only signed-in staff allowed to see system health, a monitor sending `X-Health-Token`, "
    "or an address in `HEALTH_ALLOWED_IPS`. Names no secrets.",
    responses={
        200: OpenApiResponse(OpenApiTypes.OBJECT, description="All required checks pass."),
        503: OpenApiResponse(OpenApiTypes.OBJECT, description="A required check fails."),
    },
    examples=[
        OpenApiExample(
            "Healthy (anyone)",
            value={
                "status": "ok",
                "time": "2026-11-20T12:00:00+00:00",
                "checks": {
                    "database": {"ok": True},
                    "cache": {"ok": True},
                    "broker": {"ok": True},
                    "worker": {"ok": True, "required": False},
                },
            },
            response_only=True,
        ),
        OpenApiExample(
            "Healthy (staff or monitor)",
            value={
                "status": "ok",
                "time": "2026-11-20T12:00:00+00:00",
                "checks": {
                    "database": {"ok": True, "latency_ms": 0.4, "vendor": "postgresql"},
                    "cache": {"ok": True, "latency_ms": 0.3, "backend": "RedisCache"},
                    "broker": {"ok": True, "latency_ms": 1.2, "transport": "redis"},
                    "worker": {
                        "ok": True,
                        "latency_ms": 0.5,
                        "last_heartbeat": "2026-11-20T11:59:30+00:00",
                        "age_seconds": 30,
                        "required": False,
                    },
                },
            },
            response_only=True,
        ),
    ],
)

test_webhook = extend_schema(
    tags=TAGS,
    summary="Development only: sign and deliver a sample event",
    description="404 unless `DEBUG` is on; staff only. Builds the event (the type's "
    "example `data` unless given), signs it with the platform's newest active secret "
    "(`scheme` fanz or standard) and posts it to this server's webhook endpoint; answers "
    "with what was sent and what came back.",
    request=TestWebhookSerializer,
    responses={
        200: OpenApiResponse(OpenApiTypes.OBJECT, description="Delivered."),
        403: OpenApiResponse(ApiErrorSerializer, description="Not staff."),
        404: OpenApiResponse(ApiErrorSerializer, description="DEBUG is off."),
    },
    examples=[
        OpenApiExample(
            "Seed shape",
            value={
                "platform": "boyfanz",
                "event": "subscription_created",
                "data": {
                    "transactionId": "tx_test_1",
                    "userId": "test123",
                    "creatorId": "creator456",
                    "amount": 19.99,
                    "currency": "USD",
                },
            },
            request_only=True,
        )
    ],
)

webhook_event_list = extend_schema(
    tags=EVENTS_TAGS,
    summary="List received webhook events",
    description="Newest received first, 50 a page (`page_size` up to 200), "
    "cursor-paginated: follow `next` / `previous`. Bodies are left out (see the detail). "
    "Staff need `integrations.view_webhooks`; a platform API key sees only the events its "
    "platform sent.",
    responses={
        200: WebhookEventListSerializer(many=True),
        **error_responses(400, 401, 403, 404, 429),
    },
    examples=[
        OpenApiExample(
            "A processed and a failed event",
            value={"next": None, "previous": None, "results": [EVENT_EXAMPLE, FAILED_EXAMPLE]},
            response_only=True,
        )
    ],
)

webhook_event_detail = extend_schema(
    tags=EVENTS_TAGS,
    summary="One received webhook event, with its body and processing result",
    description="A platform API key gets 404 for an event another platform sent.",
    parameters=[
        OpenApiParameter(
            "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The stored event id."
        )
    ],
    responses={200: WebhookEventDetailSerializer, **error_responses(401, 403, 404, 429)},
    examples=[
        OpenApiExample(
            "A processed tip",
            value={
                **EVENT_EXAMPLE,
                "payload": {
                    "id": "evt_8f14e45f",
                    "event": "tip_sent",
                    "platform": "boyfanz",
                    "created_at": "2026-11-20T12:00:00Z",
                    "data": {
                        "transactionId": "tx_123",
                        "userId": "fan_77",
                        "creatorId": "creator456",
                        "amount": "19.99",
                        "currency": "USD",
                    },
                },
                "result": {"entry_id": 1001},
            },
            response_only=True,
        )
    ],
)


# --- KYC providers' results -----------------------------------------------------------------

KYC_PROVIDER_PARAMETER = OpenApiParameter(
    "provider",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The KYC provider's slug (`verifymy`).",
)


def _kyc_webhook_errors() -> dict:
    responses = webhook_errors()
    responses[404] = error_response(
        "`unknown_provider`: no KYC provider has this slug.",
        "unknown_provider",
        "No KYC provider 'nosuchprovider'.",
    )
    responses[409] = error_response(
        "`provider_inactive`: the provider is switched off (Django admin, KYC providers).",
        "provider_inactive",
        "KYC provider verifymy is inactive; its webhooks are refused until it is active again.",
    )
    responses[422] = OpenApiResponse(
        response=ApiErrorSerializer,
        description="The body is refused and nothing is stored: `invalid_event` (not an "
        "object, a field missing, malformed or unknown; `detail` maps fields to messages), "
        "`unknown_status`, `invalid_level` (outside 0-3, or none with `approved`), "
        "`invalid_expiry` (`expiresOn` not after today), `unknown_reference` (no verification "
        "of this provider has the reference).",
        examples=[
            OpenApiExample(
                code,
                value={"error": code, "detail": detail},
                response_only=True,
            )
            for code, detail in [
                ("unknown_status", {"status": ["'done' is not one of pending, approved, ..."]}),
                ("unknown_reference", {"reference": ["No VerifyMy verification has ..."]}),
                ("invalid_level", {"level": ["A KYC level is a whole number from 0 to 3."]}),
                ("invalid_event", {"occurredAt": ["This field is required."]}),
            ]
        ],
    )
    return responses


kyc_provider_webhook = extend_schema(
    tags=WEBHOOK_TAGS,
    summary="Receive a KYC provider's result (VerifyMy)",
    description=(
        "One signed result of an identity check (body at most 256 KiB), signed like the "
        "platforms' events (`X-FANZ-Signature` or Standard Webhooks) with the provider's own "
        "secret (`KYC_WEBHOOK_SECRETS`). Checked in this order, nothing written for a refusal "
        "(except the security event of a failed signature): size (411, 413), media type "
        "(415), provider (404), provider active (409), signature (401), JSON (400), body and "
        "reference (422). A new result is stored before the answer (**202**); an `eventId` "
        "seen before is answered **200** with `duplicate: true` and changes nothing. It is "
        "applied once, after the answer: the verification is approved, rejected or expired "
        "and the creator's KYC level derived again (the platforms receive "
        "`creator.kyc_changed`). A verification already decided is never decided again."
    ),
    parameters=[KYC_PROVIDER_PARAMETER, *SIGNATURE_PARAMETERS],
    request=KycProviderResultSerializer,
    responses={
        202: OpenApiResponse(WebhookAcceptedSerializer, description="Stored (new)."),
        200: OpenApiResponse(WebhookAcceptedSerializer, description="Duplicate."),
        **_kyc_webhook_errors(),
    },
    examples=[
        OpenApiExample(
            "approved",
            value={
                "eventId": "vm_evt_5521",
                "reference": "vm-7f3a9c",
                "status": "approved",
                "level": 2,
                "reason": "Document and liveness check passed.",
                "expiresOn": "2027-06-15",
                "occurredAt": "2026-06-15T11:58:00Z",
            },
            request_only=True,
        ),
        OpenApiExample(
            "rejected",
            value={
                "eventId": "vm_evt_5522",
                "reference": "vm-7f3a9d",
                "status": "rejected",
                "reason": "The document has expired.",
                "occurredAt": "2026-06-15T11:59:00Z",
            },
            request_only=True,
        ),
        *ACCEPTED_EXAMPLES,
    ],
    auth=[],
)
