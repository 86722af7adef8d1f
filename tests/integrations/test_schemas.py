"""The event schema: every documented example passes; each kind of bad input is refused with
its field path; amounts come out as exact minor units."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from apps.core.exceptions import ApplicationError
from apps.core.money import JsonNumber
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
    assert len(PLATFORM_EVENTS) == 10 and len(CENTRAL_EVENTS) == 6


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


# --- the exact words and paths the API answers with --------------------------------------------
# Platforms see these messages and paths in 422 `invalid_event` answers: each is pinned here.

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _event(event_type: str, **data):
    """The example of ``event_type`` with ``data`` fields overridden (``...`` removes one)."""
    payload = copy.deepcopy(EVENT_EXAMPLES[event_type])
    for name, value in data.items():
        if value is ...:
            payload["data"].pop(name, None)
        else:
            payload["data"][name] = value
    return payload


def _refusal(payload, source=None) -> dict[str, list[str]]:
    source = source or _source(payload["event"])
    with pytest.raises(EventSchemaError) as caught:
        event_validate(source, payload, now=NOW)
    return caught.value.errors


def _cleaned(payload, source=None) -> dict:
    return event_validate(source or _source(payload["event"]), payload, now=NOW)["data"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (123, "Expected a string, got a number."),
        (1.5, "Expected a string, got a number."),
        (True, "Expected a string, got a boolean."),
        (["tx"], "Expected a string, got an array."),
        ({"id": "tx"}, "Expected a string, got an object."),
        (None, "This field is required."),
        ("   ", "This field may not be blank."),
        ("x" * 201, "At most 200 characters."),
        ("tx\x00", "Control characters are not allowed."),
        ("tx\n1", "Control characters are not allowed."),
    ],
)
def test_text_refusals(value, message):
    assert _refusal(_event("tip_sent", transactionId=value)) == {"data.transactionId": [message]}


def test_text_is_stripped_and_an_optional_blank_or_null_is_absent():
    data = _cleaned(_event("tip_sent", transactionId="  tx_9 ", userId="  ", contentId=None))
    assert data["transaction_id"] == "tx_9"
    assert data["user_id"] is None and data["content_id"] is None
    assert _refusal(_event("tip_sent", userId=7)) == {
        "data.userId": ["Expected a string, got a number."]
    }


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("19.999", "USD", "At most 2 decimal places allowed."),
        ("10.5", "JPY", "At most 0 decimal places allowed."),
        ("1.2345", "KWD", "At most 3 decimal places allowed."),
        ("0.00", "USD", "Amount must not be zero."),
        ("-5.00", "USD", "Amount must be positive."),
        (-1, "USD", "Amount must be positive."),
        (float("nan"), "USD", "Amount must be a finite number."),
        (float("inf"), "USD", "Amount must be a finite number."),
        ("1e3", "USD", "'1e3' is not a decimal amount such as \"19.99\"."),
        (" 19.99", "USD", "' 19.99' is not a decimal amount such as \"19.99\"."),
        ("NaN", "USD", "'NaN' is not a decimal amount such as \"19.99\"."),
        (True, "USD", 'Expected a decimal string such as "19.99", got a boolean.'),
        ([], "USD", 'Expected a decimal string such as "19.99", got an array.'),
        (None, "USD", "This field is required."),
        ("9" * 20, "USD", "Amount is too large."),
    ],
)
def test_amount_refusals(amount, currency, message):
    assert _refusal(_event("tip_sent", amount=amount, currency=currency)) == {
        "data.amount": [message]
    }


def test_a_json_number_is_read_from_its_literal_never_from_the_float():
    # The float of 19.999999999999999999 is 20.0: read as a float, it would pass as 2000.
    assert _refusal(_event("tip_sent", amount=JsonNumber("19.999999999999999999"))) == {
        "data.amount": ["At most 2 decimal places allowed."]
    }
    assert _cleaned(_event("tip_sent", amount=JsonNumber("19.990")))["amount_minor"] == 1999


@pytest.mark.parametrize(
    ("currency", "message"),
    [
        ("XYZ", "Unknown currency 'XYZ'."),
        ("usd", "Expected an ISO 4217 code in capitals, such as USD."),
        (840, "Expected an ISO 4217 code in capitals, such as USD."),
        (None, "This field is required."),
    ],
)
def test_currency_refusals_and_an_amount_in_an_unknown_currency_is_not_judged(currency, message):
    # The amount has three decimals: without a known currency, only the currency is reported.
    assert _refusal(_event("tip_sent", currency=currency, amount="19.999")) == {
        "data.currency": [message]
    }


def test_each_event_reads_its_amounts_in_its_own_currency():
    assert _cleaned(_event("tip_sent", amount="1500", currency="JPY"))["amount_minor"] == 1500
    assert _cleaned(_event("tip_sent", amount="15", currency="USD"))["amount_minor"] == 1500
    refund = _event("refund_issued", currency=..., amount="5.00")
    assert _refusal(refund) == {"data.currency": ["This field is required."]}


@pytest.mark.parametrize(
    ("created_at", "message"),
    [
        ("2026-11-20T12:00:00", "The date-time needs a time zone (such as Z or +00:00)."),
        ("yesterday", "'yesterday' is not an ISO 8601 date-time."),
        (1732104000, "Expected an ISO 8601 date-time with a time zone."),
        ("2026-11-20T12:00:00Z" + " " * 30, "Expected an ISO 8601 date-time with a time zone."),
        (None, "This field is required."),
        ("2026-11-20T12:05:01Z", "The event is dated in the future."),
        ("2026-11-20T13:05:01+01:00", "The event is dated in the future."),
    ],
)
def test_created_at_refusals_against_the_given_now(created_at, message):
    payload = {**EVENT_EXAMPLES["tip_sent"], "created_at": created_at}
    assert _refusal(payload) == {"created_at": [message]}


def test_created_at_within_the_skew_of_the_given_now_and_in_any_zone():
    payload = {**EVENT_EXAMPLES["tip_sent"], "created_at": "2026-11-20T13:05:00+01:00"}
    occurred_at = event_validate("boyfanz", payload, now=NOW)["occurred_at"]
    assert occurred_at == NOW + timedelta(minutes=5)
    assert occurred_at.utcoffset() == timedelta(0)  # handed on in UTC


def test_envelope_messages():
    payload = {
        "id": "",
        "event": "no_such_event",
        "platform": "girlfanz",
        "created_at": "2026-11-20T12:00:00Z",
        "data": ["x"],
    }
    assert _refusal(payload, "boyfanz") == {
        "id": ["This field may not be blank."],
        "event": ["Unknown event type 'no_such_event'."],
        "platform": ["The event says 'girlfanz' but was sent to 'boyfanz'."],
        "data": ["Expected an object, got an array."],
    }
    payload = {**EVENT_EXAMPLES["tip_sent"], "event": 7, "platform": 3, "data": None}
    assert _refusal(payload, "boyfanz") == {
        "event": ["Expected a string, got a number."],
        "platform": ["Expected a string, got a number."],
        "data": ["This field is required."],
    }
    assert _refusal({**EVENT_EXAMPLES["tip_sent"], "event": "user_created"}, "boyfanz") == {
        "event": ["user_created is a central event: send it to /webhooks/fanzdash."]
    }
    assert _refusal({**EVENT_EXAMPLES["tip_sent"], "platform": "fanzdash"}, "fanzdash") == {
        "event": ["tip_sent is a platform event: send it to its platform's URL."]
    }


def test_an_unknown_event_type_leaves_data_unread_but_an_untrimmed_known_one_is_fine():
    payload = {**EVENT_EXAMPLES["tip_sent"], "event": "tip_sent_v2", "data": {"amount": "x"}}
    assert list(_refusal(payload)) == ["event"]
    cleaned = event_validate("boyfanz", {**EVENT_EXAMPLES["tip_sent"], "event": " tip_sent "})
    assert cleaned["event_type"] == "tip_sent"


def test_unknown_fields_are_ignored_everywhere_and_not_passed_on():
    payload = _event(
        "creator_earnings_updated",
        newField=[1, 2],
        earnings={"total": "1.00", "lifetimeTips": "x", "platforms": {"boyfanz": "1.00"}},
    )
    payload["extra"] = {"nested": True}
    data = _cleaned(payload)
    assert data == {
        "creator_id": "creator456",
        "currency": "USD",
        "figures": {"total": 100, "platforms": {"boyfanz": 100}},
    }
    assert "newField" not in _cleaned(_event("tip_sent", newField=1))


def test_cleaned_data_of_an_earning():
    assert _cleaned(_event("content_purchased")) == {
        "transaction_id": "tx_buy_0001",
        "creator_id": "creator456",
        "user_id": "fan_78",
        "amount_minor": 750,
        "currency": "EUR",
        "subscription_id": None,
        "content_id": "post_5521",
    }


def test_earnings_figures_paths_inside_the_platforms_mapping():
    payload = _event(
        "creator_earnings_updated",
        earnings={
            "total": "-1",
            "platforms": {"boyfanz": "1.001", "girlfanz": None, "Bad Slug": "x", "-x": 1},
        },
    )
    assert _refusal(payload) == {
        "data.earnings.total": ["Amount must be positive."],
        "data.earnings.platforms.boyfanz": ["At most 2 decimal places allowed."],
        "data.earnings.platforms.girlfanz": ["This field is required."],
        # a refused key is reported on the mapping, and what its value says is not
        "data.earnings.platforms": [
            "'Bad Slug' is not a platform slug.",
            "'-x' is not a platform slug.",
        ],
    }


@pytest.mark.parametrize(
    ("earnings", "path", "message"),
    [
        (..., "data.earnings", "Expected an object, got null."),
        (None, "data.earnings", "Expected an object, got null."),
        (["5.00"], "data.earnings", "Expected an object, got an array."),
        (
            {},
            "data.earnings",
            "Give at least one of: total, thisMonth, lastPayout, pendingPayout, platforms.",
        ),
        (
            {"platforms": ["boyfanz"]},
            "data.earnings.platforms",
            "Expected an object, got an array.",
        ),
    ],
)
def test_earnings_figures_shape(earnings, path, message):
    assert _refusal(_event("creator_earnings_updated", earnings=earnings)) == {path: [message]}


def test_earnings_figures_given_zero_and_null():
    figures = _cleaned(
        _event(
            "creator_earnings_updated",
            earnings={"total": 0, "thisMonth": None, "platforms": {}},
        )
    )["figures"]
    assert figures == {"total": 0, "platforms": {}}
    with pytest.raises(EventSchemaError) as caught:
        earnings_figures_clean({"total": "1.5", "platforms": {"boyfanz": True}}, 0)
    assert caught.value.errors == {
        "earnings.total": ["At most 0 decimal places allowed."],
        "earnings.platforms.boyfanz": ['Expected a decimal string such as "19.99", got a boolean.'],
    }
    with pytest.raises(EventSchemaError) as caught:
        earnings_figures_clean("5.00", 2)
    assert caught.value.errors == {"earnings": ["Expected an object, got a string."]}


@pytest.mark.parametrize(
    ("platforms", "errors"),
    [
        ("boyfanz", {"data.platforms": ["Expected an array of at most 100 platform slugs."]}),
        (["a"] * 101, {"data.platforms": ["Expected an array of at most 100 platform slugs."]}),
        (
            ["boyfanz", None, "Girl", "girlfanz", {}],
            {
                "data.platforms.1": ["Expected a platform slug."],
                "data.platforms.2": ["Expected a platform slug."],
                "data.platforms.4": ["Expected a platform slug."],
            },
        ),
    ],
)
def test_mass_payout_platforms_paths_inside_the_array(platforms, errors):
    assert _refusal(_event("mass_payout_initiated", platforms=platforms)) == errors


def test_mass_payout_cleaned():
    assert _cleaned(_event("mass_payout_initiated", platforms=None, note=" n ")) == {
        "batch_id": "batch_2026_11_20",
        "initiated_by": "finance@fanz.network",
        "scheduled_for": datetime(2026, 11, 21, 9, tzinfo=UTC),
        "currency": "USD",
        "total_amount_minor": 12_500_000,
        "payout_count": 412,
        "platforms": [],
        "note": "n",
    }
    assert _refusal(_event("mass_payout_initiated", currency=...)) == {
        "data.currency": ["This field is required."]
    }
    assert _refusal(_event("mass_payout_initiated", scheduledFor="2026-11-21")) == {
        "data.scheduledFor": ["The date-time needs a time zone (such as Z or +00:00)."]
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("7", "Expected a whole number, got a string."),
        (7.0, "Expected a whole number, got a number."),
        (True, "Expected a whole number, got a boolean."),
        ([7], "Expected a whole number, got an array."),
        (366, "Expected 0 to 365."),
        (10**30, "Expected 0 to 365."),
    ],
)
def test_whole_number_refusals(value, message):
    assert _refusal(_event("platform_config_updated", holdDays=value)) == {
        "data.holdDays": [message]
    }


def test_platform_config_changes():
    payload = _event(
        "platform_config_updated", feePercent=JsonNumber("2.5"), status=" Paused ", outboundUrl=None
    )
    del payload["data"]["holdDays"]
    assert _cleaned(payload) == {
        "platform": "boyfanz",
        "changes": {"fee_percent": Decimal("2.50"), "status": "paused", "outbound_webhook_url": ""},
    }
    only_url = _event("platform_config_updated", feePercent=..., holdDays=..., status=...)
    assert _cleaned(only_url)["changes"] == {
        "outbound_webhook_url": "https://api.boyfanz.com/webhooks/money-dash"
    }
    assert _refusal(_event("platform_config_updated", feePercent=True)) == {
        "data.feePercent": ['Expected a decimal string such as "5.00", got a boolean.']
    }


def test_rules_on_several_fields_are_reported_beside_the_fields_own_problems():
    refund = _event("refund_issued", currency=..., transactionId=...)
    assert _refusal(refund) == {
        "data.currency": ["This field is required."],
        "data.transactionId": ["This field is required."],
    }
    config = {**EVENT_EXAMPLES["platform_config_updated"], "data": {"platform": "Bad"}}
    assert _refusal(config) == {
        "data.platform": ["Expected a platform slug (lower case letters, digits, - _)."],
        "data": ["Give at least one of: feePercent, holdDays, status, outboundUrl."],
    }
    update = {
        **EVENT_EXAMPLES["user_updated"],
        "data": {"id": "creator456", "platform": "boyfanz", "username": 5},
    }
    assert _refusal(update) == {
        "data.username": ["Expected a string, got a number."],
        "data": ["Give at least one of: username, email, role, status."],
    }
    # a bad email address still counts as the change given: only its own field is refused
    update["data"] = {"id": "creator456", "platform": "boyfanz", "email": "nope"}
    assert _refusal(update) == {"data.email": ["Enter a valid email address."]}


def test_chargeback_fee_and_the_refund_that_may_not_carry_one():
    assert _cleaned(_event("chargeback_received", chargebackFee=None))["chargeback_fee_minor"] == 0
    assert _cleaned(_event("refund_issued"))["chargeback_fee_minor"] == 0
    assert _refusal(_event("refund_issued", chargebackFee="0")) == {
        "data.chargebackFee": ["Only a chargeback carries a chargeback fee."]
    }


def test_fraud_and_security_alert_cleaned():
    fraud = _cleaned(_event("fraud_detected", severity="  ", riskScore=None))
    assert fraud["severity"] == "warning" and fraud["risk_score"] is None
    alert = _cleaned(_event("security_alert", severity="Medium", sourceIp="2001:0db8::0001"))
    assert alert["severity"] == "warning" and alert["source_ip"] == "2001:db8::1"
    assert _refusal(_event("security_alert", severity=...)) == {
        "data.severity": ["This field is required."]
    }


def test_user_events_cleaned():
    created = _cleaned(_event("user_created", role=" Creator ", email=" user@example.com "))
    assert created == {
        "id": "creator456",
        "platform": "boyfanz",
        "username": "creator_username",
        "email": "user@example.com",
        "role": "creator",
        "status": "active",
    }
    assert _cleaned(_event("user_updated")) == {
        "id": "creator456",
        "platform": "boyfanz",
        "username": "new_username",
    }
