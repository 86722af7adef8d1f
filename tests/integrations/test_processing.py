"""Processing as a whole: claiming, exactly once, states, retries and backoff, batches, the
overdue sweep, staff replay, and two workers racing for one event on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.integrations.models import WebhookEvent
from apps.integrations.services import handlers, processing
from apps.integrations.services.processing import (
    retry_delay,
    webhook_event_process_now,
    webhook_event_replay,
    webhook_events_due,
    webhook_events_process_now,
)
from apps.integrations.tasks import (
    webhook_event_process,
    webhook_events_process,
    webhook_events_requeue_due,
)
from apps.ledger.models import JournalEntry, Posting

from .h2_support import external_id, payload_for, store_event

State = WebhookEvent.State


@pytest.fixture
def creator(creator_factory):
    return creator_factory(platforms=("boyfanz",))


def tip(creator, **data):
    data.setdefault("creatorId", external_id(creator))
    return store_event(payload_for("tip_sent", **data))


@pytest.mark.django_db
def test_a_processed_event_run_again_does_nothing(creator):
    event = tip(creator)
    first = webhook_event_process_now(event.pk)
    assert first.state == State.PROCESSED
    again = webhook_event_process_now(event.pk, now=timezone.now() + timedelta(days=1))
    assert again.state == State.PROCESSED and again.attempts == 1
    assert again.processed_at == first.processed_at
    assert JournalEntry.objects.count() == 1 and Posting.objects.count() == 2


@pytest.mark.django_db
def test_even_a_rerun_handler_moves_no_money_twice(creator):
    """A bug that put a processed event back to received: the ledger key stops the money."""
    event = tip(creator)
    entry = webhook_event_process_now(event.pk).ledger_entry
    WebhookEvent.objects.filter(pk=event.pk).update(state=State.RECEIVED)
    rerun = webhook_event_process_now(event.pk)
    assert rerun.state == State.PROCESSED and rerun.ledger_entry == entry
    assert rerun.result["entry_created"] is False
    assert JournalEntry.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("state", [State.IGNORED, State.FAILED])
def test_finished_events_are_not_claimed(creator, state):
    event = tip(creator)
    WebhookEvent.objects.filter(pk=event.pk).update(state=state)
    assert webhook_event_process_now(event.pk).attempts == 0
    assert not JournalEntry.objects.exists()


@pytest.mark.django_db
def test_a_payload_the_schema_no_longer_accepts_fails(creator):
    event = tip(creator)
    payload = {**event.payload, "data": {**event.payload["data"], "amount": "-1"}}
    WebhookEvent.objects.filter(pk=event.pk).update(payload=payload)
    event = webhook_event_process_now(event.pk)
    assert event.state == State.FAILED and event.error_code == "schema_error"
    assert "data.amount" in event.error_detail


@pytest.mark.django_db
def test_an_unknown_type_fails(creator):
    event = tip(creator)
    WebhookEvent.objects.filter(pk=event.pk).update(event_type="tip_recalled")
    event = webhook_event_process_now(event.pk)
    assert event.state == State.FAILED and event.error_code == "unknown_event_type"


@pytest.mark.django_db
def test_a_crashing_handler_fails_the_event_and_leaves_nothing(creator, monkeypatch):
    def crash_after_posting(event, cleaned):
        handlers.handle_earning(event, cleaned)
        raise RuntimeError("bug after the ledger write")

    monkeypatch.setitem(processing.HANDLERS, "tip_sent", crash_after_posting)
    event = webhook_event_process_now(tip(creator).pk)
    assert event.state == State.FAILED and event.error_code == "processing_error"
    assert "bug after the ledger write" in event.error_detail
    assert not JournalEntry.objects.exists()  # the savepoint took the entry back


@pytest.mark.django_db
def test_a_transient_database_error_is_retried_later(creator, monkeypatch):
    calls = []

    def flaky(event, cleaned):
        calls.append(event.pk)
        if len(calls) <= 2:  # the fast path, then the event on its own, both hit it
            raise OperationalError("deadlock detected")
        return handlers.handle_earning(event, cleaned)

    monkeypatch.setitem(processing.HANDLERS, "tip_sent", flaky)
    event = webhook_event_process_now(tip(creator).pk)
    assert event.state == State.RECEIVED and event.error_code == "database_error"
    assert event.next_attempt_at > timezone.now()
    event = webhook_event_process_now(event.pk, now=event.next_attempt_at + timedelta(seconds=1))
    assert event.state == State.PROCESSED and event.attempts == 2
    assert JournalEntry.objects.count() == 1


def test_backoff_grows_exponentially_with_jitter_and_a_cap(settings):
    settings.INTEGRATIONS_RETRY_BASE_SECONDS = 10
    settings.INTEGRATIONS_RETRY_MAX_SECONDS = 3600
    for attempts, nominal in [(1, 10), (2, 20), (3, 40), (6, 320), (12, 3600), (30, 3600)]:
        delay = retry_delay(attempts).total_seconds()
        assert 0.75 * nominal <= delay <= 1.25 * nominal


@pytest.mark.django_db
def test_a_batch_processes_each_event_on_its_own(creator):
    good = tip(creator)
    waiting = store_event(payload_for("refund_issued", transactionId="tx-missing"))
    duplicate = tip(creator, transactionId=good.transaction_id)
    cancelled = store_event(payload_for("subscription_cancelled"))
    states = webhook_events_process_now([good.pk, waiting.pk, duplicate.pk, cancelled.pk, good.pk])
    assert states == {
        good.pk: State.PROCESSED,
        waiting.pk: State.RECEIVED,
        duplicate.pk: State.FAILED,
        cancelled.pk: State.IGNORED,
    }
    assert JournalEntry.objects.count() == 1
    # Run again: nothing is claimable yet.
    assert webhook_events_process_now([good.pk, waiting.pk, duplicate.pk]) == {}


@pytest.mark.django_db
def test_tasks_process_eagerly(creator):
    one = tip(creator)
    assert webhook_event_process.delay(one.pk).get() == State.PROCESSED
    two, three = tip(creator), store_event(payload_for("subscription_cancelled"))
    counts = webhook_events_process.delay([two.pk, three.pk]).get()
    assert counts == {State.PROCESSED: 1, State.IGNORED: 1}


@pytest.mark.django_db
def test_the_sweep_processes_overdue_and_lost_events(creator):
    lost = tip(creator)  # never enqueued: a lost broker message
    fresh = tip(creator)
    waiting = store_event(payload_for("refund_issued", transactionId=lost.transaction_id))
    webhook_event_process_now(waiting.pk)  # waits: the purchase is not processed yet
    old = timezone.now() - timedelta(minutes=5)
    WebhookEvent.objects.filter(pk=lost.pk).update(received_at=old)
    assert webhook_events_due() == [lost.pk]  # fresh is in its grace period, waiting not due
    assert webhook_events_requeue_due.delay().get() == 1
    assert WebhookEvent.objects.get(pk=lost.pk).state == State.PROCESSED
    WebhookEvent.objects.filter(pk=waiting.pk).update(next_attempt_at=old)
    WebhookEvent.objects.filter(pk=fresh.pk).update(received_at=old)
    assert sorted(webhook_events_due()) == sorted([fresh.pk, waiting.pk])
    webhook_events_requeue_due.delay().get()
    assert WebhookEvent.objects.get(pk=waiting.pk).state == State.PROCESSED
    assert webhook_events_due() == []


@pytest.mark.django_db
def test_schedule_is_declared():
    from apps.core.periodic import declared_periodic_tasks

    names = {spec.task for spec in declared_periodic_tasks()}
    assert "integrations.webhook_events_requeue_due" in names


@pytest.mark.django_db
def test_staff_replay_of_a_failed_event(
    creator, finance_user, settings, django_capture_on_commit_callbacks
):
    settings.INTEGRATIONS_MAX_ATTEMPTS = 1
    event = store_event(payload_for("refund_issued", transactionId="tx-later", amount="5.00"))
    event = webhook_event_process_now(event.pk)
    assert event.state == State.FAILED and event.error_code == "original_not_found"
    purchase = tip(creator, transactionId="tx-later")
    webhook_event_process_now(purchase.pk)
    with django_capture_on_commit_callbacks(execute=True):
        replayed = webhook_event_replay(event=event, actor=finance_user)
    assert replayed.state == State.RECEIVED and replayed.attempts == 0
    event.refresh_from_db()
    assert event.state == State.PROCESSED and event.attempts == 1
    audit = AuditEvent.objects.get(action="integrations.webhook_event_replayed")
    assert audit.actor == finance_user
    assert audit.before["error_code"] == "original_not_found"
    assert audit.after == {"state": State.RECEIVED}


@pytest.mark.django_db
@pytest.mark.parametrize("state", [State.RECEIVED, State.PROCESSED, State.IGNORED])
def test_only_failed_events_are_replayed(creator, finance_user, state):
    from apps.core.exceptions import ApplicationError

    event = tip(creator)
    WebhookEvent.objects.filter(pk=event.pk).update(state=state)
    with pytest.raises(ApplicationError) as caught:
        webhook_event_replay(event=event, actor=finance_user)
    assert caught.value.code == "not_replayable" and caught.value.status_code == 409
    assert not AuditEvent.objects.filter(action="integrations.webhook_event_replayed").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_event_process_it_once(core_reference_data, creator):
    """Both workers call the processing at the same instant, many times over: each event is
    claimed by one of them, and the ledger holds exactly one entry per event."""
    events = [tip(creator) for _ in range(20)]
    barrier = threading.Barrier(2)
    results: dict[str, list] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def worker(name):
        try:
            for event in events:
                barrier.wait(timeout=10)
                results[name].append(webhook_event_process_now(event.pk).state)
        except BaseException as error:
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert JournalEntry.objects.count() == len(events)
    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {State.PROCESSED}
    assert set(WebhookEvent.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_refund_and_its_purchase_processed_at_once_end_consistent(core_reference_data, creator):
    """The refund either waits (purchase not committed yet) or applies; never both nor lost."""
    purchase = tip(creator, transactionId="tx-race")
    refund = store_event(payload_for("refund_issued", transactionId="tx-race", amount="5.00"))
    barrier = threading.Barrier(2)

    def run(event_id):
        barrier.wait(timeout=10)
        webhook_event_process_now(event_id)
        connection.close()

    threads = [threading.Thread(target=run, args=(pk,)) for pk in (purchase.pk, refund.pk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    refund.refresh_from_db()
    if refund.state == State.RECEIVED:
        assert refund.error_code == "original_not_found"
        refund = webhook_event_process_now(
            refund.pk, now=refund.next_attempt_at + timedelta(seconds=1)
        )
    assert refund.state == State.PROCESSED
    assert JournalEntry.objects.count() == 2


@pytest.mark.django_db
def test_a_clean_chunk_runs_in_one_go_and_sees_its_own_earnings(creator):
    """Fast path: an earning and its refund in the same chunk, a second transaction of the
    same id later in the chunk refused, as event-by-event processing would."""
    purchase = tip(creator, transactionId="tx-chunk")
    refund = store_event(payload_for("refund_issued", transactionId="tx-chunk", amount="1.00"))
    other = tip(creator)
    states = webhook_events_process_now([purchase.pk, refund.pk, other.pk])
    assert states == dict.fromkeys([purchase.pk, refund.pk, other.pk], State.PROCESSED)
    assert JournalEntry.objects.count() == 3
    stored = WebhookEvent.objects.get(pk=refund.pk)  # written with the chunk's one UPDATE
    assert stored.state == State.PROCESSED and stored.attempts == 1
    assert stored.ledger_entry.kind == "refund" and stored.processed_at is not None
    assert stored.result["refunded_minor"] == 100 and stored.error_code == ""
    again = tip(creator, transactionId="tx-chunk")
    fresh = tip(creator)
    states = webhook_events_process_now([fresh.pk, again.pk])
    assert states == {fresh.pk: State.PROCESSED, again.pk: State.FAILED}
    assert WebhookEvent.objects.get(pk=again.pk).error_code == "duplicate_transaction"
    assert JournalEntry.objects.count() == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_over_the_same_batch_process_each_event_once(
    core_reference_data, creator
):
    events = [tip(creator) for _ in range(150)]
    events += [store_event(payload_for("refund_issued", transactionId=events[0].transaction_id))]
    ids = [event.pk for event in events]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(order):
        try:
            barrier.wait(timeout=10)
            webhook_events_process_now(order)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(ids,)),
        threading.Thread(target=worker, args=(list(reversed(ids)),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    # The refund may have waited (its purchase in the other worker's open chunk).
    webhook_events_process_now(ids, now=timezone.now() + timedelta(hours=2))
    assert JournalEntry.objects.count() == len(events)
    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {State.PROCESSED}


@pytest.mark.django_db
def test_a_worker_tops_a_small_task_up_with_waiting_events(creator, settings):
    """Outside eager mode a task also takes other first-run events (oldest first) up to
    WEBHOOK_PROCESS_BACKLOG; each is still claimed once, and their own messages then find
    nothing to do."""
    from apps.integrations.tasks import _with_backlog

    settings.WEBHOOK_PROCESS_BACKLOG = 3
    first, second, third, fourth = (tip(creator) for _ in range(4))
    waiting = store_event(payload_for("refund_issued", transactionId="tx-later"))
    WebhookEvent.objects.filter(pk=waiting.pk).update(
        next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    assert _with_backlog([third.pk], eager=True) == [third.pk]
    ids = _with_backlog([third.pk], eager=False)
    assert ids == [third.pk, first.pk, second.pk]  # not the one waiting for its retry time
    assert webhook_events_process_now(ids) == dict.fromkeys(ids, State.PROCESSED)
    assert webhook_events_process_now([first.pk, second.pk]) == {}
    assert _with_backlog([fourth.pk], eager=False) == [fourth.pk]
    assert JournalEntry.objects.count() == 3


@pytest.mark.django_db
def test_a_refused_event_in_a_chunk_leaves_the_rest_processed_in_order(creator):
    """The chunk's fast path posts earnings together; a refusal later in the chunk rolls it
    back and the events run one by one, in order, so refunds still find their purchases."""
    first, second = tip(creator, transactionId="tx-a"), tip(creator, transactionId="tx-b")
    refund = store_event(payload_for("refund_issued", transactionId="tx-a", amount="1.00"))
    too_much = store_event(payload_for("refund_issued", transactionId="tx-b", amount="999.00"))
    later = tip(creator, transactionId="tx-c")
    # Listed newest first (as a queryset in the model's order would be): still run oldest first.
    states = webhook_events_process_now([later.pk, too_much.pk, refund.pk, second.pk, first.pk])
    assert states == {
        first.pk: State.PROCESSED,
        second.pk: State.PROCESSED,
        refund.pk: State.PROCESSED,
        too_much.pk: State.FAILED,
        later.pk: State.PROCESSED,
    }
    assert WebhookEvent.objects.get(pk=too_much.pk).error_code == "refund_exceeds_original"
    assert JournalEntry.objects.count() == 4
