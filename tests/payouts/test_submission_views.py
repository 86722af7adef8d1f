"""Submission screens: submit / resume a batch, mark file-processor payouts paid or failed
(allowed role, wrong role, anonymous; refusals change nothing)."""

from __future__ import annotations

import pytest

from apps.accounts.roles import Role
from apps.payouts.models import Payout, PayoutBatch, PayoutMethod, Processor

from .conftest import available_minor, make_payout
from .submission_helpers import (
    mark_submitted,
    reference_data,  # noqa: F401 (the fixture)
    reload,
    sandbox_batch,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def paxum_batch(payable_creator):
    creators = [payable_creator("100.00", processor="paxum") for _ in range(2)]
    batch = PayoutBatch.objects.create(
        processor=Processor.objects.get(code="paxum"), currency_id="USD", source="manual"
    )
    payouts = [make_payout(c, 4000, fee_minor=140, batch=batch) for c in creators]
    PayoutBatch.objects.filter(pk=batch.pk).update(
        status=PayoutBatch.Status.APPROVED, payout_count=2, total_minor=8000
    )
    batch.refresh_from_db()
    return batch, payouts


def test_batch_page_shows_the_submit_button_to_finance_only(
    paxum_batch, client_for, finance_user, compliance_user
):
    batch, _ = paxum_batch
    page = client_for(finance_user).get(f"/payouts/batches/{batch.pk}/")
    assert page.status_code == 200
    assert b'data-testid="submit-form"' in page.content
    other = client_for(compliance_user).get(f"/payouts/batches/{batch.pk}/")
    assert other.status_code == 200
    assert b'data-testid="submit-form"' not in other.content


@pytest.mark.parametrize("role", [Role.COMPLIANCE, Role.SUPPORT, Role.CREATOR])
def test_wrong_roles_cannot_submit_or_mark(paxum_batch, users_by_role, client_for, role):
    batch, [payout, _] = paxum_batch
    client = client_for(users_by_role[role])
    assert client.post(f"/payouts/batches/{batch.pk}/submit/").status_code == 403
    mark_submitted(batch)
    assert client.get(f"/payouts/batches/{batch.pk}/settle/").status_code == 403
    assert (
        client.post(f"/payouts/payouts/{payout.pk}/mark-paid/", {"reference": "x"}).status_code
        == 403
    )
    assert (
        client.post(
            f"/payouts/payouts/{payout.pk}/mark-failed/", {"code": "account_closed"}
        ).status_code
        == 403
    )
    assert reload(payout).state == Payout.State.PENDING


def test_anonymous_is_sent_to_login(paxum_batch, client):
    batch, [payout, _] = paxum_batch
    for url in (
        f"/payouts/batches/{batch.pk}/submit/",
        f"/payouts/payouts/{payout.pk}/mark-paid/",
    ):
        response = client.post(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.APPROVED


def test_finance_submits_and_marks_a_file_batch(paxum_batch, client_for, finance_user):
    batch, [first, second] = paxum_batch
    client = client_for(finance_user)
    response = client.post(f"/payouts/batches/{batch.pk}/submit/", follow=True)
    assert b"submitted" in response.content
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.SUBMITTED
    detail = client.get(f"/payouts/batches/{batch.pk}/")
    assert b"Mark payouts paid or failed" in detail.content

    settle = client.get(f"/payouts/batches/{batch.pk}/settle/")
    assert settle.status_code == 200
    assert settle.content.count(b'data-testid="open-payout"') == 2
    fragment = client.get(f"/payouts/batches/{batch.pk}/settle/", HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content and b"open-payout" in fragment.content

    client.post(f"/payouts/payouts/{first.pk}/mark-paid/", {"reference": "PX-1"})
    assert reload(first).state == Payout.State.PAID
    assert reload(first).processor_reference == "PX-1"

    bad = client.post(f"/payouts/payouts/{second.pk}/mark-failed/", {"code": "nonsense"})
    assert bad.status_code == 302
    assert reload(second).state == Payout.State.SUBMITTED
    client.post(
        f"/payouts/payouts/{second.pk}/mark-failed/",
        {"code": "account_closed", "reason": "R02"},
    )
    second = reload(second)
    assert second.state == Payout.State.FAILED
    assert available_minor(second.creator) == 10000
    method = PayoutMethod.objects.get(pk=second.method_id)
    assert method.status == PayoutMethod.Status.NEEDS_ATTENTION
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.SETTLED


def test_submitting_twice_is_refused_with_a_message(paxum_batch, client_for, finance_user):
    batch, _ = paxum_batch
    client = client_for(finance_user)
    client.post(f"/payouts/batches/{batch.pk}/submit/")
    again = client.post(f"/payouts/batches/{batch.pk}/submit/", follow=True)
    assert b"only an approved batch can be submitted" in again.content


def test_api_processor_payouts_cannot_be_marked_by_hand(
    creator_factory, client_for, finance_user, settings
):
    settings.SANDBOX_AUTO_SETTLE = False
    batch, [payout] = sandbox_batch(creator_factory, ["demo-0000"])
    client = client_for(finance_user)
    client.post(f"/payouts/batches/{batch.pk}/submit/")
    payout = reload(payout)
    assert payout.state == Payout.State.SUBMITTED
    response = client.post(
        f"/payouts/payouts/{payout.pk}/mark-failed/", {"code": "account_closed"}, follow=True
    )
    assert b"the processor settles it" in response.content
    assert reload(payout).state == Payout.State.SUBMITTED
    # Resume is offered instead, and audited.
    detail = client.get(f"/payouts/batches/{batch.pk}/")
    assert b"Send due payouts now" in detail.content
    client.post(f"/payouts/batches/{batch.pk}/resume/")
    from apps.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="payouts.batch_resumed", actor=finance_user).exists()
