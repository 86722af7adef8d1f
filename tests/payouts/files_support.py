"""Helpers of the bank-file tests (test_files*.py, test_reconcile*.py): plain rows for the
pure formats, and batches of real payouts with encrypted methods for the database tests."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from apps.payouts.adapters.files.common import FileHeader, FileLine

HEADER = FileHeader(
    originator_name="FanzDash Network",
    message_id="FANZDASH-B42",
    execution_date=date(2026, 12, 2),
    created_at=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
    iban="DE89370400440532013000",
    bic="COBADEFFXXX",
    ach_odfi_routing="021000021",
    ach_odfi_name="Demo Bank",
    ach_company_id="1234567890",
)

# Valid IBANs of SEPA countries (checksums correct), with and without a BIC.
IBANS = [
    ("FR1420041010050500013M02606", "BNPAFRPP"),
    ("DE89370400440532013000", ""),
    ("NL91ABNA0417164300", "ABNANL2A"),
    ("ES9121000418450200051332", ""),
    ("IT60X0542811101000000123456", "BPMOIT22XXX"),
]
# Valid ABA routing numbers (check digit correct).
ROUTINGS = ["011000015", "021000021", "026009593", "121000358", "111000025"]


def sepa_line(index: int, amount_minor: int = 1999, **fields) -> FileLine:
    iban, bic = IBANS[index % len(IBANS)]
    values = {
        "payout_id": index + 1,
        "reference": str(uuid.UUID(int=index + 1)),
        "name": f"Creator {index + 1}",
        "amount_minor": amount_minor,
        "currency": "EUR",
        "iban": iban,
        "bic": bic,
    }
    values.update(fields)
    return FileLine(**values)


def ach_line(index: int, amount_minor: int = 1999, **fields) -> FileLine:
    values = {
        "payout_id": index + 1,
        "reference": str(uuid.UUID(int=(index + 1) * 7919)),
        "name": f"Creator {index + 1}",
        "amount_minor": amount_minor,
        "currency": "USD",
        "routing_number": ROUTINGS[index % len(ROUTINGS)],
        "account_number": f"{100000 + index}",
        "account_type": "savings" if index % 3 == 0 else "checking",
    }
    values.update(fields)
    return FileLine(**values)


def aba_check_digit_independent(first_eight: str) -> int:
    """The ABA check digit, computed here again so the test does not trust the writer."""
    d = [int(c) for c in first_eight]
    total = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5])
    return (10 - total % 10) % 10


# --- database ------------------------------------------------------------------------------

SEPA_DETAILS = {"account_holder": "Zoë Müller", "iban": "FR1420041010050500013M02606", "bic": ""}
ACH_DETAILS = {
    "account_holder": "Jane Doe",
    "routing_number": "011000015",
    "account_number": "123456789",
    "account_type": "checking",
}


def sealed_method(creator, processor_code: str, details: dict, *, currency: str):
    """A verified default method of ``creator`` whose details are really encrypted."""
    from .conftest import make_method

    method = make_method(creator, processor_code, currency=currency)
    method.details_seal(details)
    method.save(update_fields=["details_encrypted", "key_id"])
    return method


def file_batch(payable_creator, processor_code: str, details_list, *, currency: str,
               amounts=None, fee_minor: int = 25, status: str = "approved"):  # fmt: skip
    """A batch of ``processor_code`` with one reserved payout per details dict (each of its
    own funded creator), moved to ``status`` (test setup: the batch services are tested in
    their own files)."""
    from apps.payouts.models import Payout, PayoutBatch, Processor

    from .conftest import make_payout

    processor = Processor.objects.get(code=processor_code)
    batch = PayoutBatch.objects.create(processor=processor, currency_id=currency, source="manual")
    amounts = amounts or [5000 + 1000 * i for i in range(len(details_list))]
    payouts = []
    for details, amount in zip(details_list, amounts, strict=True):
        creator = payable_creator("200.00", currency=currency, processor=processor_code)
        method = sealed_method(creator, processor_code, details, currency=currency)
        payouts.append(
            make_payout(creator, amount, fee_minor=fee_minor, method=method, batch=batch)
        )
    PayoutBatch.objects.filter(pk=batch.pk).update(
        status=status,
        payout_count=len(payouts),
        total_minor=sum(amounts),
        fee_total_minor=fee_minor * len(payouts),
    )
    if status == "submitted":
        Payout.objects.filter(batch=batch).update(state=Payout.State.SUBMITTED)
    batch.refresh_from_db()
    return batch, [Payout.objects.get(pk=p.pk) for p in payouts]
