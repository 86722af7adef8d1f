"""Writes the periodic tasks declared in code (``<app>/schedules.py``) to django-celery-beat."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from .schedules import PeriodicTaskSpec

MANAGED_MARKER = "[managed by setup_periodic_tasks]"
# Set on a managed task that was disabled because its declaration disappeared, so that a later
# declaration of the same name enables it again (an operator's pause carries no such marker).
RETIRED_MARKER = "[retired: no longer declared]"


@dataclass
class SyncResult:
    created: list[str]
    updated: list[str]
    disabled: list[str]


def declared_periodic_tasks() -> list[PeriodicTaskSpec]:
    specs: list[PeriodicTaskSpec] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        try:
            module = import_module(f"{config.name}.schedules")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.schedules":
                raise
            continue
        specs.extend(getattr(module, "PERIODIC_TASKS", []))
    names = [spec.name for spec in specs]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ValueError(f"Periodic task names declared twice: {sorted(duplicates)}")
    return specs


def _schedule_for(spec: PeriodicTaskSpec) -> dict:
    if (spec.every_seconds is None) == (spec.crontab is None):
        raise ValueError(f"{spec.name}: give exactly one of every_seconds or crontab")
    if spec.every_seconds is not None:
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=spec.every_seconds, period=IntervalSchedule.SECONDS
        )
        return {"interval": interval, "crontab": None}
    fields = {
        "minute": "*",
        "hour": "*",
        "day_of_week": "*",
        "day_of_month": "*",
        "month_of_year": "*",
        **spec.crontab,
    }
    crontab, _ = CrontabSchedule.objects.get_or_create(**fields, timezone="UTC")
    return {"interval": None, "crontab": crontab}


@transaction.atomic
def periodic_tasks_sync() -> SyncResult:
    """Create or update every declared task; disable managed tasks no longer declared.

    A task an operator paused in the admin stays paused: ``enabled`` is only set on creation
    and when a retired task is declared again.
    """
    result = SyncResult(created=[], updated=[], disabled=[])
    specs = declared_periodic_tasks()
    for spec in specs:
        values = {
            "task": spec.task,
            "kwargs": json.dumps(spec.kwargs, sort_keys=True),
            "queue": spec.queue,
            "description": f"{spec.description} {MANAGED_MARKER}",
            **_schedule_for(spec),
        }
        task, created = PeriodicTask.objects.get_or_create(
            name=spec.name, defaults={**values, "enabled": True}
        )
        if created:
            result.created.append(spec.name)
            continue
        if RETIRED_MARKER in task.description:
            values["enabled"] = True
        changed = [key for key, value in values.items() if getattr(task, key) != value]
        if changed:
            for key in changed:
                setattr(task, key, values[key])
            task.save()
            result.updated.append(spec.name)
    stale = PeriodicTask.objects.filter(description__contains=MANAGED_MARKER, enabled=True).exclude(
        name__in=[spec.name for spec in specs]
    )
    for task in stale:
        task.enabled = False
        task.description = f"{task.description} {RETIRED_MARKER}"
        task.save(update_fields=["enabled", "description"])
        result.disabled.append(task.name)
    return result
