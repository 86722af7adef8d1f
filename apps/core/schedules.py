"""Periodic tasks declared in code. Each app may have a ``schedules.py`` with PERIODIC_TASKS;
``python manage.py setup_periodic_tasks`` writes them all to django-celery-beat."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PeriodicTaskSpec:
    name: str
    task: str
    description: str
    every_seconds: int | None = None
    crontab: dict[str, str] | None = None  # minute, hour, day_of_week, day_of_month, month_of_year
    kwargs: dict = field(default_factory=dict)
    queue: str | None = None


PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="core: worker heartbeat",
        task="core.record_worker_heartbeat",
        description="Proves a worker is consuming the queue; shown on /healthz and the overview.",
        every_seconds=60,
    ),
    PeriodicTaskSpec(
        name="core: clear expired sessions",
        task="core.clear_expired_sessions",
        description="Deletes expired login sessions from the database.",
        crontab={"minute": "17", "hour": "3"},
    ),
]
