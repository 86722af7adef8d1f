"""Workers racing on PostgreSQL never send one attempt twice: the claim is a conditional
update, committed before the HTTP request is made."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from apps.outbound.models import DeliveryAttempt, OutboundDelivery, OutboundEndpoint
from apps.outbound.services import (
    outbound_delivery_send,
    outbound_endpoint_disable,
    outbound_event_emit,
)
from apps.outbound.tasks import deliveries_send_due

from .conftest import Answer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8
DATA = {"payoutId": "po_1", "creatorId": "c-1", "amount": "1.00", "currency": "USD"}


@pytest.fixture
def reference_data(db):
    """Currencies, also after a transactional test flushed the migration's rows."""
    from apps.core.currencies import ISO_4217
    from apps.core.models import Currency

    for code, name, exponent in ISO_4217:
        Currency.objects.get_or_create(code=code, defaults={"name": name, "exponent": exponent})


@pytest.fixture
def waiting_deliveries(reference_data, platform):
    """Deliveries emitted (and committed) while the endpoint was off, then switched on
    without sending anything: the workers below are the first to try them."""

    def make(count: int) -> list[int]:
        outbound_endpoint_disable(platform=platform, actor=None, reason="test setup")
        ids = [
            OutboundDelivery.objects.get(
                event=outbound_event_emit(platform=platform, event_type="payout.paid", data=DATA)
            ).pk
            for _ in range(count)
        ]
        OutboundEndpoint.objects.filter(platform=platform).update(enabled=True)
        return ids

    return make


def _race(target, threads: int = THREADS) -> tuple[list, list[BaseException]]:
    results: list = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def run(n: int) -> None:
        try:
            barrier.wait()
            results.append(target(n))
        except BaseException as error:  # collected and asserted on below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results, errors


def test_workers_racing_on_one_delivery_send_it_once(waiting_deliveries, platform_server):
    platform_server.default = Answer(200, delay=0.2)  # a slow platform widens the window
    [delivery_id] = waiting_deliveries(1)
    results, errors = _race(lambda n: outbound_delivery_send(delivery_id=delivery_id))
    assert errors == []
    assert results.count("succeeded") == 1
    assert set(results) - {"succeeded"} <= {"claimed_elsewhere", "in_flight", "not_pending"}
    assert len(platform_server.requests) == 1
    assert DeliveryAttempt.objects.filter(delivery_id=delivery_id).count() == 1
    delivery = OutboundDelivery.objects.get(pk=delivery_id)
    assert delivery.state == "succeeded" and delivery.attempts == 1


def test_beat_runs_overlapping_send_each_delivery_once(waiting_deliveries, platform_server):
    ids = waiting_deliveries(40)
    _results, errors = _race(lambda n: deliveries_send_due(), threads=4)
    assert errors == []
    sent_ids = [received.headers["webhook-id"] for received in platform_server.requests]
    assert len(sent_ids) == len(set(sent_ids)) == 40
    assert DeliveryAttempt.objects.filter(delivery_id__in=ids).count() == 40
    assert set(OutboundDelivery.objects.filter(pk__in=ids).values_list("state", flat=True)) == {
        "succeeded"
    }


def test_racing_retries_after_a_failure_make_one_attempt_each(
    waiting_deliveries, platform_server, clock
):
    platform_server.script(Answer(500))
    [delivery_id] = waiting_deliveries(1)
    assert outbound_delivery_send(delivery_id=delivery_id) == "pending"
    clock.now = OutboundDelivery.objects.get(pk=delivery_id).next_attempt_at
    results, errors = _race(lambda n: outbound_delivery_send(delivery_id=delivery_id))
    assert errors == []
    assert results.count("succeeded") == 1
    assert len(platform_server.requests) == 2
    numbers = list(
        DeliveryAttempt.objects.filter(delivery_id=delivery_id)
        .order_by("number")
        .values_list("number", flat=True)
    )
    assert numbers == [1, 2]
