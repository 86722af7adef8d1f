"""What a webhook event may say: the envelope, every event type and its ``data``.

``event_validate(source, payload)`` runs in the webhook request path (thousands of events a
second), so it is plain Python: no serializer per event. It collects every problem it finds,
keyed by field path (``"data.amount"``, ``"platform"``), and raises ``EventSchemaError`` (a
422 ``schema_error``); otherwise it returns a cleaned event whose amounts are integer minor
units, so handlers never parse again.

Unknown extra keys in the envelope or in ``data`` are ignored (platforms may add fields
without breaking); everything FanzDash reads is checked strictly: types, lengths, amounts
(decimal strings or JSON numbers, converted exactly; zero, negative, NaN, over-precise refused),
currencies (known ISO 4217 codes, upper case).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils import timezone
from rest_framework import status

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
            "user_created",
            CENTRAL_SCOPE,
            "A user registered somewhere in the network.",
            "None: the user (and for creators, the creator and platform account) is synced.",
        ),
        EventType("user_updated", CENTRAL_SCOPE, "A user's profile changed.", "None (synced)."),
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


class _Checker:
    """Collects errors by path while reading values from one object."""

    __slots__ = ("errors",)

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def string(
        self,
        obj: dict,
        key: str,
        path: str,
        *,
        required: bool = True,
        max_length: int = MAX_ID_LENGTH,
    ) -> str | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.add(f"{path}{key}", "This field is required.")
            return None
        if not isinstance(value, str):
            self.add(f"{path}{key}", f"Expected a string, got {_json_type(value)}.")
            return None
        value = value.strip()
        if not value:
            if required:
                self.add(f"{path}{key}", "This field may not be blank.")
            return None
        if len(value) > max_length:
            self.add(f"{path}{key}", f"At most {max_length} characters.")
            return None
        if not value.isprintable():
            self.add(f"{path}{key}", "Control characters are not allowed.")
            return None
        return value

    def currency(self, obj: dict, key: str, path: str, *, required: bool = True):
        """(code, exponent) or (None, None)."""
        value = obj.get(key)
        if value is None:
            if required:
                self.add(f"{path}{key}", "This field is required.")
            return None, None
        if not isinstance(value, str) or not _CURRENCY_CODE.fullmatch(value):
            self.add(f"{path}{key}", "Expected an ISO 4217 code in capitals, such as USD.")
            return None, None
        try:
            return value, currency_exponent(value)
        except ApplicationError:
            self.add(f"{path}{key}", f"Unknown currency {value!r}.")
            return None, None

    def amount(
        self,
        obj: dict,
        key: str,
        path: str,
        exponent: int | None,
        *,
        required: bool = True,
        allow_zero: bool = False,
    ) -> int | None:
        value = obj.get(key)
        field = f"{path}{key}"
        if value is None:
            if required:
                self.add(field, "This field is required.")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            self.add(field, f'Expected a decimal string such as "19.99", got {_json_type(value)}.')
            return None
        if isinstance(value, str) and not _DECIMAL_STRING.fullmatch(value):
            self.add(field, f'{value[:40]!r} is not a decimal amount such as "19.99".')
            return None
        if exponent is None:
            return None  # the currency is missing or unknown: reported on its own field
        try:
            return parse_amount(value, exponent, allow_zero=allow_zero, field=field)
        except ApplicationError as error:
            detail = error.detail if isinstance(error.detail, dict) else {field: error.detail}
            for message in detail.values():
                self.add(field, str(message))
            return None

    def integer(
        self, obj: dict, key: str, path: str, *, low: int, high: int, required: bool = False
    ) -> int | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.add(f"{path}{key}", "This field is required.")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(f"{path}{key}", f"Expected a whole number, got {_json_type(value)}.")
            return None
        if not low <= value <= high:
            self.add(f"{path}{key}", f"Expected {low} to {high}.")
            return None
        return value

    def choice(
        self, obj: dict, key: str, path: str, choices, *, required: bool = True
    ) -> str | None:
        value = self.string(obj, key, path, required=required, max_length=50)
        if value is None:
            return None
        lowered = value.lower()
        if lowered not in choices:
            self.add(f"{path}{key}", f"Expected one of: {', '.join(sorted(set(choices)))}.")
            return None
        return lowered

    def slug(self, obj: dict, key: str, path: str, *, required: bool = True) -> str | None:
        value = self.string(obj, key, path, required=required, max_length=50)
        if value is not None and not _SLUG.fullmatch(value):
            self.add(f"{path}{key}", "Expected a platform slug (lower case letters, digits, - _).")
            return None
        return value

    def timestamp(self, obj: dict, key: str, path: str, *, required: bool = True):
        value = obj.get(key)
        field = f"{path}{key}"
        if value is None:
            if required:
                self.add(field, "This field is required.")
            return None
        if not isinstance(value, str) or len(value) > 40:
            self.add(field, "Expected an ISO 8601 date-time with a time zone.")
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.add(field, f"{value!r} is not an ISO 8601 date-time.")
            return None
        try:
            # In UTC, and refused unless the database can hold it (a +17:40 offset, year 1
            # with a positive offset): a 422, never a database error.
            return instant_clean(moment)
        except ValueError as error:
            self.add(field, str(error))
            return None


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


# --- data per event type -------------------------------------------------------------------


def _earning_data(c: _Checker, data: dict) -> dict:
    p = "data."
    currency, exponent = c.currency(data, "currency", p)
    return {
        "transaction_id": c.string(data, "transactionId", p),
        "creator_id": c.string(data, "creatorId", p, max_length=MAX_EXTERNAL_ID_LENGTH),
        "user_id": c.string(data, "userId", p, required=False),
        "amount_minor": c.amount(data, "amount", p, exponent),
        "currency": currency,
        "subscription_id": c.string(data, "subscriptionId", p, required=False),
        "content_id": c.string(data, "contentId", p, required=False),
    }


def _refund_data(c: _Checker, data: dict, event_type: str) -> dict:
    p = "data."
    money_given = data.get("amount") is not None or data.get("chargebackFee") is not None
    currency, exponent = c.currency(data, "currency", p, required=money_given)
    fee = None
    if event_type == "chargeback_received":
        fee = c.amount(data, "chargebackFee", p, exponent, required=False, allow_zero=True)
    elif data.get("chargebackFee") is not None:
        c.add("data.chargebackFee", "Only a chargeback carries a chargeback fee.")
    return {
        "transaction_id": c.string(data, "transactionId", p),
        "creator_id": c.string(data, "creatorId", p, required=False, max_length=100),
        "user_id": c.string(data, "userId", p, required=False),
        # None: everything that is left of the original transaction.
        "amount_minor": c.amount(data, "amount", p, exponent, required=False),
        "chargeback_fee_minor": fee or 0,
        "currency": currency,
        "reason": c.string(data, "reason", p, required=False, max_length=MAX_TEXT_LENGTH),
    }


def _cancellation_data(c: _Checker, data: dict) -> dict:
    p = "data."
    return {
        "creator_id": c.string(data, "creatorId", p, max_length=MAX_EXTERNAL_ID_LENGTH),
        "user_id": c.string(data, "userId", p, required=False),
        "subscription_id": c.string(data, "subscriptionId", p, required=False),
        "transaction_id": c.string(data, "transactionId", p, required=False),
        "reason": c.string(data, "reason", p, required=False, max_length=MAX_TEXT_LENGTH),
    }


EARNINGS_FIGURES = ("total", "thisMonth", "lastPayout", "pendingPayout")


def earnings_figures_clean(
    earnings: Any, exponent: int | None, *, path: str = "earnings", errors=None
) -> dict:
    """The seed's earnings shape → minor units: ``{"total": 500000, "thisMonth": …,
    "platforms": {"boyfanz": …}}`` (only the figures given; at least one). Zero is allowed,
    negatives are not. Shared by ``creator_earnings_updated`` and ``sync/earnings``; raises
    ``EventSchemaError`` unless ``errors`` (a ``_Checker``) collects for a caller."""
    c = errors if errors is not None else _Checker()
    figures: dict[str, Any] = {}
    if not isinstance(earnings, dict):
        c.add(path, f"Expected an object, got {_json_type(earnings)}.")
    else:
        for name in EARNINGS_FIGURES:
            value = c.amount(earnings, name, f"{path}.", exponent, required=False, allow_zero=True)
            if value is not None:
                figures[name] = value
        platforms = earnings.get("platforms")
        if platforms is not None:
            if not isinstance(platforms, dict):
                c.add(f"{path}.platforms", f"Expected an object, got {_json_type(platforms)}.")
            else:
                per_platform = {}
                for slug in platforms:
                    if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
                        c.add(f"{path}.platforms", f"{str(slug)[:50]!r} is not a platform slug.")
                        continue
                    value = c.amount(
                        platforms, slug, f"{path}.platforms.", exponent, allow_zero=True
                    )
                    if value is not None:
                        per_platform[slug] = value
                figures["platforms"] = per_platform
        if not any(name in earnings for name in (*EARNINGS_FIGURES, "platforms")):
            c.add(path, f"Give at least one of: {', '.join(EARNINGS_FIGURES)}, platforms.")
    if errors is None and c.errors:
        raise EventSchemaError(c.errors)
    return figures


def _earnings_updated_data(c: _Checker, data: dict) -> dict:
    p = "data."
    currency, exponent = c.currency(data, "currency", p)
    return {
        "creator_id": c.string(data, "creatorId", p, max_length=MAX_EXTERNAL_ID_LENGTH),
        "currency": currency,
        "figures": earnings_figures_clean(
            data.get("earnings"), exponent, path="data.earnings", errors=c
        ),
    }


def _fraud_data(c: _Checker, data: dict) -> dict:
    p = "data."
    return {
        "creator_id": c.string(data, "creatorId", p, max_length=MAX_EXTERNAL_ID_LENGTH),
        "reason": c.string(data, "reason", p, max_length=MAX_TEXT_LENGTH),
        "severity": SEVERITY_ALIASES.get(
            c.choice(data, "severity", p, SEVERITY_ALIASES, required=False) or "", "warning"
        ),
        "transaction_id": c.string(data, "transactionId", p, required=False),
        "user_id": c.string(data, "userId", p, required=False),
        "risk_score": c.integer(data, "riskScore", p, low=0, high=100),
    }


USER_FIELDS = ("username", "email", "role", "status")


def _user_data(c: _Checker, data: dict, event_type: str) -> dict:
    """The sync/user shape plus the platform the user belongs to. user_created needs every
    field; user_updated only the id, the platform and what changed."""
    p = "data."
    required = event_type == "user_created"
    cleaned = {
        "id": c.string(data, "id", p, max_length=MAX_EXTERNAL_ID_LENGTH),
        "platform": c.slug(data, "platform", p),
        "username": c.string(data, "username", p, required=required, max_length=150),
        "email": c.string(data, "email", p, required=required, max_length=254),
        "role": c.string(data, "role", p, required=required, max_length=30),
        "status": c.string(data, "status", p, required=required, max_length=30),
    }
    if cleaned["email"] is not None:
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            c.add("data.email", "Enter a valid email address.")
    for name in ("role", "status"):
        if cleaned[name] is not None:
            cleaned[name] = cleaned[name].lower()
    if event_type == "user_updated" and not any(cleaned[name] for name in USER_FIELDS):
        c.add("data", f"Give at least one of: {', '.join(USER_FIELDS)}.")
    return {name: value for name, value in cleaned.items() if value is not None}


def _user_suspended_data(c: _Checker, data: dict) -> dict:
    p = "data."
    return {
        "id": c.string(data, "id", p, max_length=MAX_EXTERNAL_ID_LENGTH),
        "platform": c.slug(data, "platform", p),
        "reason": c.string(data, "reason", p, required=False, max_length=MAX_TEXT_LENGTH),
    }


def _security_alert_data(c: _Checker, data: dict) -> dict:
    p = "data."
    source_ip = c.string(data, "sourceIp", p, required=False, max_length=45)
    if source_ip is not None:
        from ipaddress import ip_address

        try:
            source_ip = str(ip_address(source_ip))
        except ValueError:
            c.add("data.sourceIp", "Expected an IPv4 or IPv6 address.")
    return {
        "title": c.string(data, "title", p, max_length=255),
        "severity": SEVERITY_ALIASES.get(c.choice(data, "severity", p, SEVERITY_ALIASES) or ""),
        "description": c.string(data, "description", p, required=False, max_length=5000),
        "alert_id": c.string(data, "alertId", p, required=False),
        "platform": c.slug(data, "platform", p, required=False),
        "creator_id": c.string(data, "creatorId", p, required=False, max_length=100),
        "source_ip": source_ip,
    }


def _fee_percent(c: _Checker, data: dict) -> Decimal | None:
    value = data.get("feePercent")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        c.add(
            "data.feePercent", f'Expected a decimal string such as "5.00", got {_json_type(value)}.'
        )
        return None
    if isinstance(value, str) and not _DECIMAL_STRING.fullmatch(value):
        c.add("data.feePercent", f'{value[:40]!r} is not a decimal such as "5.00".')
        return None
    try:
        literal = getattr(value, "literal", None) or (
            repr(value) if isinstance(value, float) else str(value)
        )
        fee = Decimal(literal)
    except InvalidOperation:
        c.add("data.feePercent", "Not a decimal.")
        return None
    if not fee.is_finite() or not Decimal(0) <= fee <= Decimal(100):
        c.add("data.feePercent", "The fee is 0 to 100 percent.")
        return None
    if fee != fee.quantize(Decimal("0.01")):
        c.add("data.feePercent", "At most 2 decimal places.")
        return None
    return fee.quantize(Decimal("0.01"))


def _platform_config_data(c: _Checker, data: dict) -> dict:
    """``changes`` uses the names of ``platforms.services.platform_update``."""
    p = "data."
    changes: dict[str, Any] = {}
    fee = _fee_percent(c, data)
    if fee is not None:
        changes["fee_percent"] = fee
    hold = c.integer(data, "holdDays", p, low=0, high=MAX_HOLD_DAYS)
    if hold is not None:
        changes["hold_days"] = hold
    status_value = c.choice(data, "status", p, PLATFORM_STATUSES, required=False)
    if status_value is not None:
        changes["status"] = status_value
    if "outboundUrl" in data:
        url = data["outboundUrl"]
        if url is None or url == "":
            changes["outbound_webhook_url"] = ""
        elif not isinstance(url, str) or len(url) > 200:
            c.add("data.outboundUrl", "Expected an http(s) URL of at most 200 characters.")
        else:
            try:
                _url_validator(url)
                changes["outbound_webhook_url"] = url
            except ValidationError:
                c.add("data.outboundUrl", f"{url[:60]!r} is not an http(s) URL.")
    known = ("feePercent", "holdDays", "status", "outboundUrl")
    if not any(key in data for key in known):
        c.add("data", f"Give at least one of: {', '.join(known)}.")
    return {"platform": c.slug(data, "platform", p), "changes": changes}


def _mass_payout_data(c: _Checker, data: dict) -> dict:
    p = "data."
    money_given = data.get("totalAmount") is not None
    currency, exponent = c.currency(data, "currency", p, required=money_given)
    platforms = data.get("platforms")
    cleaned_platforms: list[str] = []
    if platforms is not None:
        if not isinstance(platforms, list) or len(platforms) > 100:
            c.add("data.platforms", "Expected an array of at most 100 platform slugs.")
        else:
            for index, slug in enumerate(platforms):
                if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
                    c.add(f"data.platforms.{index}", "Expected a platform slug.")
                else:
                    cleaned_platforms.append(slug)
    return {
        "batch_id": c.string(data, "batchId", p),
        "initiated_by": c.string(data, "initiatedBy", p, required=False, max_length=254),
        "scheduled_for": c.timestamp(data, "scheduledFor", p, required=False),
        "currency": currency,
        "total_amount_minor": c.amount(data, "totalAmount", p, exponent, required=False),
        "payout_count": c.integer(data, "payoutCount", p, low=0, high=10_000_000),
        "platforms": cleaned_platforms,
        "note": c.string(data, "note", p, required=False, max_length=MAX_TEXT_LENGTH),
    }


def _data_for(c: _Checker, event_type: str, data: dict) -> dict:
    if event_type in EARNING_EVENTS:
        return _earning_data(c, data)
    if event_type in REFUND_EVENTS:
        return _refund_data(c, data, event_type)
    if event_type == "subscription_cancelled":
        return _cancellation_data(c, data)
    if event_type == "creator_earnings_updated":
        return _earnings_updated_data(c, data)
    if event_type == "fraud_detected":
        return _fraud_data(c, data)
    if event_type in ("user_created", "user_updated"):
        return _user_data(c, data, event_type)
    if event_type == "user_suspended":
        return _user_suspended_data(c, data)
    if event_type == "security_alert":
        return _security_alert_data(c, data)
    if event_type == "platform_config_updated":
        return _platform_config_data(c, data)
    if event_type == "mass_payout_initiated":
        return _mass_payout_data(c, data)
    raise AssertionError(f"no schema for {event_type}")  # every EVENT_TYPES entry has one


# --- the envelope --------------------------------------------------------------------------


def event_validate(source: str, payload: Any, *, now: datetime | None = None) -> dict:
    """Check one event received at ``source`` (a platform slug, or ``"fanzdash"``).

    Returns ``{"event_id", "event_type", "source", "platform", "occurred_at" (aware datetime),
    "transaction_id" ("" if none), "creator_external_id" ("" if none), "data" (cleaned,
    snake_case, amounts as ``*_minor`` ints)}``; raises ``EventSchemaError`` with every
    problem by field path."""
    c = _Checker()
    if not isinstance(payload, dict):
        raise EventSchemaError({"": [f"Expected a JSON object, got {_json_type(payload)}."]})
    event_id = c.string(payload, "id", "")
    event_type = c.string(payload, "event", "", max_length=64)
    if event_type is not None:
        if event_type not in EVENT_TYPES:
            c.add("event", f"Unknown event type {event_type!r}.")
            event_type = None
        elif not event_allowed_on(source, event_type):
            if source == CENTRAL_SOURCE:
                c.add("event", f"{event_type} is a platform event: send it to its platform's URL.")
            else:
                c.add("event", f"{event_type} is a central event: send it to /webhooks/fanzdash.")
            event_type = None
    platform = payload.get("platform")
    central = source == CENTRAL_SOURCE
    if platform is None:
        if not central:
            c.add("platform", "This field is required.")
    elif not isinstance(platform, str):
        c.add("platform", f"Expected a string, got {_json_type(platform)}.")
    elif platform != source:
        c.add("platform", f"The event says {platform[:50]!r} but was sent to {source!r}.")
    occurred_at = c.timestamp(payload, "created_at", "")
    if occurred_at is not None and occurred_at > (now or timezone.now()) + MAX_FUTURE_SKEW:
        c.add("created_at", "The event is dated in the future.")
    data = payload.get("data")
    cleaned_data: dict = {}
    if data is None:
        c.add("data", "This field is required.")
    elif not isinstance(data, dict):
        c.add("data", f"Expected an object, got {_json_type(data)}.")
    elif event_type is not None:
        cleaned_data = _data_for(c, event_type, data)
    if c.errors:
        raise EventSchemaError(c.errors)
    return {
        "event_id": event_id,
        "event_type": event_type,
        "source": source,
        "platform": None if central else source,
        "occurred_at": occurred_at,
        "transaction_id": cleaned_data.get("transaction_id") or "",
        "creator_external_id": cleaned_data.get("creator_id") or "",
        "data": cleaned_data,
    }


# --- examples (OpenAPI, docs, the development test endpoint) ----------------------------------


def _example(event_id: str, event: str, data: dict, platform: str = "boyfanz") -> dict:
    return {
        "id": event_id,
        "event": event,
        "platform": platform,
        "created_at": "2026-11-20T12:00:00Z",
        "data": data,
    }


EVENT_EXAMPLES: dict[str, dict] = {
    "subscription_created": _example(
        "evt_sub_0001",
        "subscription_created",
        {
            "transactionId": "tx_sub_0001",
            "creatorId": "creator456",
            "userId": "fan_77",
            "subscriptionId": "sub_991",
            "amount": "19.99",
            "currency": "USD",
        },
    ),
    "subscription_renewed": _example(
        "evt_sub_0002",
        "subscription_renewed",
        {
            "transactionId": "tx_sub_0002",
            "creatorId": "creator456",
            "userId": "fan_77",
            "subscriptionId": "sub_991",
            "amount": "19.99",
            "currency": "USD",
        },
    ),
    "tip_sent": _example(
        "evt_8f14e45f",
        "tip_sent",
        {
            "transactionId": "tx_123",
            "userId": "fan_77",
            "creatorId": "creator456",
            "amount": "19.99",
            "currency": "USD",
        },
    ),
    "content_purchased": _example(
        "evt_buy_0001",
        "content_purchased",
        {
            "transactionId": "tx_buy_0001",
            "creatorId": "creator456",
            "userId": "fan_78",
            "contentId": "post_5521",
            "amount": "7.50",
            "currency": "EUR",
        },
    ),
    "refund_issued": _example(
        "evt_ref_0001",
        "refund_issued",
        {
            "transactionId": "tx_123",
            "creatorId": "creator456",
            "amount": "5.00",
            "currency": "USD",
            "reason": "Partial refund: duplicate tip",
        },
    ),
    "chargeback_received": _example(
        "evt_cb_0001",
        "chargeback_received",
        {
            "transactionId": "tx_sub_0001",
            "creatorId": "creator456",
            "chargebackFee": "15.00",
            "currency": "USD",
            "reason": "Cardholder dispute",
        },
    ),
    "subscription_cancelled": _example(
        "evt_sub_0003",
        "subscription_cancelled",
        {
            "creatorId": "creator456",
            "userId": "fan_77",
            "subscriptionId": "sub_991",
            "reason": "user_request",
        },
    ),
    "creator_earnings_updated": _example(
        "evt_earn_0001",
        "creator_earnings_updated",
        {
            "creatorId": "creator456",
            "currency": "USD",
            "earnings": {
                "total": "5000.00",
                "thisMonth": "1200.00",
                "lastPayout": "4500.00",
                "pendingPayout": "500.00",
            },
        },
    ),
    "fraud_detected": _example(
        "evt_fraud_0001",
        "fraud_detected",
        {
            "creatorId": "creator456",
            "reason": "Card testing: 40 tips from one card in 2 minutes",
            "severity": "high",
            "transactionId": "tx_123",
            "riskScore": 92,
        },
    ),
    "user_created": _example(
        "evt_user_0001",
        "user_created",
        {
            "id": "creator456",
            "platform": "boyfanz",
            "username": "creator_username",
            "email": "user@example.com",
            "role": "creator",
            "status": "active",
        },
        platform=CENTRAL_SOURCE,
    ),
    "user_updated": _example(
        "evt_user_0002",
        "user_updated",
        {"id": "creator456", "platform": "boyfanz", "username": "new_username"},
        platform=CENTRAL_SOURCE,
    ),
    "user_suspended": _example(
        "evt_user_0003",
        "user_suspended",
        {"id": "creator456", "platform": "boyfanz", "reason": "Terms of service violation"},
        platform=CENTRAL_SOURCE,
    ),
    "security_alert": _example(
        "evt_sec_0001",
        "security_alert",
        {
            "alertId": "alert_311",
            "title": "Credential stuffing against boyfanz login",
            "severity": "critical",
            "description": "12,000 failed logins from one ASN in 10 minutes.",
            "platform": "boyfanz",
            "sourceIp": "203.0.113.7",
        },
        platform=CENTRAL_SOURCE,
    ),
    "platform_config_updated": _example(
        "evt_cfg_0001",
        "platform_config_updated",
        {
            "platform": "boyfanz",
            "feePercent": "0.00",
            "holdDays": 7,
            "status": "active",
            "outboundUrl": "https://api.boyfanz.com/webhooks/money-dash",
        },
        platform=CENTRAL_SOURCE,
    ),
    "mass_payout_initiated": _example(
        "evt_pay_0001",
        "mass_payout_initiated",
        {
            "batchId": "batch_2026_11_20",
            "initiatedBy": "finance@fanz.network",
            "scheduledFor": "2026-11-21T09:00:00Z",
            "currency": "USD",
            "totalAmount": "125000.00",
            "payoutCount": 412,
            "platforms": ["boyfanz", "girlfanz"],
        },
        platform=CENTRAL_SOURCE,
    ),
}
