from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import ApplicationError
from apps.platforms.models import PlatformAPIKey
from apps.platforms.services import platform_api_key_revoke


class Command(BaseCommand):
    help = "Revoke a platform API key by its prefix (the part before the dot); cannot be undone."

    def add_arguments(self, parser) -> None:
        parser.add_argument("prefix", help="the key's prefix, as listed on the platform's page")

    def handle(self, *args, prefix: str, **options) -> None:
        key = (
            PlatformAPIKey.objects.select_related("platform")
            .filter(prefix=prefix.partition(".")[0])
            .first()
        )
        if key is None:
            raise CommandError(f"No API key with prefix {prefix!r}.")
        try:
            platform_api_key_revoke(key=key, actor=None)
        except ApplicationError as error:
            raise CommandError(error.detail) from error
        self.stdout.write(f"API key {key.prefix} ({key.name}) of {key.platform.name} revoked.")
