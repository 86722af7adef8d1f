"""FanzDash's end of the sandbox processor: ``POST /api/v1/payouts/sandbox/callback``.

The sandbox (``adapters/sandbox.py``) posts one JSON body per settled transfer, signed
``X-FANZ-Signature: sha256=<hex HMAC-SHA256(SANDBOX_PROCESSOR_SECRET, raw body)>``. Checked in
this order, each refusal writing nothing but (for a bad signature) a security event:

1. body size (64 KiB) → 413 ``payload_too_large``
2. signature → 401 ``missing_signature`` / ``invalid_signature`` (429 ``throttled`` once the
   address is over the webhooks' failed-authentication quota)
3. JSON shape → 400 ``malformed_json`` / ``invalid``
4. the payout (by idempotency key, and the reference must be the sandbox's transfer) → 404
   ``not_found``

Then the result is applied exactly once: the payout row is locked, a callback id already in
its trail is answered ``duplicate``, a payout already closed is answered ``ignored`` (the
callback joins the trail), otherwise ``payout_mark_paid`` / ``payout_mark_failed`` run in the
same transaction as the trail row (``applied``).
"""

from __future__ import annotations

import json
import uuid

from django.db import transaction
from django.http import JsonResponse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from apps.audit.models import SecurityEvent
from apps.audit.services import security_event_record
from apps.core.api import ApiErrorSerializer
from apps.core.exceptions import ApplicationError

from .adapters import sandbox
from .models import Payout, ProcessorEvent
from .submission import payout_mark_failed, payout_mark_paid

BODY_LIMIT = 64 * 1024
CALLBACK_KIND = "callback"
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


def _refuse(status: int, code: str, detail) -> tuple[int, dict]:
    return status, {"error": code, "detail": detail}


def _failed_auth(source_ip) -> tuple[int, dict] | None:
    """Count a refused request against its address (the webhooks' failed-auth quota): 429
    once over it, so forged callbacks cannot flood the security log. In-process deliveries
    (no address) are not counted."""
    if source_ip is None:
        return None
    from apps.integrations.throttling import failed_auth_hit

    throttled = failed_auth_hit(source_ip)
    if throttled is None:
        return None
    return _refuse(429, "throttled", throttled.detail)


def sandbox_callback_receive(*, body: bytes, signature: str | None, source_ip=None):
    """Verify, parse and apply one callback: ``(status, response body)``. The endpoint and
    the in-process delivery (no SANDBOX_CALLBACK_URL) both go through here."""
    if len(body) > BODY_LIMIT:
        return _refuse(413, "payload_too_large", f"The body is larger than {BODY_LIMIT} bytes.")
    if not signature or not sandbox.signature_valid(body, signature):
        throttled = _failed_auth(source_ip)
        if throttled is not None:
            return throttled
    if not signature:
        return _refuse(
            401,
            "missing_signature",
            f"Sign the body with {sandbox.SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256>.",
        )
    if not sandbox.signature_valid(body, signature):
        security_event_record(
            kind=SecurityEvent.Kind.WEBHOOK_SIGNATURE_FAILED,
            summary="Sandbox processor callback with an invalid signature",
            source_ip=source_ip,
            detail={"endpoint": sandbox.CALLBACK_PATH, "bytes": len(body)},
        )
        return _refuse(
            401,
            "invalid_signature",
            f"{sandbox.SIGNATURE_HEADER} does not match the body under the sandbox secret.",
        )
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _refuse(400, "malformed_json", "The body is not UTF-8 JSON.")
    serializer = SandboxCallbackSerializer(data=data)
    if not serializer.is_valid():
        return _refuse(400, "invalid", serializer.errors)
    return sandbox_callback_apply(serializer.validated_data)


def sandbox_callback_apply(data: dict) -> tuple[int, dict]:
    key: uuid.UUID = data["idempotencyKey"]
    reference = data["reference"]
    payout = Payout.objects.filter(idempotency_key=key).first()
    if (
        payout is None
        or not sandbox.sandbox_transfers(payout).filter(payload__reference=reference).exists()
    ):
        return _refuse(404, "not_found", "No payout with this idempotency key and reference.")
    trail = {
        "callback_id": data["id"],
        "type": data["type"],
        "reference": reference,
        "failure_code": data.get("failureCode") or "",
    }
    try:
        with transaction.atomic():
            locked = (
                Payout.objects.select_for_update(of=("self",))
                .select_related("creator")
                .get(pk=payout.pk)
            )
            seen = ProcessorEvent.objects.filter(
                payout=locked, kind=CALLBACK_KIND, payload__callback_id=data["id"]
            ).exists()
            if seen:
                return 200, {"result": "duplicate", "payout": locked.pk, "state": locked.state}
            closed = locked.state not in (Payout.State.PENDING, Payout.State.SUBMITTED)
            ProcessorEvent.objects.create(
                payout=locked,
                kind=CALLBACK_KIND,
                status_code=200,
                payload={**trail, "ignored": closed},
            )
            if closed:
                if data["status"] == "paid" and locked.state != Payout.State.PAID:
                    # The processor paid money FanzDash already gave back: a person must look.
                    security_event_record(
                        kind=SecurityEvent.Kind.SECURITY_ALERT,
                        severity=SecurityEvent.Severity.CRITICAL,
                        summary=f"Processor reports payout #{locked.pk} paid, but it is "
                        f"{locked.state}",
                        creator=locked.creator,
                        detail={"payout": locked.pk, "reference": reference, **trail},
                    )
                return 200, {"result": "ignored", "payout": locked.pk, "state": locked.state}
            if data["status"] == "paid":
                updated = payout_mark_paid(
                    payout=locked, actor=None, reference=reference, source="callback"
                )
            else:
                updated = payout_mark_failed(
                    payout=locked,
                    actor=None,
                    code=data["failureCode"],
                    reason=data.get("failureMessage") or "",
                    source="callback",
                )
    except ApplicationError as error:
        # E.g. the batch is not submitted: nothing was applied, the processor retries.
        return _refuse(error.status_code, error.code, error.detail)
    return 200, {"result": "applied", "payout": updated.pk, "state": updated.state}


CALLBACK_EXAMPLE = {
    "id": "sbxevt_5f0c6f1e2d3b4a59",
    "type": "transfer.failed",
    "reference": "sbx_9c1d2e3f4a5b6c7d8e9f",
    "idempotencyKey": "0b8a8f53-3b1a-4c55-9a7e-7f3f1b2e4c11",
    "status": "failed",
    "amount": "150.00",
    "currency": "USD",
    "failureCode": "account_closed",
    "failureMessage": "The bank says this account is closed. Please add a new payout method.",
    "occurredAt": "2026-12-01T09:00:05+00:00",
}


class SandboxCallbackApi(APIView):
    """Signed by the sandbox processor; no session, no API key (the signature is the
    authentication)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        tags=["payouts"],
        operation_id="payouts_sandbox_callback",
        summary="Sandbox processor callback (signed)",
        description="Called by the sandbox processor when a transfer settles. Signed "
        "`X-FANZ-Signature: sha256=<hex HMAC-SHA256(SANDBOX_PROCESSOR_SECRET, raw body)>`; a "
        "missing or wrong signature is answered 401 and changes nothing. Each callback id is "
        "applied once: repeats answer `duplicate`, callbacks for a payout already paid or "
        "failed answer `ignored`.",
        parameters=[
            OpenApiParameter(
                "X-FANZ-Signature",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="sha256=<hex HMAC-SHA256 of the raw body>",
            )
        ],
        request=SandboxCallbackSerializer,
        responses={
            200: SandboxCallbackResultSerializer,
            400: OpenApiResponse(ApiErrorSerializer, description="Malformed or invalid body."),
            401: OpenApiResponse(
                ApiErrorSerializer, description="`missing_signature` or `invalid_signature`."
            ),
            404: OpenApiResponse(ApiErrorSerializer, description="Unknown payout or transfer."),
            409: OpenApiResponse(
                ApiErrorSerializer, description="The payout's batch is not submitted."
            ),
            413: OpenApiResponse(ApiErrorSerializer, description="Body over 64 KiB."),
            429: OpenApiResponse(
                ApiErrorSerializer, description="Too many refused requests from this address."
            ),
        },
        examples=[
            OpenApiExample("A failed transfer", value=CALLBACK_EXAMPLE, request_only=True),
            OpenApiExample(
                "Applied",
                value={"result": "applied", "payout": 812, "state": "failed"},
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        from apps.integrations.ingest import request_source_ip

        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > BODY_LIMIT:
            status, payload = _refuse(
                413, "payload_too_large", f"The body is larger than {BODY_LIMIT} bytes."
            )
        else:
            body = request._request.read(BODY_LIMIT + 1)
            status, payload = sandbox_callback_receive(
                body=body,
                signature=request.META.get("HTTP_X_FANZ_SIGNATURE"),
                source_ip=request_source_ip(request._request) or "-",
            )
        return JsonResponse(payload, status=status)
