"""Print the trial balance: every account with a balance, and the total per currency, which
double entry keeps at zero. Exits non-zero if a total is not zero."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.ledger.exports import (
    parse_as_of,
    trial_balance_payload,
    trial_balance_table,
    trial_balance_with_exponents,
)


class Command(BaseCommand):
    help = "Trial balance per account and currency (signed, debit positive) with totals."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--as-of",
            dest="as_of",
            help="ISO 8601 instant (or a date: the end of that day, UTC). Default: now.",
        )
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, as_of: str | None = None, format: str = "table", **options):
        moment = None
        if as_of is not None:
            try:
                moment = parse_as_of(as_of)
            except ValueError:
                raise CommandError(
                    f"--as-of {as_of!r} is not an ISO 8601 date or date-time."
                ) from None
        balance, exponents = trial_balance_with_exponents(as_of=moment)
        payload = trial_balance_payload(balance, exponents)
        if format == "json":
            self.stdout.write(json.dumps(payload, indent=2))
        else:
            self.stdout.write(trial_balance_table(balance, exponents), ending="")
        if not balance.balanced:
            off = ", ".join(
                f"{currency} {total}"
                for currency, total in payload["totals"].items()
                if balance.totals[currency] != 0
            )
            raise CommandError(f"The ledger does not balance; totals not zero: {off}.")
