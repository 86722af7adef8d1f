"""apps.core.csv: the one implementation of formula-safe CSV cells."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from apps.core.csv import csv_safe, csv_stream, csv_unescape, csv_writer, is_plain_number

HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize(
    "value",
    [
        HYPERLINK,
        "==HYPERLINK(1)",  # what django-import-export's own escaping lets through
        "+HYPERLINK(1)",
        "-2+3",
        "-",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        "\n=1",
        " =1",
        "\u00a0=1",
        "|cmd",
        "%0A=1",
        "\uff1dHYPERLINK(1)",  # full-width equals sign
        "-12.50 ",
        "-1e5",
    ],
)
def test_text_starting_like_a_formula_gets_an_apostrophe(value):
    assert csv_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["-12.50", "12.50", "+3", "-7", "0", "1999", "-.5", "1."])
def test_plain_numbers_stay_numbers(value):
    assert is_plain_number(value)
    assert csv_safe(value) == value


@pytest.mark.parametrize(
    "value", ["Jane Doe", "a@b.test", "", "Tip on BoyFanz", "'quoted", "12 =1", "x=1"]
)
def test_other_text_is_unchanged(value):
    assert csv_safe(value) == value


@pytest.mark.parametrize("value", [None, 5, -5, Decimal("-12.50"), date(2026, 1, 1), True])
def test_values_that_are_not_text_are_left_to_the_csv_module(value):
    assert csv_safe(value) is value


def test_unescape_reverses_only_our_escaping():
    for value in (HYPERLINK, "+1+1", "@x", " =1"):
        assert csv_unescape(csv_safe(value)) == value
    assert csv_unescape("'quoted") == "'quoted"
    assert csv_unescape("-12.50") == "-12.50"
    assert csv_unescape("'-12.50") == "'-12.50"  # we never escape a number


def test_writer_and_stream_escape_every_cell_and_keep_numbers():
    rows = [["name", "amount"], [HYPERLINK, "-12.50"], ["Ana", Decimal("-3.00")], [None, -4]]
    buffer = io.StringIO()
    csv_writer(buffer).writerows(rows)
    streamed = "".join(csv_stream(rows))
    assert buffer.getvalue() == streamed
    assert list(csv.reader(io.StringIO(streamed))) == [
        ["name", "amount"],
        ["'" + HYPERLINK, "-12.50"],
        ["Ana", "-3.00"],
        ["", "-4"],
    ]


def test_the_files_adapter_uses_the_same_rule():
    from apps.payouts.adapters.files.common import csv_safe as file_csv_safe

    assert file_csv_safe(HYPERLINK) == "'" + HYPERLINK
    assert file_csv_safe("two\nlines") == "two lines"
    assert file_csv_safe(None) == ""
