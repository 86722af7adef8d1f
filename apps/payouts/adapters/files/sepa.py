"""SEPA credit transfer file: ISO 20022 ``pain.001.001.03`` XML, written with ``sepaxml`` and
validated against the pain.001.001.03 XSD that ``sepaxml`` ships.

One ``<PmtInf>`` (our debtor account, one execution date, batch booking) holding one
``<CdtTrfTxInf>`` per payout. ``<GrpHdr>`` and ``<PmtInf>`` carry the number of transactions
and the control sum (the exact sum of the amounts, in euros with 2 decimals, from integer
cents). ``<MsgId>`` is the batch's message id (the same on every export of a batch, so the
bank refuses a second upload of it); each ``<EndToEndId>`` is the payout's idempotency key
(32 hex digits: fits the 35-character limit), which the bank reports back.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import sepaxml
from sepaxml import SepaTransfer

from apps.payouts.validation import bic_clean, iban_clean

from .common import (
    FileFormatError,
    FileHeader,
    FileLine,
    check_amount,
    check_single_currency,
    check_unique_payouts,
    sepa_text,
    short_reference,
)

SEPA_SCHEMA = "pain.001.001.03"
SEPA_XSD_PATH = Path(sepaxml.__file__).resolve().parent / "schemas" / f"{SEPA_SCHEMA}.xsd"
SEPA_NAMESPACE = f"urn:iso:std:iso:20022:tech:xsd:{SEPA_SCHEMA}"
SEPA_CURRENCY = "EUR"
# EPC rulebook AT-04: at most 999,999,999.99 EUR per transfer.
SEPA_MAX_AMOUNT_MINOR = 99_999_999_999
MAX_ID_LENGTH = 35  # Max35Text: MsgId, PmtInfId, EndToEndId


def end_to_end_id(reference: str) -> str:
    """The ``<EndToEndId>`` of a payout: its idempotency key, shortened deterministically to
    at most 35 characters (a UUID's 32 hex digits as they are)."""
    return short_reference(reference, MAX_ID_LENGTH)


def _clean_iban(value: str) -> str:
    return re.sub(r"\s", "", value or "").upper()


def _check_iban(value: str, what: str) -> str:
    iban, error = iban_clean(value or "")
    if error:
        raise FileFormatError("invalid_iban", f"{what}: {value!r}: {error}")
    return iban


def _check_bic(value: str, what: str) -> str:
    """The compact BIC, or "" when none is given (optional in SEPA)."""
    if not (value or "").strip():
        return ""
    bic, error = bic_clean(value)
    if error:
        raise FileFormatError("invalid_bic", f"{what}: {value!r}: {error}")
    return bic


class _Transfer(SepaTransfer):
    """sepaxml's transfer with deterministic ids and timestamp (sepaxml draws random ones):
    the same batch always exports the same bytes."""

    def __init__(self, config: dict, *, message_id: str, created_at: datetime) -> None:
        self._fixed_message_id = message_id
        self._fixed_created_at = created_at
        super().__init__(config, schema=SEPA_SCHEMA, clean=True)

    def _create_header(self) -> None:
        self.msg_id = self._fixed_message_id
        super()._create_header()
        header = self._xml.find("CstmrCdtTrfInitn/GrpHdr")
        header.find("CreDtTm").text = self._fixed_created_at.strftime("%Y-%m-%dT%H:%M:%S")

    def _finalize_batch(self) -> None:
        super()._finalize_batch()
        for number, node in enumerate(self._xml.iter("PmtInfId"), start=1):
            suffix = f"-{number}"
            node.text = self._fixed_message_id[: MAX_ID_LENGTH - len(suffix)] + suffix
        if "BIC" not in self._config:
            # Without our BIC, the EPC guidelines want <Othr><Id>NOTPROVIDED</Id></Othr>
            # rather than an empty <FinInstnId/>.
            for institution in self._xml.iter("DbtrAgt"):
                identification = institution.find("FinInstnId")
                other = ET.SubElement(identification, "Othr")
                ET.SubElement(other, "Id").text = "NOTPROVIDED"


def sepa_check(header: FileHeader, lines: Sequence[FileLine]) -> None:
    """Refuse (``FileFormatError``) what a pain.001 SEPA file cannot carry."""
    if not lines:
        raise FileFormatError("empty_batch", "A SEPA file needs at least one payout.")
    if not header.message_id or len(header.message_id) > MAX_ID_LENGTH:
        raise FileFormatError("invalid_message_id", "The message id must be 1 to 35 characters.")
    if not sepa_text(header.originator_name, 70):
        raise FileFormatError("invalid_originator", "The originator's name is empty.")
    _check_iban(header.iban, "Originator IBAN")
    _check_bic(header.bic, "Originator BIC")
    check_single_currency(list(lines), SEPA_CURRENCY)
    check_unique_payouts(list(lines))
    for line in lines:
        amount = check_amount(line)
        if amount > SEPA_MAX_AMOUNT_MINOR:
            raise FileFormatError(
                "amount_too_large",
                f"Payout {line.payout_id}: a SEPA transfer is at most 999,999,999.99 EUR.",
            )
        if not sepa_text(line.name, 70):
            raise FileFormatError("invalid_name", f"Payout {line.payout_id}: no payee name.")
        _check_iban(line.iban, f"Payout {line.payout_id}")
        _check_bic(line.bic, f"Payout {line.payout_id}")


def sepa_credit_transfer_xml(
    header: FileHeader, lines: Sequence[FileLine], *, validate: bool = True
) -> bytes:
    """The pain.001.001.03 document for ``lines`` (UTF-8 bytes). With ``validate`` (the
    default) it is checked against the XSD before it is returned."""
    sepa_check(header, lines)
    config = {
        "name": sepa_text(header.originator_name, 70),
        "IBAN": _clean_iban(header.iban),
        "batch": True,
        "currency": SEPA_CURRENCY,
    }
    if header.bic:
        config["BIC"] = _check_bic(header.bic, "Originator BIC")
    transfer = _Transfer(config, message_id=header.message_id, created_at=header.created_at)
    for line in lines:
        payment = {
            "name": sepa_text(line.name, 70),
            "IBAN": _clean_iban(line.iban),
            "amount": line.amount_minor,  # sepaxml takes integer cents
            "execution_date": header.execution_date,
            "description": sepa_text(line.description or f"Payout {line.payout_id}", 140),
            "endtoend_id": end_to_end_id(line.reference),
        }
        if line.bic:  # optional since 2016 (IBAN-only) and in the XSD
            payment["BIC"] = _check_bic(line.bic, f"Payout {line.payout_id}")
        transfer.add_payment(payment)
    document = transfer.export(validate=False)
    if validate:
        sepa_validate(document)
    return document


@functools.cache
def _schema():
    import xmlschema  # imported late: it patches ElementTree, as sepaxml notes

    return xmlschema.XMLSchema(str(SEPA_XSD_PATH))


def sepa_validation_errors(document: bytes, *, limit: int = 10) -> list[str]:
    """What is wrong with ``document`` against the pain.001.001.03 XSD (empty: valid)."""
    errors = []
    for error in _schema().iter_errors(document.decode("utf-8")):
        errors.append(f"{error.path}: {error.reason}")
        if len(errors) >= limit:
            break
    return errors


def sepa_validate(document: bytes) -> None:
    errors = sepa_validation_errors(document)
    if errors:
        raise FileFormatError("invalid_sepa_file", errors)
