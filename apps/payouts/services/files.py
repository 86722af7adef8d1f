"""Bank files as operators use them: export a batch's file (audited: who took a file carrying
decrypted account numbers, and its SHA-256, with a ``file_exported`` event on every payout),
and reconcile the result file the bank gives back through ``payout_mark_paid`` /
``payout_mark_failed``: a payout already settled is skipped and reported, never settled twice.
The formats themselves are ``apps.payouts.adapters.files``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import transaction

from apps.audit.services import audit_record
from apps.core.exceptions import ApplicationError
from apps.payouts.adapters.base import ExportedFile, Outcome, ResultLine
from apps.payouts.adapters.files.batch import (
    OPEN_STATES,
    batch_file_build,
    batch_message_id,
    batch_result_lines,
)
from apps.payouts.models import Payout, PayoutBatch, ProcessorEvent
from apps.payouts.services.submission import payout_mark_failed, payout_mark_paid

SETTLED_STATES = (Payout.State.PAID, Payout.State.FAILED, Payout.State.CANCELLED)
RESULT_SOURCE = "result_file"


def batch_file_export(*, batch: PayoutBatch, file_format: str, actor) -> ExportedFile:
    """:func:`batch_file_build` for an operator, audited, with a ``file_exported`` event on
    each payout it carries (the trail from the earning to the bank file)."""
    exported = batch_file_build(batch, file_format)
    digest = hashlib.sha256(exported.content).hexdigest()
    payout_ids = list(
        batch.payouts.filter(state__in=OPEN_STATES).order_by("id").values_list("id", flat=True)
    )
    payload = {
        "format": file_format,
        "filename": exported.filename,
        "sha256": digest,
        "message_id": batch_message_id(batch),
    }
    with transaction.atomic():
        ProcessorEvent.objects.bulk_create(
            [
                ProcessorEvent(payout_id=pk, kind="file_exported", payload=payload)
                for pk in payout_ids
            ],
            batch_size=1000,
        )
        audit_record(
            actor=actor,
            action="payout_batch.file_exported",
            target=batch,
            after={**payload, "payouts": len(payout_ids), "bytes": len(exported.content)},
        )
    return exported


# --- result files ----------------------------------------------------------------------


@dataclass
class ReconcileReport:
    batch_id: int
    paid: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (payout id, why)

    def lines(self) -> list[str]:
        out = [f"payout {pk}: paid" for pk in self.paid]
        out += [f"payout {pk}: failed ({code})" for pk, code in self.failed]
        out += [f"payout {pk}: skipped ({why})" for pk, why in self.skipped]
        out.append(
            f"batch {self.batch_id}: {len(self.paid)} paid, {len(self.failed)} failed, "
            f"{len(self.skipped)} skipped"
        )
        return out


def _mark(line: ResultLine, actor, *, filename: str) -> bool:
    """Mark one payout; False when it was already settled (by a concurrent upload or an
    operator) so the services changed nothing."""
    payload = {"result_file": filename, "reference": line.reference}
    with transaction.atomic():
        # The payout's row lock first (the services take the same one, then the batch's):
        # whoever comes second sees the first one's state, so a payout is reported applied
        # by exactly one upload.
        payout = Payout.objects.select_for_update().get(pk=line.payout_id)
        if payout.state in SETTLED_STATES:
            return False
        if line.outcome == Outcome.PAID:
            payout_mark_paid(
                payout=payout,
                actor=actor,
                reference=line.reference,
                source=RESULT_SOURCE,
                payload=payload,
            )
        else:
            payout_mark_failed(
                payout=payout,
                actor=actor,
                code=line.failure_code,
                reason=line.detail,
                source=RESULT_SOURCE,
                payload=payload,
            )
    return True


def batch_reconcile(
    *, batch: PayoutBatch, content: bytes | str, actor, filename: str = ""
) -> ReconcileReport:
    """Apply a result file to ``batch``. The whole file is checked first (a bad line, a
    reference of another batch: refused, nothing applied); then each payout is marked paid
    or failed in its own transaction by the submission services. A payout that is already
    paid, failed or cancelled is skipped and reported (uploading a file twice settles
    nothing twice)."""
    if batch.status not in (PayoutBatch.Status.SUBMITTED, PayoutBatch.Status.SETTLED):
        raise ApplicationError(
            "batch_not_submitted",
            f"Batch #{batch.pk} is {batch.get_status_display().lower()}: only a submitted "
            "batch's results can be reconciled.",
            status_code=409,
        )
    lines = batch_result_lines(batch, content)
    states = dict(
        batch.payouts.filter(pk__in=[line.payout_id for line in lines]).values_list("id", "state")
    )
    report = ReconcileReport(batch_id=batch.pk)
    for line in lines:
        state = states.get(line.payout_id)
        if state in SETTLED_STATES:
            report.skipped.append((line.payout_id, f"already {state}"))
            continue
        try:
            applied = _mark(line, actor, filename=filename)
        except ApplicationError as error:
            # Settled meanwhile by someone else (the service re-checks under a row lock), or
            # a state the service refuses: reported, never applied twice.
            report.skipped.append((line.payout_id, error.code))
            continue
        if not applied:
            report.skipped.append((line.payout_id, "settled meanwhile"))
            continue
        if line.outcome == Outcome.PAID:
            report.paid.append(line.payout_id)
        else:
            report.failed.append((line.payout_id, line.failure_code))
    audit_record(
        actor=actor,
        action="payout_batch.reconciled",
        target=batch,
        after={
            "paid": report.paid,
            "failed": [pk for pk, _ in report.failed],
            "skipped": [pk for pk, _ in report.skipped],
        },
    )
    return report
