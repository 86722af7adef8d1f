from __future__ import annotations

from django.db.models import QuerySet
from django_celery_beat.models import PeriodicTask

from .models import WorkerHeartbeat


def worker_heartbeat_latest() -> WorkerHeartbeat | None:
    return WorkerHeartbeat.objects.order_by("-recorded_at").first()


def periodic_task_list() -> QuerySet[PeriodicTask]:
    """Every beat schedule with its interval or crontab, by name."""
    return PeriodicTask.objects.select_related("interval", "crontab").order_by("name")
