"""Batches: build (grouping, reservation, idempotency, caps), four-eyes approval,
auto-approval, cancellation, mass payout requests."""

from __future__ import annotations

import itertools

import pytest

from apps.accounts.roles import Role
from apps.audit.models import AuditEvent
from apps.core.exceptions import ApplicationError
from apps.ledger.models import JournalEntry
from apps.ledger.selectors import trial_balance
from apps.payouts.models import Payout, PayoutBatch
from apps.payouts.services.batches import (
    mass_payout_request_handle,
    mass_payout_request_record,
    payout_batch_approve,
    payout_batch_cancel,
    payout_batches_build,
)

from .conftest import available_minor, in_payout_minor, make_method

pytestmark = pytest.mark.django_db


def test_build_groups_by_processor_and_currency(payable_creator, finance_user):
    a = payable_creator("100.00")
    b = payable_creator("30.00")
    c = payable_creator("80.00", currency="EUR")
    d = payable_creator("200.00")
    make_method(d, "paxum")
    batches = payout_batches_build(actor=finance_user, source="manual")

    keys = sorted((x.processor.code, x.currency_id, x.payout_count) for x in batches)
    assert keys == [("paxum", "USD", 1), ("sandbox", "EUR", 1), ("sandbox", "USD", 2)]
    usd = next(x for x in batches if x.processor.code == "sandbox" and x.currency_id == "USD")
    assert usd.status == PayoutBatch.Status.DRAFT
    assert usd.built_by == finance_user
    assert usd.source == "manual"
    assert usd.total_minor == 13000
    # sandbox USD fee: 0.25 + 1% rounded down
    assert usd.fee_total_minor == (25 + 100) + (25 + 30)
    payouts = {p.creator_id: p for p in usd.payouts.all()}
    assert set(payouts) == {a.pk, b.pk}
    assert payouts[a.pk].amount_minor == 10000 and payouts[a.pk].fee_minor == 125
    assert payouts[a.pk].reserve_entry is not None
    assert payouts[a.pk].state == Payout.State.PENDING
    assert available_minor(a) == 0 and in_payout_minor(a) == 10000
    assert available_minor(c, "EUR") == 0
    assert trial_balance().balanced
    assert AuditEvent.objects.filter(action="payouts.batch_built").count() == 3


def test_build_is_idempotent(payable_creator):
    payable_creator("100.00")
    first = payout_batches_build(source="manual")
    entries = JournalEntry.objects.count()
    assert payout_batches_build(source="manual") == []
    assert Payout.objects.count() == 1
    assert JournalEntry.objects.count() == entries
    assert len(first) == 1


def test_build_again_after_settlement_pays_only_new_money(payable_creator):
    from .conftest import fund

    creator = payable_creator("100.00")
    [batch] = payout_batches_build(source="manual")
    Payout.objects.filter(batch=batch).update(state=Payout.State.PAID)
    PayoutBatch.objects.filter(pk=batch.pk).update(status=PayoutBatch.Status.SETTLED)
    assert payout_batches_build(source="manual") == []  # nothing available
    fund(creator, "20.00")
    [again] = payout_batches_build(source="manual")
    assert again.total_minor == 2000


def test_build_filters_by_processor_and_currency(payable_creator):
    payable_creator("100.00")
    payable_creator("100.00", currency="EUR")
    [eur] = payout_batches_build(currency="eur", source="manual")
    assert eur.currency_id == "EUR"
    assert payout_batches_build(processor="paxum", source="manual") == []
    [usd] = payout_batches_build(processor="sandbox", source="manual")
    assert usd.currency_id == "USD"


def test_unknown_processor_and_source_are_refused(payable_creator):
    with pytest.raises(ApplicationError) as caught:
        payout_batches_build(processor="nope")
    assert caught.value.code == "unknown_processor"
    with pytest.raises(ApplicationError) as caught:
        payout_batches_build(source="whatever")
    assert caught.value.code == "invalid_source"


def test_scheduled_build_respects_schedules(payable_creator):
    from .conftest import make_schedule

    due = payable_creator("100.00")  # threshold 0: due
    manual = payable_creator("100.00")
    make_schedule(manual, "manual")
    [batch] = payout_batches_build()  # source schedule
    assert batch.source == "schedule"
    assert list(batch.payouts.values_list("creator_id", flat=True)) == [due.pk]
    [by_hand] = payout_batches_build(source="manual")
    assert list(by_hand.payouts.values_list("creator_id", flat=True)) == [manual.pk]


def test_kyc_cap_leaves_the_rest_available(payable_creator):
    creator = payable_creator("250.00", kyc_level=0)
    [batch] = payout_batches_build(source="manual")
    payout = batch.payouts.get()
    assert payout.amount_minor == 10000
    assert available_minor(creator) == 15000
    assert in_payout_minor(creator) == 10000


def test_items_take_from_each_platform(payable_creator):
    from apps.creators.services import platform_account_link
    from apps.platforms.models import Platform

    from .conftest import fund

    creator = payable_creator("60.00")
    platform_account_link(
        creator=creator, platform=Platform.objects.get(slug="girlfanz"), external_id="g1"
    )
    fund(creator, "40.00", platform="girlfanz")
    [batch] = payout_batches_build(source="manual")
    payout = batch.payouts.get()
    items = sorted(
        (i.available_account.platform.slug, i.amount_minor, i.in_payout_account.kind)
        for i in payout.items.select_related("available_account__platform", "in_payout_account")
    )
    assert items == [("boyfanz", 6000, "in_payout"), ("girlfanz", 4000, "in_payout")]
    assert available_minor(creator, platform="girlfanz") == 0
    assert in_payout_minor(creator, platform="girlfanz") == 4000


def test_crypto_payout_records_destination_amount(payable_creator):
    from decimal import Decimal

    creator = payable_creator("100.00", kyc_level=3)
    make_method(creator, "crypto-usdc")
    [batch] = payout_batches_build(source="manual")
    payout = batch.payouts.get()
    # crypto-usdc USD: 2.00 fixed + 0.5% of 100.00 = 2.50 fee; 97.50 at 1 USDC = 1 USD
    assert payout.fee_minor == 250
    assert payout.destination_asset == "USDC"
    assert payout.destination_amount == Decimal("97.5")
    assert payout.fx_rate == Decimal("1")


def test_build_queries_do_not_grow(payable_creator, django_assert_max_num_queries):
    for _ in range(3):
        payable_creator("100.00")
    with django_assert_max_num_queries(60) as small:
        payout_batches_build(source="manual")
    for _ in range(12):
        payable_creator("100.00")
    with django_assert_max_num_queries(len(small.captured_queries)):
        [batch] = payout_batches_build(source="manual")
    assert batch.payout_count == 12


def test_build_in_several_chunks_adds_to_one_batch(payable_creator):
    for _ in range(5):
        payable_creator("10.00")
    [batch] = payout_batches_build(source="manual", chunk_size=2)
    assert batch.payout_count == 5
    assert batch.total_minor == 5000


# --- approval -----------------------------------------------------------------------------


@pytest.fixture
def draft(payable_creator, finance_user):
    payable_creator("100.00")
    [batch] = payout_batches_build(actor=finance_user, source="manual")
    return batch


def test_builder_cannot_approve(draft, finance_user):
    with pytest.raises(ApplicationError) as caught:
        payout_batch_approve(batch=draft, actor=finance_user)
    assert caught.value.code == "four_eyes"
    assert caught.value.status_code == 403
    draft.refresh_from_db()
    assert draft.status == PayoutBatch.Status.DRAFT
    assert not AuditEvent.objects.filter(action="payouts.batch_approved").exists()


def test_other_finance_user_approves(draft, user_factory):
    second = user_factory(Role.FINANCE, email="second@example.test")
    payout_batch_approve(batch=draft, actor=second)
    draft.refresh_from_db()
    assert draft.status == PayoutBatch.Status.APPROVED
    assert draft.approved_by == second
    assert draft.approved_at is not None
    event = AuditEvent.objects.get(action="payouts.batch_approved")
    assert event.actor == second
    assert event.before["status"] == "draft" and event.after["status"] == "approved"
    with pytest.raises(ApplicationError) as caught:
        payout_batch_approve(batch=draft, actor=user_factory(Role.FINANCE))
    assert caught.value.code == "invalid_batch_state"


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.COMPLIANCE, Role.CREATOR])
def test_non_finance_cannot_approve(draft, user_factory, role):
    with pytest.raises(ApplicationError) as caught:
        payout_batch_approve(batch=draft, actor=user_factory(role))
    assert caught.value.code == "permission_denied"
    draft.refresh_from_db()
    assert draft.status == PayoutBatch.Status.DRAFT


def test_scheduled_batch_any_finance_user_approves(payable_creator, finance_user):
    payable_creator("100.00")
    [batch] = payout_batches_build()
    assert batch.built_by is None
    payout_batch_approve(batch=batch, actor=finance_user)
    assert batch.status == PayoutBatch.Status.APPROVED


def test_auto_approval_under_threshold_is_audited(payable_creator, settings):
    settings.PAYOUT_AUTO_APPROVE_BELOW_MINOR = 10001
    payable_creator("100.00")
    payable_creator("100.00", currency="EUR")  # 100 EUR = 108.70 USD: above
    batches = {b.currency_id: b for b in payout_batches_build(source="manual")}
    assert batches["USD"].status == PayoutBatch.Status.APPROVED
    assert batches["USD"].auto_approved and batches["USD"].approved_by is None
    assert batches["EUR"].status == PayoutBatch.Status.DRAFT
    assert not batches["EUR"].auto_approved
    event = AuditEvent.objects.get(action="payouts.batch_auto_approved")
    assert event.target_id == str(batches["USD"].pk)
    assert event.after["threshold_usd_minor"] == 10001
    assert event.after["total_usd_minor"] == 10000


def test_auto_approval_off_by_default(payable_creator):
    payable_creator("1.00")
    [batch] = payout_batches_build(source="manual")
    assert batch.status == PayoutBatch.Status.DRAFT


# --- cancellation ------------------------------------------------------------------------


def test_cancel_returns_the_money(draft, finance_user):
    payout = draft.payouts.get()
    creator = payout.creator
    assert available_minor(creator) == 0
    payout_batch_cancel(batch=draft, actor=finance_user, reason="wrong run")
    draft.refresh_from_db()
    payout.refresh_from_db()
    assert draft.status == PayoutBatch.Status.CANCELLED
    assert payout.state == Payout.State.CANCELLED
    assert payout.return_entry is not None
    assert available_minor(creator) == 10000
    assert in_payout_minor(creator) == 0
    event = AuditEvent.objects.get(action="payouts.batch_cancelled")
    assert event.after["reason"] == "wrong run"
    assert event.after["returned_minor"] == 10000
    # The creator can be paid again in a new batch.
    [again] = payout_batches_build(source="manual")
    assert again.pk != draft.pk


def test_cancel_approved_batch(draft, user_factory, finance_user):
    payout_batch_approve(batch=draft, actor=user_factory(Role.FINANCE))
    payout_batch_cancel(batch=draft, actor=finance_user, reason="bank holiday")
    assert draft.status == PayoutBatch.Status.CANCELLED


def test_cancel_needs_a_reason_and_an_open_batch(draft, finance_user):
    with pytest.raises(ApplicationError) as caught:
        payout_batch_cancel(batch=draft, actor=finance_user, reason="  ")
    assert caught.value.code == "reason_required"
    PayoutBatch.objects.filter(pk=draft.pk).update(status=PayoutBatch.Status.SUBMITTED)
    entries = JournalEntry.objects.count()
    with pytest.raises(ApplicationError) as caught:
        payout_batch_cancel(batch=draft, actor=finance_user, reason="too late")
    assert caught.value.code == "invalid_batch_state"
    assert JournalEntry.objects.count() == entries


def test_approve_a_cancelled_batch_is_refused(draft, finance_user, user_factory):
    payout_batch_cancel(batch=draft, actor=finance_user, reason="x")
    with pytest.raises(ApplicationError) as caught:
        payout_batch_approve(batch=draft, actor=user_factory(Role.FINANCE))
    assert caught.value.code == "invalid_batch_state"


# --- mass payout requests --------------------------------------------------------------


def _mass_request(payload):
    request, _ = mass_payout_request_record(
        source="fanzdash", event_id=f"evt-mass-{next(_mass_seq)}", payload=payload, summary={}
    )
    return request


_mass_seq = itertools.count(1)


def test_mass_payout_request_builds_batches(payable_creator, finance_user):
    from apps.creators.services import platform_account_link
    from apps.platforms.models import Platform

    from .conftest import fund

    creator = payable_creator("60.00")
    platform_account_link(
        creator=creator, platform=Platform.objects.get(slug="girlfanz"), external_id="g2"
    )
    fund(creator, "40.00", platform="girlfanz")
    payable_creator("100.00", currency="EUR")
    request = _mass_request({"batchId": "b1", "currency": "USD", "platforms": ["girlfanz"]})
    [batch] = mass_payout_request_handle(request, actor=finance_user)
    assert batch.source == "mass_payout" and batch.mass_payout_request == request
    assert batch.total_minor == 4000  # only the girlfanz balance
    request.refresh_from_db()
    assert request.status == "handled" and f"batch #{batch.pk}" in request.note
    assert available_minor(creator) == 6000
    # Handling again builds nothing new.
    assert mass_payout_request_handle(request) == [batch]
    assert Payout.objects.count() == 1


def test_mass_payout_request_with_nobody_payable_is_rejected():
    request = _mass_request({"batchId": "b2", "currency": "USD"})
    assert mass_payout_request_handle(request) == []
    request.refresh_from_db()
    assert request.status == "rejected"
    assert "No creator" in request.note
    assert AuditEvent.objects.filter(action="payouts.mass_payout_rejected").exists()


# --- instant payouts --------------------------------------------------------------------


def test_instant_payout_to_a_non_default_method(payable_creator):
    from apps.payouts.services.batches import payout_batch_build_instant

    from .conftest import make_schedule

    creator = payable_creator("100.00")
    make_schedule(creator, "manual")  # instant ignores the schedule
    paxum = make_method(creator, "paxum", default=False)
    batch = payout_batch_build_instant(creator=creator, method=paxum, actor=creator.user)
    assert batch.source == "instant" and batch.status == PayoutBatch.Status.DRAFT
    assert batch.built_by == creator.user
    payout = batch.payouts.get()
    assert payout.method == paxum and payout.amount_minor == 10000
    # Paxum USD: 1.00 fixed + 1% = 2.00
    assert payout.fee_minor == 200 and batch.fee_total_minor == 200
    assert available_minor(creator) == 0
    # a second request while the first is open is refused, nothing written
    with pytest.raises(ApplicationError) as caught:
        payout_batch_build_instant(creator=creator, method=paxum, actor=creator.user)
    assert caught.value.code == "not_eligible" and caught.value.status_code == 409
    assert "already on its way" in caught.value.detail
    assert PayoutBatch.objects.count() == 1


def test_instant_refused_for_processors_without_it(payable_creator):
    from apps.payouts.services.batches import payout_batch_build_instant

    creator = payable_creator("100.00")
    ach = make_method(creator, "ach", default=False)
    with pytest.raises(ApplicationError) as caught:
        payout_batch_build_instant(creator=creator, method=ach, actor=creator.user)
    assert caught.value.code == "instant_not_allowed"


def test_instant_refused_when_not_eligible(payable_creator):
    from apps.payouts.services.batches import payout_batch_build_instant

    creator = payable_creator("100.00")
    btc = make_method(creator, "crypto-btc", status="unverified", default=False)
    with pytest.raises(ApplicationError) as caught:
        payout_batch_build_instant(creator=creator, method=btc, actor=creator.user)
    assert "must be verified" in caught.value.detail
    assert not PayoutBatch.objects.exists()
    assert available_minor(creator) == 10000


# --- beat tasks ------------------------------------------------------------------------


def test_beat_tasks_are_declared_and_run(payable_creator):
    from apps.core.periodic import declared_periodic_tasks
    from apps.payouts.tasks import build_batches, handle_mass_payout_requests

    tasks = {spec.task: spec for spec in declared_periodic_tasks()}
    assert tasks["payouts.build_batches"].crontab == {"minute": "0", "hour": "6"}
    assert tasks["payouts.handle_mass_payout_requests"].every_seconds == 300
    payable_creator("100.00")
    [batch_id] = build_batches()
    assert PayoutBatch.objects.get(pk=batch_id).source == "schedule"
    assert build_batches() == []  # idempotent
    request = _mass_request({"batchId": "b3", "currency": "EUR"})
    assert handle_mass_payout_requests() == 1
    request.refresh_from_db()
    assert request.status == "rejected"
    assert handle_mass_payout_requests() == 0


def test_cancel_a_batch_in_pages(payable_creator, finance_user, monkeypatch):
    from apps.payouts.services import batches as batches_module

    monkeypatch.setattr(batches_module, "RETURN_PAGE", 2)
    creators = [payable_creator("10.00") for _ in range(5)]
    [batch] = payout_batches_build(source="manual")
    payout_batch_cancel(batch=batch, actor=finance_user, reason="test pages")
    assert set(batch.payouts.values_list("state", flat=True)) == {Payout.State.CANCELLED}
    assert all(available_minor(c) == 1000 for c in creators)
    assert batch.payouts.filter(return_entry__isnull=True).count() == 0
    event = AuditEvent.objects.get(action="payouts.batch_cancelled")
    assert event.after["returned_minor"] == 5000
