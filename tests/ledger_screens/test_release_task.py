from __future__ import annotations

from datetime import timedelta

from apps.core.periodic import declared_periodic_tasks, periodic_tasks_sync
from apps.ledger.models import EntryKind, JournalEntry, PendingRelease
from apps.ledger.schedules import PERIODIC_TASKS
from apps.ledger.selectors import creator_balances
from apps.ledger.tasks import release_pending
from apps.platforms.models import Platform


def _balances(creator, slug="boyfanz"):
    row = next(r for r in creator_balances(creator) if r.platform_slug == slug)
    return row.pending, row.available


def test_release_moves_only_matured_earnings_and_is_idempotent(db, creator_factory, earning):
    Platform.objects.filter(slug="girlfanz").update(hold_days=14)
    creator = creator_factory(platforms=("boyfanz", "girlfanz"))
    matured = earning(creator, gross="10.00", days_ago=8).entry  # boyfanz holds 7 days
    earning(creator, gross="4.00", days_ago=6)  # still on hold (1 more day)
    earning(creator, platform="girlfanz", gross="5.00", days_ago=8)  # girlfanz holds 14 days
    old_girl = earning(creator, platform="girlfanz", gross="2.50", days_ago=15).entry

    assert release_pending.delay().get() == 2  # through Celery (eager in tests)
    assert _balances(creator) == (400, 1000)
    assert _balances(creator, "girlfanz") == (500, 250)
    releases = JournalEntry.objects.filter(kind=EntryKind.RELEASE)
    assert sorted(r.idempotency_key for r in releases) == sorted(
        [f"release:{matured.pk}", f"release:{old_girl.pk}"]
    )
    release = releases.get(idempotency_key=f"release:{matured.pk}")
    lot = PendingRelease.objects.get(entry=matured)
    assert lot.released_entry == release
    assert release.occurred_at == matured.occurred_at + timedelta(days=7)

    # Run again: nothing more, one release entry per lot.
    assert release_pending() == 0
    assert release_pending.delay().get() == 0
    assert JournalEntry.objects.filter(kind=EntryKind.RELEASE).count() == 2
    assert _balances(creator) == (400, 1000)


def test_release_waits_for_the_hold_period(db, creator_factory, earning, time_machine):
    creator = creator_factory()
    entry = earning(creator, gross="3.00").entry
    assert release_pending() == 0
    assert _balances(creator) == (300, 0)
    # One second before the seventh day: still pending; at it: available.
    lot = PendingRelease.objects.get(entry=entry)
    assert lot.available_at == entry.occurred_at + timedelta(days=7)
    time_machine.move_to(lot.available_at - timedelta(seconds=1), tick=False)
    assert release_pending() == 0
    time_machine.move_to(lot.available_at, tick=False)
    assert release_pending() == 1
    assert _balances(creator) == (0, 300)


def test_schedule_is_declared_every_five_minutes(db):
    assert [(s.name, s.task, s.every_seconds) for s in PERIODIC_TASKS] == [
        ("ledger: release pending earnings", "ledger.release_pending", 300)
    ]
    assert "ledger: release pending earnings" in {s.name for s in declared_periodic_tasks()}
    from django_celery_beat.models import PeriodicTask

    periodic_tasks_sync()
    task = PeriodicTask.objects.get(name="ledger: release pending earnings")
    assert task.task == "ledger.release_pending"
    assert task.interval.every == 300
    assert task.enabled


def test_task_is_registered_under_its_name():
    from fanzdash.celery import app

    assert release_pending.name == "ledger.release_pending"
    assert "ledger.release_pending" in app.tasks  # found by autodiscovery
