from __future__ import annotations

from .models import WorkerHeartbeat


def worker_heartbeat_latest() -> WorkerHeartbeat | None:
    return WorkerHeartbeat.objects.order_by("-recorded_at").first()
