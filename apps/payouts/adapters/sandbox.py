"""The ``sandbox`` processor: a pretend payment provider that runs inside FanzDash, for demos
and tests, and the API adapter that talks to it.

It behaves like a real payout API:

- ``submit`` takes a payout with an idempotency key (``Payout.idempotency_key``). The first
  call creates one *transfer* and answers ``accepted`` with its reference (``sbx_…``); any
  repeat with the same key answers with the same reference and never creates a second
  transfer (a repeat with another amount or currency is refused, as real APIs do).
- A transfer settles later (a Celery task after ``SANDBOX_SETTLE_DELAY_SECONDS``): paid, or
  failed with a code. The sandbox then calls FanzDash back at
  ``POST /api/v1/payouts/sandbox/callback``, signed ``X-FANZ-Signature: sha256=<hex
  HMAC-SHA256(SANDBOX_PROCESSOR_SECRET, raw body)>``; delivery is retried until FanzDash
  answers 2xx, and FanzDash applies each callback exactly once.

The sandbox's own store is ``ProcessorEvent`` rows of kind ``sandbox_transfer`` (one per
transfer, its payload holding the key, reference, plan and status) and ``sandbox_refusal``
(one per refused attempt): what a real provider keeps on its side. Concurrent submissions of
one key are serialised by a PostgreSQL advisory lock on the key, so even two workers racing
with the same key make one transfer.

How a demo or test picks the outcome (first match wins):

1. the payout method's details hold ``"outcome": "<plan>"`` (the sandbox method form's
   optional "sandbox outcome" field; ``"sandbox_outcome"`` is read too);
2. ``settings.SANDBOX_OUTCOMES`` maps the destination's last two digits to a plan;
3. the built-in table on the last two digits of the destination (the sandbox method's
   ``account``, e.g. ``demo-0001``; for other details the account number, IBAN, wallet
   address or email; see :data:`DEFAULT_OUTCOMES`):

   ======  ====================================================================
   ``01``  accepted, then failed ``account_closed`` (callback)
   ``02``  refused at submit: ``invalid_account_number`` (permanent)
   ``03``  refused ``insufficient_funds`` (transient) twice, then accepted and paid
   ``04``  accepted, then failed ``compliance_rejected`` (callback)
   ``05``  refused ``processor_unavailable`` (transient) every time
   other   accepted, then paid (callback)
   ======  ====================================================================

A plan is ``paid``, ``<code>`` (accepted, then that failure by callback), ``refuse:<code>``
(refused at every submit), ``flaky:<code>:<n>`` (refused the first ``n`` submits, then
accepted and paid) or ``lost:<n>`` (the transfer is made at once, but the first ``n``
answers are lost: the adapter sees a timeout; the transfer still settles paid and calls
back).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.core import signing
from apps.core.crypto import SealError
from apps.core.currencies import currency_exponent
from apps.core.money import format_minor
from apps.core.queue import task_send_on_commit
from apps.payouts.models import Payout, Processor, ProcessorEvent

from .base import SettlementAdapter, SubmitResult, failure_message, register_adapter

logger = logging.getLogger(__name__)

# Its tasks (apps.payouts.tasks), queued by name.
SETTLE_TASK = "payouts.sandbox_transfer_settle"
CALLBACK_TASK = "payouts.sandbox_callback_deliver"

TRANSFER = "sandbox_transfer"
REFUSAL = "sandbox_refusal"
SIGNATURE_HEADER = signing.FANZ_HEADER
CALLBACK_PATH = "/api/v1/payouts/sandbox/callback"

DEFAULT_OUTCOMES = {
    "01": "account_closed",
    "02": "refuse:invalid_account_number",
    "03": "flaky:insufficient_funds:2",
    "04": "compliance_rejected",
    "05": "refuse:processor_unavailable",
}
# Where the destination is read from in a method's (decrypted) details, in this order.
DESTINATION_FIELDS = (
    "account",
    "account_number",
    "iban",
    "wallet_address",
    "address",
    "email",
)


# --- settings ---------------------------------------------------------------------------


def processor_secret() -> str:
    """The HMAC secret the sandbox signs its callbacks with. Without
    ``SANDBOX_PROCESSOR_SECRET`` (development, tests) one is derived from SECRET_KEY."""
    configured = settings.SANDBOX_PROCESSOR_SECRET
    if configured:
        return configured
    return signing.fanz_digest(settings.SECRET_KEY, b"fanzdash:sandbox-processor")


def sign(body: bytes, secret: str | None = None) -> str:
    """The ``X-FANZ-Signature`` value for ``body``."""
    return signing.fanz_signature(secret if secret is not None else processor_secret(), body)


def signature_valid(body: bytes, header: str | None) -> bool:
    """Constant-time check of ``X-FANZ-Signature: sha256=<hex>`` against the secret."""
    return signing.fanz_match(header, body, [processor_secret()]) is not None


def _settle_delay() -> int:
    return settings.SANDBOX_SETTLE_DELAY_SECONDS


def _latency() -> float:
    return settings.SANDBOX_SUBMIT_LATENCY_MS / 1000


def _auto_settle() -> bool:
    return settings.SANDBOX_AUTO_SETTLE


# --- outcome plans ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """What the sandbox does with one payout (see the module's table)."""

    final: str = "paid"  # "paid" or the failure code sent by callback
    refuse_code: str = ""  # refused at submit ...
    refuse_times: int | None = None  # ... this many times (None: always)
    lose_answers: int = 0  # the transfer is made, but this many answers never reach us

    @classmethod
    def parse(cls, text: str) -> Plan:
        text = (text or "paid").strip()
        kind, _, rest = text.partition(":")
        if kind == "lost" and rest:
            return cls(lose_answers=int(rest))
        if kind == "refuse" and rest:
            return cls(refuse_code=rest)
        if kind == "flaky" and rest:
            code, _, times = rest.partition(":")
            return cls(refuse_code=code, refuse_times=int(times or 1))
        return cls(final=text)

    def as_text(self) -> str:
        if self.lose_answers:
            return f"lost:{self.lose_answers}"
        if self.refuse_code and self.refuse_times is None:
            return f"refuse:{self.refuse_code}"
        if self.refuse_code:
            return f"flaky:{self.refuse_code}:{self.refuse_times}"
        return self.final


def method_details(payout: Payout) -> dict:
    """The payout method's decrypted details ({} if they cannot be read)."""
    try:
        return payout.method.details()
    except (SealError, ValueError, TypeError):
        return {}


def destination_of(details: dict, hint: str = "") -> str:
    for name in DESTINATION_FIELDS:
        value = details.get(name)
        if isinstance(value, str) and value:
            return value
    return hint


def plan_for(payout: Payout) -> Plan:
    details = method_details(payout)
    explicit = details.get("outcome") or details.get("sandbox_outcome")
    if isinstance(explicit, str) and explicit:
        return Plan.parse(explicit)
    destination = destination_of(details, payout.method.details_hint)
    digits = "".join(ch for ch in destination if ch.isdigit())[-2:]
    configured = settings.SANDBOX_OUTCOMES
    if digits in configured:
        return Plan.parse(configured[digits])
    return Plan.parse(DEFAULT_OUTCOMES.get(digits, "paid"))


# --- the processor's store ----------------------------------------------------------------


def _lock_key(key: str) -> None:
    """Serialise everything the sandbox does for one idempotency key (PostgreSQL; SQLite
    serialises writers anyway)."""
    if connection.vendor == "postgresql":
        lock_id = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


def sandbox_transfers(payout: Payout | int):
    """The sandbox's transfers for a payout (tests: there is never more than one)."""
    payout_id = payout if isinstance(payout, int) else payout.pk
    return ProcessorEvent.objects.filter(payout_id=payout_id, kind=TRANSFER).order_by("id")


def _transfer_for(payout: Payout, key: str) -> ProcessorEvent | None:
    return (
        ProcessorEvent.objects.filter(
            payout_id=payout.pk, kind=TRANSFER, payload__idempotency_key=key
        )
        .order_by("id")
        .first()
    )


def sandbox_submit(payout: Payout) -> SubmitResult:
    """The sandbox's API endpoint "create transfer" (its own transaction: a provider's
    database is not ours to roll back)."""
    key = str(payout.idempotency_key)
    if _latency():
        time.sleep(_latency())  # a real provider's round trip (demos, race tests)
    with transaction.atomic():
        _lock_key(key)
        existing = _transfer_for(payout, key)
        if existing is not None:
            data = existing.payload
            if data["amount_minor"] != payout.amount_minor or data["currency"] != str(
                payout.currency_id
            ):
                return SubmitResult.failed(
                    "processor_rejected",
                    "Idempotency key reused with another amount or currency.",
                    raw={"idempotency_key": key, "status": "conflict"},
                )
            result = SubmitResult.accepted(
                data["reference"],
                raw={"reference": data["reference"], "status": data["status"], "repeat": True},
            )
            lost = _lose_answer(existing)
        else:
            result, lost = _create(payout, key)
    if lost:
        # The transfer exists (committed above); its answer is lost on the way back.
        raise TimeoutError("sandbox: the processor's answer was lost (simulated timeout)")
    return result


def _lose_answer(transfer: ProcessorEvent) -> bool:
    """Whether this answer about ``transfer`` is to be lost (its plan says so, and fewer
    were lost so far); counts it."""
    plan = Plan.parse(transfer.payload.get("plan", "paid"))
    lost = int(transfer.payload.get("answers_lost", 0))
    if lost >= plan.lose_answers:
        return False
    transfer.payload["answers_lost"] = lost + 1
    transfer.save(update_fields=["payload"])
    return True


def _create(payout: Payout, key: str) -> tuple[SubmitResult, bool]:
    """A new transfer for ``key`` (or a refusal, as the payout's plan says)."""
    plan = plan_for(payout)
    if plan.refuse_code:
        refused = ProcessorEvent.objects.filter(
            payout_id=payout.pk, kind=REFUSAL, payload__idempotency_key=key
        ).count()
        if plan.refuse_times is None or refused < plan.refuse_times:
            ProcessorEvent.objects.create(
                payout_id=payout.pk,
                kind=REFUSAL,
                status_code=422,
                payload={"idempotency_key": key, "code": plan.refuse_code},
            )
            return SubmitResult.failed(
                plan.refuse_code,
                failure_message(plan.refuse_code),
                raw={"code": plan.refuse_code, "attempt": refused + 1},
            ), False
        plan = Plan(final="paid")
    reference = f"sbx_{secrets.token_hex(10)}"
    transfer = ProcessorEvent.objects.create(
        payout_id=payout.pk,
        kind=TRANSFER,
        status_code=201,
        payload={
            "idempotency_key": key,
            "reference": reference,
            "amount_minor": payout.amount_minor,
            "currency": str(payout.currency_id),
            "destination_hint": payout.method.details_hint,
            "plan": plan.as_text(),
            "status": "pending",
            "failure_code": "",
            "created_at": timezone.now().isoformat(),
            "settled_at": None,
            "callback_id": "",
            "callback_delivered": False,
        },
    )
    if _auto_settle():
        task_send_on_commit(SETTLE_TASK, transfer.pk, countdown=_settle_delay())
    accepted = SubmitResult.accepted(reference, raw={"reference": reference, "status": "pending"})
    return accepted, _lose_answer(transfer)


def sandbox_transfer_settle(transfer_id: int, *, deliver: bool = True) -> bool:
    """Settle one pending transfer by its plan (paid or failed) and queue its callback.
    Idempotent: a settled transfer is left alone (returns False)."""
    with transaction.atomic():
        transfer = (
            ProcessorEvent.objects.select_for_update().filter(pk=transfer_id, kind=TRANSFER).first()
        )
        if transfer is None or transfer.payload.get("status") != "pending":
            return False
        plan = Plan.parse(transfer.payload.get("plan", "paid"))
        failed = plan.final != "paid"
        transfer.payload.update(
            status="failed" if failed else "paid",
            failure_code=plan.final if failed else "",
            settled_at=timezone.now().isoformat(),
            callback_id=f"sbxevt_{uuid.uuid4().hex}",
        )
        transfer.save(update_fields=["payload"])
        if deliver:
            task_send_on_commit(CALLBACK_TASK, transfer_id)
    return True


def callback_body(transfer: ProcessorEvent) -> bytes:
    """The JSON the sandbox posts for a settled transfer."""
    data = transfer.payload
    failed = data["status"] == "failed"
    body = {
        "id": data["callback_id"],
        "type": "transfer.failed" if failed else "transfer.paid",
        "reference": data["reference"],
        "idempotencyKey": data["idempotency_key"],
        "status": data["status"],
        "amount": format_minor(data["amount_minor"], currency_exponent(data["currency"])),
        "currency": data["currency"],
        "failureCode": data["failure_code"] or None,
        "failureMessage": failure_message(data["failure_code"]) if failed else None,
        "occurredAt": data["settled_at"],
    }
    return json.dumps(body, separators=(",", ":")).encode()


def transfer_to_deliver(transfer_id: int) -> ProcessorEvent | None:
    """The settled transfer whose callback is still to be delivered (None otherwise)."""
    transfer = ProcessorEvent.objects.filter(pk=transfer_id, kind=TRANSFER).first()
    if transfer is None or transfer.payload.get("status") not in ("paid", "failed"):
        return None
    if transfer.payload.get("callback_delivered"):
        return None
    return transfer


def transfer_delivered(transfer: ProcessorEvent) -> None:
    """FanzDash took the transfer's callback: the sandbox stops sending it."""
    ProcessorEvent.objects.filter(pk=transfer.pk).update(
        payload={**transfer.payload, "callback_delivered": True}
    )


def sandbox_transfers_settle_pending(*, deliver: bool = True) -> int:
    """Settle every pending transfer now (demo button, tests with SANDBOX_AUTO_SETTLE off)."""
    ids = list(
        ProcessorEvent.objects.filter(kind=TRANSFER, payload__status="pending")
        .order_by("id")
        .values_list("pk", flat=True)[:1000]
    )
    return sum(1 for pk in ids if sandbox_transfer_settle(pk, deliver=deliver))


# --- the adapter (FanzDash's side) ------------------------------------------------------


@register_adapter(method_type=Processor.MethodType.SANDBOX)
class SandboxAdapter(SettlementAdapter):
    """Submits to the in-process sandbox processor. A real API adapter has the same shape:
    one HTTPS call with the idempotency key, its answer mapped onto SubmitResult."""

    settlement = "api"

    def submit(self, payout: Payout) -> SubmitResult:
        return sandbox_submit(payout)
