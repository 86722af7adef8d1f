"""The sandbox processor (apps/payouts/adapters/sandbox.py) and its signed callback endpoint
(POST /api/v1/payouts/sandbox/callback): idempotent transfers, outcome plans, signature
refusals that change nothing, callbacks applied exactly once, delivery over real HTTP."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from apps.audit.models import SecurityEvent
from apps.ledger.models import JournalEntry
from apps.payouts.adapters.base import Outcome
from apps.payouts.adapters.sandbox import (
    CALLBACK_PATH,
    Plan,
    callback_body,
    plan_for,
    sandbox_submit,
    sandbox_transfer_settle,
    sandbox_transfers,
    sign,
)
from apps.payouts.models import Payout, ProcessorEvent
from apps.payouts.services.callbacks import CallbackNotDelivered, sandbox_callback_deliver
from apps.payouts.services.submission import payout_batch_submit
from tests.chunked import post_chunked

from .conftest import available_minor
from .submission_helpers import (
    mark_submitted,
    reference_data,  # noqa: F401 (the fixture)
    reload,
    sandbox_batch,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def no_auto_settle(settings):
    settings.SANDBOX_AUTO_SETTLE = False
    settings.SANDBOX_CALLBACK_URL = ""


def _post(body: bytes, signature: str | None = None, client: Client | None = None):
    headers = {"HTTP_X_FANZ_SIGNATURE": signature} if signature is not None else {}
    return (client or Client()).post(
        CALLBACK_PATH, data=body, content_type="application/json", **headers
    )


@pytest.fixture
def settled_transfer(creator_factory, no_auto_settle, finance_user):
    """A submitted sandbox payout whose transfer has settled (plan from ``account``) but whose
    callback was not delivered yet: (payout, transfer)."""

    def make(account="demo-0000"):
        batch, [payout] = sandbox_batch(creator_factory, [account])
        payout_batch_submit(batch=batch, actor=finance_user)
        transfer = sandbox_transfers(payout).get()
        assert sandbox_transfer_settle(transfer.pk, deliver=False)
        transfer.refresh_from_db()
        return reload(payout), transfer

    return make


# --- the processor ---------------------------------------------------------------------------


def test_plans_parse_and_the_default_table(creator_factory):
    assert Plan.parse("paid") == Plan()
    assert Plan.parse("account_closed") == Plan(final="account_closed")
    assert Plan.parse("refuse:invalid_account_number").refuse_times is None
    assert Plan.parse("flaky:insufficient_funds:2") == Plan(
        refuse_code="insufficient_funds", refuse_times=2
    )
    accounts = ["demo-0000", "demo-0001", "demo-0002", "demo-0003", ("x", "rate_limited")]
    _, payouts = sandbox_batch(creator_factory, accounts)
    assert [plan_for(p).as_text() for p in payouts] == [
        "paid",
        "account_closed",
        "refuse:invalid_account_number",
        "flaky:insufficient_funds:2",
        "rate_limited",
    ]


def test_settings_override_the_table(creator_factory, settings):
    settings.SANDBOX_OUTCOMES = {"00": "name_mismatch"}
    _, [payout] = sandbox_batch(creator_factory, ["demo-0100"])
    assert plan_for(payout).final == "name_mismatch"


def test_a_repeat_with_the_same_key_returns_the_same_transfer(creator_factory, no_auto_settle):
    _, [payout] = sandbox_batch(creator_factory, ["demo-0000"])
    first = sandbox_submit(payout)
    second = sandbox_submit(reload(payout))
    assert first.outcome == second.outcome == Outcome.ACCEPTED
    assert first.reference == second.reference
    assert second.raw["repeat"] is True
    transfer = sandbox_transfers(payout).get()
    assert transfer.payload["idempotency_key"] == str(payout.idempotency_key)
    assert transfer.payload["amount_minor"] == payout.amount_minor


def test_a_repeat_with_another_amount_is_refused(creator_factory, no_auto_settle):
    _, [payout] = sandbox_batch(creator_factory, ["demo-0000"])
    sandbox_submit(payout)
    payout.amount_minor += 1  # in memory only: what a buggy caller would send
    refused = sandbox_submit(payout)
    assert refused.outcome == Outcome.FAILED and refused.failure_code == "processor_rejected"
    assert sandbox_transfers(payout).count() == 1


def test_settling_twice_does_nothing(settled_transfer):
    _payout, transfer = settled_transfer()
    assert sandbox_transfer_settle(transfer.pk) is False
    assert transfer.payload["status"] == "paid"
    assert transfer.payload["callback_id"].startswith("sbxevt_")


# --- the callback endpoint ---------------------------------------------------------------


def _unchanged(payout) -> None:
    fresh = reload(payout)
    assert fresh.state == Payout.State.SUBMITTED
    assert not fresh.settle_entry_id and not fresh.return_entry_id
    assert not ProcessorEvent.objects.filter(payout=payout, kind="callback").exists()


def test_callback_without_signature_is_refused(settled_transfer):
    payout, transfer = settled_transfer()
    response = _post(callback_body(transfer))
    assert response.status_code == 401
    assert response.json()["error"] == "missing_signature"
    _unchanged(payout)


def test_callback_with_a_wrong_signature_is_refused(settled_transfer):
    payout, transfer = settled_transfer()
    body = callback_body(transfer)
    entries = JournalEntry.objects.count()
    for signature in (sign(body, "another-secret"), "sha256=00", "md5=abc", sign(body + b" ")):
        response = _post(body, signature)
        assert response.status_code == 401, signature
        assert set(response.json()) == {"error", "detail"}
        assert response.json()["error"] == "invalid_signature"
    _unchanged(payout)
    assert JournalEntry.objects.count() == entries
    assert (
        SecurityEvent.objects.filter(
            kind=SecurityEvent.Kind.WEBHOOK_SIGNATURE_FAILED, detail__endpoint=CALLBACK_PATH
        ).count()
        == 4
    )


def test_callback_signed_with_a_tampered_body_is_refused(settled_transfer):
    payout, transfer = settled_transfer("demo-0000")
    body = callback_body(transfer)
    signature = sign(body)
    tampered = body.replace(b'"transfer.paid"', b'"transfer.failed"')
    assert _post(tampered, signature).status_code == 401
    _unchanged(payout)


def test_callback_is_applied_exactly_once(settled_transfer):
    payout, transfer = settled_transfer()
    body = callback_body(transfer)
    entries = JournalEntry.objects.count()
    first = _post(body, sign(body))
    assert first.status_code == 200, first.content
    assert first.json() == {"result": "applied", "payout": payout.pk, "state": "paid"}
    assert JournalEntry.objects.count() == entries + 1
    again = _post(body, sign(body))
    assert again.json()["result"] == "duplicate"
    assert JournalEntry.objects.count() == entries + 1
    # Another callback id for the closed payout: recorded, ignored.
    other = json.loads(body)
    other["id"] = "sbxevt_other"
    other_body = json.dumps(other).encode()
    ignored = _post(other_body, sign(other_body))
    assert ignored.json()["result"] == "ignored"
    assert JournalEntry.objects.count() == entries + 1
    assert reload(payout).state == Payout.State.PAID
    assert ProcessorEvent.objects.filter(payout=payout, kind="callback").count() == 2


def test_failed_callback_returns_the_money(settled_transfer):
    payout, transfer = settled_transfer("demo-0001")
    body = callback_body(transfer)
    response = _post(body, sign(body))
    assert response.json()["state"] == "failed"
    payout = reload(payout)
    assert payout.failure_code == "account_closed"
    assert available_minor(payout.creator) == 10000


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "malformed_json"),
        (b'{"id": "x"}', 400, "invalid"),
        (b"\xff\xfe", 400, "malformed_json"),
    ],
)
def test_callback_bad_bodies(settled_transfer, body, status, code):
    payout, _ = settled_transfer()
    response = _post(body, sign(body))
    assert response.status_code == status
    assert response.json()["error"] == code
    _unchanged(payout)


def test_callback_for_an_unknown_payout_or_reference(settled_transfer):
    payout, transfer = settled_transfer()
    data = json.loads(callback_body(transfer))
    for change in (
        {"reference": "sbx_forged"},
        {"idempotencyKey": "00000000-0000-4000-8000-000000000000"},
    ):
        body = json.dumps({**data, **change}).encode()
        response = _post(body, sign(body))
        assert response.status_code == 404, change
        assert response.json()["error"] == "not_found"
    _unchanged(payout)


def test_failed_callback_without_code_is_invalid(settled_transfer):
    payout, transfer = settled_transfer("demo-0001")
    data = json.loads(callback_body(transfer))
    data["failureCode"] = None
    body = json.dumps(data).encode()
    response = _post(body, sign(body))
    assert response.status_code == 400
    assert "failureCode" in response.json()["detail"]
    _unchanged(payout)


def test_a_chunked_callback_is_read_and_applied(settled_transfer):
    payout, transfer = settled_transfer()
    body = callback_body(transfer)
    response = post_chunked(CALLBACK_PATH, body, headers={"X-FANZ-Signature": sign(body)})
    assert response.status_code == 200, response.content
    assert response.json()["result"] == "applied"
    assert reload(payout).state == Payout.State.PAID


def test_a_chunked_callback_the_server_cannot_delimit_is_411(settled_transfer):
    payout, transfer = settled_transfer()
    body = callback_body(transfer)
    response = post_chunked(
        CALLBACK_PATH, body, headers={"X-FANZ-Signature": sign(body)}, terminated=False
    )
    assert response.status_code == 411
    assert response.json()["error"] == "length_required"
    _unchanged(payout)


def test_a_chunked_callback_over_64_kib_is_413(settled_transfer):
    payout, _ = settled_transfer()
    body = b'{"padding": "' + b"x" * (64 * 1024) + b'"}'
    response = post_chunked(CALLBACK_PATH, body, headers={"X-FANZ-Signature": sign(body)})
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    _unchanged(payout)


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("text/plain", 415),
        ("application/x-www-form-urlencoded", 415),
        ("application/json; charset=latin-1", 415),
        ("application/json; charset=utf-8", 200),
    ],
)
def test_a_callback_must_be_json(settled_transfer, content_type, status):
    payout, transfer = settled_transfer()
    body = callback_body(transfer)
    response = Client().post(
        CALLBACK_PATH, data=body, content_type=content_type, HTTP_X_FANZ_SIGNATURE=sign(body)
    )
    assert response.status_code == status, response.content
    if status == 415:
        assert response.json()["error"] == "unsupported_media_type"
        _unchanged(payout)


def test_callback_refuses_get_and_session_is_not_needed(client_for, finance_user):
    response = client_for(finance_user).get(CALLBACK_PATH)
    assert response.status_code == 405


# --- delivery over HTTP ------------------------------------------------------------------------


def test_callback_delivered_over_http(settled_transfer, live_server, settings):
    settings.SANDBOX_CALLBACK_URL = live_server.url + CALLBACK_PATH
    payout, transfer = settled_transfer()
    assert sandbox_callback_deliver(transfer.pk) is True
    assert reload(payout).state == Payout.State.PAID
    transfer.refresh_from_db()
    assert transfer.payload["callback_delivered"] is True
    assert sandbox_callback_deliver(transfer.pk) is False  # delivered once


def test_callback_not_taken_is_retried(settled_transfer, live_server, settings):

    settings.SANDBOX_CALLBACK_URL = live_server.url + "/api/v1/payouts/sandbox/nowhere"
    payout, transfer = settled_transfer()
    with pytest.raises(CallbackNotDelivered):
        sandbox_callback_deliver(transfer.pk)
    transfer.refresh_from_db()
    assert transfer.payload["callback_delivered"] is False
    assert reload(payout).state == Payout.State.SUBMITTED


def test_the_whole_demo_flow_with_a_submitted_batch(creator_factory, finance_user):
    """Auto-settle on (the default): submit → transfer → settle → signed callback → paid."""
    batch, payouts = sandbox_batch(creator_factory, ["demo-0000", "demo-0004"])
    mark_submitted(batch)
    from apps.payouts.services.submission import payouts_submit_pending

    payouts_submit_pending(batch_id=batch.pk)
    states = sorted(reload(p).state for p in payouts)
    assert states == [Payout.State.FAILED, Payout.State.PAID]


def test_forged_callbacks_are_throttled_per_address(settled_transfer, settings, frozen_clock):
    settings.WEBHOOK_FAILED_AUTH_LIMIT = 3
    payout, transfer = settled_transfer()
    body = callback_body(transfer)
    codes = [_post(body, "sha256=00").status_code for _ in range(5)]
    assert codes == [401, 401, 401, 429, 429]
    assert _post(body, "sha256=00").json()["error"] == "throttled"
    _unchanged(payout)
    assert SecurityEvent.objects.filter(detail__endpoint=CALLBACK_PATH).count() == 3


def test_a_paid_callback_for_a_failed_payout_raises_an_alert(settled_transfer):
    from apps.payouts.services.submission import payout_mark_failed

    payout, transfer = settled_transfer("demo-0000")
    payout_mark_failed(payout=payout, actor=None, code="account_closed", source="test")
    body = callback_body(transfer)
    response = _post(body, sign(body))
    assert response.json() == {"result": "ignored", "payout": payout.pk, "state": "failed"}
    alert = SecurityEvent.objects.get(kind=SecurityEvent.Kind.SECURITY_ALERT)
    assert alert.severity == "critical" and alert.detail["payout"] == payout.pk
