"""Manual redelivery (one delivery, or a platform's failed/abandoned ones in a time range) and
enabling/disabling endpoints: the services, their refusals and their audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.audit.models import AuditEvent
from apps.core.exceptions import ApplicationError
from apps.outbound.models import DeliveryAttempt, OutboundDelivery, OutboundEndpoint
from apps.outbound.services import (
    outbound_deliveries_redeliver,
    outbound_delivery_redeliver,
    outbound_endpoint_disable,
    outbound_endpoint_enable,
    outbound_event_emit,
)
from apps.outbound.tasks import deliveries_send_due

from .conftest import Answer

State = OutboundDelivery.State
DATA = {"creatorId": "creator456", "status": "suspended", "previousStatus": "active"}


def _emit(platform, django_capture_on_commit_callbacks, event_type="creator.suspended"):
    with django_capture_on_commit_callbacks(execute=True):
        event = outbound_event_emit(platform=platform, event_type=event_type, data=DATA)
    return OutboundDelivery.objects.get(event=event)


def _abandon(delivery) -> OutboundDelivery:
    OutboundDelivery.objects.filter(pk=delivery.pk).update(
        state=State.ABANDONED, attempts=7, next_attempt_at=None
    )
    return OutboundDelivery.objects.get(pk=delivery.pk)


def test_redeliver_one_sends_the_same_event_again(
    platform, platform_server, super_admin, django_capture_on_commit_callbacks
):
    platform_server.script(Answer(410))
    delivery = _emit(platform, django_capture_on_commit_callbacks)
    assert delivery.state == State.FAILED
    outbound_endpoint_enable(platform=platform, actor=super_admin)
    with django_capture_on_commit_callbacks(execute=True):
        outbound_delivery_redeliver(delivery=delivery, actor=super_admin)
    delivery.refresh_from_db()
    assert delivery.state == State.SUCCEEDED
    assert delivery.attempts == 1 and delivery.redelivery_count == 1
    first, second = platform_server.requests
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    rounds = list(
        DeliveryAttempt.objects.filter(delivery=delivery)
        .order_by("started_at", "id")
        .values_list("round", "number", "status_code")
    )
    assert rounds == [(0, 1, 410), (1, 1, 200)]
    audit = AuditEvent.objects.get(action="outbound.delivery_redelivered")
    assert audit.actor == super_admin and audit.target_id == str(delivery.pk)
    assert audit.before["state"] == "failed" and audit.after["state"] == "pending"


def test_a_succeeded_delivery_may_be_sent_again(
    platform, platform_server, finance_user, django_capture_on_commit_callbacks
):
    delivery = _emit(platform, django_capture_on_commit_callbacks)
    assert delivery.state == State.SUCCEEDED
    with django_capture_on_commit_callbacks(execute=True):
        outbound_delivery_redeliver(delivery=delivery, actor=finance_user)
    assert len(platform_server.requests) == 2


def test_a_pending_delivery_is_not_redelivered(platform, platform_server, super_admin):
    event = outbound_event_emit(platform=platform, event_type="creator.suspended", data=DATA)
    delivery = OutboundDelivery.objects.get(event=event)
    with pytest.raises(ApplicationError) as error:
        outbound_delivery_redeliver(delivery=delivery, actor=super_admin)
    assert error.value.code == "delivery_pending" and error.value.status_code == 409
    assert not AuditEvent.objects.filter(action="outbound.delivery_redelivered").exists()


def test_redelivery_to_a_disabled_endpoint_is_refused(
    platform, platform_server, super_admin, django_capture_on_commit_callbacks
):
    platform_server.script(Answer(410))
    delivery = _emit(platform, django_capture_on_commit_callbacks)
    with pytest.raises(ApplicationError) as error:
        outbound_delivery_redeliver(delivery=delivery, actor=super_admin)
    assert error.value.code == "endpoint_disabled"
    delivery.refresh_from_db()
    assert delivery.state == State.FAILED and delivery.redelivery_count == 0
    assert len(platform_server.requests) == 1


def test_redeliver_a_range(
    platform, platform_server, super_admin, clock, django_capture_on_commit_callbacks
):
    platform_server.default = Answer(500)
    start = clock.now
    old = _abandon(_emit(platform, django_capture_on_commit_callbacks))  # before the range
    clock.advance(hours=2)
    in_range = [_abandon(_emit(platform, django_capture_on_commit_callbacks)) for _ in range(3)]
    delivered = _emit(platform, django_capture_on_commit_callbacks)  # failing, still pending
    clock.advance(hours=2)
    late = _abandon(_emit(platform, django_capture_on_commit_callbacks))  # after the range
    platform_server.default = Answer(200)
    sent_before = len(platform_server.requests)

    with django_capture_on_commit_callbacks(execute=True):
        count = outbound_deliveries_redeliver(
            platform=platform,
            since=start + timedelta(hours=1),
            until=start + timedelta(hours=3),
            actor=super_admin,
        )
    assert count == 3
    for delivery in in_range:
        delivery.refresh_from_db()
        assert delivery.state == State.SUCCEEDED and delivery.redelivery_count == 1
    for untouched in (old, late):
        untouched.refresh_from_db()
        assert untouched.state == State.ABANDONED and untouched.redelivery_count == 0
    delivered.refresh_from_db()
    assert delivered.redelivery_count == 0  # pending: not part of a redelivery
    # ...but its retry was due, so the send run the redelivery started sent it too.
    assert delivered.state == State.SUCCEEDED and delivered.attempts == 2
    assert len(platform_server.requests) == sent_before + 4
    audit = AuditEvent.objects.get(action="outbound.deliveries_redelivered")
    assert audit.actor == super_admin and audit.after["count"] == 3
    assert audit.target_type == "platforms.platform"


def test_a_range_of_other_platforms_is_not_touched(
    platform, platform_server, super_admin, clock, django_capture_on_commit_callbacks
):
    from apps.platforms.models import Platform

    girlfanz, _ = Platform.objects.get_or_create(
        slug="girlfanz", defaults={"name": "GirlFanz", "domain": "girlfanz.com"}
    )
    other = OutboundDelivery.objects.get(
        event=outbound_event_emit(platform=girlfanz, event_type="creator.suspended", data=DATA)
    )
    assert other.state == State.FAILED  # no URL for girlfanz
    count = outbound_deliveries_redeliver(
        platform=platform,
        since=clock.now - timedelta(days=1),
        until=clock.now + timedelta(days=1),
        actor=super_admin,
    )
    assert count == 0
    other.refresh_from_db()
    assert other.state == State.FAILED


@pytest.mark.parametrize(
    ("since_hours", "until_hours", "code"),
    [(1, 1, "invalid_range"), (2, 1, "invalid_range"), (0, 24 * 94, "invalid_range")],
)
def test_bad_ranges_are_refused(platform, super_admin, clock, since_hours, until_hours, code):
    with pytest.raises(ApplicationError) as error:
        outbound_deliveries_redeliver(
            platform=platform,
            since=clock.now + timedelta(hours=since_hours),
            until=clock.now + timedelta(hours=until_hours),
            actor=super_admin,
        )
    assert error.value.code == code
    assert not AuditEvent.objects.filter(action="outbound.deliveries_redelivered").exists()


def test_a_range_to_a_disabled_endpoint_is_refused(platform, super_admin, clock):
    outbound_endpoint_disable(platform=platform, actor=super_admin, reason="maintenance")
    with pytest.raises(ApplicationError) as error:
        outbound_deliveries_redeliver(
            platform=platform,
            since=clock.now - timedelta(hours=1),
            until=clock.now,
            actor=super_admin,
        )
    assert error.value.code == "endpoint_disabled"


def test_disable_and_enable_by_staff(platform, platform_server, super_admin, clock):
    endpoint = outbound_endpoint_disable(
        platform=platform, actor=super_admin, reason="platform migrating servers"
    )
    assert not endpoint.enabled and endpoint.disabled_reason == "platform migrating servers"
    event = outbound_event_emit(platform=platform, event_type="creator.suspended", data=DATA)
    delivery = OutboundDelivery.objects.get(event=event)
    clock.advance(hours=3)
    assert deliveries_send_due() == 0 and platform_server.requests == []

    outbound_endpoint_enable(platform=platform, actor=super_admin)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == clock.now
    assert deliveries_send_due() == 1
    delivery.refresh_from_db()
    assert delivery.state == State.SUCCEEDED
    actions = list(
        AuditEvent.objects.filter(actor=super_admin, action__startswith="outbound.endpoint")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["outbound.endpoint_disabled", "outbound.endpoint_enabled"]


def test_enable_and_disable_refusals(platform, super_admin):
    with pytest.raises(ApplicationError) as error:
        outbound_endpoint_enable(platform=platform, actor=super_admin)
    assert error.value.code == "endpoint_enabled"
    with pytest.raises(ApplicationError) as error:
        outbound_endpoint_disable(platform=platform, actor=super_admin, reason="  ")
    assert error.value.code == "invalid_reason"
    outbound_endpoint_disable(platform=platform, actor=super_admin, reason="x")
    with pytest.raises(ApplicationError) as error:
        outbound_endpoint_disable(platform=platform, actor=super_admin, reason="again")
    assert error.value.code == "endpoint_disabled"
    assert OutboundEndpoint.objects.get(platform=platform).disabled_reason == "x"
    assert AuditEvent.objects.filter(action__startswith="outbound.endpoint").count() == 1
