"""Payout batches: build (from every eligible creator, by hand, or from a platform's mass
payout request), approve (four-eyes), cancel. Every transition is audited in the same
transaction as the change; money moves only through ``apps.payouts.services.ledger``.

Build, in chunks of creators (one transaction per chunk, builders serialized by a lock):
eligible creators (``eligible_payouts_for_batch``) are grouped by processor and currency into
draft batches; each gets a ``Payout`` (amount = what the eligibility allows, fee = the
processor's fixed fee + percent rounded down) with one ``PayoutItem`` per platform balance it
takes from, reserved at once (``available`` -> ``in_payout``). A creator who already has an
open payout (pending or submitted, in a draft/approved/submitted batch) is skipped, so a
second run creates nothing new.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_UP

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from apps.audit.services import audit_record
from apps.core.bulk import rows_insert
from apps.core.exceptions import ApplicationError
from apps.ledger.accounts import account_key
from apps.ledger.models import Account, AccountKind
from apps.ledger.services import run_in_transaction
from apps.payouts.models import MassPayoutRequest, Payout, PayoutBatch, PayoutItem, Processor
from apps.payouts.selectors.eligibility import (
    BATCH_CHUNK,
    Eligibility,
    _candidates,
    creator_payout_eligibility,
    eligible_payouts_for_batch,
)
from apps.payouts.selectors.fx import FxTable
from apps.payouts.services.ledger import NewPayout, payouts_reserve_new, payouts_return_bulk

BUILD_LOCK_KEY = int.from_bytes(hashlib.sha256(b"payouts.build").digest()[:7], "big")
SOURCES = {choice.value for choice in PayoutBatch.Source}


def _build_lock() -> None:
    """Serialize batch builders (transaction-scoped). SQLite serializes writers anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BUILD_LOCK_KEY])


def _batch_summary(batch: PayoutBatch) -> dict:
    return {
        "status": batch.status,
        "processor": batch.processor.code,
        "currency": batch.currency_id,
        "payouts": batch.payout_count,
        "total_minor": batch.total_minor,
        "fee_total_minor": batch.fee_total_minor,
    }


def _in_payout_accounts(results: list[Eligibility]) -> dict[tuple[int, int], int]:
    """The ``in_payout`` account id of every (creator, platform) the payouts take from,
    opening the missing ones in one insert."""
    wanted: dict[str, tuple[int, int, str]] = {}
    found: dict[tuple[int, int], int] = {}
    slugs: dict[int, str] = {}
    for result in results:
        for line in result.lines:
            if not line.take_minor:
                continue
            slugs[line.platform_id] = line.platform_slug
            if line.in_payout_account_id is not None:
                found[(result.creator.pk, line.platform_id)] = line.in_payout_account_id
            else:
                key = account_key(
                    AccountKind.IN_PAYOUT,
                    result.currency,
                    creator_id=result.creator.pk,
                    platform_slug=line.platform_slug,
                )
                wanted[key] = (result.creator.pk, line.platform_id, result.currency)
    if wanted:
        Account.objects.bulk_create(
            [
                Account(
                    key=key,
                    kind=AccountKind.IN_PAYOUT,
                    currency_id=currency,
                    creator_id=creator_id,
                    platform_id=platform_id,
                )
                for key, (creator_id, platform_id, currency) in wanted.items()
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        for pk, key in Account.objects.filter(key__in=list(wanted)).values_list("pk", "key"):
            creator_id, platform_id, _ = wanted[key]
            found[(creator_id, platform_id)] = pk
    return found


@dataclass(frozen=True)
class _Created:
    pk: int
    batch_id: int
    amount_minor: int
    fee_minor: int


def _payouts_create(results: list[Eligibility], batch_for, fx: FxTable) -> list[_Created]:
    """Payouts and items of one chunk, each one set-based insert (``rows_insert``: arrays,
    no model instance per row), reserved in one set-based post."""
    in_payout = _in_payout_accounts(results)
    columns: dict[str, list] = {
        name: []
        for name in (
            "batch_id",
            "creator_id",
            "method_id",
            "currency_id",
            "amount_minor",
            "fee_minor",
            "destination_amount",
            "destination_asset",
            "fx_rate",
        )
    }
    batch_ids = []
    for result in results:
        method = result.method
        batch_id = batch_for(method.processor, result.currency).pk
        batch_ids.append(batch_id)
        quantity, asset, rate = None, "", None
        if method.processor.crypto_asset:
            try:
                quantity, rate = fx.convert_to_asset(
                    result.payable_minor - result.fee_minor,
                    result.currency,
                    method.processor.crypto_asset,
                )
                asset = method.processor.crypto_asset
            except ApplicationError:
                pass  # priced when submitted; the ledger stays in fiat either way
        for name, value in (
            ("batch_id", batch_id),
            ("creator_id", result.creator.pk),
            ("method_id", method.pk),
            ("currency_id", result.currency),
            ("amount_minor", result.payable_minor),
            ("fee_minor", result.fee_minor),
            ("destination_amount", quantity),
            ("destination_asset", asset),
            ("fx_rate", rate),
        ):
            columns[name].append(value)
    ids = rows_insert(Payout, columns)
    items: dict[str, list] = {
        "payout_id": [],
        "available_account_id": [],
        "in_payout_account_id": [],
        "amount_minor": [],
    }
    reservations: list[NewPayout] = []
    for pk, result in zip(ids, results, strict=True):
        taken = tuple(
            (line.account_id, in_payout[(result.creator.pk, line.platform_id)], line.take_minor)
            for line in result.lines
            if line.take_minor
        )
        for available_id, in_payout_id, amount in taken:
            items["payout_id"].append(pk)
            items["available_account_id"].append(available_id)
            items["in_payout_account_id"].append(in_payout_id)
            items["amount_minor"].append(amount)
        reservations.append(
            NewPayout(pk, result.creator, result.currency, result.payable_minor, taken)
        )
    rows_insert(PayoutItem, items)
    payouts_reserve_new(reservations)
    return [
        _Created(pk, batch_id, result.payable_minor, result.fee_minor)
        for pk, batch_id, result in zip(ids, batch_ids, results, strict=True)
    ]


def payout_batches_build(
    *,
    processor: Processor | str | None = None,
    currency: str | None = None,
    actor=None,
    source: str = PayoutBatch.Source.SCHEDULE,
    mass_payout_request=None,
    now: datetime | None = None,
    require_due: bool | None = None,
    platform_slugs: list[str] | None = None,
    chunk_size: int = BATCH_CHUNK,
) -> list[PayoutBatch]:
    """Draft batches (one per processor and currency) of every creator payable now.

    ``require_due`` (default: only for ``source="schedule"``) waits for each creator's
    schedule day; a build by hand or from a mass payout request pays whoever is payable.
    ``platform_slugs`` limits the balances taken to those platforms. Returns the batches
    created (none if nobody is payable); batches under ``PAYOUT_AUTO_APPROVE_BELOW_MINOR``
    come back approved (``auto_approved``)."""
    if source not in SOURCES:
        raise ApplicationError("invalid_source", f"Unknown batch source {source!r}.")
    if isinstance(processor, str):
        processor = Processor.objects.filter(code=processor).first() or _unknown(processor)
    if currency is not None:
        currency = currency.upper()
    now = now or timezone.now()
    if require_due is None:
        require_due = source == PayoutBatch.Source.SCHEDULE
    built_by = actor if getattr(actor, "is_authenticated", False) else None
    fx = FxTable(now)
    batches: dict[tuple[int, str], PayoutBatch] = {}  # the drafts this build adds to

    candidates, _ = _candidates(processor, currency, now)
    ids = list(candidates.values_list("pk", flat=True))
    created: list[PayoutBatch] = []
    for start in range(0, len(ids), chunk_size):
        chunk_ids = ids[start : start + chunk_size]

        def work(chunk_ids=chunk_ids, batches=batches) -> tuple[dict, list[PayoutBatch]]:
            # Work on copies: a retried attempt must not see batches a rolled-back one made.
            open_batches = dict(batches)
            new: list[PayoutBatch] = []
            _build_lock()
            results = list(
                eligible_payouts_for_batch(
                    processor,
                    currency,
                    now,
                    require_due=require_due,
                    creator_ids=chunk_ids,
                    chunk_size=chunk_size,
                    platform_slugs=platform_slugs,
                )
            )
            if not results:
                return open_batches, new
            # A batch of an earlier chunk may have been approved or cancelled meanwhile:
            # only a draft takes more payouts.
            still_draft = set(
                PayoutBatch.objects.select_for_update()
                .filter(pk__in=[b.pk for b in open_batches.values()], status="draft")
                .values_list("pk", flat=True)
            )
            open_batches = {k: b for k, b in open_batches.items() if b.pk in still_draft}

            def batch_for(proc: Processor, cur: str) -> PayoutBatch:
                key = (proc.pk, cur)
                if key not in open_batches:
                    open_batches[key] = PayoutBatch.objects.create(
                        processor=proc,
                        currency_id=cur,
                        source=source,
                        mass_payout_request=mass_payout_request,
                        built_by=built_by,
                    )
                    new.append(open_batches[key])
                return open_batches[key]

            payouts = _payouts_create(results, batch_for, fx)
            totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
            for payout in payouts:
                row = totals[payout.batch_id]
                row[0] += payout.amount_minor
                row[1] += payout.fee_minor
                row[2] += 1
            for batch_id, (total, fees, count) in totals.items():
                PayoutBatch.objects.filter(pk=batch_id).update(
                    total_minor=F("total_minor") + total,
                    fee_total_minor=F("fee_total_minor") + fees,
                    payout_count=F("payout_count") + count,
                )
            return open_batches, new

        for attempt in range(1, 4):
            try:
                batches, new = run_in_transaction(work)
                break
            except ApplicationError as error:
                # A balance changed between reading it and locking it (a chargeback, a
                # concurrent payout): read the chunk again, nothing of it was written.
                if error.code != "insufficient_funds" or attempt == 3:
                    raise
        created.extend(new)

    return [_batch_finish(batch, actor) for batch in created]


def payout_batch_build_instant(*, creator, method, actor=None, now=None) -> PayoutBatch:
    """An instant payout (crypto, Paxum): a one-payout batch (source ``instant``) of what the
    creator may be paid now through ``method`` (any of their methods, not only the default),
    whatever their schedule. Refused (409 ``not_eligible``, the reasons in plain words) when
    they cannot be paid, or when the processor offers no instant payouts. The batch then
    follows the usual approval (or auto-approval under the configured total)."""
    if not method.processor.instant_allowed:
        raise ApplicationError(
            "instant_not_allowed", f"{method.processor.name} does not offer instant payouts."
        )
    now = now or timezone.now()
    built_by = actor if getattr(actor, "is_authenticated", False) else None

    def work() -> PayoutBatch:
        _build_lock()
        result = creator_payout_eligibility(creator, now=now, require_due=False, method=method)
        if not result.eligible:
            raise ApplicationError(
                "not_eligible",
                " ".join(reason["message"] for reason in result.reasons)
                or "Nothing can be paid now.",
                status_code=409,
            )
        batch = PayoutBatch.objects.create(
            processor=method.processor,
            currency_id=result.currency,
            source=PayoutBatch.Source.INSTANT,
            built_by=built_by,
        )
        [payout] = _payouts_create([result], lambda proc, cur: batch, FxTable(now))
        PayoutBatch.objects.filter(pk=batch.pk).update(
            total_minor=payout.amount_minor, fee_total_minor=payout.fee_minor, payout_count=1
        )
        return batch

    batch = run_in_transaction(work)
    return _batch_finish(batch, actor)


def _unknown(code: str):
    raise ApplicationError("unknown_processor", f"No processor {code!r}.")


def _batch_finish(batch: PayoutBatch, actor) -> PayoutBatch:
    """Audit the build; auto-approve a small batch when the setting allows it."""

    def work() -> PayoutBatch:
        locked = (
            PayoutBatch.objects.select_for_update().select_related("processor").get(pk=batch.pk)
        )
        audit_record(
            actor=actor,
            action="payouts.batch_built",
            target=locked,
            after={**_batch_summary(locked), "source": locked.source},
        )
        threshold = settings.PAYOUT_AUTO_APPROVE_BELOW_MINOR
        if threshold > 0 and locked.status == PayoutBatch.Status.DRAFT:
            try:
                total_usd = FxTable().convert_minor(
                    locked.total_minor, locked.currency_id, "USD", rounding=ROUND_UP
                )
            except ApplicationError:
                total_usd = None
            if total_usd is not None and total_usd < threshold:
                before = _batch_summary(locked)
                locked.status = PayoutBatch.Status.APPROVED
                locked.auto_approved = True
                locked.approved_at = timezone.now()
                locked.save(update_fields=["status", "auto_approved", "approved_at"])
                audit_record(
                    actor=None,
                    action="payouts.batch_auto_approved",
                    target=locked,
                    before=before,
                    after={
                        **_batch_summary(locked),
                        "total_usd_minor": total_usd,
                        "threshold_usd_minor": threshold,
                    },
                )
        return locked

    return run_in_transaction(work)


# --- approval and cancellation ----------------------------------------------------------


def payout_batch_approve(*, batch: PayoutBatch, actor) -> PayoutBatch:
    """Approve a draft batch. Four-eyes: the approver holds ``payouts.approve_payoutbatch``
    and is not the user who built it (403 ``four_eyes``)."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(
        "payouts.approve_payoutbatch"
    ):
        raise ApplicationError(
            "permission_denied", "Only finance can approve payout batches.", status_code=403
        )

    def work() -> PayoutBatch:
        locked = (
            PayoutBatch.objects.select_for_update().select_related("processor").get(pk=batch.pk)
        )
        if locked.built_by_id is not None and locked.built_by_id == actor.pk:
            raise ApplicationError(
                "four_eyes",
                "A batch must be approved by a different finance user than the one who built it.",
                status_code=403,
            )
        if locked.status != PayoutBatch.Status.DRAFT:
            raise ApplicationError(
                "invalid_batch_state",
                f"Batch #{locked.pk} is {locked.get_status_display().lower()}; only a draft "
                "can be approved.",
                status_code=409,
            )
        if locked.payout_count == 0:
            raise ApplicationError("empty_batch", "The batch has no payouts.", status_code=409)
        before = _batch_summary(locked)
        locked.status = PayoutBatch.Status.APPROVED
        locked.approved_by = actor
        locked.approved_at = timezone.now()
        locked.save(update_fields=["status", "approved_by", "approved_at"])
        audit_record(
            actor=actor,
            action="payouts.batch_approved",
            target=locked,
            before=before,
            after=_batch_summary(locked),
        )
        return locked

    result = run_in_transaction(work)
    batch.status, batch.approved_by, batch.approved_at = (
        result.status,
        result.approved_by,
        result.approved_at,
    )
    return result


CANCELLABLE = (PayoutBatch.Status.DRAFT, PayoutBatch.Status.APPROVED)
RETURN_PAGE = 2000


def payout_batch_cancel(*, batch: PayoutBatch, actor, reason: str) -> PayoutBatch:
    """Cancel a draft or approved batch: every payout's money goes back to available
    (``payout_return``) and the payout is cancelled. Nothing was sent, so nothing can be
    paid twice."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("reason_required", "Say why the batch is cancelled.")

    def work() -> PayoutBatch:
        locked = (
            PayoutBatch.objects.select_for_update().select_related("processor").get(pk=batch.pk)
        )
        if locked.status not in CANCELLABLE:
            raise ApplicationError(
                "invalid_batch_state",
                f"Batch #{locked.pk} is {locked.get_status_display().lower()}; only a draft or "
                "approved batch can be cancelled.",
                status_code=409,
            )
        before = _batch_summary(locked)
        pending = Payout.objects.filter(batch=locked, state=Payout.State.PENDING)
        returned = 0
        last = 0
        while True:  # in pages: a batch may hold 100,000 payouts
            page = list(
                pending.filter(pk__gt=last)
                .order_by("pk")
                .only("pk", "amount_minor", "reserve_entry")[:RETURN_PAGE]
            )
            if not page:
                break
            last = page[-1].pk
            payouts_return_bulk(
                [p for p in page if p.reserve_entry_id is not None],
                reason=f"batch cancelled: {reason}",
            )
            Payout.objects.filter(pk__in=[p.pk for p in page]).update(
                state=Payout.State.CANCELLED, failure_reason=f"Cancelled: {reason}"[:255]
            )
            returned += sum(p.amount_minor for p in page)
        locked.status = PayoutBatch.Status.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.note = (locked.note + "\n" if locked.note else "") + f"Cancelled: {reason}"
        locked.save(update_fields=["status", "cancelled_at", "note"])
        audit_record(
            actor=actor,
            action="payouts.batch_cancelled",
            target=locked,
            before=before,
            after={**_batch_summary(locked), "reason": reason, "returned_minor": returned},
        )
        return locked

    result = run_in_transaction(work)
    batch.status, batch.cancelled_at = result.status, result.cancelled_at
    return result


# --- mass payout requests (recorded by apps.integrations) ---------------------------------


def mass_payout_request_record(
    *, source: str, event_id: str, payload: dict, summary: dict
) -> tuple[MassPayoutRequest, bool]:
    """Record the ``mass_payout_initiated`` event ``event_id`` of ``source`` once (the batch
    builder handles it later); ``(request, created)``. ``summary`` (batch id, currency, total,
    count, as people read them) goes into the audit event."""
    request, created = MassPayoutRequest.objects.get_or_create(
        source=source, event_id=event_id, defaults={"payload": payload}
    )
    if created:
        audit_record(
            actor=None, action="integrations.mass_payout_recorded", target=request, after=summary
        )
    return request, created


def mass_payout_request_handle(request, actor=None) -> list[PayoutBatch]:
    """Turn a recorded ``mass_payout_initiated`` request into draft batches: every payable
    creator in its currency, from the balances of its platforms (all if none listed). Marks it
    handled (with a note of what was built) or rejected (why). A handled or rejected request
    is not built again."""

    def claim():
        locked = MassPayoutRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != MassPayoutRequest.Status.RECORDED:
            return locked, False
        return locked, True

    locked, fresh = run_in_transaction(claim)
    if not fresh:
        return list(PayoutBatch.objects.filter(mass_payout_request=locked))
    data = locked.payload if isinstance(locked.payload, dict) else {}
    currency = str(data.get("currency") or "").upper() or None
    platforms = [p for p in data.get("platforms") or [] if isinstance(p, str)] or None

    def finish(status: str, note: str) -> None:
        def work():
            row = MassPayoutRequest.objects.select_for_update().get(pk=locked.pk)
            if row.status != MassPayoutRequest.Status.RECORDED:
                return
            row.status, row.note, row.handled_at = status, note[:2000], timezone.now()
            row.save(update_fields=["status", "note", "handled_at"])
            audit_record(
                actor=actor,
                action=f"payouts.mass_payout_{status}",
                target=row,
                after={"status": status, "note": note},
            )

        run_in_transaction(work)

    try:
        batches = payout_batches_build(
            currency=currency,
            actor=actor,
            source=PayoutBatch.Source.MASS_PAYOUT,
            mass_payout_request=locked,
            require_due=False,
            platform_slugs=platforms,
        )
    except ApplicationError as error:
        finish(MassPayoutRequest.Status.REJECTED, f"{error.code}: {error.detail}")
        raise
    if not batches:
        finish(MassPayoutRequest.Status.REJECTED, "No creator was payable for this request.")
        return []
    note = "; ".join(
        f"batch #{b.pk} {b.processor.code} {b.currency_id}: {b.payout_count} payouts"
        for b in batches
    )
    finish(MassPayoutRequest.Status.HANDLED, f"Built {note}.")
    return batches


def mass_payout_requests_pending_handle() -> int:
    """Handle every recorded mass payout request (beat task). Returns how many."""
    handled = 0
    for request in MassPayoutRequest.objects.filter(
        status=MassPayoutRequest.Status.RECORDED
    ).order_by("pk"):
        with contextlib.suppress(ApplicationError):  # recorded as rejected, with the reason
            mass_payout_request_handle(request)
        handled += 1
    return handled
