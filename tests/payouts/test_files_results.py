"""Result files read back: columns by any usual name, bank codes translated, and a bad file
refused whole with the lines named."""

from __future__ import annotations

import uuid

import pytest

from apps.payouts.adapters.base import Outcome
from apps.payouts.adapters.files.common import FileFormatError
from apps.payouts.adapters.files.nacha import nacha_identification
from apps.payouts.adapters.files.results import (
    failure_code_translate,
    result_file_parse,
    result_rows_parse,
)

KEYS = {10: str(uuid.UUID(int=10)), 11: str(uuid.UUID(int=11)), 12: str(uuid.uuid4())}


def test_paid_and_failed_rows_by_reference_in_any_form():
    content = (
        "reference,status,failure_code,failure_reason\n"
        f"{KEYS[10]},paid,,\n"
        f"{uuid.UUID(KEYS[11]).hex.upper()},failed,R02,Account closed\n"
        f"{nacha_identification(KEYS[12])},returned,AC04,\n"
    )
    lines = result_file_parse(content.encode(), KEYS)
    assert [(line.payout_id, line.outcome) for line in lines] == [
        (10, Outcome.PAID),
        (11, Outcome.FAILED),
        (12, Outcome.FAILED),
    ]
    assert lines[1].failure_code == "account_closed"
    assert lines[1].detail == "R02: Account closed"
    assert lines[2].failure_code == "account_closed"


def test_semicolon_bom_aliases_and_payout_id_column():
    content = (
        "\ufeffPayout ID;Result;Return Code;Message;Bank Reference\r\n"
        "10;Completed;;;BANK-1\r\n"
        "11;REJECTED;invalid_account_number;wrong digits;\r\n"
        ";;;;\r\n"
    ).encode()
    lines = result_file_parse(content, KEYS)
    assert [(line.payout_id, line.outcome, line.failure_code) for line in lines] == [
        (10, Outcome.PAID, ""),
        (11, Outcome.FAILED, "invalid_account_number"),
    ]
    assert lines[0].reference == "BANK-1"


def test_latin1_file_is_read():
    content = f"EndToEndId,Status,Reason\n{KEYS[10]},failed,Compte clôturé\n".encode("latin-1")
    [line] = result_file_parse(content, KEYS)
    assert line.failure_code == "returned_by_bank"
    assert line.detail == "Compte clôturé"


@pytest.mark.parametrize(
    "code, expected",
    [("", "returned_by_bank"), ("account_frozen", "account_frozen"), ("R03", "account_not_found"),
     ("ac01", "invalid_account_number"), ("ZZ99", "processor_rejected")],
)  # fmt: skip
def test_failure_codes_are_translated(code, expected):
    assert failure_code_translate(code, "why")[0] == expected


def test_bad_lines_refuse_the_whole_file_naming_each():
    content = f"reference,status\n{KEYS[10]},paid\n{KEYS[11]},maybe\n,paid\n"
    with pytest.raises(FileFormatError) as caught:
        result_rows_parse(content)
    assert caught.value.code == "invalid_result_file"
    assert caught.value.detail == [
        "line 3: status 'maybe' is not paid or failed",
        "line 4: no reference",
    ]


def test_missing_columns_and_empty_files_are_refused():
    for content in ("", "name,amount\nx,1\n", "reference,status\n"):
        with pytest.raises(FileFormatError):
            result_rows_parse(content)


def test_reference_of_another_batch_or_twice_is_refused():
    other = str(uuid.uuid4())
    with pytest.raises(FileFormatError) as caught:
        result_file_parse(f"reference,status\n{other},paid\n", KEYS)
    assert "not a payout of this batch" in caught.value.detail[0]
    with pytest.raises(FileFormatError) as caught:
        result_file_parse(f"reference,status\n{KEYS[10]},paid\n{KEYS[10]},failed\n", KEYS)
    assert "already on line 2" in caught.value.detail[0]
    with pytest.raises(FileFormatError):
        result_file_parse("payout_id,status\n99,paid\n", KEYS)


def test_ambiguous_short_reference_is_refused():
    # Two keys sharing their first 15 hex digits: the NACHA identification cannot tell them
    # apart, so it matches neither (the full key still does).
    a = "0123456789abcde0" + "0" * 16
    b = "0123456789abcde1" + "1" * 16
    keys = {1: str(uuid.UUID(a)), 2: str(uuid.UUID(b))}
    with pytest.raises(FileFormatError):
        result_file_parse("reference,status\n0123456789ABCDE,paid\n", keys)
    [line] = result_file_parse(f"reference,status\n{a},paid\n", keys)
    assert line.payout_id == 1
