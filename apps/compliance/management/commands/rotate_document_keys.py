from django.core.management.base import BaseCommand, CommandError

from apps.compliance.services import identity_document_keys_reseal
from apps.core.crypto import SealError


class Command(BaseCommand):
    help = (
        "Re-seal every identity document's data key under the newest key of ENCRYPTION_KEYS "
        "(the files and numbers stay as they are; idempotent). Run after putting a new key "
        "first, before removing an old one."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            count = identity_document_keys_reseal(batch_size=batch_size)
        except SealError as error:
            raise CommandError(f"A document key could not be read: {error}") from None
        self.stdout.write(f"re-sealed {count} identity document key(s)")
