"""Write a payout batch's bank / processor file: ``export_batch ID --format
sepa|nacha|paxum|wise --output FILE``. Refuses (non-zero exit, nothing written) a batch that
is not approved or submitted and a format that does not fit its processor or currency. The
file is written to a temporary name and renamed, so a refused or failed export leaves no
partial file behind. Audited like a download from the batch page."""

from __future__ import annotations

import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import ApplicationError
from apps.payouts.adapters.files.batch import FILE_FORMATS, batch_file_export
from apps.payouts.models import PayoutBatch


def _detail(error: ApplicationError) -> str:
    detail = error.detail
    if isinstance(detail, list | tuple):
        return "; ".join(str(item) for item in detail)
    return str(detail)


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
        actor = None
        if as_email:
            actor = get_user_model().objects.filter(email__iexact=as_email).first()
            if actor is None:
                raise CommandError(f"No user with email {as_email}.")
        batch = PayoutBatch.objects.select_related("processor").filter(pk=batch_id).first()
        if batch is None:
            raise CommandError(f"No payout batch {batch_id}.")
        try:
            exported = batch_file_export(batch=batch, file_format=format, actor=actor)
        except ApplicationError as error:
            raise CommandError(f"{error.code}: {_detail(error)}") from None
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
