"""The integration endpoints under ``/api/integrations/`` (docs/integration.md).

The webhook endpoints are thin DRF views with no authentication, parsing, content
negotiation or throttling of DRF's own (the signature is the authentication, the throttles
are ``throttling.py``): they read the raw body once, check in the documented order and answer
with ``JsonResponse``. Everything they refuse writes nothing, except the security event of a
failed signature.
"""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework.authentication import SessionAuthentication
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.audit.models import SecurityEvent
from apps.audit.services import security_event_record
from apps.core.api import ApiErrorSerializer
from apps.core.currencies import currency_exponent
from apps.core.exceptions import ApplicationError
from apps.core.health import health_report
from apps.core.money import JsonNumber
from apps.platforms.authentication import (
    IsPlatformKey,
    PlatformAPIKeyAuthentication,
    StaffOrPlatformKey,
    is_platform_principal,
)
from apps.platforms.models import Platform

from . import signatures
from .event_examples import EVENT_EXAMPLES
from .ingest import (
    EventRow,
    SourceContext,
    UnstorableEvent,
    payload_json,
    request_headers,
    request_source_ip,
    source_context,
    webhook_events_store,
)
from .models import CENTRAL_SOURCE, PlatformUser
from .reconciliation import earnings_report_record, mismatched_figures
from .schemas import (
    CENTRAL_EVENTS,
    PLATFORM_EVENTS,
    EventSchemaError,
    earnings_figures_clean,
    event_validate,
)
from .serializers import (
    SyncEarningsResultSerializer,
    SyncEarningsSerializer,
    SyncUserResultSerializer,
    SyncUserSerializer,
    TestWebhookSerializer,
    UserPermissionsSerializer,
    WebhookAcceptedSerializer,
    WebhookBatchResultSerializer,
    WebhookBatchSerializer,
    WebhookEventSerializer,
)
from .throttling import Throttled, failed_auth_hit, platform_quota_hit, throttle_ip
from .users import platform_user_sync

TAGS = ["integrations"]
WEBHOOK_TAGS = ["webhooks"]


# --- responses ---------------------------------------------------------------------------------


def _error(status: int, code: str, detail, *, retry_after: int | None = None) -> JsonResponse:
    response = JsonResponse({"error": code, "detail": detail}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _throttled(throttled: Throttled) -> JsonResponse:
    return _error(429, "throttled", throttled.detail, retry_after=throttled.retry_after)


class _FirstRenderer(BaseContentNegotiation):
    """Webhook senders get JSON whatever they ``Accept`` (no 406, no negotiation cost)."""

    def select_parser(self, request, parsers):
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class _BodyTooLarge(Exception):
    pass


def _read_body(request, limit: int) -> bytes:
    """The raw body, refusing (before reading it) a declared length over ``limit`` and
    (while reading) an actual one."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise _BodyTooLarge
    body = request.read(limit + 1)
    if len(body) > limit:
        raise _BodyTooLarge
    return body


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _json_load(body: bytes):
    """Parsed JSON and its text; ValueError (with the reason) when it is not UTF-8 JSON."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("The body must be UTF-8 encoded JSON.") from None
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=JsonNumber), text
    except RecursionError:
        raise ValueError("The JSON is nested too deeply.") from None
    except ValueError as error:
        raise ValueError(f"The body is not valid JSON: {error}") from None


# --- the webhook request path ------------------------------------------------------------------


class _Refusal(Exception):
    def __init__(self, response: JsonResponse) -> None:
        self.response = response


def _refuse_unauthenticated(request, status: int, code: str, detail) -> _Refusal:
    """A refusal before the signature verified: counted against the IP's failure quota (and
    answered 429 once it is over)."""
    throttled = failed_auth_hit(throttle_ip(request))
    if throttled is not None:
        return _Refusal(_throttled(throttled))
    return _Refusal(_error(status, code, detail))


def _authenticate(request, source: str, *, body_limit: int):
    """Steps 1-4: size, source, status, signature. Returns (context, body, verification, ip)
    or raises _Refusal."""
    ip = request_source_ip(request)
    try:
        body = _read_body(request, body_limit)
    except _BodyTooLarge:
        raise _refuse_unauthenticated(
            request, 413, "payload_too_large", f"The body is larger than {body_limit} bytes."
        ) from None
    context = source_context(source)
    if context is None:
        raise _refuse_unauthenticated(request, 404, "unknown_platform", f"No platform {source!r}.")
    if not context.is_active:
        raise _refuse_unauthenticated(
            request,
            409,
            "platform_inactive",
            f"Platform {source} is {context.status}; its webhooks are refused until it is "
            "active again.",
        )
    tolerance = settings.WEBHOOK_TIMESTAMP_TOLERANCE
    try:
        verification = signatures.signature_verify(
            meta=request.META, body=body, secrets=context.secrets, tolerance=tolerance
        )
    except signatures.SignatureError as error:
        verification = None
        if error.code == "invalid_signature":
            # The cached secrets may predate a rotation: look once more in the database.
            fresh = source_context(source, fresh=True)
            if fresh is not None and fresh.is_active and fresh.secrets != context.secrets:
                context = fresh
                try:
                    verification = signatures.signature_verify(
                        meta=request.META, body=body, secrets=context.secrets, tolerance=tolerance
                    )
                except signatures.SignatureError as second:
                    error = second
        if verification is None:
            raise _signature_refusal(request, context, error, ip) from None
    return context, body, verification, ip


def _signature_refusal(request, context: SourceContext, error, ip) -> _Refusal:
    throttled = failed_auth_hit(throttle_ip(request))
    if throttled is not None:
        return _Refusal(_throttled(throttled))  # a blocked prober writes nothing
    stale = error.code == "stale_timestamp"
    security_event_record(
        kind=(
            SecurityEvent.Kind.WEBHOOK_TIMESTAMP_STALE
            if stale
            else SecurityEvent.Kind.WEBHOOK_SIGNATURE_FAILED
        ),
        summary=(
            f"Stale webhook timestamp for {context.source} from {ip or 'unknown address'}"
            if stale
            else f"Webhook signature failed for {context.source} from {ip or 'unknown address'}"
        ),
        platform=context.platform(),
        source_ip=ip,
        detail={
            "source": context.source,
            "path": request.path[:200],
            "code": error.code,
            "reason": error.detail,
            "scheme": error.scheme,
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
        },
    )
    return _Refusal(_error(401, error.code, error.detail))


def _row_for(cleaned: dict, payload_text: str, raw_body: str) -> EventRow:
    return EventRow(
        event_id=cleaned["event_id"],
        event_type=cleaned["event_type"],
        payload_text=payload_text,
        raw_body=raw_body,
        transaction_id=cleaned["transaction_id"],
        creator_external_id=cleaned["creator_external_id"],
        occurred_at=cleaned["occurred_at"],
    )


def webhook_receive(request, source: str) -> JsonResponse:
    """One signed event: 202 stored now, 200 duplicate, or a refusal."""
    try:
        context, body, verification, ip = _authenticate(
            request, source, body_limit=settings.WEBHOOK_MAX_BODY_BYTES
        )
    except _Refusal as refusal:
        return refusal.response
    throttled = platform_quota_hit(source)
    if throttled is not None:
        return _throttled(throttled)
    try:
        payload, text = _json_load(body)
    except ValueError as error:
        return _error(400, "malformed_json", str(error))
    if verification.scheme == signatures.SCHEME_STANDARD and isinstance(payload, dict):
        if payload.get("id") is None:
            payload["id"] = verification.webhook_id
        elif payload["id"] != verification.webhook_id:
            return _error(
                422,
                "invalid_event",
                {"id": ["The event id differs from the webhook-id header."]},
            )
    try:
        cleaned = event_validate(source, payload)
        payload_text = payload_json(payload)
    except EventSchemaError as error:
        return _error(422, "invalid_event", error.errors)
    except UnstorableEvent as error:
        return _error(422, "invalid_event", {"": [str(error)]})
    stored = webhook_events_store(
        context=context,
        rows=[_row_for(cleaned, payload_text, text)],
        headers=request_headers(request.META),
        verification=verification.as_dict(),
        source_ip=ip,
    )[0]
    return JsonResponse(stored.as_response(), status=200 if stored.duplicate else 202)


def webhook_batch_receive(request, source: str) -> JsonResponse:
    """Up to ``WEBHOOK_BATCH_MAX_EVENTS`` signed events in one body, each validated,
    deduplicated and stored exactly like a single one; one result per event."""
    try:
        context, body, verification, ip = _authenticate(
            request, source, body_limit=settings.WEBHOOK_BATCH_MAX_BODY_BYTES
        )
    except _Refusal as refusal:
        return refusal.response
    try:
        payload, _ = _json_load(body)
    except ValueError as error:
        return _error(400, "malformed_json", str(error))
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list) or not events:
        return _error(422, "invalid_event", {"events": ["Expected a non-empty array of events."]})
    limit = settings.WEBHOOK_BATCH_MAX_EVENTS
    if len(events) > limit:
        return _error(
            413,
            "batch_too_large",
            f"{len(events)} events in one batch; at most {limit}: split it.",
        )
    throttled = platform_quota_hit(source, len(events))
    if throttled is not None:
        return _throttled(throttled)

    results: list[dict | None] = [None] * len(events)
    rows: list[EventRow] = []
    row_index: list[int] = []
    first_index: dict[str, int] = {}
    repeats: list[tuple[int, str]] = []
    for index, event in enumerate(events):
        event_id = event.get("id") if isinstance(event, dict) else None
        event_id = event_id if isinstance(event_id, str) else None
        try:
            cleaned = event_validate(source, event)
            payload_text = payload_json(event)
        except EventSchemaError as error:
            results[index] = _batch_error(index, event_id, error.errors)
            continue
        except UnstorableEvent as error:
            results[index] = _batch_error(index, event_id, {"": [str(error)]})
            continue
        if cleaned["event_id"] in first_index:
            repeats.append((index, cleaned["event_id"]))
            continue
        first_index[cleaned["event_id"]] = index
        rows.append(_row_for(cleaned, payload_text, payload_text))
        row_index.append(index)

    batch_id = uuid.uuid4().hex
    stored = webhook_events_store(
        context=context,
        rows=rows,
        headers=request_headers(request.META),
        verification=verification.as_dict(),
        source_ip=ip,
        batch_id=batch_id,
    )
    for index, item in zip(row_index, stored, strict=True):
        results[index] = {
            "index": index,
            "status": 200 if item.duplicate else 202,
            **item.as_response(),
        }
    for index, event_id in repeats:
        first = results[first_index[event_id]]
        results[index] = {**first, "index": index, "status": 200, "duplicate": True}
    accepted = sum(1 for item in results if item.get("status") == 202)
    rejected = sum(1 for item in results if "error" in item)
    return JsonResponse(
        {
            "batchId": batch_id,
            "accepted": accepted,
            "duplicates": len(events) - accepted - rejected,
            "rejected": rejected,
            "results": results,
        },
        status=200,
    )


def _batch_error(index: int, event_id, errors: dict) -> dict:
    return {
        "index": index,
        "eventId": event_id,
        "status": 422,
        "error": "invalid_event",
        "detail": errors,
    }


# --- the webhook views (and how the schema shows them) -------------------------------------------

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


def _error_response(description: str, code: str, detail) -> OpenApiResponse:
    return OpenApiResponse(
        response=ApiErrorSerializer,
        description=description,
        examples=[
            OpenApiExample(code, value={"error": code, "detail": detail}, response_only=True)
        ],
    )


def _webhook_errors(*, batch: bool = False) -> dict:
    responses = {
        400: _error_response(
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
        404: _error_response(
            "`unknown_platform`: no platform has this slug.",
            "unknown_platform",
            "No platform 'nosuchfanz'.",
        ),
        409: _error_response(
            "`platform_inactive`: the platform is paused or retired.",
            "platform_inactive",
            "Platform boyfanz is paused; its webhooks are refused until it is active again.",
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
        422: _error_response(
            "`invalid_event`: the event does not match its schema; `detail` maps field paths "
            "to messages."
            + (" For a batch: only when `events` is missing or empty." if batch else ""),
            "invalid_event",
            {
                "data.amount": ["At most 2 decimal places allowed."],
                "platform": ["The event says 'girlfanz' but was sent to 'boyfanz'."],
            },
        ),
        429: _error_response(
            "`throttled`: too many failed attempts from this IP, or the platform is over its "
            "quota; retry after `Retry-After` seconds.",
            "throttled",
            "Too many webhook requests that failed authentication from this address "
            "(limit 100 per 60 s).",
        ),
    }
    return responses


def _event_examples(names) -> list[OpenApiExample]:
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


class _WebhookApiBase(APIView):
    authentication_classes = ()
    permission_classes = ()
    throttle_classes = ()
    # Never used to parse (the raw body is read once); listed so the schema shows JSON bodies.
    parser_classes = (JSONParser,)
    renderer_classes = (JSONRenderer,)
    content_negotiation_class = _FirstRenderer


_SINGLE_DESCRIPTION = (
    "One signed event (body at most 256 KiB). Checked in this order, and nothing is written "
    "for a refusal (except the security event of a failed signature): size (413), platform "
    "(404), platform active (409), signature (401), JSON (400), schema (422). A new event is "
    "stored before the answer (**202**, `duplicate: false`); an event id seen before is "
    "answered **200** with `duplicate: true` and the stored state, and changes nothing. "
    "Processing into the ledger runs afterwards (state `received` → `processed` / `ignored` "
    "/ `failed`)."
)


class PlatformWebhookApi(_WebhookApiBase):
    @extend_schema(
        tags=WEBHOOK_TAGS,
        summary="Receive a platform event",
        description=_SINGLE_DESCRIPTION
        + " Platform events: "
        + ", ".join(f"`{name}`" for name in sorted(PLATFORM_EVENTS))
        + ".",
        parameters=[PLATFORM_PARAMETER, *SIGNATURE_PARAMETERS],
        request=WebhookEventSerializer,
        responses={
            202: OpenApiResponse(WebhookAcceptedSerializer, description="Stored (new)."),
            200: OpenApiResponse(WebhookAcceptedSerializer, description="Duplicate."),
            **_webhook_errors(),
        },
        examples=[*_event_examples(PLATFORM_EVENTS), *ACCEPTED_EXAMPLES],
        auth=[],
    )
    def post(self, request, platform: str):
        return webhook_receive(request._request, platform)


class CentralWebhookApi(_WebhookApiBase):
    @extend_schema(
        tags=WEBHOOK_TAGS,
        summary="Receive a central (FanzDash network) event",
        description=_SINGLE_DESCRIPTION
        + " Signed with the network secret (`NETWORK_WEBHOOK_SECRET`). Central events: "
        + ", ".join(f"`{name}`" for name in sorted(CENTRAL_EVENTS))
        + ".",
        parameters=SIGNATURE_PARAMETERS,
        request=WebhookEventSerializer,
        responses={
            202: OpenApiResponse(WebhookAcceptedSerializer, description="Stored (new)."),
            200: OpenApiResponse(WebhookAcceptedSerializer, description="Duplicate."),
            **_webhook_errors(),
        },
        examples=[*_event_examples(CENTRAL_EVENTS), *ACCEPTED_EXAMPLES],
        auth=[],
    )
    def post(self, request):
        return webhook_receive(request._request, CENTRAL_SOURCE)


class PlatformWebhookBatchApi(_WebhookApiBase):
    @extend_schema(
        tags=WEBHOOK_TAGS,
        summary="Receive up to 1,000 platform events in one signed body",
        description=(
            '`{"events": [...]}`, body at most 8 MiB, signed as a whole like a single event. '
            "The request-level checks (413, 404, 409, 401, 400) are those of the single "
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
        responses={200: WebhookBatchResultSerializer, **_webhook_errors(batch=True)},
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
    def post(self, request, platform: str):
        return webhook_batch_receive(request._request, platform)


# --- sync endpoints (platform API keys) -------------------------------------------------------


def _invalid(errors) -> ApplicationError:
    return ApplicationError("invalid", errors, status_code=422)


def _key_errors():
    return {
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


class SyncUserApi(APIView):
    authentication_classes = [PlatformAPIKeyAuthentication]
    permission_classes = [IsPlatformKey]

    @extend_schema(
        tags=TAGS,
        summary="Create or update a platform's user",
        description=(
            "Upserts the user by the platform's `id`. For role `creator` FanzDash creates the "
            "creator (and a user for the email, unless one exists) or updates it, and links it "
            "to the platform with `id` as the external id: the platform's events with "
            "`creatorId` = `id` land on that creator. `status` `suspended`/`banned` suspends "
            "the creator; `active` never lifts a suspension. An email of a staff account is "
            "refused (409 `email_is_staff`)."
        ),
        request=SyncUserSerializer,
        responses={
            200: SyncUserResultSerializer,
            201: SyncUserResultSerializer,
            409: OpenApiResponse(
                ApiErrorSerializer,
                description="`email_is_staff`, `email_taken`, `external_id_taken`.",
            ),
            **_key_errors(),
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
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        serializer = SyncUserSerializer(data=request.data)
        if not serializer.is_valid():
            raise _invalid(serializer.errors)
        platform = request.user.platform
        try:
            result = platform_user_sync(platform=platform, data=serializer.validated_data)
        except IntegrityError:
            # Two syncs of one new user at the same instant: the other one created it.
            result = platform_user_sync(platform=platform, data=serializer.validated_data)
        user = result.platform_user
        return Response(
            {
                "id": user.external_id,
                "platform": platform.slug,
                "created": result.created,
                "role": user.role,
                "status": user.status,
                "creatorId": getattr(result.creator, "pk", None),
                "creatorCreated": result.creator_created,
                "creatorStatus": getattr(result.creator, "status", None),
            },
            status=201 if result.created else 200,
        )


class SyncEarningsApi(APIView):
    authentication_classes = [PlatformAPIKeyAuthentication]
    permission_classes = [IsPlatformKey]

    @extend_schema(
        tags=TAGS,
        summary="Report a creator's earnings figures",
        description=(
            "The platform's own figures for the creator it calls `creatorId` (amounts as "
            "decimal strings or JSON numbers, converted exactly; at least one figure). They are "
            "stored beside the ledger's figures at this moment and the difference: `total`, "
            "`thisMonth`, `lastPayout`, `pendingPayout` against the creator's figures across "
            "the network, `platforms.<slug>` against that platform's total. Any difference "
            "flags the report (`mismatch`) for finance. The answer names the figures that "
            "differ, not the ledger's amounts."
        ),
        request=SyncEarningsSerializer,
        responses={201: SyncEarningsResultSerializer, **_key_errors()},
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
                    "mismatches": ["total", "platforms.girlfanz"],
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        platform = request.user.platform
        body = request.data if isinstance(request.data, dict) else None
        if body is None:
            raise _invalid({"": ["Expected a JSON object."]})
        errors: dict[str, list[str]] = {}
        creator_id = body.get("creatorId")
        if not isinstance(creator_id, str) or not creator_id.strip() or len(creator_id) > 100:
            errors["creatorId"] = ["Expected the platform's creator id (1 to 100 characters)."]
        currency = body.get("currency") or platform.settlement_currency_id
        exponent = None
        if not isinstance(currency, str):
            errors["currency"] = ["Expected an ISO 4217 code such as USD."]
        else:
            try:
                exponent = currency_exponent(currency.upper())
            except ApplicationError:
                errors["currency"] = [f"Unknown currency {currency!r}."]
        figures = {}
        if exponent is not None:
            try:
                figures = earnings_figures_clean(body.get("earnings"), exponent)
            except EventSchemaError as error:
                errors.update(error.errors)
        if errors:
            raise _invalid(errors)
        report = earnings_report_record(
            platform=platform,
            creator_external_id=creator_id.strip(),
            figures=figures,
            currency=currency.upper(),
        )
        return Response(
            {
                "id": report.pk,
                "creatorId": report.creator_external_id,
                "creatorKnown": report.creator_id is not None,
                "currency": report.currency_id,
                "status": report.status,
                "mismatches": mismatched_figures(report.difference),
            },
            status=201,
        )


# --- users/<id>/permissions ----------------------------------------------------------------------


def _user_permissions(user: User) -> dict:
    creator = getattr(user, "creator", None) if user.role == "creator" else None
    return {
        "userId": user.pk,
        "email": user.email,
        "role": user.role,
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(user.get_all_permissions()) if user.is_active else [],
        "isActive": user.is_active,
        "creatorId": getattr(creator, "pk", None),
        "creatorStatus": getattr(creator, "status", None),
    }


class UserPermissionsApi(APIView):
    authentication_classes = [PlatformAPIKeyAuthentication, SessionAuthentication]
    permission_classes = [StaffOrPlatformKey]
    required_permissions = ("accounts.view_user",)
    platform_key_access = True

    @extend_schema(
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
    def get(self, request, user_id: str):
        if is_platform_principal(request.user):
            platform = request.user.platform
        else:
            slug = request.query_params.get("platform")
            platform = get_object_or_404(Platform, slug=slug) if slug else None
        if platform is None:
            if not user_id.isdigit():
                raise ApplicationError("not_found", "No such user.", status_code=404)
            user = get_object_or_404(User.objects.select_related("creator"), pk=int(user_id))
            return Response({"id": user_id, "platform": None, **_user_permissions(user)})
        platform_user = get_object_or_404(
            PlatformUser.objects.select_related("user", "creator"),
            Q(platform=platform, external_id=user_id),
        )
        if platform_user.user is not None:
            data = _user_permissions(platform_user.user)
        else:
            data = {
                "userId": None,
                "email": platform_user.email,
                "role": platform_user.role,
                "roles": [platform_user.role] if platform_user.role else [],
                "permissions": [],
                "isActive": platform_user.status not in ("suspended", "banned", "deleted"),
                "creatorId": platform_user.creator_id,
                "creatorStatus": getattr(platform_user.creator, "status", None),
            }
        return Response({"id": user_id, "platform": platform.slug, **data})


# --- health and the development test endpoint ----------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class IntegrationHealthApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        summary="FanzDash and its dependencies",
        description="Database, cache and broker (required: 503 when one is down) and the "
        "worker heartbeat (informational). Open to anyone; names no secrets.",
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="All required checks pass."),
            503: OpenApiResponse(OpenApiTypes.OBJECT, description="A required check fails."),
        },
        examples=[
            OpenApiExample(
                "Healthy",
                value={
                    "status": "ok",
                    "time": "2026-11-20T12:00:00+00:00",
                    "checks": {
                        "database": {"ok": True, "latency_ms": 0.4, "vendor": "postgresql"},
                        "cache": {"ok": True, "latency_ms": 0.3, "backend": "RedisCache"},
                        "broker": {"ok": True, "latency_ms": 1.2, "transport": "redis"},
                        "worker": {"ok": True, "latency_ms": 0.5, "required": False},
                    },
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        report = health_report()
        return Response(report, status=200 if report["status"] == "ok" else 503)


class IsStaff(BasePermission):
    message = "Staff only."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class TestWebhookApi(APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsStaff]

    def initial(self, request, *args, **kwargs):
        if not settings.DEBUG:
            raise ApplicationError("not_found", "Not found.", status_code=404)
        super().initial(request, *args, **kwargs)

    @extend_schema(
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
    def post(self, request):
        from django.test import Client

        serializer = TestWebhookSerializer(data=request.data)
        if not serializer.is_valid():
            raise _invalid(serializer.errors)
        values = serializer.validated_data
        source = values["platform"]
        context = source_context(source, fresh=True)
        if context is None:
            raise ApplicationError("unknown_platform", f"No platform {source!r}.", status_code=404)
        if not context.secrets:
            raise ApplicationError(
                "no_secret", f"{source} has no active webhook secret.", status_code=409
            )
        event = values["event"]
        example = EVENT_EXAMPLES.get(event, {})
        payload = {
            "id": f"test_{uuid.uuid4().hex[:16]}",
            "event": event,
            "platform": source,
            "created_at": timezone.now().isoformat().replace("+00:00", "Z"),
            "data": values.get("data") or example.get("data", {}),
        }
        body = json.dumps(payload).encode()
        secret = context.secrets[0].secret
        if values["scheme"] == "standard":
            headers = signatures.standard_headers(secret, payload["id"], body)
        else:
            headers = {"X-FANZ-Signature": signatures.fanz_signature(secret, body)}
        path = f"/api/integrations/webhooks/{source}"
        client = Client(HTTP_HOST=request.get_host())
        response = client.post(
            path,
            data=body,
            content_type="application/json",
            headers=headers,
            secure=request.is_secure(),
        )
        try:
            answer = response.json()
        except ValueError:
            answer = response.content.decode(errors="replace")[:2000]
        return Response(
            {
                "request": {"url": path, "headers": headers, "body": payload},
                "response": {"status": response.status_code, "body": answer},
            }
        )
