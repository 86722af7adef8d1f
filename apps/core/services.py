from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from .models import WorkerHeartbeat

HEARTBEAT_RETENTION = timedelta(days=1)


def worker_heartbeat_record(*, token: str, hostname: str) -> WorkerHeartbeat:
    """Record that a worker ran the heartbeat task (idempotent per token) and prune old rows."""
    heartbeat, _ = WorkerHeartbeat.objects.get_or_create(
        token=token, defaults={"hostname": hostname[:255]}
    )
    WorkerHeartbeat.objects.filter(recorded_at__lt=timezone.now() - HEARTBEAT_RETENTION).delete()
    return heartbeat
