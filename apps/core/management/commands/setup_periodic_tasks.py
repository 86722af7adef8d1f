from django.core.management.base import BaseCommand

from apps.core.periodic import periodic_tasks_sync


class Command(BaseCommand):
    help = "Write every periodic task declared in code (apps/*/schedules.py) to the beat schedule."

    def handle(self, *args, **options) -> None:
        result = periodic_tasks_sync()
        for label, names in (
            ("created", result.created),
            ("updated", result.updated),
            ("disabled (no longer declared)", result.disabled),
        ):
            for name in names:
                self.stdout.write(f"{label}: {name}")
        if not (result.created or result.updated or result.disabled):
            self.stdout.write("periodic tasks are up to date")
