"""content_flagged: a platform reports a creator's content; a compliance violation is opened
once per event (a critical one holds the creator's payouts). Bad fields are refused at intake
(422, the field named, nothing stored); an unknown creator waits, then fails."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from apps.audit.models import AuditEvent
from apps.compliance.models import Violation
from apps.creators.models import PayoutHold
from apps.integrations.event_examples import EVENT_EXAMPLES
from apps.integrations.models import WebhookEvent
from apps.integrations.schemas import PLATFORM_EVENTS, EventSchemaError, event_validate
from apps.integrations.services.handlers import handle_content_flagged
from apps.integrations.services.processing import webhook_event_process_now

from .h2_support import external_id, payload_for, store_event

pytestmark = pytest.mark.django_db
State = WebhookEvent.State


@pytest.fixture
def creator(creator_factory):
    return creator_factory(platforms=("boyfanz", "girlfanz"))


def flagged(creator=None, **data) -> dict:
    if creator is not None:
        data.setdefault("creatorId", external_id(creator))
    return payload_for("content_flagged", **data)


def process(payload) -> WebhookEvent:
    return webhook_event_process_now(store_event(payload).pk)


def test_the_example_is_a_valid_platform_event():
    assert "content_flagged" in PLATFORM_EVENTS
    cleaned = event_validate("boyfanz", EVENT_EXAMPLES["content_flagged"])
    assert cleaned["data"] == {
        "content_id": "post_5521",
        "creator_id": "creator456",
        "violation_type": "content_policy",
        "severity": "high",
        "confidence": Decimal("0.870"),
        "reason": "Moderation model: prohibited content category",
    }
    assert cleaned["creator_external_id"] == "creator456"


@pytest.mark.parametrize("confidence", ["0.5", 0.5, 1, 0, "1.000", "0"])
def test_confidence_is_a_decimal_string_or_a_number_from_0_to_1(confidence):
    payload = copy.deepcopy(EVENT_EXAMPLES["content_flagged"])
    payload["data"]["confidence"] = confidence
    assert 0 <= event_validate("boyfanz", payload)["data"]["confidence"] <= 1


def test_an_event_opens_a_violation(creator):
    event = process(flagged(creator, severity="medium", contentId="post_9", confidence="0.66"))
    assert event.state == State.PROCESSED, event.error_detail
    violation = Violation.objects.get()
    assert (violation.kind, violation.severity, violation.status) == (
        "content_policy",
        "medium",
        "open",
    )
    assert violation.creator == creator and violation.platform.slug == "boyfanz"
    assert violation.content_reference == "post_9"
    assert violation.confidence == Decimal("0.660")
    assert violation.source == Violation.Source.PLATFORM_EVENT
    assert event.event_id in violation.source_reference
    assert violation.payout_hold is None
    assert event.result["violation_id"] == violation.pk
    assert event.result["violation_created"] is True
    assert AuditEvent.objects.filter(action="compliance.violation_opened").count() == 1


def test_a_critical_report_holds_the_creators_payouts(creator):
    event = process(flagged(creator, severity="critical", violationType="age_2257"))
    violation = Violation.objects.get()
    hold = PayoutHold.objects.get(creator=creator)
    assert violation.payout_hold == hold and hold.released_at is None
    assert hold.source == PayoutHold.Source.COMPLIANCE_VIOLATION
    assert f"#{violation.pk}" in hold.reason
    assert event.result["payout_hold_id"] == hold.pk


def test_the_same_event_twice_opens_one_violation(creator):
    payload = flagged(creator, severity="critical")
    event = process(payload)
    cleaned = event_validate("boyfanz", payload)
    again = handle_content_flagged(event, cleaned)  # a replay runs the handler again
    assert again.result["violation_id"] == event.result["violation_id"]
    assert again.result["violation_created"] is False
    assert Violation.objects.count() == 1
    assert PayoutHold.objects.filter(creator=creator).count() == 1


def test_a_duplicate_delivery_is_answered_200_and_opens_nothing_more(
    creator, platform_secret, post_webhook
):
    payload = flagged(creator)
    assert post_webhook(payload).status_code == 202
    second = post_webhook(payload)
    assert second.status_code == 200 and second.json()["duplicate"] is True
    assert WebhookEvent.objects.count() == 1
    webhook_event_process_now(WebhookEvent.objects.get().pk)
    webhook_event_process_now(WebhookEvent.objects.get().pk)
    assert Violation.objects.count() == 1


def test_an_unknown_creator_waits_then_fails(settings, creator):
    settings.INTEGRATIONS_MAX_ATTEMPTS = 2
    from datetime import timedelta

    event = process(flagged(creatorId="ghost"))
    assert event.state == State.RECEIVED and event.error_code == "unknown_creator"
    event = webhook_event_process_now(event.pk, now=event.next_attempt_at + timedelta(seconds=1))
    assert event.state == State.FAILED and event.error_code == "unknown_creator"
    assert "ghost" in event.error_detail
    assert not Violation.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("confidence", "1.5"),
        ("confidence", -0.1),
        ("confidence", "abc"),
        ("confidence", True),
        ("confidence", "0.1234"),
        ("confidence", None),
        ("violationType", "spam"),
        ("severity", "urgent"),
        ("contentId", None),
        ("creatorId", None),
    ],
)
def test_a_bad_field_is_422_at_intake_and_nothing_is_stored(
    creator, platform_secret, post_webhook, field, value
):
    payload = flagged(creator)
    if value is None:
        payload["data"].pop(field)
    else:
        payload["data"][field] = value
    response = post_webhook(payload)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["error"] == "invalid_event"
    assert f"data.{field}" in body["detail"], body["detail"]
    assert not WebhookEvent.objects.exists()
    assert not Violation.objects.exists()


def test_the_schema_names_the_field_in_its_error():
    payload = copy.deepcopy(EVENT_EXAMPLES["content_flagged"])
    payload["data"]["confidence"] = "2"
    with pytest.raises(EventSchemaError) as error:
        event_validate("boyfanz", payload)
    assert error.value.errors == {"data.confidence": ["The confidence is from 0 to 1."]}


def test_content_flagged_is_in_the_webhook_schema(client_for, super_admin):
    schema = client_for(super_admin).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/integrations/webhooks/{platform}"]["post"]
    assert "`content_flagged`" in operation["description"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert any(example["value"]["event"] == "content_flagged" for example in examples.values())
