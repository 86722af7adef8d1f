"""Apply a bank's / processor's result file to a submitted payout batch:
``reconcile_batch ID FILE``. Each payout is marked paid or failed once (a payout already
settled is skipped and reported); one line per payout is printed, then a summary. A file
with a bad line, or a reference that is not a payout of this batch, is refused whole
(non-zero exit, nothing applied). The result format is in docs/payouts.md."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import ApplicationError
from apps.payouts.management.lookup import command_actor, command_batch, command_error
from apps.payouts.services.files import batch_reconcile


class Command(BaseCommand):
    help = "Mark a submitted batch's payouts paid or failed from a result file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("batch_id", type=int)
        parser.add_argument("file", help="The result CSV ('-' for stdin).")
        parser.add_argument(
            "--as", dest="as_email", help="Email of the staff user reconciling (for the audit)."
        )

    def handle(self, *args, batch_id: int, file: str, as_email=None, **options):
        actor = command_actor(as_email)
        batch = command_batch(batch_id)
        if file == "-":
            content = sys.stdin.buffer.read()
            name = "stdin"
        else:
            try:
                content = Path(file).read_bytes()
            except OSError as error:
                raise CommandError(f"Cannot read {file}: {error}") from None
            name = Path(file).name
        try:
            report = batch_reconcile(batch=batch, content=content, actor=actor, filename=name)
        except ApplicationError as error:
            raise command_error(error) from None
        for line in report.lines():
            self.stdout.write(line)
