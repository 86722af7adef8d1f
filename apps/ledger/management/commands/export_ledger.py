"""Export the ledger as a Beancount file (checked with ``bean-check``) or as a flat CSV of
postings. Entries are streamed in chunks, so a large ledger exports in bounded memory."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.ledger.exports import (
    ExportError,
    ledger_export_beancount,
    ledger_export_csv,
    parse_as_of,
)


class Command(BaseCommand):
    help = "Export the ledger (entries up to --as-of) as Beancount or CSV."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--format", choices=["beancount", "csv"], required=True)
        parser.add_argument("--output", required=True, help="File to write ('-' for stdout).")
        parser.add_argument(
            "--as-of",
            dest="as_of",
            help="ISO 8601 instant (or a date: the end of that day, UTC). Default: now.",
        )

    def handle(self, *args, format: str, output: str, as_of: str | None = None, **options):
        moment = None
        if as_of is not None:
            try:
                moment = parse_as_of(as_of)
            except ValueError:
                raise CommandError(
                    f"--as-of {as_of!r} is not an ISO 8601 date or date-time."
                ) from None
        writer = ledger_export_beancount if format == "beancount" else ledger_export_csv
        if output == "-":
            try:
                count = writer(self.stdout, as_of=moment)
            except ExportError as error:
                raise CommandError(str(error)) from None
            return
        target = Path(output)
        partial = target.with_name(f".{target.name}.partial")
        try:
            # newline="" so that the csv module's own line endings are kept as written.
            with partial.open("w", encoding="utf-8", newline="") as out:
                count = writer(out, as_of=moment)
            os.replace(partial, target)
        except ExportError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(str(error)) from None
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(f"Cannot write {output}: {error}") from None
        noun = "transactions" if format == "beancount" else "postings"
        self.stderr.write(f"Wrote {count} {noun} to {target}.")
