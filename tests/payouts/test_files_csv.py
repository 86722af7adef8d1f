"""Paxum and Wise CSV files: columns, exact amounts, and no spreadsheet formulas."""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from apps.payouts.adapters.files.common import (
    FileFormatError,
    FileLine,
    csv_safe,
    minor_to_string,
)
from apps.payouts.adapters.files.paxum import PAXUM_COLUMNS, paxum_csv
from apps.payouts.adapters.files.wise import WISE_COLUMNS, wise_csv

from .files_support import sepa_line


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def paxum_line(i: int, **fields) -> FileLine:
    values = {
        "payout_id": i + 1,
        "reference": str(uuid.UUID(int=i + 1)),
        "name": f"Creator {i + 1}",
        "amount_minor": 1999,
        "currency": "USD",
        "email": f"creator{i + 1}@example.test",
    }
    values.update(fields)
    return FileLine(**values)


def test_paxum_columns_and_amounts():
    text = paxum_csv(
        [paxum_line(0), paxum_line(1, amount_minor=5), paxum_line(2, amount_minor=100000000)]
    )
    table = rows(text)
    assert table[0] == PAXUM_COLUMNS == ["Email", "Amount", "Currency", "Reference", "Note"]
    assert [r[1] for r in table[1:]] == ["19.99", "0.05", "1000000.00"]
    assert table[1][0] == "creator1@example.test"
    assert table[1][2] == "USD"
    assert table[1][3] == str(uuid.UUID(int=1))
    assert text.endswith("\r\n")


def test_wise_columns_iban_and_email_recipients():
    by_iban = sepa_line(0, email="")
    by_email = paxum_line(1, currency="EUR", iban="", email="wise@example.test")
    table = rows(wise_csv([by_iban, by_email]))
    assert table[0] == WISE_COLUMNS
    first = dict(zip(WISE_COLUMNS, table[1], strict=True))
    second = dict(zip(WISE_COLUMNS, table[2], strict=True))
    assert first["type"] == "IBAN" and first["IBAN"] == by_iban.iban and first["BIC"] == "BNPAFRPP"
    assert second["type"] == "EMAIL" and second["recipientEmail"] == "wise@example.test"
    assert first["amount"] == "19.99" and first["amountCurrency"] == "target"
    assert first["sourceCurrency"] == first["targetCurrency"] == "EUR"
    assert first["paymentReference"] == uuid.UUID(by_iban.reference).hex


@pytest.mark.parametrize(
    "currency, minor, expected",
    [("JPY", 1500, "1500"), ("BHD", 1234, "1.234"), ("EUR", 1, "0.01"), ("GBP", 10, "0.10")],
)
def test_wise_amounts_use_the_currency_exponent(currency, minor, expected):
    line = paxum_line(0, currency=currency, amount_minor=minor)
    assert rows(wise_csv([line]))[1][WISE_COLUMNS.index("amount")] == expected


def test_minor_to_string_is_integer_exact():
    assert minor_to_string(10**17 + 1, 2) == "1000000000000000.01"
    assert minor_to_string(7, 3) == "0.007"
    assert minor_to_string(0, 0) == "0"
    with pytest.raises(TypeError):
        minor_to_string(19.99, 2)


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", " =1", "%0A=1", "|cmd"],
)
def test_formula_like_cells_are_escaped(value):
    assert csv_safe(value).startswith("'")


def test_plain_cells_are_unchanged_and_newlines_removed():
    assert csv_safe("Jane Doe") == "Jane Doe"
    assert csv_safe("a@b.test") == "a@b.test"
    assert csv_safe("two\nlines") == "two lines"


def test_names_and_emails_in_files_cannot_be_formulas():
    evil = paxum_line(0, name="=cmd|'/C calc'!A0", email="=x@example.test", currency="EUR",
                      iban="FR1420041010050500013M02606")  # fmt: skip
    wise = dict(zip(WISE_COLUMNS, rows(wise_csv([evil]))[1], strict=True))
    assert wise["name"].startswith("'=")
    assert wise["recipientEmail"].startswith("'=")
    note = paxum_line(0, description="-1+1 =SUM(A1)")
    paxum = rows(paxum_csv([note]))[1]
    assert paxum[4].startswith("'-")


def test_paxum_refusals():
    with pytest.raises(FileFormatError) as caught:
        paxum_csv([paxum_line(0, currency="GBP")])
    assert caught.value.code == "currency_mismatch"
    with pytest.raises(FileFormatError) as caught:
        paxum_csv([paxum_line(0, email="not-an-email")])
    assert caught.value.code == "invalid_email"
    with pytest.raises(FileFormatError) as caught:
        paxum_csv([paxum_line(0, amount_minor=19.99)])
    assert caught.value.code == "invalid_amount"


def test_wise_refusals():
    with pytest.raises(FileFormatError) as caught:
        wise_csv([paxum_line(0), paxum_line(1, currency="EUR")])
    assert caught.value.code == "currency_mismatch"
    with pytest.raises(FileFormatError) as caught:
        wise_csv([paxum_line(0, email="")])
    assert caught.value.code == "invalid_details"
    with pytest.raises(FileFormatError) as caught:
        wise_csv([paxum_line(i) for i in range(1001)])
    assert caught.value.code == "too_many_payouts"
