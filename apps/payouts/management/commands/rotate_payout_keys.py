from django.core.management.base import BaseCommand, CommandError

from apps.payouts.services.methods import payout_methods_reseal


class Command(BaseCommand):
    help = (
        "Re-encrypt every payout method's details under the newest key of "
        "ENCRYPTION_KEYS (idempotent; run after putting a new key first, before "
        "removing an old one). Exits non-zero if some details could not be read."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Methods re-sealed per transaction."
        )

    def handle(self, *args, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        counts = payout_methods_reseal(batch_size=batch_size)
        self.stdout.write(
            f"key {counts.key_id}: re-sealed {counts.resealed}, "
            f"already current {counts.already_current}, unreadable {counts.unreadable}"
        )
        if counts.unreadable:
            raise CommandError(
                f"{counts.unreadable} payout method(s) were sealed with a key that is no longer "
                "configured (or were altered); add the old key back after the newest and run "
                "again."
            )
