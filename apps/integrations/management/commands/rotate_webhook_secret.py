"""``python manage.py rotate_webhook_secret <slug> [--secret S] [--grace-hours H]``: a new
webhook secret for the platform, printed once; the secrets active until now stay valid for
the grace window (default 24 h; 0 revokes them now). Same service as the dashboard's button."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import ApplicationError
from apps.platforms.models import Platform
from apps.platforms.services import platform_webhook_secret_rotate


class Command(BaseCommand):
    help = "Rotate a platform's webhook secret and print the new one (shown once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="The platform's slug, e.g. boyfanz.")
        parser.add_argument("--secret", help="Use this secret (at least 24 characters).")
        parser.add_argument(
            "--grace-hours",
            type=int,
            default=24,
            help="Hours the current secrets stay valid (default 24; 0 revokes them now).",
        )

    def handle(self, *args, slug: str, secret: str | None, grace_hours: int, **options) -> None:
        try:
            platform = Platform.objects.get(slug=slug)
        except Platform.DoesNotExist:
            raise CommandError(f"No platform {slug!r}.") from None
        try:
            new_secret = platform_webhook_secret_rotate(
                platform=platform, actor=None, secret=secret, grace_hours=grace_hours
            )
        except ApplicationError as error:
            raise CommandError(f"{error.code}: {error.detail}") from None
        previous = "revoked now" if grace_hours == 0 else f"valid for {grace_hours} more hours"
        self.stderr.write(
            f"New webhook secret for {platform.name} ({new_secret.hint}); the previous "
            f"secrets are {previous}. Copy it to the platform now: it is not shown again."
        )
        self.stdout.write(new_secret.secret)
