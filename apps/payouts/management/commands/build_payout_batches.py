"""Build draft payout batches of every payable creator and print each new batch id on its
own line (nothing else on stdout, for scripts). Safe to repeat: creators with an open payout
are skipped, so a second run prints nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import User
from apps.core.exceptions import ApplicationError
from apps.payouts.services.batches import payout_batches_build


class Command(BaseCommand):
    help = "Build draft payout batches (one per processor and currency); prints the batch ids."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--processor", help="Processor code (e.g. sepa, ach, sandbox).")
        parser.add_argument("--currency", help="ISO 4217 code (e.g. EUR).")
        parser.add_argument(
            "--due-only",
            action="store_true",
            help="Only creators whose schedule is due today (what the daily beat task does).",
        )
        parser.add_argument(
            "--as", dest="as_email", help="Email of the finance user recorded as the builder."
        )

    def handle(self, *args, processor=None, currency=None, due_only=False, as_email=None, **opts):
        actor = None
        if as_email:
            actor = User.objects.filter(email__iexact=as_email).first()
            if actor is None or not actor.has_perm("payouts.build_payoutbatch"):
                raise CommandError(f"{as_email} is not a user allowed to build payout batches.")
        try:
            batches = payout_batches_build(
                processor=processor,
                currency=currency,
                actor=actor,
                source="schedule" if due_only else "manual",
            )
        except ApplicationError as error:
            raise CommandError(f"{error.code}: {error.detail}") from None
        for batch in batches:
            self.stdout.write(str(batch.pk))
            self.stderr.write(
                f"batch #{batch.pk}: {batch.processor.code} {batch.currency_id}, "
                f"{batch.payout_count} payouts, {batch.get_status_display().lower()}"
            )
        if not batches:
            self.stderr.write("Nobody is payable: no batch built.")
