"""Approve a draft payout batch as a named finance user (four-eyes: not its builder)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.core.exceptions import ApplicationError
from apps.payouts.management.lookup import command_actor, command_batch, command_error
from apps.payouts.services.batches import payout_batch_approve


class Command(BaseCommand):
    help = "Approve payout batch ID as the finance user EMAIL (never the one who built it)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("batch_id", type=int)
        parser.add_argument("--as", dest="as_email", required=True, help="Approver's email.")

    def handle(self, *args, batch_id: int, as_email: str, **options):
        actor = command_actor(as_email)
        batch = command_batch(batch_id)
        try:
            payout_batch_approve(batch=batch, actor=actor)
        except ApplicationError as error:
            raise command_error(error) from None
        self.stdout.write(f"Batch #{batch.pk} approved by {actor.email}.")
