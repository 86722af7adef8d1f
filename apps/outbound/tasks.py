"""Celery tasks of outbound webhooks: they take ids and call the services. A task run twice,
or by two workers at once, sends nothing twice (the service claims each attempt)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .selectors import deliveries_due_ids
from .services import outbound_delivery_send

DUE_BATCH = 1000


@shared_task(name="outbound.delivery_send")
def delivery_send(delivery_id: int) -> str:
    """Make the due attempt of one delivery (nothing if it is not due or someone has it)."""
    return outbound_delivery_send(delivery_id=delivery_id)


@shared_task(name="outbound.send_due")
def deliveries_send_due(limit: int = DUE_BATCH) -> int:
    """Scheduled by beat: queue an attempt for every due delivery to an enabled endpoint
    (oldest first, ``limit`` a run; the next run takes the rest)."""
    ids = deliveries_due_ids(now=timezone.now(), limit=limit)
    for delivery_id in ids:
        delivery_send.delay(delivery_id)
    return len(ids)
