"""What a webhook event may say: the envelope, every event type and its ``data``.

``event_validate(source, payload)`` runs in the webhook request path (thousands of events a
second). Each event type's ``data`` is a TypedDict and the envelope a generic TypedDict around
it, validated by pydantic (validators built once at import; no model instance per event):
pydantic checks the shapes and collects every problem with its location; FanzDash's own rules
(amounts, currencies, time stamps, slugs, ...) are the annotated types below, whose messages
are the API's. Problems are raised together as ``EventSchemaError`` (a 422 ``schema_error``),
keyed by field path (``"data.amount"``, ``"platform"``, ``"data.earnings.platforms.boyfanz"``,
``"data.platforms.1"``); a valid event comes back cleaned, amounts as integer minor units, so
handlers never parse again.

Unknown extra keys in the envelope or in ``data`` are ignored (platforms may add fields
without breaking); ``null`` means the same as a missing key (except ``outboundUrl``: ``null``
clears it); everything FanzDash reads is checked strictly, without coercion: types, lengths,
amounts (decimal strings or JSON numbers, converted exactly; zero, negative, NaN, over-precise
refused), currencies (known ISO 4217 codes, upper case).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from ipaddress import ip_address
from typing import Annotated, Any, Generic, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.utils import timezone
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    with_config,
)
from pydantic_core import PydanticCustomError
from rest_framework import status
from typing_extensions import TypedDict

from apps.core.bounds import instant_clean
from apps.core.currencies import currency_exponent
from apps.core.exceptions import ApplicationError
from apps.core.money import parse_amount

from .models import CENTRAL_SOURCE

# The ledger refuses entries dated later than this; an event must not claim a later time.
MAX_FUTURE_SKEW = timedelta(minutes=5)
MAX_ID_LENGTH = 200  # WebhookEvent.event_id, transaction ids
MAX_EXTERNAL_ID_LENGTH = 100  # PlatformAccount.external_id / creator_external_id
MAX_TEXT_LENGTH = 2000

PLATFORM_SCOPE = "platform"
CENTRAL_SCOPE = "central"


@dataclass(frozen=True, slots=True)
class EventType:
    name: str
    scope: str  # PLATFORM_SCOPE: at /webhooks/<platform>; CENTRAL_SCOPE: at /webhooks/fanzdash
    summary: str
    money_effect: str


EVENT_TYPES: dict[str, EventType] = {
    event.name: event
    for event in [
        EventType(
            "subscription_created",
            PLATFORM_SCOPE,
            "A fan subscribed to a creator.",
            "Gross from processor clearing; platform fee to fee revenue; the rest to the "
            "creator's pending balance.",
        ),
        EventType(
            "subscription_renewed",
            PLATFORM_SCOPE,
            "A subscription renewed (a new charge).",
            "As subscription_created.",
        ),
        EventType("tip_sent", PLATFORM_SCOPE, "A fan tipped a creator.", "As an earning."),
        EventType(
            "content_purchased",
            PLATFORM_SCOPE,
            "A fan bought or unlocked content.",
            "As an earning.",
        ),
        EventType(
            "refund_issued",
            PLATFORM_SCOPE,
            "The platform refunded all or part of a transaction.",
            "Reverses the original transaction (by transactionId): pending first, then available.",
        ),
        EventType(
            "chargeback_received",
            PLATFORM_SCOPE,
            "A fan's bank disputed a transaction.",
            "As a refund; a chargeback fee, if given, to chargeback losses.",
        ),
        EventType(
            "subscription_cancelled",
            PLATFORM_SCOPE,
            "A subscription ended (no charge).",
            "None (recorded).",
        ),
        EventType(
            "creator_earnings_updated",
            PLATFORM_SCOPE,
            "The platform's own earnings figures for a creator.",
            "None: stored and compared with the ledger; a mismatch is flagged for finance.",
        ),
        EventType(
            "fraud_detected",
            PLATFORM_SCOPE,
            "The platform suspects fraud by or against a creator.",
            "None: a security event, and the creator's payouts are held until staff clear it.",
        ),
        EventType(
            "content_flagged",
            PLATFORM_SCOPE,
            "The platform's moderation flagged a creator's content.",
            "None: a compliance violation is opened for staff (a critical one holds the "
            "creator's payouts until compliance closes it).",
        ),
        EventType(
            "user_created",
            CENTRAL_SCOPE,
            "A user registered somewhere in the network.",
            "None: the user (and for creators, the creator and platform account) is synced "
            "as by sync/user: an existing account is linked only once confirmed, and `status` "
            "is recorded for that platform only.",
        ),
        EventType(
            "user_updated",
            CENTRAL_SCOPE,
            "A user's profile changed.",
            "None (synced as by sync/user).",
        ),
        EventType(
            "user_suspended",
            CENTRAL_SCOPE,
            "A user was suspended network-wide.",
            "None: a creator with that id on that platform is suspended.",
        ),
        EventType(
            "security_alert",
            CENTRAL_SCOPE,
            "A security incident was detected.",
            "None: a security event for staff.",
        ),
        EventType(
            "platform_config_updated",
            CENTRAL_SCOPE,
            "A platform's fee, hold period, status or outbound URL changed.",
            "None now: the platform is updated (future earnings use the new fee and hold).",
        ),
        EventType(
            "mass_payout_initiated",
            CENTRAL_SCOPE,
            "A batch payout was started centrally.",
            "None yet: recorded for the payouts module.",
        ),
    ]
}

EARNING_EVENTS = frozenset(
    {"subscription_created", "subscription_renewed", "tip_sent", "content_purchased"}
)
REFUND_EVENTS = frozenset({"refund_issued", "chargeback_received"})
PLATFORM_EVENTS = frozenset(n for n, e in EVENT_TYPES.items() if e.scope == PLATFORM_SCOPE)
CENTRAL_EVENTS = frozenset(n for n, e in EVENT_TYPES.items() if e.scope == CENTRAL_SCOPE)

SEVERITY_ALIASES = {
    "info": "info",
    "low": "info",
    "warning": "warning",
    "medium": "warning",
    "high": "critical",
    "critical": "critical",
}
PLATFORM_STATUSES = ("active", "paused", "retired")
MAX_HOLD_DAYS = 365

_DECIMAL_STRING = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_CURRENCY_CODE = re.compile(r"[A-Z]{3}")
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,49}")
_url_validator = URLValidator(schemes=["http", "https"])

REQUIRED = "This field is required."
# What a JSON number or a decimal string may arrive as (a tuple: ``str | int | ...`` would
# build a union object at every call, on the hot path).
_DECIMAL_TYPES = (str, int, float, Decimal)


def event_allowed_on(source: str, event_type: str) -> bool:
    """Platform events only at a platform's URL; central events only at ``fanzdash``."""
    event = EVENT_TYPES.get(event_type)
    if event is None:
        return False
    return (event.scope == CENTRAL_SCOPE) == (source == CENTRAL_SOURCE)


class EventSchemaError(ApplicationError):
    """The event is not one FanzDash understands. ``errors`` maps field paths to messages;
    rendered by the API exception handler as 422 ``{"error": "schema_error", "detail":
    errors}``."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("schema_error", errors, status_code=status.HTTP_422_UNPROCESSABLE_ENTITY)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else type(value).__name__


def _refused(message: str) -> PydanticCustomError:
    """A problem whose message is the API's, as is (no context: nothing is interpolated)."""
    return PydanticCustomError("refused", message)


# --- value types ---------------------------------------------------------------------------
# Validators get the value after pydantic's strict type check (``AfterValidator``), or the raw
# value (``PlainValidator``) where FanzDash's message for a wrong type is not a plain string's.
# The validation context carries ``exponent``: the currency field sets it for the amounts
# validated after it (fields are validated in the order declared, nested ones included);
# ``earnings_figures_clean`` gives it.


def _text_cleaner(max_length: int, *, required: bool):
    def clean(value: str) -> str | None:
        value = value.strip()
        if not value:
            if required:
                raise _refused("This field may not be blank.")
            return None  # an optional blank string is as good as absent
        if len(value) > max_length:
            raise _refused(f"At most {max_length} characters.")
        if not value.isprintable():
            raise _refused("Control characters are not allowed.")
        return value

    return clean


def _text(max_length: int, *then, required: bool = True) -> Any:
    """A string, stripped, at most ``max_length`` characters, printable; then the ``then``
    validators (which get None for an optional blank string). Optional: absent, null or blank
    is None."""
    validators = [AfterValidator(_text_cleaner(max_length, required=required))]
    validators += [AfterValidator(function) for function in then]
    kind = Annotated[str, *validators]
    return kind if required else Annotated[kind | None, Field(None)]


def _platform_slug(value: str | None) -> str | None:
    if value is not None and not _SLUG.fullmatch(value):
        raise _refused("Expected a platform slug (lower case letters, digits, - _).")
    return value


def _one_of(choices: dict[str, str]):
    """The lower-cased value must be one of ``choices``' keys; the result is its value."""
    expected = f"Expected one of: {', '.join(sorted(choices))}."

    def check(value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return choices[value.lower()]
        except KeyError:
            raise _refused(expected) from None

    return check


def _lower(value: str | None) -> str | None:
    return value.lower() if value is not None else None


def _email(value: str | None) -> str | None:
    if value is not None:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise _refused("Enter a valid email address.") from None
    return value


def _ip(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return str(ip_address(value))
    except ValueError:
        raise _refused("Expected an IPv4 or IPv6 address.") from None


def _whole_number(low: int, high: int) -> Any:
    """Optional: a JSON integer (not a boolean, not 7.0), ``low`` to ``high``."""

    def between(value: int) -> int:
        if not low <= value <= high:
            raise _refused(f"Expected {low} to {high}.")
        return value

    return Annotated[Annotated[int, AfterValidator(between)] | None, Field(None)]


def _currency(*, required: bool):
    def check(value: Any, info: ValidationInfo) -> str | None:
        if value is None:
            if required:
                raise _refused(REQUIRED)
            return None
        if not isinstance(value, str) or not _CURRENCY_CODE.fullmatch(value):
            raise _refused("Expected an ISO 4217 code in capitals, such as USD.")
        try:
            info.context["exponent"] = currency_exponent(value)
        except ApplicationError:
            raise _refused(f"Unknown currency {value!r}.") from None
        return value

    return check


def _amount(*, required: bool, allow_zero: bool, absent: int | None = None):
    """Minor units in the context's currency; ``absent`` when not given (or null), and, with
    no problem of its own, when the currency is missing or unknown (its field says so)."""

    def check(value: Any, info: ValidationInfo) -> int | None:
        if value is None:
            if required:
                raise _refused(REQUIRED)
            return absent
        if isinstance(value, bool) or not isinstance(value, _DECIMAL_TYPES):
            raise _refused(f'Expected a decimal string such as "19.99", got {_json_type(value)}.')
        if isinstance(value, str) and not _DECIMAL_STRING.fullmatch(value):
            raise _refused(f'{value[:40]!r} is not a decimal amount such as "19.99".')
        exponent = info.context["exponent"]
        if exponent is None:
            return absent
        try:
            return parse_amount(value, exponent, allow_zero=allow_zero)
        except ApplicationError as error:
            detail = error.detail
            message = next(iter(detail.values())) if isinstance(detail, dict) else detail
            raise _refused(str(message)) from None

    return check


def _moment(value: Any, *, required: bool) -> datetime | None:
    if value is None:
        if required:
            raise _refused(REQUIRED)
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise _refused("Expected an ISO 8601 date-time with a time zone.")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _refused(f"{value!r} is not an ISO 8601 date-time.") from None
    try:
        # In UTC, and refused unless the database can hold it (a +17:40 offset, year 1 with a
        # positive offset): a 422, never a database error.
        return instant_clean(moment)
    except ValueError as error:
        raise _refused(str(error)) from None


def _optional_moment(value: Any) -> datetime | None:
    return _moment(value, required=False)


def _created_at(value: Any, info: ValidationInfo) -> datetime:
    """Not later than the context's ``now`` (default: the clock) plus the ledger's skew."""
    moment = _moment(value, required=True)
    if moment > (info.context["now"] or timezone.now()) + MAX_FUTURE_SKEW:
        raise _refused("The event is dated in the future.")
    return moment


def _fee_percent(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, _DECIMAL_TYPES):
        raise _refused(f'Expected a decimal string such as "5.00", got {_json_type(value)}.')
    if isinstance(value, str) and not _DECIMAL_STRING.fullmatch(value):
        raise _refused(f'{value[:40]!r} is not a decimal such as "5.00".')
    try:
        literal = getattr(value, "literal", None) or (
            repr(value) if isinstance(value, float) else str(value)
        )
        fee = Decimal(literal)
    except InvalidOperation:
        raise _refused("Not a decimal.") from None
    if not fee.is_finite() or not Decimal(0) <= fee <= Decimal(100):
        raise _refused("The fee is 0 to 100 percent.")
    if fee != fee.quantize(Decimal("0.01")):
        raise _refused("At most 2 decimal places.")
    return fee.quantize(Decimal("0.01"))


def _confidence(value: Any) -> Decimal:
    """A confidence from 0 to 1: a decimal string or a JSON number, at most 3 decimals."""
    if value is None:
        raise _refused(REQUIRED)
    if isinstance(value, bool) or not isinstance(value, _DECIMAL_TYPES):
        raise _refused(f'Expected a number from 0 to 1 such as "0.87", got {_json_type(value)}.')
    if isinstance(value, str) and not _DECIMAL_STRING.fullmatch(value):
        raise _refused(f'{value[:40]!r} is not a decimal such as "0.87".')
    try:
        literal = getattr(value, "literal", None) or (
            repr(value) if isinstance(value, float) else str(value)
        )
        confidence = Decimal(literal)
    except InvalidOperation:
        raise _refused("Not a decimal.") from None
    if not confidence.is_finite() or not Decimal(0) <= confidence <= Decimal(1):
        raise _refused("The confidence is from 0 to 1.")
    if confidence != confidence.quantize(Decimal("0.001")):
        raise _refused("At most 3 decimal places.")
    return confidence.quantize(Decimal("0.001"))


def _outbound_url(value: Any) -> str:
    if value is None or value == "":
        return ""  # null or "" clears the URL
    if not isinstance(value, str) or len(value) > 200:
        raise _refused("Expected an http(s) URL of at most 200 characters.")
    try:
        _url_validator(value)
    except DjangoValidationError:
        raise _refused(f"{value[:60]!r} is not an http(s) URL.") from None
    return value


def _slug_array(value: Any) -> list:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 100:
        raise _refused("Expected an array of at most 100 platform slugs.")
    return value


def _slug_item(value: Any) -> str:
    if not isinstance(value, str) or not _SLUG.fullmatch(value):
        raise _refused("Expected a platform slug.")
    return value


def _platform_key(value: Any) -> str:
    if not isinstance(value, str) or not _SLUG.fullmatch(value):
        # A type of its own: a refused key is reported on its mapping (see _errors_by_path).
        raise PydanticCustomError("refused_key", f"{str(value)[:50]!r} is not a platform slug.")
    return value


def _no_chargeback_fee(value: Any) -> int:
    if value is not None:
        raise _refused("Only a chargeback carries a chargeback fee.")
    return 0


Id = _text(MAX_ID_LENGTH)
OptionalId = _text(MAX_ID_LENGTH, required=False)
ExternalId = _text(MAX_EXTERNAL_ID_LENGTH)
OptionalExternalId = _text(MAX_EXTERNAL_ID_LENGTH, required=False)
Reason = _text(MAX_TEXT_LENGTH)
OptionalReason = _text(MAX_TEXT_LENGTH, required=False)
PlatformSlug = _text(50, _platform_slug)
OptionalPlatformSlug = _text(50, _platform_slug, required=False)
Currency = Annotated[str, PlainValidator(_currency(required=True))]
OptionalCurrency = Annotated[str | None, PlainValidator(_currency(required=False)), Field(None)]
Amount = Annotated[int, PlainValidator(_amount(required=True, allow_zero=False))]
AmountOrZero = Annotated[int, PlainValidator(_amount(required=True, allow_zero=True))]
OptionalAmount = Annotated[
    int | None, PlainValidator(_amount(required=False, allow_zero=False)), Field(None)
]
OptionalAmountOrZero = Annotated[
    int | None, PlainValidator(_amount(required=False, allow_zero=True)), Field(None)
]
OptionalTimestamp = Annotated[datetime | None, PlainValidator(_optional_moment), Field(None)]

# Strict: no coercion ("7" is not a number, 7 not a string). Unknown keys are ignored.
_STRICT = ConfigDict(strict=True, extra="ignore")


# --- data per event type -------------------------------------------------------------------
# A TypedDict per type: pydantic validates straight into the cleaned dict (no model instance
# per event, the hot path's cost). Keys are the cleaned names, aliases the names platforms
# send; a money type declares its currency first (see "value types").


@with_config(_STRICT)
class EarningData(TypedDict):
    currency: Currency
    transaction_id: Annotated[Id, Field(alias="transactionId")]
    creator_id: Annotated[ExternalId, Field(alias="creatorId")]
    user_id: Annotated[OptionalId, Field(alias="userId")]
    amount_minor: Annotated[Amount, Field(alias="amount")]
    subscription_id: Annotated[OptionalId, Field(alias="subscriptionId")]
    content_id: Annotated[OptionalId, Field(alias="contentId")]


@with_config(_STRICT)
class _RefundFields(TypedDict):
    currency: OptionalCurrency
    transaction_id: Annotated[Id, Field(alias="transactionId")]
    creator_id: Annotated[OptionalExternalId, Field(alias="creatorId")]
    user_id: Annotated[OptionalId, Field(alias="userId")]
    # None: everything that is left of the original transaction.
    amount_minor: Annotated[OptionalAmount, Field(alias="amount")]
    reason: OptionalReason


@with_config(_STRICT)
class RefundData(_RefundFields):
    chargeback_fee_minor: Annotated[
        int, PlainValidator(_no_chargeback_fee), Field(0, alias="chargebackFee")
    ]


@with_config(_STRICT)
class ChargebackData(_RefundFields):
    chargeback_fee_minor: Annotated[
        int,
        PlainValidator(_amount(required=False, allow_zero=True, absent=0)),
        Field(0, alias="chargebackFee"),
    ]


def _currency_needed_with(*amounts: str):
    """A rule together: the currency is required when one of ``amounts`` is given."""

    def rule(data: dict) -> list[tuple[str, str]]:
        given = any(data.get(name) is not None for name in amounts)
        return [("currency", REQUIRED)] if given and data.get("currency") is None else []

    return rule


@with_config(_STRICT)
class CancellationData(TypedDict):
    creator_id: Annotated[ExternalId, Field(alias="creatorId")]
    user_id: Annotated[OptionalId, Field(alias="userId")]
    subscription_id: Annotated[OptionalId, Field(alias="subscriptionId")]
    transaction_id: Annotated[OptionalId, Field(alias="transactionId")]
    reason: OptionalReason


EARNINGS_FIGURES = ("total", "thisMonth", "lastPayout", "pendingPayout")


@with_config(_STRICT)
class EarningsFigures(TypedDict, total=False):
    """The seed's earnings shape, named as sent, in the context's currency; zero allowed."""

    total: OptionalAmountOrZero
    thisMonth: OptionalAmountOrZero
    lastPayout: OptionalAmountOrZero
    pendingPayout: OptionalAmountOrZero
    platforms: dict[Annotated[str, PlainValidator(_platform_key)], AmountOrZero] | None


def _an_object_with_a_figure(value: Any) -> Any:
    if not isinstance(value, dict):
        raise _refused(f"Expected an object, got {_json_type(value)}.")
    if not any(name in value for name in (*EARNINGS_FIGURES, "platforms")):
        raise _refused(f"Give at least one of: {', '.join(EARNINGS_FIGURES)}, platforms.")
    return value


Figures = Annotated[EarningsFigures, BeforeValidator(_an_object_with_a_figure)]


def _figures_given(figures: dict) -> dict:
    """Only the figures given (a null is not a figure)."""
    given = {name: value for name, value in figures.items() if value is not None}
    if given.get("platforms"):
        given["platforms"] = {
            slug: value for slug, value in given["platforms"].items() if value is not None
        }
    return given


@with_config(_STRICT)
class EarningsUpdatedData(TypedDict):
    currency: Currency
    creator_id: Annotated[ExternalId, Field(alias="creatorId")]
    # Checked when absent too, by the figures' own check ("Expected an object, got null.").
    earnings: Annotated[Figures, Field(None, validate_default=True)]


def _earnings_updated_finish(data: dict) -> dict:
    return {
        "creator_id": data["creator_id"],
        "currency": data["currency"],
        "figures": _figures_given(data["earnings"]),
    }


@with_config(_STRICT)
class FraudData(TypedDict):
    creator_id: Annotated[ExternalId, Field(alias="creatorId")]
    reason: Reason
    severity: _text(50, _one_of(SEVERITY_ALIASES), required=False)
    transaction_id: Annotated[OptionalId, Field(alias="transactionId")]
    user_id: Annotated[OptionalId, Field(alias="userId")]
    risk_score: Annotated[_whole_number(0, 100), Field(alias="riskScore")]


def _fraud_finish(data: dict) -> dict:
    return {**data, "severity": data["severity"] or "warning"}


# content_flagged: what a platform may report (the compliance app's violation kinds and
# severities; kept here as the event's contract).
VIOLATION_TYPES = ("content_policy", "dmca", "age_2257", "kyc", "fraud", "other")
VIOLATION_SEVERITIES = ("low", "medium", "high", "critical")


@with_config(_STRICT)
class ContentFlaggedData(TypedDict):
    content_id: Annotated[Id, Field(alias="contentId")]
    creator_id: Annotated[ExternalId, Field(alias="creatorId")]
    violation_type: Annotated[
        _text(50, _one_of({name: name for name in VIOLATION_TYPES})), Field(alias="violationType")
    ]
    severity: _text(50, _one_of({name: name for name in VIOLATION_SEVERITIES}))
    confidence: Annotated[Decimal, PlainValidator(_confidence), Field(None, validate_default=True)]
    reason: OptionalReason


USER_FIELDS = ("username", "email", "role", "status")
_USER_FIELD_LENGTHS = {"username": 150, "email": 254, "role": 30, "status": 30}


@with_config(_STRICT)
class _UserFields(TypedDict):
    """The sync/user shape plus the platform the user belongs to."""

    id: ExternalId
    platform: PlatformSlug


@with_config(_STRICT)
class UserCreatedData(_UserFields):
    username: _text(150)
    email: _text(254, _email)
    role: _text(30, _lower)
    status: _text(30, _lower)


@with_config(_STRICT)
class UserUpdatedData(_UserFields):
    """Only what changed: at least one of ``USER_FIELDS``."""

    username: _text(150, required=False)
    email: _text(254, _email, required=False)
    role: _text(30, _lower, required=False)
    status: _text(30, _lower, required=False)


def _a_user_field_given(data: dict) -> list[tuple[str, str]]:
    for name in USER_FIELDS:
        value = data.get(name)
        if isinstance(value, str):
            # As the field's own check reads it (a bad email address counts: its field says so).
            value = value.strip()
            if value and len(value) <= _USER_FIELD_LENGTHS[name] and value.isprintable():
                return []
    return [("", f"Give at least one of: {', '.join(USER_FIELDS)}.")]


def _user_finish(data: dict) -> dict:
    return {name: value for name, value in data.items() if value is not None}


@with_config(_STRICT)
class UserSuspendedData(TypedDict):
    id: ExternalId
    platform: PlatformSlug
    reason: OptionalReason


@with_config(_STRICT)
class SecurityAlertData(TypedDict):
    title: _text(255)
    severity: _text(50, _one_of(SEVERITY_ALIASES))
    description: _text(5000, required=False)
    alert_id: Annotated[OptionalId, Field(alias="alertId")]
    platform: OptionalPlatformSlug
    creator_id: Annotated[OptionalExternalId, Field(alias="creatorId")]
    source_ip: Annotated[_text(45, _ip, required=False), Field(alias="sourceIp")]


PLATFORM_CHANGES = ("feePercent", "holdDays", "status", "outboundUrl")


@with_config(_STRICT)
class PlatformConfigData(TypedDict):
    """Keys are the names of ``platforms.services.platform_update``'s changes."""

    fee_percent: Annotated[
        Decimal | None, PlainValidator(_fee_percent), Field(None, alias="feePercent")
    ]
    hold_days: Annotated[_whole_number(0, MAX_HOLD_DAYS), Field(alias="holdDays")]
    status: _text(50, _one_of({s: s for s in PLATFORM_STATUSES}), required=False)
    # Absent: unchanged (None); null or "": cleared ("").
    outbound_webhook_url: Annotated[
        str | None, PlainValidator(_outbound_url), Field(None, alias="outboundUrl")
    ]
    platform: PlatformSlug


def _a_change_given(data: dict) -> list[tuple[str, str]]:
    if any(key in data for key in PLATFORM_CHANGES):
        return []
    return [("", f"Give at least one of: {', '.join(PLATFORM_CHANGES)}.")]


def _platform_config_finish(data: dict) -> dict:
    platform = data.pop("platform")
    return {
        "platform": platform,
        "changes": {name: value for name, value in data.items() if value is not None},
    }


@with_config(_STRICT)
class MassPayoutData(TypedDict):
    currency: OptionalCurrency
    platforms: Annotated[
        list[Annotated[str, PlainValidator(_slug_item)]],
        BeforeValidator(_slug_array),
        Field(default_factory=list),
    ]
    batch_id: Annotated[Id, Field(alias="batchId")]
    initiated_by: Annotated[_text(254, required=False), Field(alias="initiatedBy")]
    scheduled_for: Annotated[OptionalTimestamp, Field(alias="scheduledFor")]
    total_amount_minor: Annotated[OptionalAmount, Field(alias="totalAmount")]
    payout_count: Annotated[_whole_number(0, 10_000_000), Field(alias="payoutCount")]
    note: OptionalReason


@dataclass(frozen=True, slots=True)
class DataSchema:
    """One event type's ``data``: its ``shape`` (a TypedDict above); the rules on several of
    its fields at once, ``together(data) -> [(field, message)]`` (``""``: ``data`` itself),
    checked on the data received whatever the fields' own checks found (pydantic would run a
    model validator only once every field passed); and ``finish``, the last touches of the
    cleaned dict."""

    shape: Any
    together: Callable[[dict], list[tuple[str, str]]] | None = None
    finish: Callable[[dict], dict] | None = None


DATA_SCHEMAS: dict[str, DataSchema] = {
    **dict.fromkeys(sorted(EARNING_EVENTS), DataSchema(EarningData)),
    "refund_issued": DataSchema(RefundData, _currency_needed_with("amount", "chargebackFee")),
    "chargeback_received": DataSchema(
        ChargebackData, _currency_needed_with("amount", "chargebackFee")
    ),
    "subscription_cancelled": DataSchema(CancellationData),
    "creator_earnings_updated": DataSchema(EarningsUpdatedData, finish=_earnings_updated_finish),
    "fraud_detected": DataSchema(FraudData, finish=_fraud_finish),
    "content_flagged": DataSchema(ContentFlaggedData),
    "user_created": DataSchema(UserCreatedData, finish=_user_finish),
    "user_updated": DataSchema(UserUpdatedData, _a_user_field_given, _user_finish),
    "user_suspended": DataSchema(UserSuspendedData),
    "security_alert": DataSchema(SecurityAlertData),
    "platform_config_updated": DataSchema(
        PlatformConfigData, _a_change_given, _platform_config_finish
    ),
    "mass_payout_initiated": DataSchema(MassPayoutData, _currency_needed_with("totalAmount")),
}


# --- the envelope --------------------------------------------------------------------------


def _event_type_here(value: str, info: ValidationInfo) -> str:
    source = info.context["source"]
    if value not in EVENT_TYPES:
        raise _refused(f"Unknown event type {value!r}.")
    if not event_allowed_on(source, value):
        if source == CENTRAL_SOURCE:
            raise _refused(f"{value} is a platform event: send it to its platform's URL.")
        raise _refused(f"{value} is a central event: send it to /webhooks/fanzdash.")
    return value


def _sent_to_source(value: Any, info: ValidationInfo) -> str | None:
    """A platform event names the platform of its URL; a central event nothing or fanzdash."""
    source = info.context["source"]
    if value is None:
        if source != CENTRAL_SOURCE:
            raise _refused(REQUIRED)
        return None
    if not isinstance(value, str):
        raise _refused(f"Expected a string, got {_json_type(value)}.")
    if value != source:
        raise _refused(f"The event says {value[:50]!r} but was sent to {source!r}.")
    return value


EventId = Annotated[Id, Field(alias="id")]
SentTo = Annotated[str | None, PlainValidator(_sent_to_source), Field(None, validate_default=True)]
CreatedAt = Annotated[datetime, PlainValidator(_created_at), Field(alias="created_at")]
DataT = TypeVar("DataT")


@with_config(_STRICT)
class Event(TypedDict, Generic[DataT]):
    """The envelope of an event whose type chose ``DataT``, its ``data`` shape. The type is
    not checked again: ``event_validate`` chose the shape by it (a known type, allowed at the
    source, once trimmed), as a discriminated union would."""

    event_id: EventId
    event_type: Annotated[str, Field(alias="event")]
    platform: SentTo
    occurred_at: CreatedAt
    data: DataT


@with_config(_STRICT)
class UntypedEvent(TypedDict):
    """The envelope of an event whose type chose no shape (unknown, not allowed at the source,
    or not a string): the type is reported, ``data`` only checked to be an object."""

    event_id: EventId
    event_type: Annotated[_text(64, _event_type_here), Field(alias="event")]
    platform: SentTo
    occurred_at: CreatedAt
    data: dict


# Built once. By the kind of source, the types allowed there: (data schema, envelope validator).
# The validators are called directly (TypeAdapter.validate_python is a Python call around them,
# on the hot path).
_UNTYPED = (None, TypeAdapter(UntypedEvent).validator)
_PLATFORM_TYPES, _CENTRAL_TYPES = (
    {
        name: (schema, TypeAdapter(Event[schema.shape]).validator)
        for name, schema in DATA_SCHEMAS.items()
        if EVENT_TYPES[name].scope == scope
    }
    for scope in (PLATFORM_SCOPE, CENTRAL_SCOPE)
)
_FIGURES_VALIDATOR = TypeAdapter(Figures).validator

# pydantic's own type errors in FanzDash's words ({}: the JSON type received).
_TYPE_MESSAGES = {
    "string_type": "Expected a string, got {}.",
    "int_type": "Expected a whole number, got {}.",
    "dict_type": "Expected an object, got {}.",
}


def _message(problem: dict) -> str:
    kind = problem["type"]
    if kind == "missing":
        return REQUIRED
    template = _TYPE_MESSAGES.get(kind)
    if template is None:
        return problem["msg"]
    value = problem["input"]
    return REQUIRED if value is None else template.format(_json_type(value))


def _errors_by_path(error: ValidationError, prefix: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """pydantic's problems as ``{field path: [messages]}``: the location joined with dots
    (``data.platforms.1``); a refused key of a mapping is reported on the mapping and hides
    its value's problems."""
    problems = error.errors(include_url=False, include_context=False)
    refused_keys = [p["loc"][:-1] for p in problems if p["type"] == "refused_key"]
    errors: dict[str, list[str]] = {}
    for problem in problems:
        loc = problem["loc"]
        if refused_keys:
            if problem["type"] == "refused_key":
                loc = loc[:-2]  # (..., mapping, key, "[key]")
            elif any(loc[: len(key)] == key for key in refused_keys):
                continue
        path = ".".join([*prefix, *map(str, loc)])
        errors.setdefault(path, []).append(_message(problem))
    return errors


def earnings_figures_clean(earnings: Any, exponent: int | None, *, path: str = "earnings") -> dict:
    """The seed's earnings shape → minor units: ``{"total": 500000, "thisMonth": …,
    "platforms": {"boyfanz": …}}`` (only the figures given; at least one). Zero is allowed,
    negatives are not. Shared by ``creator_earnings_updated`` and ``sync/earnings``; raises
    ``EventSchemaError`` with paths under ``path``."""
    try:
        figures = _FIGURES_VALIDATOR.validate_python(earnings, context={"exponent": exponent})
    except ValidationError as error:
        raise EventSchemaError(_errors_by_path(error, (path,))) from None
    return _figures_given(figures)


def event_validate(source: str, payload: Any, *, now: datetime | None = None) -> dict:
    """Check one event received at ``source`` (a platform slug, or ``"fanzdash"``); ``now``
    (default: the clock) bounds ``created_at``.

    Returns ``{"event_id", "event_type", "source", "platform", "occurred_at" (aware datetime),
    "transaction_id" ("" if none), "creator_external_id" ("" if none), "data" (cleaned,
    snake_case, amounts as ``*_minor`` ints)}``; raises ``EventSchemaError`` with every
    problem by field path."""
    if not isinstance(payload, dict):
        raise EventSchemaError({"": [f"Expected a JSON object, got {_json_type(payload)}."]})
    event_type = payload.get("event")
    event_type = event_type.strip() if isinstance(event_type, str) else ""
    allowed = _CENTRAL_TYPES if source == CENTRAL_SOURCE else _PLATFORM_TYPES
    schema, validator = allowed.get(event_type, _UNTYPED)
    errors: dict[str, list[str]] = {}
    try:
        event = validator.validate_python(
            payload, context={"source": source, "now": now, "exponent": None}
        )
    except ValidationError as error:
        errors = _errors_by_path(error)
    if schema and schema.together and isinstance(data := payload.get("data"), dict):
        for field, message in schema.together(data):
            errors.setdefault(f"data.{field}" if field else "data", []).append(message)
    if errors:
        raise EventSchemaError(errors)
    data = schema.finish(event["data"]) if schema.finish else event["data"]
    return {
        "event_id": event["event_id"],
        "event_type": event_type,
        "source": source,
        "platform": None if source == CENTRAL_SOURCE else source,
        "occurred_at": event["occurred_at"],
        "transaction_id": data.get("transaction_id") or "",
        "creator_external_id": data.get("creator_id") or "",
        "data": data,
    }
