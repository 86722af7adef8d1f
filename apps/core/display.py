"""Turning stored machine values into what staff read: a JSON payload as labelled, formatted
fields (Yes/No, money with its currency, dates), and an internal reference
(``integrations.webhookevent:11``, an audit target ``accounts.user`` 1) as words and a link.

Used by the ``fanzdash`` template tags; no app is imported (pages are named by URL name)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.urls import NoReverseMatch, reverse
from django.utils.dateparse import parse_datetime

from .money import display_minor

EMPTY = "—"


@dataclass(frozen=True)
class PageOf:
    """What a kind of record is called and the staff page showing one (by pk), if any."""

    noun: str
    url_name: str = ""
    permission: str = ""


# Model labels (``app_label.modelname``, as audit targets and references store them).
RECORDS: dict[str, PageOf] = {
    "accounts.user": PageOf("User", "accounts:detail", "accounts.view_user"),
    "creators.creator": PageOf("Creator", "creators:detail", "creators.view_creator"),
    "creators.payouthold": PageOf("Payout hold"),
    "platforms.platform": PageOf("Platform"),
    "platforms.platformapikey": PageOf("Platform API key"),
    "platforms.webhooksecret": PageOf("Webhook secret"),
    "integrations.webhookevent": PageOf(
        "Webhook event", "integrations:event", "integrations.view_webhooks"
    ),
    "integrations.earningsreport": PageOf("Earnings report"),
    "integrations.masspayoutrequest": PageOf("Mass payout request"),
    "audit.securityevent": PageOf("Security event"),
    "ledger.journalentry": PageOf("Journal entry", "ledger:entry", "ledger.view_ledger"),
    "ledger.account": PageOf("Ledger account", "ledger:account", "ledger.view_ledger"),
    "payouts.payout": PageOf("Payout", "payouts:payout_detail", "payouts.view_payout"),
    "payouts.payoutbatch": PageOf(
        "Payout batch", "payouts:batch_detail", "payouts.view_payoutbatch"
    ),
    "payouts.payoutmethod": PageOf("Payout method"),
    "payouts.payoutschedule": PageOf("Payout schedule"),
    "outbound.outbounddelivery": PageOf(
        "Outbound delivery", "outbound:delivery_detail", "integrations.view_webhooks"
    ),
    "django_celery_beat.periodictask": PageOf("Scheduled task"),
}


def record_words(label: str, pk, text: str = "") -> str:
    """``"Webhook event #11"``; with the record's own description, the kind first unless the
    description already says it (``"Payout #38 to …"``, not ``"Payout Payout #38 to …"``)."""
    noun = record_noun(label)
    if not text:
        return f"{noun} #{pk}"
    first = text.split(maxsplit=1)[0].lower() if text.split() else ""
    if first in noun.lower().split():
        return text
    return f"{noun} {text}"


def record_noun(label: str) -> str:
    page = RECORDS.get((label or "").lower())
    if page is not None:
        return page.noun
    name = (label or "").rpartition(".")[2]
    return name.replace("_", " ").capitalize() or "Record"


def record_link(label: str, pk, user=None) -> str | None:
    """The staff page of record ``pk`` of kind ``label`` if there is one and ``user`` may open
    it (no user: no check)."""
    page = RECORDS.get((label or "").lower())
    if page is None or not page.url_name or not str(pk).isdigit():
        return None
    if user is not None and page.permission and not user.has_perm(page.permission):
        return None
    try:
        return reverse(page.url_name, args=[int(pk)])
    except NoReverseMatch:
        return None


_REFERENCE = re.compile(r"(?P<label>[a-z_]+\.[a-z_]+):(?P<pk>\d+)")


def parse_reference(text: str) -> tuple[str, str] | None:
    """``"integrations.webhookevent:11"`` -> ``("integrations.webhookevent", "11")``."""
    found = _REFERENCE.fullmatch((text or "").strip())
    return (found["label"], found["pk"]) if found else None


# --- payload fields --------------------------------------------------------------------------

# Fields whose generic label (the key in words) would read badly.
LABELS = {
    "amount_minor": "Amount",
    "raw": "Processor's answer",
    "reference": "Processor reference",
    "destination_hint": "Destination",
    "plan": "Sandbox plan",
    "ignored": "Already applied (ignored)",
    "entry_id": "Ledger entry",
    "entry_created": "New ledger entry",
    "original_entry_id": "Original entry",
    "creator_id": "Creator",
    "gross_minor": "Gross",
    "refunded_minor": "Refunded",
    "chargeback_fee_minor": "Chargeback fee",
    "security_event_id": "Security event",
    "payout_hold_id": "Payout hold",
    "mass_payout_request_id": "Mass payout request",
    "webhook_event": "Webhook event",
    "webhook_event_id": "Webhook event",
    "payout_id": "Payout",
    "secret_hint": "Secret",
    "secret_index": "Secret used",
    "webhook_id": "Message id",
    "timestamp": "Signed at",
    "kyc_level": "KYC level",
    "is_default": "Default method",
    "key_id": "Encryption key",
    "is_staff": "Staff",
    "is_superuser": "Superuser",
    "is_active": "Active",
    "external_id": "Platform id",
    "creator_external_id": "Platform creator id",
    "user_id": "Platform user id",
    "day_of_month": "Day of the month",
    "result_file": "Result file",
    "status_before": "Status before",
}

# Fields holding a record id: (model label) so the value becomes "Ledger entry #6925", linked.
ID_FIELDS = {
    "entry_id": "ledger.journalentry",
    "original_entry_id": "ledger.journalentry",
    "reversed_by": "ledger.journalentry",
    "creator_id": "creators.creator",
    "webhook_event": "integrations.webhookevent",
    "webhook_event_id": "integrations.webhookevent",
    "payout_id": "payouts.payout",
    "batch": "payouts.payoutbatch",
    "security_event_id": "audit.securityevent",
    "payout_hold_id": "creators.payouthold",
    "mass_payout_request_id": "integrations.masspayoutrequest",
}

# Fields whose values are codes of a fixed set: shown with spaces ("needs_attention").
CODE_FIELDS = {
    "status",
    "state",
    "kind",
    "source",
    "role",
    "outcome",
    "status_before",
    "type",
    "code",
    "failure_code",
    "plan",
}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def field_label(key: str) -> str:
    """``"callback_delivered"`` -> ``"Callback delivered"``; ``"failureCode"`` -> ``"Failure
    code"``; ``"threshold_minor"`` -> ``"Threshold"``."""
    key = str(key)
    if key in LABELS:
        return LABELS[key]
    words = _CAMEL.sub("_", key).lower().removesuffix("_minor").replace("_", " ").strip()
    return (words[:1].upper() + words[1:]) if words else key


def _currency_of(siblings: dict | None) -> str:
    for name in ("currency", "currency_id", "currency_code"):
        value = (siblings or {}).get(name)
        if isinstance(value, str) and re.fullmatch(r"[A-Za-z]{3}", value):
            return value.upper()
    return ""


def _is_money_key(key: str) -> bool:
    return key.endswith("_minor") or key in ("amount_minor", "minor")


def _datetime_text(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S") + " UTC"


@dataclass(frozen=True)
class Shown:
    """One value as people read it: text, maybe a link, maybe nested fields."""

    text: str = ""
    url: str | None = None
    fields: list[tuple[str, Shown]] | None = None
    muted: bool = False


def show_value(key: str, value, *, siblings: dict | None = None, user=None) -> Shown:
    """``value`` of field ``key`` (``siblings``: the dict it is in, for its currency)."""
    from .currencies import currency_exponent  # the Currency model: imported when used

    key = str(key)
    if value is None or value == "":
        return Shown(EMPTY, muted=True)
    if isinstance(value, bool):
        return Shown("Yes" if value else "No")
    if isinstance(value, dict):
        return Shown(fields=show_fields(value, user=user))
    if isinstance(value, (list, tuple)):
        if not value:
            return Shown("none", muted=True)
        if all(not isinstance(item, (dict, list, tuple)) for item in value):
            return Shown(", ".join(show_value(key, item, user=user).text for item in value))
        return Shown(
            fields=[(str(n), show_value(key, item, user=user)) for n, item in enumerate(value, 1)]
        )
    if key in ID_FIELDS and str(value).isdigit():
        label = ID_FIELDS[key]
        return Shown(f"{record_noun(label)} #{value}", url=record_link(label, value, user))
    if _is_money_key(key) and isinstance(value, int):
        currency = _currency_of(siblings)
        if currency:
            try:
                exponent = currency_exponent(currency)
            except Exception:  # an unknown code in an old payload: the number as stored
                return Shown(f"{value} (minor units of {currency})")
            return Shown(f"{display_minor(value, exponent)} {currency}")
    if key == "timestamp" and isinstance(value, int):
        return Shown(_datetime_text(datetime.fromtimestamp(value, tz=UTC)))
    if key == "weekday" and isinstance(value, int) and 0 <= value <= 6:
        return Shown(_WEEKDAYS[value])
    if key == "secret_index" and isinstance(value, int):
        return Shown("the newest secret" if value == 0 else f"an older secret (number {value + 1})")
    if isinstance(value, str):
        if reference := parse_reference(value):
            label, pk = reference
            return Shown(f"{record_noun(label)} #{pk}", url=record_link(label, pk, user))
        if "T" in value and (moment := _parse_datetime(value)) is not None:
            return Shown(_datetime_text(moment))
        if key in CODE_FIELDS and re.fullmatch(r"[a-z0-9_]+", value):
            return Shown(value.replace("_", " "))
        return Shown(value)
    return Shown(str(value))


def _parse_datetime(text: str) -> datetime | None:
    try:
        return parse_datetime(text)
    except ValueError:
        return None


def show_fields(data, *, user=None) -> list[tuple[str, Shown]]:
    """A dict as (label, value) pairs; ``currency`` is folded into the amounts beside it."""
    if not isinstance(data, dict):
        return [("Value", show_value("value", data, user=user))]
    has_money = any(_is_money_key(str(k)) for k in data) and bool(_currency_of(data))
    rows = []
    for key, value in data.items():
        if has_money and key in ("currency", "currency_id"):
            continue
        rows.append((field_label(key), show_value(key, value, siblings=data, user=user)))
    return rows


# --- audit actions ---------------------------------------------------------------------------

# Prefixes that only say which app recorded the action ("payouts.payout_paid"): dropped.
_APP_PREFIXES = {"payouts", "integrations", "ledger", "audit", "outbound", "admin", "core"}
_ACTION_WORDS = {
    "auth.login": "Signed in",
    "auth.logout": "Signed out",
    "auth.login_failed": "Sign-in failed",
    "auth.login_throttled": "Sign-in throttled",
}
_ACRONYMS = {"api": "API", "kyc": "KYC", "csv": "CSV", "totp": "TOTP", "mfa": "MFA"}


def action_words(action: str) -> str:
    """``"payouts.payout_paid"`` -> ``"Payout paid"``; ``"platform.api_key_created"`` ->
    ``"Platform API key created"``; ``"auth.login"`` -> ``"Signed in"``."""
    action = str(action or "")
    if action in _ACTION_WORDS:
        return _ACTION_WORDS[action]
    prefix, _, rest = action.partition(".")
    if prefix in _APP_PREFIXES and rest:
        action = rest
    words = [_ACRONYMS.get(w, w) for w in re.split(r"[._]+", action) if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]
