"""python manage.py compliance_scan [--date YYYY-MM-DD]: the daily compliance scan by hand
(the beat task ``compliance.scan`` runs it every day). Safe to repeat."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from apps.compliance.services import compliance_scan


class Command(BaseCommand):
    help = (
        "Warn creators whose age verification expires soon (once), expire KYC verifications "
        "and derive levels again, and open violations for what the scan rules find (never "
        "twice)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="Scan as of this day (YYYY-MM-DD; default: today).", default=None
        )

    def handle(self, *args, **options):
        today = None
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"--date {options['date']!r} is not a date (YYYY-MM-DD)."
                ) from None
        report = compliance_scan(today=today)
        for line in report.lines():
            self.stdout.write(line)
