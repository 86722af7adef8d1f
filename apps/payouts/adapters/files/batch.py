"""Bank files of a real :class:`~apps.payouts.models.PayoutBatch`: the thin layer between
the database and the pure formats (``sepa``, ``nacha``, ``paxum``, ``wise``, ``results``).

- :func:`batch_file_build` — the file of a batch in one format (no writes).
- :func:`batch_result_lines` — an uploaded result file read against the batch's payouts.

Exporting for an operator (audited) and reconciling a result file are writes:
``apps.payouts.services.files``.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils import timezone

from apps.core.crypto import SealError
from apps.core.exceptions import ApplicationError
from apps.payouts.adapters.base import ExportedFile, ResultLine
from apps.payouts.models import Payout, PayoutBatch, Processor

from .common import FileHeader, FileLine
from .nacha import nacha_file
from .paxum import paxum_csv
from .results import result_file_parse
from .sepa import sepa_credit_transfer_xml
from .wise import wise_csv

FILE_FORMATS = ("sepa", "nacha", "paxum", "wise")
# Which processors and currencies each format can carry.
FORMAT_METHOD_TYPES = {
    "sepa": Processor.MethodType.IBAN,
    "nacha": Processor.MethodType.US_BANK,
    "paxum": Processor.MethodType.PAXUM,
    "wise": Processor.MethodType.WISE,
}
FORMAT_CURRENCIES: dict[str, tuple[str, ...] | None] = {
    "sepa": ("EUR",),
    "nacha": ("USD",),
    "paxum": ("USD", "EUR"),
    "wise": None,  # any currency Wise pays in
}
FORMAT_FILES = {
    "sepa": ("xml", "application/xml"),
    "nacha": ("ach", "text/plain"),
    "paxum": ("csv", "text/csv"),
    "wise": ("csv", "text/csv"),
}
EXPORTABLE_STATUSES = (PayoutBatch.Status.APPROVED, PayoutBatch.Status.SUBMITTED)
# Payouts a file carries: the ones still waiting for their money.
OPEN_STATES = (Payout.State.PENDING, Payout.State.SUBMITTED)


_FILE_ID_MODIFIERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _config() -> dict:
    return settings.PAYOUT_FILES


def batch_message_id(batch: PayoutBatch) -> str:
    """Unique per batch and stable across exports (the bank's duplicate-file check)."""
    return f"FANZDASH-B{batch.pk}"


def file_format_refusal(batch: PayoutBatch, file_format: str) -> str | None:
    """Why ``batch`` cannot be exported as ``file_format`` (``None``: it can)."""
    if file_format not in FILE_FORMATS:
        return f"Unknown file format {file_format!r}; one of {', '.join(FILE_FORMATS)}."
    processor = batch.processor
    if processor.settlement != Processor.Settlement.FILE:
        return f"{processor.name} is paid through its API, not a file: submit the batch instead."
    expected = FORMAT_METHOD_TYPES[file_format]
    if processor.method_type != expected or (
        processor.file_format and processor.file_format != file_format
    ):
        wanted = processor.file_format or "none"
        return (
            f"Batch #{batch.pk} is for {processor.name}, whose file format is {wanted}, "
            f"not {file_format}."
        )
    currencies = FORMAT_CURRENCIES[file_format]
    if currencies is not None and batch.currency_id not in currencies:
        return (
            f"A {file_format} file carries {', '.join(currencies)} only; batch #{batch.pk} "
            f"is in {batch.currency_id}."
        )
    return None


def file_header_for(batch: PayoutBatch, *, execution_date: date | None = None) -> FileHeader:
    config = _config()
    created = batch.approved_at or batch.created_at or timezone.now()
    return FileHeader(
        originator_name=config["ORIGINATOR_NAME"],
        message_id=batch_message_id(batch),
        execution_date=execution_date or timezone.localdate(),
        created_at=created.astimezone(timezone.get_current_timezone()).replace(microsecond=0),
        iban=config["SEPA_IBAN"],
        bic=config["SEPA_BIC"],
        ach_odfi_routing=config["ACH_ODFI_ROUTING"],
        ach_odfi_name=config["ACH_ODFI_NAME"],
        ach_immediate_origin=config["ACH_IMMEDIATE_ORIGIN"],
        ach_company_id=config["ACH_COMPANY_ID"],
        ach_sec_code=config["ACH_SEC_CODE"],
        # Two batches' files created in the same minute must differ in their file header
        # (the bank's duplicate check); the same batch's re-export must not.
        ach_file_id_modifier=_FILE_ID_MODIFIERS[batch.pk % len(_FILE_ID_MODIFIERS)],
    )


def _details(method) -> dict:
    try:
        return method.details()
    except SealError:
        raise ApplicationError(
            "unreadable_method_details",
            f"The details of payout method #{method.pk} cannot be decrypted (a missing or "
            "rotated-out key); nothing was exported.",
            status_code=409,
        ) from None


def payout_file_line(payout: Payout) -> FileLine:
    """One payout as a file line. The amount is what the creator receives (``amount_minor -
    fee_minor``: the ledger settles the fee to ``payout_fees``)."""
    details = _details(payout.method)
    creator = payout.creator
    name = (
        details.get("account_holder")
        or details.get("payee_name")
        or creator.legal_name
        or creator.display_name
    )
    return FileLine(
        payout_id=payout.pk,
        reference=str(payout.idempotency_key),
        name=name,
        amount_minor=int(payout.amount_minor) - int(payout.fee_minor),
        currency=payout.currency_id,
        iban=details.get("iban", ""),
        bic=details.get("bic", ""),
        routing_number=details.get("routing_number", ""),
        account_number=details.get("account_number", ""),
        account_type=details.get("account_type", "checking") or "checking",
        email=details.get("email", ""),
        description=f"FanzDash payout {payout.pk}",
    )


def batch_file_lines(batch: PayoutBatch) -> list[FileLine]:
    payouts = (
        batch.payouts.filter(state__in=OPEN_STATES)
        .select_related("method", "creator")
        .order_by("id")
    )
    return [payout_file_line(payout) for payout in payouts.iterator(chunk_size=2000)]


def _refuse(batch: PayoutBatch, file_format: str) -> None:
    if batch.status not in EXPORTABLE_STATUSES:
        raise ApplicationError(
            "batch_not_exportable",
            f"Batch #{batch.pk} is {batch.get_status_display().lower()}: only an approved or "
            "submitted batch has a bank file.",
            status_code=409,
        )
    refusal = file_format_refusal(batch, file_format)
    if refusal:
        raise ApplicationError("format_not_for_batch", refusal, status_code=400)


def batch_file_build(batch: PayoutBatch, file_format: str) -> ExportedFile:
    """The ``file_format`` file of ``batch`` (refused with ``ApplicationError`` when the batch
    is not approved/submitted, the format does not fit its processor or currency, or a line
    cannot be written). Writes nothing."""
    _refuse(batch, file_format)
    lines = batch_file_lines(batch)
    if not lines:
        raise ApplicationError(
            "nothing_to_export", f"Batch #{batch.pk} has no payout waiting to be paid."
        )
    if file_format == "sepa":
        content = sepa_credit_transfer_xml(file_header_for(batch), lines, validate=True)
    elif file_format == "nacha":
        content = nacha_file(file_header_for(batch), lines).encode("ascii")
    elif file_format == "paxum":
        content = paxum_csv(lines).encode("utf-8")
    else:
        content = wise_csv(lines).encode("utf-8")
    extension, content_type = FORMAT_FILES[file_format]
    return ExportedFile(
        filename=f"fanzdash-batch-{batch.pk}-{file_format}.{extension}",
        content_type=content_type,
        content=content,
    )


# --- result files ----------------------------------------------------------------------


def batch_result_lines(batch: PayoutBatch, content: bytes | str) -> list[ResultLine]:
    keys = dict(batch.payouts.values_list("id", "idempotency_key"))
    return result_file_parse(content, {pk: str(key) for pk, key in keys.items()})
