"""Submit a payout batch: ``submit_batch ID [--as EMAIL] [--queue]``.

An approved batch becomes submitted (audited, as from the batch page) and its payouts are sent
to the processor here, in this process, one claim at a time (``--queue``: leave that to the
workers). A batch already submitted is *resumed*: payouts whose retry time has come, and
payouts whose worker died mid-call (lease expired), are submitted again with their
idempotency key, so this is also the recovery command. It never pays a payout twice, even
while workers run the same batch. Prints one line per state and exits non-zero when the batch
cannot be submitted."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from apps.core.exceptions import ApplicationError
from apps.payouts.management.lookup import command_actor, command_batch, command_error
from apps.payouts.models import PayoutBatch
from apps.payouts.services.submission import payout_batch_submit, payouts_submit_pending


class Command(BaseCommand):
    help = "Submit an approved payout batch (or resume a submitted one) to its processor."

    def add_arguments(self, parser) -> None:
        parser.add_argument("batch_id", type=int)
        parser.add_argument(
            "--as", dest="as_email", help="Email of the staff user submitting (for the audit)."
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Only mark the batch submitted; the workers send its payouts.",
        )

    def handle(self, *args, batch_id: int, as_email=None, queue=False, **options):
        actor = command_actor(as_email)
        if actor is not None and not actor.has_perm("payouts.submit_payoutbatch"):
            raise CommandError(f"{as_email} may not submit payout batches.")
        batch = command_batch(batch_id)
        if batch.status == PayoutBatch.Status.APPROVED:
            try:
                payout_batch_submit(batch=batch, actor=actor)
            except ApplicationError as error:
                raise command_error(error) from None
            self.stdout.write(f"batch {batch.pk}: submitted")
        elif batch.status == PayoutBatch.Status.SUBMITTED:
            self.stdout.write(f"batch {batch.pk}: already submitted, resuming")
        else:
            raise CommandError(
                f"batch_not_approved: batch {batch.pk} is {batch.status}; only an approved "
                "(or a submitted, to resume) batch can be submitted."
            )
        if not queue:
            run = payouts_submit_pending(batch_id=batch.pk, limit=1_000_000)
            self.stdout.write(f"batch {batch.pk}: {run.submitted} payouts sent now")
        batch.refresh_from_db()
        states = dict(
            batch.payouts.order_by()
            .values_list("state")
            .annotate(n=Count("id"))
            .values_list("state", "n")
        )
        for state, count in sorted(states.items()):
            self.stdout.write(f"batch {batch.pk}: {count} {state}")
        self.stdout.write(f"batch {batch.pk}: {batch.status}")
