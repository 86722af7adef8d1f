"""Payout method and schedule services: happy paths, every refusal (nothing written), the
audit trail, and what the details look like at rest."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.audit.models import AuditEvent
from apps.core import crypto
from apps.core.exceptions import ApplicationError
from apps.creators.models import Creator
from apps.payouts.models import PayoutMethod, PayoutSchedule, Processor
from apps.payouts.services.methods import (
    MAX_METHODS_PER_CREATOR,
    instant_payout_request,
    payout_method_add,
    payout_method_disable,
    payout_method_set_default,
    payout_method_verify,
    payout_schedule_set,
)

from .conftest import make_payout

pytestmark = pytest.mark.django_db

IBAN = {"account_holder": "Ana Example", "iban": "DE89 3704 0044 0532 0130 00"}
ACH = {
    "account_holder": "Sam Doe",
    "routing_number": "011000015",
    "account_number": "0001234567",
    "account_type": "checking",
}
BTC = {"address": "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"}


@pytest.fixture
def creator(creator_factory):
    return creator_factory(currency="EUR", display_name="Ana")


@pytest.fixture
def other(creator_factory):
    return creator_factory(currency="USD", display_name="Zed")


def proc(code: str) -> Processor:
    return Processor.objects.get(code=code)


def add(creator, code="sepa", currency="EUR", details=IBAN, **kw) -> PayoutMethod:
    return payout_method_add(
        creator=creator,
        processor=proc(code),
        currency=currency,
        details=details,
        actor=kw.pop("actor", creator.user),
        **kw,
    )


def counts():
    return (
        PayoutMethod.objects.count(),
        PayoutSchedule.objects.count(),
        AuditEvent.objects.count(),
    )


# --- add -----------------------------------------------------------------------------------


def test_add_validates_seals_hints_and_audits(creator):
    method = add(creator, label="  My   bank ")
    method.refresh_from_db()
    assert method.status == PayoutMethod.Status.UNVERIFIED
    assert method.is_default is True
    assert method.label == "My bank"
    assert method.details_hint == "IBAN DE89 …3000"
    assert method.key_id == crypto.current_key_id()
    assert "DE89" not in method.details_encrypted and "Ana" not in method.details_encrypted
    assert method.details() == {
        "account_holder": "Ana Example",
        "iban": "DE89370400440532013000",
    }
    event = AuditEvent.objects.get(action="payout_method.added")
    assert event.actor == creator.user
    assert event.after["hint"] == "IBAN DE89 …3000"
    assert "DE89370400440532013000" not in str(event.after)


def test_details_are_encrypted_in_the_database_row(creator):
    method = add(creator)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT details_encrypted FROM payouts_payoutmethod WHERE id = %s", [method.pk]
        )
        (stored,) = cursor.fetchone()
    assert stored.startswith("v1.") and "0532013000" not in stored


def test_first_method_is_default_later_ones_are_not(creator):
    first = add(creator)
    second = add(creator, details={**IBAN, "account_holder": "Ana Two"})
    assert first.is_default and not second.is_default


@pytest.mark.parametrize(
    "code, currency, details, error",
    [
        (
            "sepa",
            "EUR",
            {"account_holder": "Ana", "iban": "DE89370400440532013001"},
            "invalid_payout_details",
        ),
        ("sepa", "USD", IBAN, "currency_not_supported"),
        ("ach", "USD", {**ACH, "routing_number": "011000016"}, "invalid_payout_details"),
        (
            "crypto-btc",
            "USD",
            {"address": "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3"},
            "invalid_payout_details",
        ),
        ("crypto-eth", "USD", BTC, "invalid_payout_details"),
        ("paxum", "USD", {"email": "not-an-email"}, "invalid_payout_details"),
    ],
)
def test_add_refusals_write_nothing(creator, code, currency, details, error):
    before = counts()
    with pytest.raises(ApplicationError) as caught:
        add(creator, code, currency, details)
    assert caught.value.code == error
    if error == "invalid_payout_details":
        assert isinstance(caught.value.detail, dict)
        assert all(isinstance(m, list) for m in caught.value.detail.values())
    assert counts() == before


def test_add_refused_for_someone_else_inactive_processor_closed_creator(creator, other):
    before = counts()
    with pytest.raises(ApplicationError) as caught:
        add(creator, actor=other.user)
    assert caught.value.code == "permission_denied" and caught.value.status_code == 403
    Processor.objects.filter(code="sepa").update(active=False)
    with pytest.raises(ApplicationError, match="processor_inactive"):
        add(creator)
    Processor.objects.filter(code="sepa").update(active=True)
    Creator.objects.filter(pk=creator.pk).update(status=Creator.Status.CLOSED)
    creator.refresh_from_db()
    with pytest.raises(ApplicationError, match="creator_closed"):
        add(creator)
    with pytest.raises(ApplicationError, match="invalid_label"):
        Creator.objects.filter(pk=creator.pk).update(status=Creator.Status.ACTIVE)
        creator.refresh_from_db()
        add(creator, label="x" * 101)
    assert counts() == before


def test_add_refused_past_the_limit(creator):
    for i in range(MAX_METHODS_PER_CREATOR):
        add(creator, details={**IBAN, "account_holder": f"H{i}"})
    before = counts()
    with pytest.raises(ApplicationError, match="too_many_methods"):
        add(creator)
    assert counts() == before


def test_each_method_type_can_be_added(creator_factory):
    usd = creator_factory(currency="USD")
    cases = [
        ("ach", "USD", ACH, "Checking …4567 (routing 011000015)"),
        ("crypto-btc", "USD", BTC, "BTC 1BvBMS…NVN2"),
        (
            "crypto-eth",
            "USD",
            {"address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"},
            "ETH 0x5aAe…eAed",
        ),
        ("paxum", "USD", {"email": "sam@example.com"}, "Paxum sa…@example.com"),
        (
            "wise",
            "USD",
            {"email": "sam@example.com", "account_holder": "Sam"},
            "Wise sa…@example.com",
        ),
        (
            "check",
            "USD",
            {
                "payee_name": "Sam",
                "address_line1": "1 Main",
                "city": "Austin",
                "region": "TX",
                "postal_code": "73301",
                "country": "US",
            },
            "Check to Austin, US",
        ),
        (
            "wire",
            "USD",
            {
                "account_holder": "Sam",
                "bank_name": "Chase",
                "bic": "CHASUS33",
                "bank_country": "US",
                "account_number": "123456789",
            },
            "Wire CHASUS33 …6789",
        ),
        ("sandbox", "USD", {"account": "demo"}, "Sandbox demo"),
    ]
    for code, currency, details, hint in cases:
        method = add(usd, code, currency, details)
        assert method.details_hint == hint, code


# --- verify ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role_user", ["finance_user", "compliance_user", "super_admin"])
def test_verify_by_allowed_staff(request, creator, role_user):
    staff = request.getfixturevalue(role_user)
    method = add(creator)
    verified = payout_method_verify(method=method, actor=staff)
    assert verified.status == PayoutMethod.Status.VERIFIED
    assert verified.verified_by == staff and verified.verified_at
    event = AuditEvent.objects.get(action="payout_method.verified")
    assert event.before["status"] == "unverified" and event.after["status"] == "verified"


def test_verify_refusals_write_nothing(creator, support_user, finance_user):
    method = add(creator)
    before = counts()
    for actor in (support_user, creator.user, None):
        with pytest.raises(ApplicationError) as caught:
            payout_method_verify(method=method, actor=actor)
        assert caught.value.status_code == 403
    assert counts() == before
    payout_method_verify(method=method, actor=finance_user)
    before = counts()
    with pytest.raises(ApplicationError, match="not_awaiting_verification"):
        payout_method_verify(method=method, actor=finance_user)
    assert counts() == before


def test_verify_clears_attention_after_a_failed_payout(creator, finance_user):
    method = add(creator)
    PayoutMethod.objects.filter(pk=method.pk).update(
        status=PayoutMethod.Status.NEEDS_ATTENTION, attention_reason="The account is closed."
    )
    verified = payout_method_verify(method=method, actor=finance_user)
    assert verified.status == "verified" and verified.attention_reason == ""


def test_verify_own_method_refused(creator_factory, user_factory):
    from apps.accounts.roles import Role

    staff = user_factory(Role.FINANCE)
    own = creator_factory(currency="EUR", user=staff)
    method = add(own, actor=staff)
    with pytest.raises(ApplicationError, match="own_method"):
        payout_method_verify(method=method, actor=staff)


# --- default and disable ---------------------------------------------------------------------


def test_set_default_moves_the_flag_and_audits(creator):
    first = add(creator)
    second = add(creator, details={**IBAN, "account_holder": "Ana Two"})
    payout_method_set_default(method=second, actor=creator.user)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_default and not first.is_default
    event = AuditEvent.objects.get(action="payout_method.default_set")
    assert event.before == {"default_method": first.pk}
    assert event.after == {"default_method": second.pk}
    before = counts()
    payout_method_set_default(method=second, actor=creator.user)  # already: nothing happens
    assert counts() == before


def test_set_default_refusals(creator, other):
    first = add(creator)
    second = add(creator, details={**IBAN, "account_holder": "Ana Two"})
    before = counts()
    with pytest.raises(ApplicationError, match="permission_denied"):
        payout_method_set_default(method=second, actor=other.user)
    assert counts() == before
    payout_method_disable(method=second, actor=creator.user)
    before = counts()
    with pytest.raises(ApplicationError, match="method_disabled"):
        payout_method_set_default(method=second, actor=creator.user)
    assert counts() == before
    first.refresh_from_db()
    assert first.is_default


def test_disable_default_promotes_the_newest_verified(creator, finance_user):
    first = add(creator)
    verified = add(creator, details={**IBAN, "account_holder": "Verified"})
    add(creator, details={**IBAN, "account_holder": "Newest, unverified"})
    payout_method_verify(method=verified, actor=finance_user)
    payout_method_disable(method=first, actor=creator.user)
    first.refresh_from_db()
    verified.refresh_from_db()
    assert first.status == "disabled" and not first.is_default
    assert verified.is_default
    event = AuditEvent.objects.get(action="payout_method.disabled")
    assert event.after["new_default_method"] == verified.pk


def test_disable_refusals_write_nothing(payable_creator, other):
    creator = payable_creator("100.00")
    method = creator.payout_methods.get(is_default=True)
    make_payout(creator, 5000)  # pending: on its way
    before = counts()
    with pytest.raises(ApplicationError, match="method_in_use"):
        payout_method_disable(method=method, actor=creator.user)
    with pytest.raises(ApplicationError, match="permission_denied"):
        payout_method_disable(method=method, actor=other.user)
    assert counts() == before
    method.refresh_from_db()
    assert method.status == "verified"


def test_disable_twice_refused(creator):
    method = add(creator)
    payout_method_disable(method=method, actor=creator.user)
    before = counts()
    with pytest.raises(ApplicationError, match="already_disabled"):
        payout_method_disable(method=method, actor=creator.user)
    assert counts() == before


# --- schedule --------------------------------------------------------------------------------


def test_schedule_set_creates_then_updates_with_audit(creator):
    schedule = payout_schedule_set(
        creator=creator,
        kind="monthly",
        day_of_month=15,
        minimum_minor=2500,
        currency="EUR",
        actor=creator.user,
    )
    assert (schedule.kind, schedule.day_of_month, schedule.minimum_minor) == ("monthly", 15, 2500)
    schedule = payout_schedule_set(
        creator=creator,
        kind="threshold",
        threshold_minor=10000,
        minimum_minor=2500,
        currency="eur",
        actor=creator.user,
    )
    assert PayoutSchedule.objects.count() == 1
    assert (schedule.kind, schedule.threshold_minor, schedule.currency_id) == (
        "threshold",
        10000,
        "EUR",
    )
    events = AuditEvent.objects.filter(action="payout_schedule.set").order_by("id")
    assert events[0].before is None and events[0].after["kind"] == "monthly"
    assert events[1].before["kind"] == "monthly" and events[1].after["threshold_minor"] == 10000


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"kind": "daily"}, "kind"),
        ({"kind": "weekly", "weekday": 7}, "weekday"),
        ({"kind": "weekly"}, "weekday"),
        ({"kind": "monthly", "day_of_month": 29}, "day_of_month"),
        ({"kind": "monthly", "day_of_month": 0}, "day_of_month"),
        ({"kind": "threshold"}, "threshold"),
        ({"kind": "threshold", "threshold_minor": 100}, "threshold"),  # below the minimum
        ({"kind": "manual", "minimum_minor": -1}, "minimum"),
    ],
)
def test_schedule_refusals_write_nothing(creator, fields, field):
    before = counts()
    values = {"minimum_minor": 2500, **fields}
    with pytest.raises(ApplicationError) as caught:
        payout_schedule_set(creator=creator, currency="EUR", actor=creator.user, **values)
    assert caught.value.code == "invalid_schedule"
    assert field in caught.value.detail
    assert counts() == before


def test_schedule_refused_for_others_and_unknown_currency(creator, other):
    before = counts()
    with pytest.raises(ApplicationError, match="permission_denied"):
        payout_schedule_set(
            creator=creator, kind="manual", minimum_minor=0, currency="EUR", actor=other.user
        )
    with pytest.raises(ApplicationError):
        payout_schedule_set(
            creator=creator, kind="manual", minimum_minor=0, currency="XXX", actor=creator.user
        )
    assert counts() == before


# --- instant payouts -------------------------------------------------------------------------


def test_instant_refused_for_processors_without_it(creator, finance_user):
    method = add(creator)  # SEPA
    payout_method_verify(method=method, actor=finance_user)
    before = counts()
    with pytest.raises(ApplicationError) as caught:
        instant_payout_request(creator=creator, method=method, actor=creator.user)
    assert caught.value.code == "instant_not_allowed"
    assert "does not offer instant payouts" in caught.value.detail
    assert counts() == before


def test_instant_refused_for_unverified_and_other_creators_methods(other, creator):
    method = add(other, "paxum", "USD", {"email": "zed@example.com"})
    before = counts()
    with pytest.raises(ApplicationError, match="verified methods only"):
        instant_payout_request(creator=other, method=method, actor=other.user)
    with pytest.raises(ApplicationError) as caught:
        instant_payout_request(creator=creator, method=method, actor=creator.user)
    assert caught.value.status_code == 404
    with pytest.raises(ApplicationError, match="permission_denied"):
        instant_payout_request(creator=other, method=method, actor=creator.user)
    assert counts() == before


def test_instant_request_builds_a_one_payout_batch(payable_creator):
    from apps.payouts.models import PayoutBatch

    creator = payable_creator("100.00", processor="paxum")
    method = creator.payout_methods.get(is_default=True)
    batch = instant_payout_request(creator=creator, method=method, actor=creator.user)
    assert batch.source == PayoutBatch.Source.INSTANT
    payout = batch.payouts.get()
    assert payout.creator == creator and payout.method == method
    assert payout.amount_minor == 10000 and batch.total_minor == 10000
    event = AuditEvent.objects.get(action="payout.instant_requested")
    assert event.after["batch"] == batch.pk and event.actor == creator.user

    # A second request while that payout is on its way is refused in the creator's words.
    before = (counts(), PayoutBatch.objects.count())
    with pytest.raises(ApplicationError) as caught:
        instant_payout_request(creator=creator, method=method, actor=creator.user)
    assert caught.value.code == "not_eligible" and caught.value.status_code == 409
    assert "already on its way" in caught.value.detail
    assert (counts(), PayoutBatch.objects.count()) == before


def test_instant_request_to_a_non_default_crypto_method(payable_creator, finance_user):
    creator = payable_creator("100.00")  # default: sandbox
    wallet = payout_method_add(
        creator=creator,
        processor=proc("crypto-btc"),
        currency="USD",
        details=BTC,
        actor=creator.user,
    )
    wallet = payout_method_verify(method=wallet, actor=finance_user)
    batch = instant_payout_request(creator=creator, method=wallet, actor=creator.user)
    assert batch.processor.code == "crypto-btc"
    assert batch.payouts.get().method == wallet


def test_instant_request_with_nothing_available_is_refused(payable_creator):
    from apps.payouts.models import PayoutBatch

    creator = payable_creator(amount=None, processor="paxum")
    method = creator.payout_methods.get(is_default=True)
    before = (counts(), PayoutBatch.objects.count())
    with pytest.raises(ApplicationError) as caught:
        instant_payout_request(creator=creator, method=method, actor=creator.user)
    assert caught.value.code == "not_eligible"
    assert "Nothing is available" in caught.value.detail
    assert (counts(), PayoutBatch.objects.count()) == before
