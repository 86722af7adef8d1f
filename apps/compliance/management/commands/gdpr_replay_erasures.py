"""``python manage.py gdpr_replay_erasures``: apply every logged erasure again, e.g. after a
database restore brought erased personal data back. Idempotent: on a database where every
erasure holds it changes nothing and says so."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.compliance.services import gdpr_replay_erasures


class Command(BaseCommand):
    help = "Re-apply every erasure in the erasure log (after a database restore)."

    def handle(self, *args, **options) -> None:
        results = gdpr_replay_erasures()
        total = 0
        for log, counts, changed in results:
            total += changed
            if changed:
                detail = ", ".join(
                    f"{app}.{table} {count}"
                    for app, tables in counts.items()
                    for table, count in tables.items()
                    if count
                )
                self.stdout.write(
                    f"Erasure #{log.pk} (request #{log.request_id}): erased again: {detail}."
                )
        self.stdout.write(
            f"{len(results)} logged erasure{'s' if len(results) != 1 else ''} checked; "
            f"{total} row{'s' if total != 1 else ''} erased again."
        )
