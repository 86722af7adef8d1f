"""Every event type: its effect (money through the ledger services, or the record it makes),
and each way it is refused (failed with a code, nothing written) or made to wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent, SecurityEvent
from apps.creators.models import Creator, PayoutHold
from apps.integrations.models import EarningsReport, PlatformUser, WebhookEvent
from apps.integrations.services.handlers import ledger_key
from apps.integrations.services.processing import webhook_event_process_now
from apps.ledger.accounts import creator_account, network_account, platform_account
from apps.ledger.models import AccountKind, EntryKind, JournalEntry
from apps.ledger.selectors import account_balance, trial_balance
from apps.payouts.models import MassPayoutRequest
from apps.platforms.models import Platform

from .h2_support import external_id, payload_for, store_event

pytestmark = pytest.mark.django_db

State = WebhookEvent.State


def process(payload, **kwargs) -> WebhookEvent:
    event = store_event(payload, **kwargs)
    return webhook_event_process_now(event.pk)


def later(event: WebhookEvent) -> WebhookEvent:
    """Run a waiting event again once its retry time has come."""
    return webhook_event_process_now(event.pk, now=event.next_attempt_at + timedelta(seconds=1))


def balance(creator, kind, slug="boyfanz", currency="USD") -> int:
    """What people read: positive = owed to the creator."""
    platform = Platform.objects.get(slug=slug)
    return -account_balance(creator_account(creator, platform, kind, currency))


@pytest.fixture
def creator(creator_factory):
    return creator_factory(platforms=("boyfanz", "girlfanz"))


def earn(creator, amount="19.99", event_type="tip_sent", **data):
    return process(
        payload_for(
            event_type,
            creatorId=external_id(creator),
            amount=amount,
            currency=data.pop("currency", "USD"),
            **data,
        )
    )


# --- earnings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_type", "kind"),
    [
        ("subscription_created", EntryKind.SUBSCRIPTION),
        ("subscription_renewed", EntryKind.RENEWAL),
        ("tip_sent", EntryKind.TIP),
        ("content_purchased", EntryKind.PURCHASE),
    ],
)
def test_earning_goes_to_pending(creator, event_type, kind):
    event = earn(creator, "19.99", event_type, transactionId=f"tx-{event_type}")
    assert event.state == State.PROCESSED, event.error_detail
    entry = event.ledger_entry
    assert entry.kind == kind and entry.creator == creator
    assert entry.idempotency_key == ledger_key("boyfanz", event.event_id)
    assert entry.source_id == f"tx-{event_type}"
    assert event.result["gross_minor"] == 1999 and event.result["entry_created"] is True
    assert event.attempts == 1 and event.processed_at is not None and event.error_code == ""
    assert balance(creator, AccountKind.PENDING) == 1999
    assert trial_balance().balanced


def test_earning_takes_the_platform_fee(creator):
    Platform.objects.filter(slug="boyfanz").update(fee_percent=Decimal("10"))
    earn(creator, "10.05")
    boyfanz = Platform.objects.get(slug="boyfanz")
    assert balance(creator, AccountKind.PENDING) == 905  # fee 100.5 rounded down to 100
    fee_revenue = platform_account(boyfanz, AccountKind.FEE_REVENUE, "USD")
    assert -account_balance(fee_revenue) == 100
    assert account_balance(network_account(AccountKind.PROCESSOR_CLEARING, "USD")) == 1005


def test_earning_in_another_currency_on_another_platform(creator):
    event = process(
        payload_for(
            "content_purchased",
            platform="girlfanz",
            creatorId=external_id(creator, "girlfanz"),
            amount="1500",
            currency="JPY",
        )
    )
    assert event.state == State.PROCESSED
    assert balance(creator, AccountKind.PENDING, "girlfanz", "JPY") == 1500


def test_earning_for_an_unknown_creator_waits_then_lands_once_synced(creator_factory):
    event = process(payload_for("tip_sent", creatorId="not-yet-synced", transactionId="tx-w"))
    assert event.state == State.RECEIVED
    assert event.error_code == "unknown_creator" and event.attempts == 1
    assert event.next_attempt_at > timezone.now()
    assert not JournalEntry.objects.exists()
    # Before its time it is not run again.
    assert webhook_event_process_now(event.pk).attempts == 1
    newcomer = creator_factory(platforms=())
    from apps.creators.services import platform_account_link

    platform_account_link(
        creator=newcomer,
        platform=Platform.objects.get(slug="boyfanz"),
        external_id="not-yet-synced",
    )
    event = later(event)
    assert event.state == State.PROCESSED and event.attempts == 2 and event.error_code == ""
    assert balance(newcomer, AccountKind.PENDING) == 1999


def test_earning_for_an_unknown_creator_fails_after_the_last_attempt(settings):
    settings.INTEGRATIONS_MAX_ATTEMPTS = 3
    event = process(payload_for("tip_sent", creatorId="ghost"))
    event = later(event)
    assert event.state == State.RECEIVED and event.attempts == 2
    event = later(event)
    assert event.state == State.FAILED and event.error_code == "unknown_creator"
    assert "gave up after 3 attempts" in event.error_detail


def test_the_same_transaction_from_another_event_moves_no_money(creator):
    first = earn(creator, transactionId="tx-dup")
    second = earn(creator, transactionId="tx-dup")
    assert first.state == State.PROCESSED
    assert second.state == State.FAILED and second.error_code == "duplicate_transaction"
    assert JournalEntry.objects.count() == 1
    assert balance(creator, AccountKind.PENDING) == 1999


# --- refunds and chargebacks ---------------------------------------------------------------


def refund(creator, event_type="refund_issued", **data):
    data.setdefault("creatorId", external_id(creator))
    return process(payload_for(event_type, **data))


def test_full_refund_from_pending(creator):
    earn(creator, "19.99", transactionId="tx-r1")
    event = refund(creator, transactionId="tx-r1", amount=None, currency=None)
    assert event.state == State.PROCESSED, event.error_detail
    assert event.ledger_entry.kind == EntryKind.REFUND
    assert event.result["refunded_minor"] == 1999
    assert balance(creator, AccountKind.PENDING) == 0
    assert account_balance(network_account(AccountKind.PROCESSOR_CLEARING, "USD")) == 0


def test_partial_refunds_up_to_the_original(creator):
    earn(creator, "19.99", transactionId="tx-r2")
    assert refund(creator, transactionId="tx-r2", amount="5.00").state == State.PROCESSED
    assert balance(creator, AccountKind.PENDING) == 1499
    too_much = refund(creator, transactionId="tx-r2", amount="15.00")
    assert too_much.state == State.FAILED and too_much.error_code == "refund_exceeds_original"
    # People read the refusal: amounts in units with the currency, never minor units.
    assert too_much.error_detail == "Refunds would total 20.00 USD of an original 19.99 USD."
    assert too_much.ledger_entry is None
    rest = refund(creator, transactionId="tx-r2", amount=None, currency=None)
    assert rest.state == State.PROCESSED and rest.result["refunded_minor"] == 1499
    assert balance(creator, AccountKind.PENDING) == 0


def test_refund_after_release_comes_from_available(creator):
    from apps.ledger.services import pending_release_due

    earn(creator, "10.00", transactionId="tx-r3")
    pending_release_due(now=timezone.now() + timedelta(days=30))
    assert balance(creator, AccountKind.AVAILABLE) == 1000
    assert refund(creator, transactionId="tx-r3", amount="4.00").state == State.PROCESSED
    assert balance(creator, AccountKind.AVAILABLE) == 600


def test_chargeback_with_fee(creator):
    earn(creator, "19.99", transactionId="tx-c1")
    event = refund(creator, "chargeback_received", transactionId="tx-c1", chargebackFee="15.00")
    assert event.state == State.PROCESSED, event.error_detail
    assert event.ledger_entry.kind == EntryKind.CHARGEBACK
    assert event.result["chargeback_fee_minor"] == 1500
    losses = network_account(AccountKind.CHARGEBACK_LOSSES, "USD")
    assert account_balance(losses) == 1500
    assert balance(creator, AccountKind.PENDING) == 0
    assert trial_balance().balanced


def test_refund_in_another_currency_than_the_original_fails(creator):
    earn(creator, "19.99", transactionId="tx-cur")
    event = refund(creator, transactionId="tx-cur", amount="5.00", currency="EUR")
    assert event.state == State.FAILED and event.error_code == "currency_mismatch"
    assert JournalEntry.objects.count() == 1


def test_refund_before_its_purchase_waits_and_lands_after_it(creator):
    """Out of order: the refund arrives first, waits, and is applied once the purchase is in."""
    early = refund(creator, transactionId="tx-ooo", amount="5.00")
    assert early.state == State.RECEIVED and early.error_code == "original_not_found"
    assert early.attempts == 1 and early.next_attempt_at is not None
    assert not JournalEntry.objects.exists()
    earn(creator, "19.99", transactionId="tx-ooo")
    early = later(early)
    assert early.state == State.PROCESSED and early.result["refunded_minor"] == 500
    assert balance(creator, AccountKind.PENDING) == 1499


def test_refund_whose_purchase_never_comes_is_flagged(settings, creator):
    settings.INTEGRATIONS_MAX_ATTEMPTS = 2
    event = refund(creator, transactionId="tx-never")
    event = later(event)
    assert event.state == State.FAILED and event.error_code == "original_not_found"


def test_waiting_ends_with_the_window_too(settings, creator):
    settings.INTEGRATIONS_WAIT_WINDOW_SECONDS = 60
    event = refund(creator, transactionId="tx-late")
    event = webhook_event_process_now(event.pk, now=timezone.now() + timedelta(minutes=5))
    assert event.state == State.FAILED and event.error_code == "original_not_found"


# --- no money ------------------------------------------------------------------------------


def test_subscription_cancelled_is_recorded_without_money(creator):
    event = process(payload_for("subscription_cancelled", creatorId=external_id(creator)))
    assert event.state == State.IGNORED
    assert event.result["reason"] == "no_money_effect"
    assert not JournalEntry.objects.exists()


def test_creator_earnings_updated_is_compared_with_the_ledger(creator):
    earn(creator, "20.00")
    matching = process(
        payload_for(
            "creator_earnings_updated",
            creatorId=external_id(creator),
            earnings={"pendingPayout": "20.00"},
        )
    )
    assert matching.state == State.PROCESSED, matching.error_detail
    report = EarningsReport.objects.get(pk=matching.result["earnings_report_id"])
    assert report.webhook_event == matching and report.creator == creator
    differing = process(
        payload_for(
            "creator_earnings_updated",
            creatorId=external_id(creator),
            earnings={"total": "5000.00"},
        )
    )
    assert differing.state == State.PROCESSED
    assert EarningsReport.objects.get(pk=differing.result["earnings_report_id"]).status == (
        EarningsReport.Status.MISMATCH
    )
    # The platform reads its event's result back: no ledger figures, no difference, and
    # nothing about figures that hold other platforms' money.
    assert differing.result == {
        "earnings_report_id": differing.result["earnings_report_id"],
        "status": "recorded",
        "mismatches": [],
        "withheld": ["total"],
    }
    assert not JournalEntry.objects.exclude(kind=EntryKind.TIP).exists()


def test_an_earnings_report_made_before_midnight_is_compared_with_that_month(creator, time_machine):
    """The platform's thisMonth is for the month in which it made the event: one made in the
    last second of April and processed after midnight (a queue, a retry) is compared with
    April's earnings, not with the May that has just begun (nor with May's first earnings)."""
    time_machine.move_to(datetime(2027, 4, 30, 23, 59, 58, tzinfo=UTC), tick=False)
    earn(creator, "20.00")
    payload = payload_for(
        "creator_earnings_updated",
        creatorId=external_id(creator),
        earnings={"total": "20.00", "thisMonth": "20.00"},
    )
    event = store_event(payload)
    time_machine.move_to(datetime(2027, 5, 1, 0, 0, 5, tzinfo=UTC), tick=False)
    earn(creator, "3.00")  # May's first earning arrives before the report is processed
    processed = webhook_event_process_now(event.pk)
    assert processed.state == State.PROCESSED, processed.error_detail
    report = EarningsReport.objects.get(pk=processed.result["earnings_report_id"])
    assert report.ledger["thisMonth"] == 2000
    assert report.difference["thisMonth"] == 0
    assert report.difference["total"] == -300  # lifetime: what the ledger holds now


def test_fraud_detected_raises_a_security_event_and_holds_payouts(creator):
    event = process(
        payload_for("fraud_detected", creatorId=external_id(creator)), source_ip="198.51.100.4"
    )
    assert event.state == State.PROCESSED, event.error_detail
    security = SecurityEvent.objects.get(pk=event.result["security_event_id"])
    assert security.kind == SecurityEvent.Kind.FRAUD_DETECTED
    assert security.creator == creator and security.platform.slug == "boyfanz"
    assert security.severity == "critical" and security.detail["risk_score"] == 92
    hold = PayoutHold.objects.get(pk=event.result["payout_hold_id"])
    assert hold.is_open and hold.creator == creator
    assert hold.source == PayoutHold.Source.FRAUD_DETECTED
    assert hold.reference == f"integrations.webhookevent:{event.pk}"
    placed = AuditEvent.objects.get(action="creator.payout_hold_placed")
    assert placed.actor is None and placed.after["hold"] == hold.pk
    assert not JournalEntry.objects.exists()


def test_fraud_for_an_unknown_creator_waits(creator):
    event = process(payload_for("fraud_detected", creatorId="ghost"))
    assert event.state == State.RECEIVED and event.error_code == "unknown_creator"
    assert not SecurityEvent.objects.exists() and not PayoutHold.objects.exists()


# --- central events ------------------------------------------------------------------------


def test_user_created_creator_gets_an_account_events_then_land_on(creator_factory):
    event = process(
        payload_for(
            "user_created", id="bf-9001", email="new.creator@example.test", platform="boyfanz"
        )
    )
    assert event.state == State.PROCESSED, event.error_detail
    new = Creator.objects.get(pk=event.result["creator_id"])
    assert new.platform_accounts.get().external_id == "bf-9001"
    tip = process(payload_for("tip_sent", creatorId="bf-9001"))
    assert tip.state == State.PROCESSED and tip.ledger_entry.creator == new


def test_user_updated_changes_the_synced_user():
    process(payload_for("user_created", id="fan-1", role="fan", email="fan1@example.test"))
    event = process(payload_for("user_updated", id="fan-1", username="renamed"))
    assert event.state == State.PROCESSED
    assert PlatformUser.objects.get(external_id="fan-1").username == "renamed"


def test_user_event_for_an_unknown_platform_fails():
    event = process(payload_for("user_created", platform="nowhere"))
    assert event.state == State.FAILED and event.error_code == "unknown_platform"
    assert not PlatformUser.objects.exists()


def test_user_event_refused_by_the_sync_rules_fails_and_writes_nothing(super_admin):
    event = process(payload_for("user_created", email=super_admin.email, id="x-1"))
    assert event.state == State.FAILED and event.error_code == "email_is_staff"
    assert not PlatformUser.objects.exists()


def test_user_suspended_suspends_the_creator(creator):
    event = process(payload_for("user_suspended", id=external_id(creator), reason="ToS"))
    assert event.state == State.PROCESSED
    creator.refresh_from_db()
    assert creator.status == Creator.Status.SUSPENDED
    audit = AuditEvent.objects.get(action="creator.suspended")
    assert audit.actor is None and audit.after["reason"] == "ToS"


def test_user_suspended_of_a_fan_or_closed_creator_is_ignored(creator):
    assert process(payload_for("user_suspended", id="fan-77")).state == State.IGNORED
    Creator.objects.filter(pk=creator.pk).update(status=Creator.Status.CLOSED)
    event = process(payload_for("user_suspended", id=external_id(creator)))
    assert event.state == State.IGNORED and event.result["reason"] == "creator_closed"


def test_user_suspended_on_an_unknown_platform_fails():
    event = process(payload_for("user_suspended", platform="nowhere"))
    assert event.state == State.FAILED and event.error_code == "unknown_platform"


def test_security_alert_becomes_a_security_event(creator):
    event = process(payload_for("security_alert", creatorId=external_id(creator)))
    assert event.state == State.PROCESSED
    security = SecurityEvent.objects.get(pk=event.result["security_event_id"])
    assert security.kind == SecurityEvent.Kind.SECURITY_ALERT
    assert security.severity == "critical" and security.source_ip == "203.0.113.7"
    assert security.platform.slug == "boyfanz" and security.creator == creator


def test_security_alert_without_platform():
    event = process(payload_for("security_alert", platform=None, sourceIp=None))
    security = SecurityEvent.objects.get(pk=event.result["security_event_id"])
    assert security.platform is None and security.creator is None


def test_platform_config_updated_changes_the_platform_audited():
    event = process(
        payload_for(
            "platform_config_updated", feePercent="2.50", holdDays=14, status=None, outboundUrl=None
        )
    )
    assert event.state == State.PROCESSED, event.error_detail
    assert event.result["changed"] == ["fee_percent", "hold_days"]
    boyfanz = Platform.objects.get(slug="boyfanz")
    assert boyfanz.fee_percent == Decimal("2.50") and boyfanz.hold_days == 14
    audit = AuditEvent.objects.get(action="platform.updated")
    assert audit.actor is None and audit.after["hold_days"] == 14


def test_platform_config_for_an_unknown_platform_fails():
    event = process(payload_for("platform_config_updated", platform="nowhere"))
    assert event.state == State.FAILED and event.error_code == "unknown_platform"


def test_platform_config_nothing_changes():
    event = process(
        payload_for(
            "platform_config_updated", feePercent="0", holdDays=7, status="active", outboundUrl=None
        )
    )
    assert event.state == State.PROCESSED and event.result["changed"] == []
    assert not AuditEvent.objects.filter(action="platform.updated").exists()


def test_mass_payout_initiated_is_recorded_for_the_payouts_module():
    event = process(payload_for("mass_payout_initiated"))
    assert event.state == State.PROCESSED
    request = MassPayoutRequest.objects.get()
    assert (request.source, request.event_id) == (event.source, event.event_id)
    assert request.status == MassPayoutRequest.Status.RECORDED
    assert request.payload["batchId"] == "batch_2026_11_20"
    assert AuditEvent.objects.filter(action="integrations.mass_payout_recorded").count() == 1
