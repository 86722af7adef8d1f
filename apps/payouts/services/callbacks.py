"""FanzDash's end of the sandbox processor's callbacks (``POST /api/v1/payouts/sandbox/callback``
in ``apis.py``, or in process when no ``SANDBOX_CALLBACK_URL`` is set).

The sandbox (``adapters/sandbox.py``) sends one JSON body per settled transfer, signed
``X-FANZ-Signature: sha256=<hex HMAC-SHA256(SANDBOX_PROCESSOR_SECRET, raw body)>``. Checked in
this order, each refusal writing nothing but (for a bad signature) a security event:

1. body size (64 KiB) → 413 ``payload_too_large``; over HTTP, before that, a chunked body the
   server cannot delimit → 411 ``length_required`` and, after it, a body that is not
   ``application/json`` → 415 ``unsupported_media_type`` (``apps.core.bodies``, in the view)
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
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.db import transaction

from apps.audit.models import SecurityEvent
from apps.audit.services import security_event_record
from apps.core.exceptions import ApplicationError
from apps.core.throttling import failed_auth_hit
from apps.payouts.adapters import sandbox
from apps.payouts.models import Payout, ProcessorEvent
from apps.payouts.serializers import SandboxCallbackSerializer
from apps.payouts.services.submission import payout_mark_failed, payout_mark_paid

BODY_LIMIT = 64 * 1024
CALLBACK_KIND = "callback"


def _refuse(status: int, code: str, detail) -> tuple[int, dict]:
    return status, {"error": code, "detail": detail}


def _failed_auth(source_ip) -> tuple[int, dict] | None:
    """Count a refused request against its address (the webhooks' failed-auth quota): 429
    once over it, so forged callbacks cannot flood the security log. In-process deliveries
    (no address) are not counted."""
    if source_ip is None:
        return None
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


class CallbackNotDelivered(Exception):
    """FanzDash did not take the callback (the task retries)."""


def sandbox_callback_deliver(transfer_id: int) -> bool:
    """The sandbox posting a settled transfer's signed callback: over HTTP to
    ``SANDBOX_CALLBACK_URL`` when set (the demo: the web process), else in process through
    :func:`sandbox_callback_receive`, as the endpoint runs it. Raises CallbackNotDelivered
    (retried by the task) unless FanzDash answers 2xx; a transfer already delivered, or not
    settled, is left alone (False)."""
    transfer = sandbox.transfer_to_deliver(transfer_id)
    if transfer is None:
        return False
    body = sandbox.callback_body(transfer)
    signature = sandbox.sign(body)
    url = settings.SANDBOX_CALLBACK_URL
    if url:
        request = urllib.request.Request(  # noqa: S310 (operator-configured http(s) URL)
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", sandbox.SIGNATURE_HEADER: signature},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except (urllib.error.URLError, OSError) as error:
            raise CallbackNotDelivered(f"{url}: {error}") from error
    else:
        status, _ = sandbox_callback_receive(body=body, signature=signature)
    if not 200 <= status < 300:
        raise CallbackNotDelivered(f"FanzDash answered {status}")
    sandbox.transfer_delivered(transfer)
    return True
