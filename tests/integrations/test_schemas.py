"""The event schema: every documented example passes; each kind of bad input is refused with
its field path; amounts come out as exact minor units."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from apps.core.exceptions import ApplicationError
from apps.integrations.event_examples import EVENT_EXAMPLES
from apps.integrations.schemas import (
    CENTRAL_EVENTS,
    EVENT_TYPES,
    PLATFORM_EVENTS,
    EventSchemaError,
    earnings_figures_clean,
    event_allowed_on,
    event_validate,
)

pytestmark = pytest.mark.django_db


def _source(event_type: str) -> str:
    return "fanzdash" if event_type in CENTRAL_EVENTS else "boyfanz"


def _errors(source, payload) -> dict[str, list[str]]:
    with pytest.raises(EventSchemaError) as caught:
        event_validate(source, payload)
    assert isinstance(caught.value, ApplicationError)
    assert caught.value.code == "schema_error" and caught.value.status_code == 422
    assert caught.value.detail == caught.value.errors
    return caught.value.errors


def _tip(**data):
    payload = copy.deepcopy(EVENT_EXAMPLES["tip_sent"])
    for name, value in data.items():
        if value is None:
            payload["data"].pop(name)
        else:
            payload["data"][name] = value
    return payload


def test_every_event_type_has_an_example_and_a_scope():
    assert set(EVENT_EXAMPLES) == set(EVENT_TYPES)
    assert set(EVENT_TYPES) == PLATFORM_EVENTS | CENTRAL_EVENTS
    assert len(PLATFORM_EVENTS) == 9 and len(CENTRAL_EVENTS) == 6


@pytest.mark.parametrize("event_type", sorted(EVENT_EXAMPLES))
def test_every_example_is_valid(event_type):
    cleaned = event_validate(_source(event_type), EVENT_EXAMPLES[event_type])
    assert cleaned["event_type"] == event_type
    assert cleaned["event_id"] == EVENT_EXAMPLES[event_type]["id"]
    assert cleaned["occurred_at"] == datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_earning_is_cleaned_to_minor_units():
    cleaned = event_validate("boyfanz", EVENT_EXAMPLES["tip_sent"])
    assert cleaned["platform"] == "boyfanz" and cleaned["source"] == "boyfanz"
    assert cleaned["transaction_id"] == "tx_123"
    assert cleaned["creator_external_id"] == "creator456"
    assert cleaned["data"]["amount_minor"] == 1999
    assert cleaned["data"]["currency"] == "USD"


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("19.99", "USD", 1999),
        (19.99, "USD", 1999),  # a JSON number, converted exactly
        (0.1, "USD", 10),
        (20, "USD", 2000),
        ("1500", "JPY", 1500),
        ("1.234", "KWD", 1234),
        (Decimal("4.50"), "EUR", 450),
    ],
)
def test_amounts_are_exact(amount, currency, minor):
    cleaned = event_validate("boyfanz", _tip(amount=amount, currency=currency))
    assert cleaned["data"]["amount_minor"] == minor


@pytest.mark.parametrize(
    "amount",
    [
        "0",
        "0.00",
        "-5.00",
        "19.999",
        "NaN",
        "Infinity",
        "1e3",
        " 19.99",
        "1_000",
        "19,99",
        "",
        True,
        None,
        [],
        {},
        float("nan"),
        float("inf"),
        0,
        -1,
        0.001,
    ],
)
def test_bad_amounts_are_refused(amount):
    payload = _tip(amount=amount) if amount is not None else _tip(amount=None)
    errors = _errors("boyfanz", payload)
    assert list(errors) == ["data.amount"]


def test_jpy_refuses_decimals():
    assert "data.amount" in _errors("boyfanz", _tip(amount="10.5", currency="JPY"))


@pytest.mark.parametrize("currency", ["XYZ", "usd", "US", 840, "", "BTC"])
def test_unknown_or_malformed_currency(currency):
    errors = _errors("boyfanz", _tip(currency=currency))
    assert "data.currency" in errors


@pytest.mark.parametrize("field", ["transactionId", "creatorId", "amount", "currency"])
def test_missing_earning_fields(field):
    errors = _errors("boyfanz", _tip(**{field: None}))
    assert f"data.{field}" in errors
    assert any("required" in message for message in errors[f"data.{field}"])


@pytest.mark.parametrize(
    ("field", "value"),
    [("transactionId", 123), ("creatorId", ["a"]), ("userId", 7), ("creatorId", "x" * 101)],
)
def test_wrong_types_and_lengths(field, value):
    assert f"data.{field}" in _errors("boyfanz", _tip(**{field: value}))


def test_envelope_errors_are_all_reported():
    errors = _errors("boyfanz", {"event": "nope", "platform": "girlfanz", "data": []})
    assert set(errors) == {"id", "event", "platform", "created_at", "data"}


def test_not_an_object():
    assert _errors("boyfanz", ["tip_sent"]) == {"": ["Expected a JSON object, got an array."]}


def test_platform_must_match_the_url():
    errors = _errors("girlfanz", EVENT_EXAMPLES["tip_sent"])
    assert list(errors) == ["platform"]


def test_platform_is_required_on_platform_events():
    payload = copy.deepcopy(EVENT_EXAMPLES["tip_sent"])
    del payload["platform"]
    assert list(_errors("boyfanz", payload)) == ["platform"]


def test_central_events_only_at_fanzdash_and_platform_events_never_there():
    assert event_allowed_on("fanzdash", "user_created")
    assert not event_allowed_on("boyfanz", "user_created")
    assert not event_allowed_on("fanzdash", "tip_sent")
    assert not event_allowed_on("boyfanz", "unknown")
    central_at_platform = copy.deepcopy(EVENT_EXAMPLES["user_created"])
    central_at_platform["platform"] = "boyfanz"
    assert "event" in _errors("boyfanz", central_at_platform)
    platform_at_central = copy.deepcopy(EVENT_EXAMPLES["tip_sent"])
    platform_at_central["platform"] = "fanzdash"
    assert "event" in _errors("fanzdash", platform_at_central)


def test_central_event_platform_is_optional_but_must_be_fanzdash():
    payload = copy.deepcopy(EVENT_EXAMPLES["security_alert"])
    del payload["platform"]
    assert event_validate("fanzdash", payload)["platform"] is None
    payload["platform"] = "boyfanz"
    assert list(_errors("fanzdash", payload)) == ["platform"]


@pytest.mark.parametrize(
    "created_at",
    ["2026-11-20T12:00:00", "yesterday", "2026-13-01T00:00:00Z", 1732104000, None],
)
def test_created_at_needs_an_iso_timestamp_with_zone(created_at):
    payload = copy.deepcopy(EVENT_EXAMPLES["tip_sent"])
    payload["created_at"] = created_at
    assert list(_errors("boyfanz", payload)) == ["created_at"]


def test_created_at_in_the_future_is_refused():
    payload = copy.deepcopy(EVENT_EXAMPLES["tip_sent"])
    payload["created_at"] = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert list(_errors("boyfanz", payload)) == ["created_at"]
    payload["created_at"] = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()
    event_validate("boyfanz", payload)  # within the ledger's clock-skew allowance


def test_unknown_extra_fields_are_ignored():
    payload = _tip(newField={"x": 1})
    payload["extra"] = True
    assert event_validate("boyfanz", payload)["data"]["amount_minor"] == 1999


def test_refund_amount_is_optional_and_partial():
    payload = copy.deepcopy(EVENT_EXAMPLES["refund_issued"])
    assert event_validate("boyfanz", payload)["data"]["amount_minor"] == 500
    del payload["data"]["amount"]
    del payload["data"]["currency"]
    data = event_validate("boyfanz", payload)["data"]
    assert data["amount_minor"] is None and data["currency"] is None


def test_refund_amount_needs_a_currency_and_refunds_carry_no_chargeback_fee():
    payload = copy.deepcopy(EVENT_EXAMPLES["refund_issued"])
    del payload["data"]["currency"]
    assert "data.currency" in _errors("boyfanz", payload)
    payload = copy.deepcopy(EVENT_EXAMPLES["refund_issued"])
    payload["data"]["chargebackFee"] = "15.00"
    assert "data.chargebackFee" in _errors("boyfanz", payload)


def test_chargeback_fee():
    payload = copy.deepcopy(EVENT_EXAMPLES["chargeback_received"])
    assert event_validate("boyfanz", payload)["data"]["chargeback_fee_minor"] == 1500
    payload["data"]["chargebackFee"] = "-1"
    assert "data.chargebackFee" in _errors("boyfanz", payload)
    payload["data"]["chargebackFee"] = "0"
    assert event_validate("boyfanz", payload)["data"]["chargeback_fee_minor"] == 0


def test_earnings_figures():
    figures = earnings_figures_clean(
        {"total": 5000.00, "thisMonth": "0", "platforms": {"boyfanz": "20.00"}}, 2
    )
    assert figures == {"total": 500000, "thisMonth": 0, "platforms": {"boyfanz": 2000}}
    with pytest.raises(EventSchemaError) as caught:
        earnings_figures_clean({"total": "-1", "platforms": {"Bad Slug": 1}}, 2)
    assert set(caught.value.errors) == {"earnings.total", "earnings.platforms"}
    with pytest.raises(EventSchemaError):
        earnings_figures_clean({}, 2)
    payload = copy.deepcopy(EVENT_EXAMPLES["creator_earnings_updated"])
    del payload["data"]["currency"]
    assert "data.currency" in _errors("boyfanz", payload)


def test_fraud_needs_creator_and_reason_and_maps_severity():
    payload = copy.deepcopy(EVENT_EXAMPLES["fraud_detected"])
    assert event_validate("boyfanz", payload)["data"]["severity"] == "critical"  # "high"
    payload["data"]["severity"] = "whatever"
    payload["data"]["riskScore"] = 101
    del payload["data"]["reason"]
    assert set(_errors("boyfanz", payload)) == {
        "data.severity",
        "data.riskScore",
        "data.reason",
    }


def test_user_created_needs_every_field_user_updated_only_some():
    payload = copy.deepcopy(EVENT_EXAMPLES["user_created"])
    del payload["data"]["email"]
    assert list(_errors("fanzdash", payload)) == ["data.email"]
    payload["data"]["email"] = "not-an-email"
    assert list(_errors("fanzdash", payload)) == ["data.email"]
    payload = copy.deepcopy(EVENT_EXAMPLES["user_updated"])
    del payload["data"]["username"]
    assert list(_errors("fanzdash", payload)) == ["data"]
    payload["data"]["platform"] = "Not A Slug"
    assert "data.platform" in _errors("fanzdash", payload)


def test_security_alert():
    payload = copy.deepcopy(EVENT_EXAMPLES["security_alert"])
    payload["data"]["sourceIp"] = "999.1.1.1"
    del payload["data"]["title"]
    assert set(_errors("fanzdash", payload)) == {"data.sourceIp", "data.title"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("feePercent", "100.01"),
        ("feePercent", "1.234"),
        ("feePercent", 5.5),  # a JSON number is fine ...
        ("holdDays", -1),
        ("holdDays", "7"),
        ("status", "deleted"),
        ("outboundUrl", "ftp://example.com/x"),
    ],
)
def test_platform_config(field, value):
    payload = copy.deepcopy(EVENT_EXAMPLES["platform_config_updated"])
    payload["data"][field] = value
    if (field, value) == ("feePercent", 5.5):
        changes = event_validate("fanzdash", payload)["data"]["changes"]
        assert changes["fee_percent"] == Decimal("5.50")
        return
    assert list(_errors("fanzdash", payload)) == [f"data.{field}"]


def test_platform_config_needs_a_change():
    payload = {**EVENT_EXAMPLES["platform_config_updated"], "data": {"platform": "boyfanz"}}
    assert list(_errors("fanzdash", payload)) == ["data"]


def test_mass_payout():
    payload = copy.deepcopy(EVENT_EXAMPLES["mass_payout_initiated"])
    assert event_validate("fanzdash", payload)["data"]["total_amount_minor"] == 12_500_000
    del payload["data"]["batchId"]
    payload["data"]["platforms"] = ["boyfanz", 3]
    assert set(_errors("fanzdash", payload)) == {"data.batchId", "data.platforms.1"}
