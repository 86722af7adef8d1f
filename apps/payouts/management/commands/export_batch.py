"""Write a payout batch's bank / processor file: ``export_batch ID --format
sepa|nacha|paxum|wise --output FILE``. Refuses (non-zero exit, nothing written) a batch that
is not approved or submitted and a format that does not fit its processor or currency. The
file is written to a temporary name and renamed, so a refused or failed export leaves no
partial file behind. Audited like a download from the batch page."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import ApplicationError
from apps.payouts.adapters.files.batch import FILE_FORMATS
from apps.payouts.management.lookup import command_actor, command_batch, command_error
from apps.payouts.services.files import batch_file_export


class Command(BaseCommand):
    help = "Write a payout batch's SEPA, NACHA, Paxum or Wise file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("batch_id", type=int)
        parser.add_argument("--format", choices=FILE_FORMATS, required=True)
        parser.add_argument("--output", required=True, help="File to write ('-' for stdout).")
        parser.add_argument(
            "--as", dest="as_email", help="Email of the staff user exporting (for the audit)."
        )

    def handle(self, *args, batch_id: int, format: str, output: str, as_email=None, **options):
        actor = command_actor(as_email)
        batch = command_batch(batch_id)
        try:
            exported = batch_file_export(batch=batch, file_format=format, actor=actor)
        except ApplicationError as error:
            raise command_error(error) from None
        if output == "-":
            self.stdout.write(exported.content.decode("utf-8"), ending="")
            return
        target = Path(output)
        partial = target.with_name(f".{target.name}.partial")
        try:
            partial.write_bytes(exported.content)
            os.replace(partial, target)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(f"Cannot write {output}: {error}") from None
        self.stderr.write(
            f"Wrote batch {batch.pk} as {format} ({len(exported.content)} bytes) to {target}."
        )
