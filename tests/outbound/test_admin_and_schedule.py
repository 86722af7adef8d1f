"""The admin's actions call the services (audited); the beat task is declared in code."""

from __future__ import annotations

from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.core.periodic import declared_periodic_tasks
from apps.outbound.models import OutboundDelivery, OutboundEndpoint
from apps.outbound.services import outbound_endpoint_disable, outbound_event_emit
from apps.outbound.tasks import deliveries_send_due

DATA = {"creatorId": "c-1", "kycLevel": 2, "previousKycLevel": 1}


def test_the_send_due_task_is_scheduled_by_beat():
    [spec] = [spec for spec in declared_periodic_tasks() if spec.task == "outbound.send_due"]
    assert spec.every_seconds == 15


def test_admin_redeliver_action(client_for, super_admin, platform, platform_server):
    event = outbound_event_emit(platform=platform, event_type="creator.kyc_changed", data=DATA)
    deliveries_send_due()
    delivery = OutboundDelivery.objects.get(event=event)
    assert delivery.state == "succeeded"
    response = client_for(super_admin).post(
        reverse("admin:outbound_outbounddelivery_changelist"),
        {"action": "redeliver", "_selected_action": [delivery.pk]},
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.redelivery_count == 1
    assert AuditEvent.objects.filter(
        action="outbound.delivery_redelivered", actor=super_admin
    ).exists()


def test_admin_enable_action(client_for, super_admin, platform):
    outbound_endpoint_disable(platform=platform, actor=super_admin, reason="x")
    endpoint = OutboundEndpoint.objects.get(platform=platform)
    response = client_for(super_admin).post(
        reverse("admin:outbound_outboundendpoint_changelist"),
        {"action": "enable_endpoints", "_selected_action": [endpoint.pk]},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.enabled


def test_admin_pages_are_read_only(client_for, super_admin, platform):
    outbound_event_emit(platform=platform, event_type="creator.kyc_changed", data=DATA)
    client = client_for(super_admin)
    for name in ("outboundevent", "outbounddelivery", "outboundendpoint"):
        assert client.get(reverse(f"admin:outbound_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:outbound_{name}_add")).status_code == 403


def test_finance_reads_and_acts_in_the_admin_support_only_reads(
    client_for, finance_user, support_user, compliance_user, platform
):
    event = outbound_event_emit(platform=platform, event_type="creator.kyc_changed", data=DATA)
    deliveries_send_due()
    delivery = OutboundDelivery.objects.get(event=event)
    url = reverse("admin:outbound_outbounddelivery_changelist")
    assert client_for(finance_user).get(url).status_code == 200
    assert client_for(compliance_user).get(url).status_code == 403
    support = client_for(support_user)
    assert support.get(url).status_code == 200
    support.post(url, {"action": "redeliver", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.redelivery_count == 0  # support may not redeliver
    client_for(finance_user).post(url, {"action": "redeliver", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.redelivery_count == 1
