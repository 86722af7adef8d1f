from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.core.exceptions import ApplicationError
from apps.platforms.models import Platform
from apps.platforms.services import platform_api_key_create


class Command(BaseCommand):
    help = (
        "Make a REST API key for a platform and print it. The key is printed once, alone on "
        "standard output (KEY=$(python manage.py create_platform_key boyfanz)); only its hash "
        "is stored. The platform sends it as 'Authorization: Bearer <key>'."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="the platform's slug, e.g. boyfanz")
        parser.add_argument("--name", default="", help="what the key is for (default: cli)")
        parser.add_argument(
            "--expires-days",
            type=int,
            default=None,
            help="refuse the key after this many days (default: never expires)",
        )

    def handle(self, *args, slug: str, name: str, expires_days: int | None, **options) -> None:
        platform = Platform.objects.filter(slug=slug.strip().lower()).first()
        if platform is None:
            raise CommandError(f"No platform {slug!r}.")
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days is at least 1.")
        expires_at = timezone.now() + timedelta(days=expires_days) if expires_days else None
        try:
            key, raw_key = platform_api_key_create(
                platform=platform,
                name=name or f"cli {timezone.now():%Y-%m-%d}",
                actor=None,
                expires_at=expires_at,
            )
        except ApplicationError as error:
            raise CommandError(error.detail) from error
        self.stderr.write(
            f"API key {key.prefix} ({key.name}) for {platform.name}"
            + (f", expires {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else "")
            + ". Shown once; store it now:"
        )
        self.stdout.write(raw_key)
