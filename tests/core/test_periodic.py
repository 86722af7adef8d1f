"""Periodic tasks declared in code are written to django-celery-beat; the core tasks work."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from apps.core import periodic, schedules
from apps.core.models import WorkerHeartbeat
from apps.core.periodic import MANAGED_MARKER, declared_periodic_tasks, periodic_tasks_sync
from apps.core.schedules import PeriodicTaskSpec
from apps.core.services import worker_heartbeat_record
from apps.core.tasks import clear_expired_sessions, record_worker_heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _only_core_schedules(monkeypatch, request):
    """These tests describe the sync against core's declarations alone; other apps'
    schedules (apps/<app>/schedules.py) are tested in their own folders."""
    if request.node.name == "test_every_declared_task_is_registered_with_celery":
        return
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        if not config.name.startswith("apps.") or config.name == "apps.core":
            continue
        try:
            module = import_module(f"{config.name}.schedules")
        except ModuleNotFoundError:
            continue
        monkeypatch.setattr(module, "PERIODIC_TASKS", [])


def _sync() -> str:
    out = StringIO()
    call_command("setup_periodic_tasks", stdout=out)
    return out.getvalue()


def _snapshot() -> list[tuple]:
    return sorted(
        PeriodicTask.objects.values_list(
            "name", "task", "enabled", "interval_id", "crontab_id", "kwargs", "description"
        )
    )


def _declare(monkeypatch, specs: list[PeriodicTaskSpec]) -> None:
    """Replace what the apps declare (as if apps/core/schedules.py had been edited)."""
    monkeypatch.setattr(schedules, "PERIODIC_TASKS", specs)


# --- setup_periodic_tasks --------------------------------------------------------------------


def test_core_declares_the_heartbeat_and_session_cleanup():
    names = {spec.task for spec in declared_periodic_tasks()}
    assert {"core.record_worker_heartbeat", "core.clear_expired_sessions"} <= names


def test_every_declared_task_is_registered_with_celery():
    from fanzdash.celery import app

    app.loader.import_default_modules()
    for spec in declared_periodic_tasks():
        assert spec.task in app.tasks, spec.task


def test_setup_creates_a_periodic_task_for_every_spec():
    specs = declared_periodic_tasks()
    assert specs
    output = _sync()
    assert PeriodicTask.objects.count() == len(specs)
    for spec in specs:
        assert f"created: {spec.name}" in output
        task = PeriodicTask.objects.get(name=spec.name)
        assert task.task == spec.task
        assert task.enabled is True
        assert json.loads(task.kwargs) == spec.kwargs
        assert task.queue == spec.queue
        assert MANAGED_MARKER in task.description
        assert task.description.startswith(spec.description)
        if spec.every_seconds is not None:
            assert task.crontab is None
            assert task.interval.every == spec.every_seconds
            assert task.interval.period == IntervalSchedule.SECONDS
        else:
            assert task.interval is None
            expected = {
                "minute": "*",
                "hour": "*",
                "day_of_week": "*",
                "day_of_month": "*",
                "month_of_year": "*",
                **spec.crontab,
            }
            for field, value in expected.items():
                assert getattr(task.crontab, field) == value, field
            assert str(task.crontab.timezone) == "UTC"


def test_the_core_schedules_concretely():
    _sync()
    heartbeat = PeriodicTask.objects.get(task="core.record_worker_heartbeat")
    assert heartbeat.interval.every == 60
    sessions = PeriodicTask.objects.get(task="core.clear_expired_sessions")
    assert (sessions.crontab.minute, sessions.crontab.hour) == ("17", "3")


def test_second_run_is_up_to_date_and_changes_nothing():
    _sync()
    before = _snapshot()
    schedules_before = (IntervalSchedule.objects.count(), CrontabSchedule.objects.count())
    output = _sync()
    assert output.strip() == "periodic tasks are up to date"
    assert _snapshot() == before
    assert (IntervalSchedule.objects.count(), CrontabSchedule.objects.count()) == schedules_before


def test_task_paused_in_the_admin_stays_paused():
    _sync()
    PeriodicTask.objects.filter(task="core.record_worker_heartbeat").update(enabled=False)
    assert "up to date" in _sync()
    assert PeriodicTask.objects.get(task="core.record_worker_heartbeat").enabled is False


def test_paused_task_stays_paused_when_its_schedule_changes(monkeypatch):
    _sync()
    PeriodicTask.objects.filter(task="core.record_worker_heartbeat").update(enabled=False)
    _declare(
        monkeypatch,
        [
            dataclasses.replace(s, every_seconds=30) if s.every_seconds else s
            for s in schedules.PERIODIC_TASKS
        ],
    )
    _sync()
    task = PeriodicTask.objects.get(task="core.record_worker_heartbeat")
    assert task.interval.every == 30
    assert task.enabled is False


def test_changed_interval_updates_the_task(monkeypatch):
    _sync()
    specs = [
        dataclasses.replace(spec, every_seconds=30) if spec.every_seconds else spec
        for spec in schedules.PERIODIC_TASKS
    ]
    _declare(monkeypatch, specs)
    output = _sync()
    assert "updated: core: worker heartbeat" in output
    assert "updated: core: clear expired sessions" not in output
    task = PeriodicTask.objects.get(name="core: worker heartbeat")
    assert task.interval.every == 30
    assert task.interval.period == IntervalSchedule.SECONDS
    assert PeriodicTask.objects.filter(description__contains=MANAGED_MARKER).count() == len(specs)


def test_switching_interval_to_crontab_clears_the_interval(monkeypatch):
    _sync()
    _declare(
        monkeypatch,
        [
            dataclasses.replace(spec, every_seconds=None, crontab={"minute": "*/5"})
            if spec.every_seconds
            else spec
            for spec in schedules.PERIODIC_TASKS
        ],
    )
    _sync()
    task = PeriodicTask.objects.get(name="core: worker heartbeat")
    assert task.interval is None
    assert task.crontab.minute == "*/5"
    assert task.crontab.hour == "*"


def test_changed_kwargs_and_description_update_the_task(monkeypatch):
    _sync()
    _declare(
        monkeypatch,
        [
            dataclasses.replace(s, kwargs={"b": 2, "a": 1}, description="New words.")
            for s in schedules.PERIODIC_TASKS
        ],
    )
    output = _sync()
    assert output.count("updated:") == len(schedules.PERIODIC_TASKS)
    for task in PeriodicTask.objects.all():
        assert json.loads(task.kwargs) == {"a": 1, "b": 2}
        assert task.description == f"New words. {MANAGED_MARKER}"
    assert "up to date" in _sync()


def test_managed_task_no_longer_declared_is_disabled(monkeypatch):
    _sync()
    declared = list(schedules.PERIODIC_TASKS)
    kept = [s for s in schedules.PERIODIC_TASKS if s.task != "core.clear_expired_sessions"]
    _declare(monkeypatch, kept)
    output = _sync()
    assert "disabled (no longer declared): core: clear expired sessions" in output
    dropped = PeriodicTask.objects.get(name="core: clear expired sessions")
    assert dropped.enabled is False
    assert PeriodicTask.objects.get(name="core: worker heartbeat").enabled is True
    # disabling is reported once, not on every run
    assert "up to date" in _sync()
    # declared again: enabled again (unlike a task an operator paused)
    _declare(monkeypatch, declared)
    assert "updated: core: clear expired sessions" in _sync()
    assert PeriodicTask.objects.get(name="core: clear expired sessions").enabled is True


def test_operator_task_is_left_alone(monkeypatch):
    interval = IntervalSchedule.objects.create(every=3600, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(
        name="ops: nightly report",
        task="ops.report",
        interval=interval,
        description="added by hand in the admin",
        enabled=True,
    )
    _sync()
    _declare(monkeypatch, [])
    output = _sync()
    assert "ops: nightly report" not in output
    operator_task = PeriodicTask.objects.get(name="ops: nightly report")
    assert operator_task.enabled is True
    assert operator_task.task == "ops.report"
    assert operator_task.interval == interval
    # every managed one was disabled
    assert not PeriodicTask.objects.filter(
        description__contains=MANAGED_MARKER, enabled=True
    ).exists()


@pytest.mark.parametrize(
    "schedule",
    [
        {"every_seconds": 60, "crontab": {"minute": "0"}},
        {"every_seconds": None, "crontab": None},
    ],
    ids=["both", "neither"],
)
def test_spec_needs_exactly_one_schedule(monkeypatch, schedule):
    _declare(monkeypatch, [PeriodicTaskSpec(name="x", task="core.x", description="x", **schedule)])
    with pytest.raises(ValueError, match="exactly one"):
        periodic_tasks_sync()
    assert not PeriodicTask.objects.filter(name="x").exists()


def test_invalid_spec_writes_nothing(monkeypatch):
    """The sync is atomic: a bad spec after a good one leaves the database untouched."""
    good = PeriodicTaskSpec(name="a", task="core.a", description="a", every_seconds=10)
    bad = PeriodicTaskSpec(name="b", task="core.b", description="b")
    _declare(monkeypatch, [good, bad])
    with pytest.raises(ValueError):
        periodic_tasks_sync()
    assert not PeriodicTask.objects.exists()


def test_duplicate_names_are_refused(monkeypatch):
    spec = PeriodicTaskSpec(name="dup", task="core.x", description="x", every_seconds=10)
    _declare(monkeypatch, [spec, dataclasses.replace(spec, task="core.y")])
    with pytest.raises(ValueError, match="dup"):
        declared_periodic_tasks()
    with pytest.raises(ValueError, match="declared twice"):
        periodic_tasks_sync()
    assert not PeriodicTask.objects.exists()


def test_sync_uses_declared_periodic_tasks(monkeypatch):
    spec = PeriodicTaskSpec(name="only", task="core.only", description="d", every_seconds=5)
    monkeypatch.setattr(periodic, "declared_periodic_tasks", lambda: [spec])
    result = periodic_tasks_sync()
    assert result.created == ["only"]
    assert PeriodicTask.objects.get(name="only").interval.every == 5


# --- heartbeat and session tasks -------------------------------------------------------------


def test_heartbeat_task_writes_a_row():
    result = record_worker_heartbeat.apply()
    assert result.successful()
    heartbeat = WorkerHeartbeat.objects.get()
    assert result.result == heartbeat.pk
    assert heartbeat.token == result.id
    assert heartbeat.hostname


def test_heartbeat_is_idempotent_per_token():
    first = worker_heartbeat_record(token="same", hostname="h1")
    second = worker_heartbeat_record(token="same", hostname="h2")
    assert first.pk == second.pk
    assert WorkerHeartbeat.objects.count() == 1
    assert WorkerHeartbeat.objects.get().hostname == "h1"


def test_redelivered_heartbeat_task_records_nothing_new():
    record_worker_heartbeat.apply(task_id="redelivered")
    record_worker_heartbeat.apply(task_id="redelivered")
    assert WorkerHeartbeat.objects.filter(token="redelivered").count() == 1


def test_long_hostname_is_truncated():
    heartbeat = worker_heartbeat_record(token="long", hostname="h" * 400)
    heartbeat.refresh_from_db()
    assert len(heartbeat.hostname) == 255


def test_old_heartbeats_are_pruned():
    worker_heartbeat_record(token="old", hostname="h")
    worker_heartbeat_record(token="recent", hostname="h")
    WorkerHeartbeat.objects.filter(token="old").update(
        recorded_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    WorkerHeartbeat.objects.filter(token="recent").update(
        recorded_at=timezone.now() - timedelta(hours=23)
    )
    worker_heartbeat_record(token="new", hostname="h")
    assert set(WorkerHeartbeat.objects.values_list("token", flat=True)) == {"recent", "new"}


def test_check_worker_succeeds_in_eager_mode(settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    out = StringIO()
    call_command("check_worker", "--timeout", "5", stdout=out)
    assert "worker ok" in out.getvalue()
    assert WorkerHeartbeat.objects.count() == 1
    assert WorkerHeartbeat.objects.get().token in out.getvalue()


def test_check_worker_fails_when_no_worker_records(monkeypatch):
    from types import SimpleNamespace

    from celery.result import AsyncResult
    from django.core.management.base import CommandError

    from apps.core.management.commands import check_worker

    # Queued but never run: what happens when no worker consumes the queue.
    never_run = SimpleNamespace(delay=lambda: AsyncResult("never-run"))
    monkeypatch.setattr(check_worker, "record_worker_heartbeat", never_run)
    with pytest.raises(CommandError, match="no worker recorded task never-run"):
        call_command("check_worker", "--timeout", "0.3", stdout=StringIO())


def test_clear_expired_sessions_task():
    expired = SessionStore()
    expired["k"] = "old"
    expired.set_expiry(-60)
    expired.create()
    live = SessionStore()
    live["k"] = "new"
    live.create()
    assert Session.objects.count() == 2
    clear_expired_sessions.apply()
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
