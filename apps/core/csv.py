"""CSV that people open in spreadsheets, without formula injection (OWASP "CSV injection").

A spreadsheet runs a cell that starts like a formula: a creator's display name (which comes
from a platform), a memo or a user agent reading ``=HYPERLINK("http://x","y")`` would become a
live link, or worse. Every CSV FanzDash writes for people goes through this module:

- ``csv_safe(value)``: a **text** cell that starts with ``= + - @``, a tab, CR or LF, ``|`` or
  ``%`` (or their full-width forms, or ``= + - @`` after leading spaces) gets a leading
  apostrophe, so the spreadsheet shows it as text (``'=HYPERLINK(...)``);
- a cell that is **a plain decimal number** (``-12.50``, ``+3``, ``1999``) is left as it is:
  amounts in money columns must stay numbers, or the spreadsheet's sums break. A number
  cannot run anything;
- values that are not text (int, Decimal, dates, None) are left to the ``csv`` module.

``csv_writer(out)`` is ``csv.writer`` with every cell passed through ``csv_safe``;
``csv_stream(rows)`` yields the lines of a streamed CSV response. ``csv_unescape`` undoes the
apostrophe when a file FanzDash exported is imported again.

Machine formats sent to banks and processors are not spreadsheets: NACHA and SEPA XML have
their own character sets; the Paxum and Wise CSVs use ``csv_safe`` on their text cells
(``apps/payouts/adapters/files/common.py``), since operators may open them before uploading.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from typing import Any

# What makes Excel, LibreOffice or Google Sheets read a cell as a formula (or a DDE call).
FORMULA_STARTS = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\n",
    "|",
    "%",
    "\uff1d",  # FULLWIDTH EQUALS SIGN
    "\uff0b",  # FULLWIDTH PLUS SIGN
    "\uff0d",  # FULLWIDTH HYPHEN-MINUS
    "\uff20",  # FULLWIDTH COMMERCIAL AT
)
_AFTER_SPACES = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
ESCAPE = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def is_plain_number(text: str) -> bool:
    """``-12.50``, ``+3``, ``1999``, ``0.5``: digits with one optional sign and decimal point,
    nothing else (no exponent, no spaces, no thousands separators)."""
    return _PLAIN_NUMBER.fullmatch(text) is not None


def csv_safe(value: Any) -> Any:
    """``value`` as a spreadsheet will show it, never as a formula (see the module doc)."""
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(FORMULA_STARTS) or value.lstrip().startswith(_AFTER_SPACES):
        if is_plain_number(value):
            return value
        return ESCAPE + value
    return value


def csv_unescape(value: str) -> str:
    """The text ``csv_safe`` escaped, as it was (``'=1`` -> ``=1``); anything else unchanged."""
    if value.startswith(ESCAPE) and csv_safe(value[1:]) == value:
        return value[1:]
    return value


class SafeCsvWriter:
    """``csv.writer`` whose cells pass through ``csv_safe`` (same ``writerow`` results)."""

    def __init__(self, out, **fmtparams) -> None:
        self._writer = csv.writer(out, **fmtparams)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([csv_safe(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out, **fmtparams) -> SafeCsvWriter:
    return SafeCsvWriter(out, **fmtparams)


class _Echo:
    """A file that hands back what is written to it (for streamed responses)."""

    def write(self, value: str) -> str:
        return value


def csv_stream(rows: Iterable[Iterable[Any]], **fmtparams) -> Iterator[str]:
    """The lines of a CSV document, one per row, for ``StreamingHttpResponse``."""
    writer = SafeCsvWriter(_Echo(), **fmtparams)
    for row in rows:
        yield writer.writerow(row)


class CsvSafeExportMixin:
    """For django-import-export resources: every exported cell passes through ``csv_safe``
    (CSV and XLSX alike; openpyxl too writes a text starting with ``=`` as a formula).

    ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`` stays on, but in django-import-export 4.4 it
    only removes one leading ``=`` (``+``, ``-``, ``@``, tabs and ``==...`` pass), so it is not
    the protection; this is."""

    def export_field(self, field, instance, **kwargs):
        return csv_safe(super().export_field(field, instance, **kwargs))
