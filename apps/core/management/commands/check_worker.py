import time

from django.core.management.base import BaseCommand, CommandError

from apps.core.models import WorkerHeartbeat
from apps.core.tasks import record_worker_heartbeat


class Command(BaseCommand):
    help = (
        "Enqueue a heartbeat task through the configured broker and wait until a worker has "
        "written its row to the database. Exits non-zero if none does within --timeout."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--timeout", type=float, default=30.0)

    def handle(self, *args, timeout: float, **options) -> None:
        started = time.monotonic()
        result = record_worker_heartbeat.delay()
        while time.monotonic() - started < timeout:
            heartbeat = WorkerHeartbeat.objects.filter(token=result.id).first()
            if heartbeat is not None:
                elapsed = time.monotonic() - started
                self.stdout.write(
                    f"worker ok: task {result.id} recorded by {heartbeat.hostname} "
                    f"in {elapsed:.2f}s"
                )
                return
            time.sleep(0.2)
        raise CommandError(f"no worker recorded task {result.id} within {timeout:.0f}s")
