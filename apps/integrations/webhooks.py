"""The webhook request path (``POST /api/integrations/webhooks/<source>`` and ``.../batch``):
read the raw body once, check in the documented order, store, answer. Everything it refuses
writes nothing, except the security event of a failed signature.

A KYC provider's result (``.../webhooks/kyc/<provider>``, :func:`kyc_webhook_receive`) takes
the same path with the provider's own secrets, and is stored and processed by compliance.

The order: body length and size (411, 413), media type (415), source (404), source active
(409), signature (401), JSON (400), schema (422); a refusal before the signature verified is
counted against the address's failed-authentication quota (429 once over it), a verified
sender against its platform's quota. The HTTP views (``apis.py``) hand a
:class:`WebhookRequest` in and turn the :class:`WebhookAnswer` into the response.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from apps.audit.models import SecurityEvent
from apps.audit.services import security_event_record
from apps.compliance.services import (
    kyc_provider_event_store,
    kyc_provider_find,
    kyc_provider_payload_clean,
)
from apps.core.bodies import BodyRefused, body_read, body_reader, json_media_type_check
from apps.core.exceptions import ApplicationError
from apps.core.money import JsonNumber
from apps.core.net import client_ip
from apps.core.throttling import Throttled, failed_auth_hit, webhook_quota_hit

from . import signatures
from .schemas import EventSchemaError, event_validate
from .services.ingest import (
    EventRow,
    SourceContext,
    UnstorableEvent,
    payload_json,
    request_headers,
    source_context,
    webhook_events_store,
)
from .signatures import SigningSecret

# --- responses ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WebhookAnswer:
    """What the endpoint answers: status, JSON body, and ``Retry-After`` for a 429."""

    status: int
    body: dict
    retry_after: int | None = None


def _error(status: int, code: str, detail, *, retry_after: int | None = None) -> WebhookAnswer:
    return WebhookAnswer(status, {"error": code, "detail": detail}, retry_after)


def _throttled(throttled: Throttled) -> WebhookAnswer:
    return _error(429, "throttled", throttled.detail, retry_after=throttled.retry_after)


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """One webhook request as the pipeline sees it: ``meta`` holds the headers under their
    WSGI names (``HTTP_X_FANZ_SIGNATURE``, ``CONTENT_LENGTH``, ...), ``read(n)`` reads at
    most n bytes of the body (a chunked one too: ``apps.core.bodies.body_reader``). Built
    from the HTTP request by the views, or in process (:meth:`signed`) by the development
    test endpoint and the demo, which then go through exactly what a platform's request goes
    through."""

    meta: Mapping[str, Any]
    read: Callable[[int], bytes]
    ip: str | None
    path: str

    @classmethod
    def from_http(cls, request: HttpRequest) -> WebhookRequest:
        return cls(request.META, body_reader(request), client_ip(request), request.path)

    @classmethod
    def signed(
        cls, *, path: str, body: bytes, headers: Mapping[str, str], ip: str | None = None
    ) -> WebhookRequest:
        meta = {
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()},
        }
        return cls(meta, io.BytesIO(body).read, ip, path)


def _read_body(request: WebhookRequest, limit: int) -> bytes:
    """The raw JSON body: 411 for a chunked body the server cannot delimit, 413 over
    ``limit`` (declared, or while reading), then 415 unless it says it is JSON
    (``BodyRefused``)."""
    body = body_read(request.meta, request.read, limit)
    json_media_type_check(request.meta)
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
    def __init__(self, answer: WebhookAnswer) -> None:
        self.answer = answer


def _refuse_unauthenticated(request: WebhookRequest, status: int, code: str, detail) -> _Refusal:
    """A refusal before the signature verified: counted against the IP's failure quota (and
    answered 429 once it is over)."""
    throttled = failed_auth_hit(request.ip)
    if throttled is not None:
        return _Refusal(_throttled(throttled))
    return _Refusal(_error(status, code, detail))


def _authenticate(request: WebhookRequest, source: str, *, body_limit: int):
    """Steps 1-5: length and size, media type, source, status, signature. Returns (context,
    body, verification, ip) or raises _Refusal."""
    ip = request.ip
    try:
        body = _read_body(request, body_limit)
    except BodyRefused as refused:
        raise _refuse_unauthenticated(
            request, refused.status, refused.code, refused.detail
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
            meta=request.meta, body=body, secrets=context.secrets, tolerance=tolerance
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
                        meta=request.meta, body=body, secrets=context.secrets, tolerance=tolerance
                    )
                except signatures.SignatureError as second:
                    error = second
        if verification is None:
            raise _signature_refusal(request, context, error, ip) from None
    return context, body, verification, ip


def _signature_refusal(request: WebhookRequest, context: SourceContext, error, ip) -> _Refusal:
    throttled = failed_auth_hit(request.ip)
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
            "user_agent": str(request.meta.get("HTTP_USER_AGENT", ""))[:200],
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


def webhook_receive(request: WebhookRequest, source: str) -> WebhookAnswer:
    """One signed event: 202 stored now, 200 duplicate, or a refusal."""
    try:
        context, body, verification, ip = _authenticate(
            request, source, body_limit=settings.WEBHOOK_MAX_BODY_BYTES
        )
    except _Refusal as refusal:
        return refusal.answer
    throttled = webhook_quota_hit(source)
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
        headers=request_headers(request.meta),
        verification=verification.as_dict(),
        source_ip=ip,
    )[0]
    return WebhookAnswer(200 if stored.duplicate else 202, stored.as_response())


def webhook_batch_receive(request: WebhookRequest, source: str) -> WebhookAnswer:
    """Up to ``WEBHOOK_BATCH_MAX_EVENTS`` signed events in one body, each validated,
    deduplicated and stored exactly like a single one; one result per event."""
    try:
        context, body, verification, ip = _authenticate(
            request, source, body_limit=settings.WEBHOOK_BATCH_MAX_BODY_BYTES
        )
    except _Refusal as refusal:
        return refusal.answer
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
    throttled = webhook_quota_hit(source, len(events))
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
        headers=request_headers(request.meta),
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
    return WebhookAnswer(
        200,
        {
            "batchId": batch_id,
            "accepted": accepted,
            "duplicates": len(events) - accepted - rejected,
            "rejected": rejected,
            "results": results,
        },
    )


def _batch_error(index: int, event_id, errors: dict) -> dict:
    return {
        "index": index,
        "eventId": event_id,
        "status": 422,
        "error": "invalid_event",
        "detail": errors,
    }


# --- KYC providers' results (POST /api/integrations/webhooks/kyc/<provider>) --------------------


def kyc_provider_secrets(slug: str) -> list[SigningSecret]:
    """The secrets a KYC provider signs with, newest first (``KYC_WEBHOOK_SECRETS``; two
    while one rotates). Never a platform's or the network's secret."""
    return [
        SigningSecret.from_secret(secret) for secret in settings.KYC_WEBHOOK_SECRETS.get(slug, [])
    ]


def kyc_webhook_receive(request: WebhookRequest, provider_slug: str) -> WebhookAnswer:
    """One signed result of a KYC provider: 202 stored now, 200 duplicate, or a refusal that
    writes nothing (but the security event of a failed signature). The order is the platform
    path's: size (411, 413), media type (415), provider (404), provider active (409),
    signature (401), JSON (400), the body and its verification (422)."""
    try:
        body = _read_body(request, settings.WEBHOOK_MAX_BODY_BYTES)
    except BodyRefused as refused:
        return _refuse_unauthenticated(request, refused.status, refused.code, refused.detail).answer
    provider = kyc_provider_find(provider_slug)
    if provider is None:
        return _refuse_unauthenticated(
            request, 404, "unknown_provider", f"No KYC provider {provider_slug!r}."
        ).answer
    if not provider.is_active:
        return _refuse_unauthenticated(
            request,
            409,
            "provider_inactive",
            f"KYC provider {provider.slug} is inactive; its webhooks are refused until it is "
            "active again.",
        ).answer
    try:
        verification = signatures.signature_verify(
            meta=request.meta,
            body=body,
            secrets=kyc_provider_secrets(provider.slug),
            tolerance=settings.WEBHOOK_TIMESTAMP_TOLERANCE,
        )
    except signatures.SignatureError as error:
        return _kyc_signature_refusal(request, provider.slug, error).answer
    throttled = webhook_quota_hit(f"kyc:{provider.slug}")
    if throttled is not None:
        return _throttled(throttled)
    try:
        payload, _ = _json_load(body)
    except ValueError as error:
        return _error(400, "malformed_json", str(error))
    if verification.scheme == signatures.SCHEME_STANDARD and isinstance(payload, dict):
        if payload.get("eventId") is None:
            payload["eventId"] = verification.webhook_id
        elif payload["eventId"] != verification.webhook_id:
            return _error(
                422,
                "invalid_event",
                {"eventId": ["The event id differs from the webhook-id header."]},
            )
    try:
        cleaned = kyc_provider_payload_clean(payload, provider=provider)
    except ApplicationError as error:
        return _error(error.status_code, error.code, error.detail)
    event, duplicate = kyc_provider_event_store(
        provider=provider,
        cleaned=cleaned,
        payload=payload,
        verification_detail=verification.as_dict(),
    )
    return WebhookAnswer(
        200 if duplicate else 202,
        {"id": event.pk, "eventId": event.event_id, "duplicate": duplicate, "state": event.state},
    )


def _kyc_signature_refusal(request: WebhookRequest, slug: str, error) -> _Refusal:
    throttled = failed_auth_hit(request.ip)
    if throttled is not None:
        return _Refusal(_throttled(throttled))  # a blocked prober writes nothing
    stale = error.code == "stale_timestamp"
    where = request.ip or "unknown address"
    security_event_record(
        kind=(
            SecurityEvent.Kind.WEBHOOK_TIMESTAMP_STALE
            if stale
            else SecurityEvent.Kind.WEBHOOK_SIGNATURE_FAILED
        ),
        summary=(
            f"Stale KYC webhook timestamp for {slug} from {where}"
            if stale
            else f"KYC webhook signature failed for {slug} from {where}"
        ),
        source_ip=request.ip,
        detail={
            "source": f"kyc:{slug}",
            "path": request.path[:200],
            "code": error.code,
            "reason": error.detail,
            "scheme": error.scheme,
            "user_agent": str(request.meta.get("HTTP_USER_AGENT", ""))[:200],
        },
    )
    return _Refusal(_error(401, error.code, error.detail))
