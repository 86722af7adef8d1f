from __future__ import annotations

from importlib import import_module

from celery import shared_task
from django.conf import settings

from .services import worker_heartbeat_record


@shared_task(bind=True, name="core.record_worker_heartbeat")
def record_worker_heartbeat(self) -> int:
    """Scheduled every minute by beat; the health check and `check_worker` read its rows."""
    heartbeat = worker_heartbeat_record(
        token=self.request.id or "eager", hostname=self.request.hostname or ""
    )
    return heartbeat.pk


@shared_task(name="core.clear_expired_sessions")
def clear_expired_sessions() -> None:
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
