"""The KYC provider webhook (``POST /api/integrations/webhooks/kyc/verifymy``): signed like the
platforms' webhooks with the provider's own secret, stored once, processed once; a result
updates the verification and the creator's derived level. Every bad input: a 4xx, nothing
stored, nothing changed."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from apps.audit.models import SecurityEvent
from apps.compliance.models import KycProvider, KycProviderEvent, KycVerification
from apps.compliance.services import (
    kyc_provider_event_process_now,
    kyc_provider_events_due,
    kyc_verification_decide,
    kyc_verification_request,
)
from apps.compliance.tasks import kyc_provider_event_process, kyc_provider_events_requeue_due
from apps.core import signing
from apps.outbound.models import OutboundEvent

pytestmark = pytest.mark.django_db

SECRET = "test-verifymy-secret-0123456789abcdef"
OLD_SECRET = "test-verifymy-old-secret-0123456789ab"
URL = "/api/integrations/webhooks/kyc/verifymy"
REFERENCE = "vm-ref-0001"


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.KYC_WEBHOOK_SECRETS = {"verifymy": [SECRET, OLD_SECRET]}


@pytest.fixture
def verification(creator):
    return kyc_verification_request(
        creator=creator, level_requested=2, provider="verifymy", provider_reference=REFERENCE
    )


def _result(**fields) -> dict:
    payload = {
        "eventId": "vm_evt_1",
        "reference": REFERENCE,
        "status": "approved",
        "level": 2,
        "reason": "Document and liveness check passed.",
        "expiresOn": "2027-06-15",
        "occurredAt": "2026-06-15T11:58:00Z",
    }
    payload.update(fields)
    return {key: value for key, value in payload.items() if value is not ...}


def _post(payload, *, secret=SECRET, headers=None, url=URL, scheme="fanz", webhook_id=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    if headers is None:
        if scheme == "standard":
            headers = signing.standard_headers(secret, webhook_id or "vm_evt_1", body)
        else:
            headers = {"X-FANZ-Signature": signing.fanz_signature(secret, body)}
    return Client(REMOTE_ADDR="127.0.0.1").post(
        url, data=body, content_type="application/json", headers=headers
    )


def _deliver(django_capture_on_commit_callbacks, payload, **kwargs):
    """Post and run what the commit queued (the processing task, eagerly)."""
    with django_capture_on_commit_callbacks(execute=True):
        return _post(payload, **kwargs)


def _kyc_changed():
    return OutboundEvent.objects.filter(event_type="creator.kyc_changed")


# --- the happy paths ---------------------------------------------------------------------------


def test_a_signed_approval_is_stored_processed_and_derives_the_level(
    creator, verification, django_capture_on_commit_callbacks
):
    response = _deliver(django_capture_on_commit_callbacks, _result())
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["eventId"] == "vm_evt_1" and body["duplicate"] is False
    event = KycProviderEvent.objects.get()
    assert event.pk == body["id"]
    assert event.state == KycProviderEvent.State.PROCESSED
    assert event.verification_id == verification.pk
    assert event.result["kyc_level"] == 2
    assert event.verification_detail["scheme"] == "fanz"
    verification.refresh_from_db()
    assert verification.status == KycVerification.Status.APPROVED
    assert verification.level_granted == 2
    assert verification.expires_on == date(2027, 6, 15)
    assert verification.reviewer is None  # the provider decided, not a staff member
    assert verification.decision_reason.startswith("VerifyMy: Document")
    creator.refresh_from_db()
    assert creator.kyc_level == 2
    # the creator's platforms are told (the outbound event is queued)
    assert sorted(_kyc_changed().values_list("platform__slug", flat=True)) == [
        "boyfanz",
        "girlfanz",
    ]
    assert _kyc_changed().first().data["kycLevel"] == 2


def test_a_rejection_rejects_and_leaves_the_level(
    creator, verification, django_capture_on_commit_callbacks
):
    payload = _result(status="rejected", level=..., expiresOn=..., reason="Document expired.")
    assert _deliver(django_capture_on_commit_callbacks, payload).status_code == 202
    verification.refresh_from_db()
    assert verification.status == KycVerification.Status.REJECTED
    assert verification.decision_reason == "VerifyMy: Document expired."
    creator.refresh_from_db()
    assert creator.kyc_level == 0
    assert not _kyc_changed().exists()
    assert KycProviderEvent.objects.get().state == KycProviderEvent.State.PROCESSED


def test_a_rejection_without_a_reason_gets_one(verification, django_capture_on_commit_callbacks):
    payload = _result(status="rejected", level=..., expiresOn=..., reason=...)
    assert _deliver(django_capture_on_commit_callbacks, payload).status_code == 202
    verification.refresh_from_db()
    assert verification.decision_reason == "Rejected by VerifyMy (event vm_evt_1)."


def test_standard_webhooks_and_the_previous_secret_verify(
    verification, django_capture_on_commit_callbacks
):
    payload = _result(eventId=...)
    response = _deliver(
        django_capture_on_commit_callbacks,
        payload,
        scheme="standard",
        secret=OLD_SECRET,
        webhook_id="vm_msg_9",
    )
    assert response.status_code == 202, response.content
    event = KycProviderEvent.objects.get()
    assert event.event_id == "vm_msg_9"
    assert event.verification_detail["secret_index"] == 1


def test_pending_is_recorded_and_changes_nothing(
    creator, verification, django_capture_on_commit_callbacks
):
    payload = _result(status="pending", level=..., expiresOn=...)
    assert _deliver(django_capture_on_commit_callbacks, payload).status_code == 202
    event = KycProviderEvent.objects.get()
    assert event.state == KycProviderEvent.State.IGNORED
    assert event.result["outcome"] == "still_checking"
    verification.refresh_from_db()
    assert verification.status == KycVerification.Status.PENDING


# --- exactly once ------------------------------------------------------------------------------


def test_a_duplicate_delivery_is_answered_200_and_processed_once(
    creator, verification, django_capture_on_commit_callbacks
):
    first = _deliver(django_capture_on_commit_callbacks, _result())
    again = _deliver(django_capture_on_commit_callbacks, _result(reason="different text"))
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json() == {
        "id": first.json()["id"],
        "eventId": "vm_evt_1",
        "duplicate": True,
        "state": "processed",
    }
    assert KycProviderEvent.objects.count() == 1
    assert _kyc_changed().count() == 2  # one per platform, once
    verification.refresh_from_db()
    assert verification.decision_reason.endswith("check passed.")


def test_the_task_run_twice_applies_the_event_once(creator, verification):
    assert _post(_result()).status_code == 202  # on-commit callbacks not run: stored only
    event = KycProviderEvent.objects.get()
    assert event.state == KycProviderEvent.State.RECEIVED
    assert kyc_provider_event_process(event.pk) == "processed"
    assert kyc_provider_event_process(event.pk) == "processed"
    event.refresh_from_db()
    assert event.attempts == 1
    assert _kyc_changed().count() == 2
    assert KycVerification.objects.get().status == KycVerification.Status.APPROVED


def test_a_lost_task_is_picked_up_by_the_sweep(creator, verification, time_machine):
    assert _post(_result()).status_code == 202
    event = KycProviderEvent.objects.get()
    assert kyc_provider_events_due() == []  # within the grace minute
    time_machine.shift(timedelta(minutes=2))
    assert kyc_provider_events_due() == [event.pk]
    assert kyc_provider_events_requeue_due() == 1  # eager: processed right here
    event.refresh_from_db()
    assert event.state == KycProviderEvent.State.PROCESSED
    assert kyc_provider_events_due() == []


def test_the_sweep_is_scheduled():
    from apps.compliance.schedules import PERIODIC_TASKS

    assert "compliance.kyc_provider_events_requeue_due" in {spec.task for spec in PERIODIC_TASKS}


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_apply_the_event_once(
    reseeded_reference_data, creator_factory, settings
):
    """Two threads process the same event concurrently (PostgreSQL: SKIP LOCKED; SQLite:
    the conditional update): one applies it, the other changes nothing."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims need PostgreSQL (SQLite serialises its writers)")
    settings.KYC_WEBHOOK_SECRETS = {"verifymy": [SECRET]}
    KycProvider.objects.get_or_create(slug="verifymy", defaults={"name": "VerifyMy"})
    creator = creator_factory(platforms=("boyfanz",), kyc_level=0)
    verification = kyc_verification_request(
        creator=creator, level_requested=2, provider="verifymy", provider_reference=REFERENCE
    )
    tomorrow = timezone.localdate() + timedelta(days=400)
    assert _post(_result(expiresOn=tomorrow.isoformat())).status_code == 202
    event = KycProviderEvent.objects.get()
    barrier = threading.Barrier(2)
    results = []

    def work():
        barrier.wait()
        try:
            results.append(kyc_provider_event_process_now(event.pk).state)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    event.refresh_from_db()
    assert event.attempts == 1
    assert event.state == KycProviderEvent.State.PROCESSED
    verification.refresh_from_db()
    assert verification.status == KycVerification.Status.APPROVED
    assert _kyc_changed().count() == 1


# --- already decided and out of order ----------------------------------------------------------


def test_a_result_for_a_decided_verification_is_recorded_not_applied(
    creator, verification, compliance_user, django_capture_on_commit_callbacks
):
    kyc_verification_decide(
        verification=verification, approve=False, reason="staff rejected", reviewer=compliance_user
    )
    assert _deliver(django_capture_on_commit_callbacks, _result()).status_code == 202
    event = KycProviderEvent.objects.get()
    assert event.state == KycProviderEvent.State.IGNORED
    assert event.result == {"outcome": "already_decided", "verification_status": "rejected"}
    verification.refresh_from_db()
    assert verification.status == KycVerification.Status.REJECTED
    creator.refresh_from_db()
    assert creator.kyc_level == 0


def test_a_second_decision_does_not_flip_the_first(
    creator, verification, django_capture_on_commit_callbacks
):
    _deliver(django_capture_on_commit_callbacks, _result())
    rejected = _result(eventId="vm_evt_2", status="rejected", level=..., expiresOn=...)
    assert _deliver(django_capture_on_commit_callbacks, rejected).status_code == 202
    verification.refresh_from_db()
    assert verification.status == KycVerification.Status.APPROVED
    second = KycProviderEvent.objects.get(event_id="vm_evt_2")
    assert second.state == KycProviderEvent.State.IGNORED
    assert second.result["outcome"] == "already_decided"


def test_an_expiry_expires_an_approved_verification(
    creator, verification, django_capture_on_commit_callbacks
):
    _deliver(django_capture_on_commit_callbacks, _result())
    expired = _result(eventId="vm_evt_2", status="expired", level=..., expiresOn=...)
    assert _deliver(django_capture_on_commit_callbacks, expired).status_code == 202
    verification.refresh_from_db()
    assert verification.status == KycVerification.Status.EXPIRED
    creator.refresh_from_db()
    assert creator.kyc_level == 0
    assert _kyc_changed().count() == 4  # up to 2, back to 0, on both platforms


def test_an_expiry_before_its_approval_waits_for_it(
    creator, verification, time_machine, django_capture_on_commit_callbacks
):
    expired = _result(
        eventId="vm_evt_2",
        status="expired",
        level=...,
        expiresOn=...,
        occurredAt="2026-06-15T11:59:00Z",
    )
    assert _deliver(django_capture_on_commit_callbacks, expired).status_code == 202
    waiting = KycProviderEvent.objects.get()
    assert waiting.state == KycProviderEvent.State.RECEIVED
    assert waiting.error_code == "not_approved"
    assert waiting.next_attempt_at is not None
    # the approval arrives late and is applied; the expiry then applies on its retry
    _deliver(django_capture_on_commit_callbacks, _result())
    assert KycVerification.objects.get().status == KycVerification.Status.APPROVED
    time_machine.shift(timedelta(hours=2))
    assert kyc_provider_events_requeue_due() == 1
    waiting.refresh_from_db()
    assert waiting.state == KycProviderEvent.State.PROCESSED
    assert KycVerification.objects.get().status == KycVerification.Status.EXPIRED
    creator.refresh_from_db()
    assert creator.kyc_level == 0


def test_an_expiry_that_never_finds_its_approval_fails_in_the_end(
    verification, time_machine, django_capture_on_commit_callbacks
):
    expired = _result(status="expired", level=..., expiresOn=...)
    _deliver(django_capture_on_commit_callbacks, expired)
    event = KycProviderEvent.objects.get()
    for _ in range(20):
        time_machine.shift(timedelta(hours=2))
        event = kyc_provider_event_process_now(event.pk)
    assert event.state == KycProviderEvent.State.FAILED
    assert event.error_code == "not_approved"
    assert KycVerification.objects.get().status == KycVerification.Status.PENDING


# --- bad input: a 4xx, nothing stored, nothing changed -----------------------------------------


def _nothing_changed(creator, verification):
    assert not KycProviderEvent.objects.exists()
    verification.refresh_from_db()
    assert verification.status == KycVerification.Status.PENDING
    creator.refresh_from_db()
    assert creator.kyc_level == 0
    assert not _kyc_changed().exists()


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (_result(status="done"), 422, "unknown_status"),
        (_result(status=7), 422, "unknown_status"),
        (_result(reference="vm-nobody"), 422, "unknown_reference"),
        (_result(level=4), 422, "invalid_level"),
        (_result(level=-1), 422, "invalid_level"),
        (_result(level="2"), 422, "invalid_level"),
        (_result(level=True), 422, "invalid_level"),
        (_result(level=...), 422, "invalid_level"),
        (_result(level=None), 422, "invalid_level"),
        (_result(eventId=...), 422, "invalid_event"),
        (_result(reference=...), 422, "invalid_event"),
        (_result(status=...), 422, "invalid_event"),
        (_result(occurredAt=...), 422, "invalid_event"),
        (_result(occurredAt="yesterday"), 422, "invalid_event"),
        (_result(occurredAt="2026-06-15T11:58:00"), 422, "invalid_event"),
        (_result(occurredAt="2026-13-45T11:58:00Z"), 422, "invalid_event"),
        (_result(expiresOn="15/06/2027"), 422, "invalid_event"),
        (_result(expiresOn="2026-06-15"), 422, "invalid_expiry"),
        (_result(eventId=""), 422, "invalid_event"),
        (_result(eventId="x" * 201), 422, "invalid_event"),
        (_result(reason=["no"]), 422, "invalid_event"),
        (_result(extra="field"), 422, "invalid_event"),
        ([_result()], 422, "invalid_event"),
        ("approved", 422, "invalid_event"),
    ],
)
def test_a_bad_body_is_refused_and_changes_nothing(creator, verification, payload, status, code):
    response = _post(payload)
    assert response.status_code == status, response.content
    assert response.json()["error"] == code
    assert "detail" in response.json()
    _nothing_changed(creator, verification)


def test_a_reference_of_another_provider_is_unknown(creator, verification):
    KycProvider.objects.create(slug="otherkyc", name="Other KYC")
    kyc_verification_request(
        creator=creator, level_requested=1, provider="otherkyc", provider_reference="vm-other"
    )
    response = _post(_result(reference="vm-other"))
    assert response.status_code == 422
    assert response.json()["error"] == "unknown_reference"
    assert not KycProviderEvent.objects.exists()


@pytest.mark.parametrize(
    "body", [b"{not json", b'{"eventId": NaN}', b"\xff\xfe", b'{"a": ' * 2000 + b"1" + b"}" * 2000]
)
def test_malformed_json_is_400(creator, verification, body):
    response = _post(body)
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_json"
    _nothing_changed(creator, verification)


def test_a_wrong_signature_is_401_and_a_security_event(creator, verification):
    response = _post(_result(), secret="not-the-secret-0123456789abcdef")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_signature"
    _nothing_changed(creator, verification)
    security = SecurityEvent.objects.get()
    assert security.kind == SecurityEvent.Kind.WEBHOOK_SIGNATURE_FAILED
    assert security.detail["source"] == "kyc:verifymy"


def test_a_platform_secret_does_not_verify(creator, verification, settings):
    settings.WEBHOOK_SECRET = "shared-platform-secret-0123456789"
    response = _post(_result(), secret="shared-platform-secret-0123456789")
    assert response.status_code == 401
    _nothing_changed(creator, verification)


def test_no_signature_is_401(creator, verification):
    response = _post(_result(), headers={})
    assert response.status_code == 401
    assert response.json()["error"] == "missing_signature"
    _nothing_changed(creator, verification)


def test_a_provider_without_a_secret_is_refused(creator, verification, settings):
    settings.KYC_WEBHOOK_SECRETS = {}
    response = _post(_result())
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_signature"
    _nothing_changed(creator, verification)


def test_a_stale_timestamp_is_401(creator, verification):
    body = json.dumps(_result()).encode()
    old = int(timezone.now().timestamp()) - 301
    headers = signing.standard_headers(SECRET, "vm_evt_1", body, timestamp=old)
    response = _post(body, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "stale_timestamp"
    _nothing_changed(creator, verification)
    assert SecurityEvent.objects.get().kind == SecurityEvent.Kind.WEBHOOK_TIMESTAMP_STALE


def test_a_webhook_id_that_differs_from_the_event_id_is_422(creator, verification):
    response = _post(_result(), scheme="standard", webhook_id="vm_other")
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_event"
    _nothing_changed(creator, verification)


def test_an_unknown_provider_is_404(creator, verification):
    response = _post(_result(), url="/api/integrations/webhooks/kyc/nosuchprovider")
    assert response.status_code == 404
    assert response.json() == {
        "error": "unknown_provider",
        "detail": "No KYC provider 'nosuchprovider'.",
    }
    _nothing_changed(creator, verification)


def test_an_inactive_provider_is_409(creator, verification):
    KycProvider.objects.filter(slug="verifymy").update(is_active=False)
    response = _post(_result())
    assert response.status_code == 409
    assert response.json()["error"] == "provider_inactive"
    _nothing_changed(creator, verification)


def test_the_wrong_media_type_is_415(creator, verification):
    body = json.dumps(_result()).encode()
    response = Client().post(
        URL,
        data=body,
        content_type="text/plain",
        headers={"X-FANZ-Signature": signing.fanz_signature(SECRET, body)},
    )
    assert response.status_code == 415
    _nothing_changed(creator, verification)


def test_an_oversized_body_is_413(creator, verification, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 100
    response = _post(_result(reason="x" * 200))
    assert response.status_code == 413
    _nothing_changed(creator, verification)


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_other_methods_are_405(method):
    assert getattr(Client(), method)(URL).status_code == 405


# --- staff see the events ----------------------------------------------------------------------


def test_the_admin_lists_provider_events_read_only(
    client_for, super_admin, verification, django_capture_on_commit_callbacks
):
    _deliver(django_capture_on_commit_callbacks, _result())
    admin_client = client_for(super_admin)
    listing = admin_client.get("/admin/compliance/kycproviderevent/")
    assert listing.status_code == 200
    assert b"vm_evt_1" in listing.content
    event = KycProviderEvent.objects.get()
    assert (
        admin_client.get(f"/admin/compliance/kycproviderevent/{event.pk}/change/").status_code
        == 200
    )
    assert admin_client.get("/admin/compliance/kycproviderevent/add/").status_code == 403


# --- the OpenAPI schema, and signed bodies of any shape ----------------------------------------


def test_the_endpoint_is_in_the_schema_with_every_answer():
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    operation = schema["paths"]["/api/integrations/webhooks/kyc/{provider}"]["post"]
    assert {"200", "202", "400", "401", "404", "409", "411", "413", "415", "422", "429"} <= set(
        operation["responses"]
    )
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    fields = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]["properties"]
    assert set(fields) == {
        "eventId",
        "reference",
        "status",
        "level",
        "reason",
        "expiresOn",
        "occurredAt",
    }
    status = fields["status"]
    while "$ref" in status or "allOf" in status:
        ref = status["$ref"] if "$ref" in status else status["allOf"][0]["$ref"]
        status = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert status["enum"] == ["pending", "approved", "rejected", "expired"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    fields=st.fixed_dictionaries(
        {},
        optional={
            name: JSON_VALUES
            | st.sampled_from(["approved", "rejected", REFERENCE, 2, "2027-06-15"])
            for name in ("eventId", "reference", "status", "level", "reason", "expiresOn")
        },
    ),
    top=JSON_VALUES,
)
def test_signed_bodies_of_any_shape_get_a_4xx_or_are_stored(verification, fields, top):
    """What schemathesis does to the unsigned endpoint, signed: no body makes a 5xx."""
    for payload in (fields, top):
        response = _post(payload)
        assert response.status_code in (202, 200, 400, 422), (payload, response.content)
        assert response.json().get("error") or response.json().get("eventId")


# --- personal data -----------------------------------------------------------------------------


def test_provider_events_are_exported_and_pseudonymised(
    creator, verification, django_capture_on_commit_callbacks
):
    from apps.compliance.personal_data import kyc_erase, kyc_export
    from apps.core.personal_data import Pseudonym, Subject

    name = creator.legal_name or creator.display_name
    payload = _result(status="rejected", level=..., expiresOn=..., reason=f"{name} is not shown")
    _deliver(django_capture_on_commit_callbacks, payload)
    subject = Subject(creator_ids={creator.pk}, names={name})
    exported = kyc_export(subject)["kyc_provider_events"]
    assert [row["event_id"] for row in exported] == ["vm_evt_1"]
    assert kyc_erase(subject, Pseudonym(7))["kyc_provider_events"] == 1
    event = KycProviderEvent.objects.get()
    assert name not in event.reason and name not in json.dumps(event.payload)
    assert "Erased subject #7" in event.reason
    assert kyc_erase(subject, Pseudonym(7))["kyc_provider_events"] == 0


def test_the_creators_compliance_page_shows_the_provider_results(
    client_for, compliance_user, creator, verification, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    _deliver(django_capture_on_commit_callbacks, _result())
    late = _result(eventId="vm_evt_2", status="rejected", level=..., expiresOn=...)
    _deliver(django_capture_on_commit_callbacks, late)
    html = (
        client_for(compliance_user)
        .get(reverse("compliance:creator", args=[creator.pk]))
        .content.decode()
    )
    assert "by VerifyMy (result vm_evt_1)" in html
    assert "VerifyMy result vm_evt_1 (approved, level 2) at 2026-06-15 11:58 UTC: applied" in html
    assert "result vm_evt_2 (rejected) at 2026-06-15 11:58 UTC: recorded, not applied" in html


def test_an_approval_whose_expiry_passed_before_it_ran_fails(verification, time_machine):
    assert _post(_result(expiresOn="2026-06-16")).status_code == 202
    event = KycProviderEvent.objects.get()
    time_machine.shift(timedelta(days=2))
    event = kyc_provider_event_process_now(event.pk)
    assert event.state == KycProviderEvent.State.FAILED
    assert event.error_code == "expiry_in_past"
    assert KycVerification.objects.get().status == KycVerification.Status.PENDING


def test_staff_process_a_failed_result_again(
    client_for,
    super_admin,
    compliance_user,
    creator,
    verification,
    time_machine,
    django_capture_on_commit_callbacks,
):
    from apps.audit.models import AuditEvent
    from apps.compliance.services import kyc_provider_event_replay
    from apps.core.exceptions import ApplicationError

    expired = _result(status="expired", level=..., expiresOn=...)
    _deliver(django_capture_on_commit_callbacks, expired)
    event = KycProviderEvent.objects.get()
    for _ in range(20):
        time_machine.shift(timedelta(hours=2))
        event = kyc_provider_event_process_now(event.pk)
    assert event.state == KycProviderEvent.State.FAILED
    # staff approve the verification themselves, then send the expiry through again
    kyc_verification_decide(
        verification=verification,
        approve=True,
        level_granted=2,
        reason="checked by hand",
        reviewer=compliance_user,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(super_admin).post(
            "/admin/compliance/kycproviderevent/",
            {"action": "process_again", "_selected_action": [event.pk]},
        )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.state == KycProviderEvent.State.PROCESSED
    assert KycVerification.objects.get().status == KycVerification.Status.EXPIRED
    assert AuditEvent.objects.filter(action="compliance.kyc_provider_event_replayed").exists()
    with pytest.raises(ApplicationError) as refused:
        kyc_provider_event_replay(event=event, actor=super_admin)
    assert refused.value.code == "not_replayable"
