"""NACHA ACH: the file is parsed back with the layout's positions written out here, and
every record length, count, total, the entry hash and the block count are checked."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from apps.payouts.adapters.files.common import FileFormatError
from apps.payouts.adapters.files.nacha import nacha_file, nacha_identification

from .files_support import HEADER, aba_check_digit_independent, ach_line


def field(record: str, start: int, end: int) -> str:
    """Positions as the NACHA rules number them: 1-based, inclusive."""
    return record[start - 1 : end]


def parse_back(text: str, *, created: date | None = None) -> dict:
    """Read a NACHA file and check its structure (the file header's creation date is
    ``created``, by default HEADER's); returns what it found."""
    created = created or HEADER.created_at.date()
    assert text.endswith("\n")
    records = text[:-1].split("\n")
    assert all(len(r) == 94 for r in records), [len(r) for r in records if len(r) != 94]
    assert len(records) % 10 == 0, "blocks of 10 records"
    kinds = "".join(r[0] for r in records)
    # 1 (5 6+ 8)+ 9 then padding of all-9 records
    body_end = kinds.index("9") + 1
    assert all(r == "9" * 94 for r in records[body_end:])
    assert kinds[0] == "1"

    file_header = records[0]
    assert field(file_header, 2, 3) == "01"
    assert field(file_header, 4, 13) == " " + HEADER.ach_odfi_routing
    assert field(file_header, 35, 37) == "094"
    assert field(file_header, 38, 39) == "10"
    assert field(file_header, 40, 40) == "1"
    assert field(file_header, 24, 29) == created.strftime("%y%m%d")

    batches = []
    i = 1
    while records[i][0] == "5":
        batch_header = records[i]
        assert field(batch_header, 2, 4) == "220"
        batch_number = field(batch_header, 88, 94)
        entries = []
        i += 1
        while records[i][0] == "6":
            entries.append(records[i])
            i += 1
        control = records[i]
        assert control[0] == "8"
        i += 1
        # Batch control against what the entries say.
        routing8 = [int(field(e, 4, 11)) for e in entries]
        amounts = [int(field(e, 30, 39)) for e in entries]
        assert int(field(control, 5, 10)) == len(entries)
        assert int(field(control, 11, 20)) == sum(routing8) % 10**10
        assert int(field(control, 21, 32)) == 0
        assert int(field(control, 33, 44)) == sum(amounts)
        assert field(control, 45, 54) == field(batch_header, 41, 50)
        assert field(control, 80, 87) == field(batch_header, 80, 87)
        assert field(control, 88, 94) == batch_number
        for sequence, entry in enumerate(entries, start=1):
            assert field(entry, 2, 3) in ("22", "32")
            assert int(field(entry, 12, 12)) == aba_check_digit_independent(field(entry, 4, 11))
            assert field(entry, 79, 79) == "0"
            assert field(entry, 80, 87) == field(batch_header, 80, 87)
            assert int(field(entry, 88, 94)) == sequence
        batches.append({"header": batch_header, "entries": entries, "control": control})
    file_control = records[i]
    assert file_control[0] == "9" and i == body_end - 1
    all_entries = [e for b in batches for e in b["entries"]]
    assert int(field(file_control, 2, 7)) == len(batches)
    assert int(field(file_control, 8, 13)) == len(records) // 10
    assert int(field(file_control, 14, 21)) == len(all_entries)
    assert (
        int(field(file_control, 22, 31)) == sum(int(field(e, 4, 11)) for e in all_entries) % 10**10
    )
    assert int(field(file_control, 32, 43)) == 0
    assert int(field(file_control, 44, 55)) == sum(int(field(e, 30, 39)) for e in all_entries)
    return {
        "records": records,
        "batches": batches,
        "entries": all_entries,
        "file_control": file_control,
    }


def test_file_parses_back_with_every_control_total():
    lines = [ach_line(i, amount_minor=a) for i, a in enumerate([1, 1999, 250000, 99, 12345678])]
    parsed = parse_back(nacha_file(HEADER, lines))
    assert len(parsed["batches"]) == 1
    entries = parsed["entries"]
    assert [int(field(e, 30, 39)) for e in entries] == [1, 1999, 250000, 99, 12345678]
    assert [field(e, 4, 12) for e in entries] == [line.routing_number for line in lines]
    assert [field(e, 13, 29).rstrip() for e in entries] == [line.account_number for line in lines]
    assert [field(e, 2, 3) for e in entries] == ["32", "22", "22", "32", "22"]
    assert field(entries[0], 40, 54) == nacha_identification(lines[0].reference)
    assert field(entries[0], 55, 76) == "CREATOR 1".ljust(22)
    batch_header = parsed["batches"][0]["header"]
    assert field(batch_header, 51, 53) == "PPD"
    assert field(batch_header, 70, 75) == "261202"
    assert field(batch_header, 41, 50) == "1234567890"
    assert len(parsed["records"]) == 10  # 5 entries + 5 other records: one block


def test_exactly_ten_records_need_no_padding():
    parsed = parse_back(nacha_file(HEADER, [ach_line(i) for i in range(6)]))
    assert len(parsed["records"]) == 10
    assert parsed["records"][-1][0] == "9" and parsed["records"][-1] != "9" * 94


def test_eleven_records_make_two_blocks():
    parsed = parse_back(nacha_file(HEADER, [ach_line(i) for i in range(7)]))
    assert len(parsed["records"]) == 20
    assert int(field(parsed["file_control"], 8, 13)) == 2


def test_several_batches_and_their_numbers():
    parsed = parse_back(
        nacha_file(HEADER, [ach_line(i) for i in range(7)], max_entries_per_batch=3)
    )
    assert [len(b["entries"]) for b in parsed["batches"]] == [3, 3, 1]
    assert [field(b["header"], 88, 94) for b in parsed["batches"]] == [
        "0000001",
        "0000002",
        "0000003",
    ]


def test_entry_hash_keeps_the_last_ten_digits():
    # 150 entries with routing 9999999-something: their sum has 11 digits.
    routing = "99999999" + str(aba_check_digit_independent("99999999"))
    lines = [ach_line(i, routing_number=routing) for i in range(150)]
    parsed = parse_back(nacha_file(HEADER, lines))
    full = 150 * 99999999
    assert full >= 10**10
    assert int(field(parsed["file_control"], 22, 31)) == full % 10**10


def test_ccd_and_text_cleaning():
    line = ach_line(0, name="Zoë O'Brien-Müller & Co. 東京 Very Long Company Name")
    parsed = parse_back(nacha_file(replace(HEADER, ach_sec_code="CCD"), [line]))
    assert field(parsed["batches"][0]["header"], 51, 53) == "CCD"
    name = field(parsed["entries"][0], 55, 76)
    assert name == "ZOE O'BRIEN-MULLER & C"
    assert name.isascii()


@pytest.mark.parametrize(
    "change, code",
    [
        ({"routing_number": "011000016"}, "invalid_routing_number"),  # wrong check digit
        ({"routing_number": "12345"}, "invalid_routing_number"),
        ({"currency": "EUR"}, "currency_mismatch"),
        ({"amount_minor": 10_000_000_000}, "amount_too_large"),
        ({"amount_minor": 19.99}, "invalid_amount"),
        ({"account_number": "1" * 18}, "invalid_account_number"),
        ({"account_number": ""}, "invalid_account_number"),
        ({"account_type": "brokerage"}, "invalid_account_type"),
        ({"name": ""}, "invalid_name"),
    ],
)
def test_lines_an_ach_file_cannot_carry_are_refused(change, code):
    with pytest.raises(FileFormatError) as caught:
        nacha_file(HEADER, [ach_line(1), ach_line(0, **change)])
    assert caught.value.code == code


def test_header_refusals():
    with pytest.raises(FileFormatError) as caught:
        nacha_file(replace(HEADER, ach_odfi_routing="021000022"), [ach_line(0)])
    assert caught.value.code == "invalid_routing_number"
    with pytest.raises(FileFormatError) as caught:
        nacha_file(replace(HEADER, ach_sec_code="WEB"), [ach_line(0)])
    assert caught.value.code == "invalid_sec_code"
    with pytest.raises(FileFormatError):
        nacha_file(HEADER, [])
