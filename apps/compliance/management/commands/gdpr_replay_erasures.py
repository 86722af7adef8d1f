"""``python manage.py gdpr_replay_erasures``: apply every logged erasure again, e.g. after a
database restore brought erased personal data back. Idempotent: on a database where every
erasure holds it changes nothing and says so.

``--export FILE`` writes the erasure log (ids, keyed hashes, pseudonym numbers: no personal
datum) as JSON, to keep with the backups; ``--from FILE`` also replays the erasures of such a
file that the restored database's log lacks (a backup older than the erasure)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.compliance.services import erasure_log_entries, gdpr_replay_erasures
from apps.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Re-apply every erasure in the erasure log (after a database restore)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--export", metavar="FILE", help="Write the erasure log and stop.")
        parser.add_argument(
            "--from", dest="source", metavar="FILE", help="Also replay an exported log."
        )

    def handle(self, *args, **options) -> None:
        if options["export"]:
            entries = erasure_log_entries()
            Path(options["export"]).write_text(json.dumps(entries, indent=2), encoding="utf-8")
            self.stdout.write(f"{len(entries)} erasures written to {options['export']}.")
            return
        exported = None
        if options["source"]:
            try:
                exported = json.loads(Path(options["source"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise CommandError(f"Cannot read {options['source']}: {error}") from None
            if not isinstance(exported, list):
                raise CommandError(f"{options['source']} is not an exported erasure log.")
        try:
            results = gdpr_replay_erasures(exported=exported)
        except ApplicationError as error:
            raise CommandError(str(error.detail)) from None
        total = 0
        for result in results:
            total += result.changed
            if result.changed:
                detail = ", ".join(
                    f"{app}.{table} {count}"
                    for app, tables in result.counts.items()
                    for table, count in tables.items()
                    if count
                )
                self.stdout.write(f"Request #{result.request_id}: erased again: {detail}.")
        self.stdout.write(
            f"{len(results)} logged erasure{'s' if len(results) != 1 else ''} checked; "
            f"{total} row{'s' if total != 1 else ''} erased again."
        )
