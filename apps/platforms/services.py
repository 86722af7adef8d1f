"""Every write to platforms and their webhook secrets, audited in the same transaction.

A webhook secret never reaches the audit log: events carry its hint (``…abcd``) only.
"""

from __future__ import annotations

import secrets as secrets_module
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.core.currencies import currency_exponent
from apps.core.exceptions import ApplicationError

from .models import Platform, PlatformAPIKey, WebhookSecret

MIN_SECRET_LENGTH = 24
MAX_SECRET_LENGTH = 255  # WebhookSecret.secret max_length
MAX_GRACE_HOURS = 24 * 30
MAX_HOLD_DAYS = 365
# The slug names ledger accounts and the settlement currency its balances: both are fixed.
EDITABLE_FIELDS = frozenset(
    {"name", "domain", "fee_percent", "hold_days", "status", "outbound_webhook_url"}
)


def _snapshot(platform: Platform) -> dict:
    return {
        "name": platform.name,
        "domain": platform.domain,
        "status": platform.status,
        "fee_percent": str(platform.fee_percent),
        "hold_days": platform.hold_days,
        "settlement_currency": platform.settlement_currency_id,
        "outbound_webhook_url": platform.outbound_webhook_url,
    }


def _clean_fee_percent(value) -> Decimal:
    if isinstance(value, bool | float):
        # A float is never exact: the edges hand us strings or Decimals.
        raise ApplicationError("invalid_fee_percent", "Give the fee as a decimal string.")
    try:
        fee = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError("invalid_fee_percent", f"{value!r} is not a number.") from None
    if not fee.is_finite() or not Decimal(0) <= fee <= Decimal(100):
        raise ApplicationError("invalid_fee_percent", "The fee is 0 to 100 percent.")
    if fee != fee.quantize(Decimal("0.01")):
        raise ApplicationError("invalid_fee_percent", "At most 2 decimal places.")
    return fee.quantize(Decimal("0.01"))


def _clean_hold_days(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApplicationError("invalid_hold_days", "The hold period is a whole number of days.")
    if not 0 <= value <= MAX_HOLD_DAYS:
        raise ApplicationError("invalid_hold_days", f"The hold period is 0 to {MAX_HOLD_DAYS}.")
    return value


def _clean_status(value) -> str:
    if value not in Platform.Status.values:
        raise ApplicationError("invalid_status", f"Unknown status {value!r}.")
    return value


def _clean_url(value) -> str:
    value = (value or "").strip()
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            raise ApplicationError("invalid_url", f"{value!r} is not an http(s) URL.") from None
        if len(value) > 200:  # URLField default max_length
            raise ApplicationError("invalid_url", "The URL is longer than 200 characters.")
    return value


def _clean_text(limit: int):
    def clean(value) -> str:
        value = (value or "").strip()
        if not value or len(value) > limit:
            raise ApplicationError("invalid_text", f"1 to {limit} characters are required.")
        return value

    return clean


_CLEANERS = {
    "name": _clean_text(100),
    "domain": _clean_text(255),
    "fee_percent": _clean_fee_percent,
    "hold_days": _clean_hold_days,
    "status": _clean_status,
    "outbound_webhook_url": _clean_url,
}


@transaction.atomic
def platform_create(
    *,
    slug: str,
    name: str,
    domain: str,
    actor,
    status: str = Platform.Status.ACTIVE,
    fee_percent="0",
    hold_days: int = 7,
    settlement_currency: str = "USD",
    outbound_webhook_url: str = "",
) -> Platform:
    """A new platform of the network (the core seven come from a data migration)."""
    slug = (slug or "").strip().lower()
    if not slug or not slug.replace("-", "").replace("_", "").isalnum() or len(slug) > 50:
        raise ApplicationError("invalid_slug", "A slug is 1 to 50 letters, digits, - or _.")
    if Platform.objects.filter(slug=slug).exists():
        raise ApplicationError("slug_taken", f"A platform {slug!r} already exists.")
    currency_exponent(settlement_currency)
    platform = Platform.objects.create(
        slug=slug,
        name=_clean_text(100)(name),
        domain=_clean_text(255)(domain),
        status=_clean_status(status),
        fee_percent=_clean_fee_percent(fee_percent),
        hold_days=_clean_hold_days(hold_days),
        settlement_currency_id=settlement_currency.upper(),
        outbound_webhook_url=_clean_url(outbound_webhook_url),
    )
    audit_record(actor=actor, action="platform.created", target=platform, after=_snapshot(platform))
    return platform


@transaction.atomic
def platform_update(*, platform: Platform, actor, **changes) -> Platform:
    """Change a platform's fee, hold period, status, outbound webhook URL (or, from the admin,
    its name and domain). Only fields that actually change are saved and audited
    (before/after); no change, no event."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ApplicationError(
            "field_not_editable", f"Not editable here: {', '.join(sorted(unknown))}."
        )
    cleaned = {name: _CLEANERS[name](value) for name, value in changes.items()}
    platform = Platform.objects.select_for_update().get(pk=platform.pk)
    before = _snapshot(platform)
    changed = [name for name, value in cleaned.items() if getattr(platform, name) != value]
    if not changed:
        return platform
    for name in changed:
        setattr(platform, name, cleaned[name])
    platform.save(update_fields=[*changed, "updated_at"])
    after = _snapshot(platform)
    audit_record(
        actor=actor,
        action="platform.updated",
        target=platform,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
    )
    return platform


def _secret_state(secret: WebhookSecret) -> dict:
    return {
        "id": secret.pk,
        "hint": secret.hint,
        "expires_at": secret.expires_at,
        "revoked_at": secret.revoked_at,
    }


@transaction.atomic
def platform_webhook_secret_rotate(
    *, platform: Platform, actor, secret: str | None = None, grace_hours: int = 24
) -> WebhookSecret:
    """Add a new webhook secret. The secrets active until now stay valid for ``grace_hours``
    (so the platform can switch over without losing events); 0 revokes them at once."""
    if isinstance(grace_hours, bool) or not isinstance(grace_hours, int):
        raise ApplicationError("invalid_grace", "The grace period is a whole number of hours.")
    if not 0 <= grace_hours <= MAX_GRACE_HOURS:
        raise ApplicationError("invalid_grace", f"The grace period is 0 to {MAX_GRACE_HOURS} h.")
    if secret is None:
        secret = secrets_module.token_urlsafe(32)
    elif not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
        raise ApplicationError(
            "weak_secret", f"A webhook secret has at least {MIN_SECRET_LENGTH} characters."
        )
    elif len(secret) > MAX_SECRET_LENGTH or secret != secret.strip():
        raise ApplicationError(
            "invalid_secret",
            f"A webhook secret has at most {MAX_SECRET_LENGTH} characters and no surrounding "
            "whitespace.",
        )
    # One rotation at a time per platform.
    platform = Platform.objects.select_for_update().get(pk=platform.pk)
    now = timezone.now()
    current = list(platform.webhook_secrets.active(now).order_by("created_at", "id"))
    if any(existing.secret == secret for existing in current):
        raise ApplicationError("secret_reused", "This secret is already active.")
    deadline = now + timedelta(hours=grace_hours)
    for existing in current:
        if grace_hours == 0:
            existing.revoked_at = now
            existing.save(update_fields=["revoked_at"])
        elif existing.expires_at is None or existing.expires_at > deadline:
            # Never extend a secret that was already due to expire sooner.
            existing.expires_at = deadline
            existing.save(update_fields=["expires_at"])
    new_secret = WebhookSecret.objects.create(platform=platform, secret=secret)
    audit_record(
        actor=actor,
        action="platform.webhook_secret_rotated",
        target=platform,
        before={"active_secrets": [existing.hint for existing in current]},
        after={
            "new_secret": {"id": new_secret.pk, "hint": new_secret.hint},
            "grace_hours": grace_hours,
            "previous_secrets": [_secret_state(existing) for existing in current],
        },
    )
    return new_secret


@transaction.atomic
def platform_webhook_secret_revoke(*, secret: WebhookSecret, actor) -> WebhookSecret:
    """Stop accepting one secret now (a leaked secret, or the end of a rotation)."""
    secret = WebhookSecret.objects.select_for_update().select_related("platform").get(pk=secret.pk)
    if secret.revoked_at is not None:
        raise ApplicationError("secret_revoked", f"Secret {secret.hint} is already revoked.")
    before = _secret_state(secret)
    secret.revoked_at = timezone.now()
    secret.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="platform.webhook_secret_revoked",
        target=secret.platform,
        before=before,
        after=_secret_state(secret),
    )
    return secret


# --- API keys ------------------------------------------------------------------------------

MAX_KEY_NAME_LENGTH = 50  # PlatformAPIKey.name max_length


def _api_key_state(key: PlatformAPIKey) -> dict:
    """What the audit log keeps of a key: never the key or its hash."""
    return {
        "prefix": key.prefix,
        "name": key.name,
        "expires_at": key.expiry_date.isoformat() if key.expiry_date else None,
        "revoked": key.revoked,
    }


@transaction.atomic
def platform_api_key_create(
    *, platform: Platform, name: str, actor, expires_at=None
) -> tuple[PlatformAPIKey, str]:
    """A new API key for ``platform``. Returns the key row and the full key, which exists only
    here: the database keeps a SHA-512 hash, so show it once and never log it."""
    name = (name or "").strip()
    if not name or len(name) > MAX_KEY_NAME_LENGTH:
        raise ApplicationError(
            "invalid_name", f"A key name has 1 to {MAX_KEY_NAME_LENGTH} characters."
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError("invalid_expiry", "The expiry must be in the future.")
    if platform.status == Platform.Status.RETIRED:
        raise ApplicationError("platform_retired", f"{platform.name} is retired.")
    key, raw_key = PlatformAPIKey.objects.create_key(
        platform=platform,
        name=name,
        expiry_date=expires_at,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="platform.api_key_created",
        target=platform,
        after=_api_key_state(key),
    )
    return key, raw_key


@transaction.atomic
def platform_api_key_revoke(*, key: PlatformAPIKey, actor) -> PlatformAPIKey:
    """Refuse ``key`` from now on (cannot be undone)."""
    key = PlatformAPIKey.objects.select_for_update().select_related("platform").get(pk=key.pk)
    if key.revoked:
        raise ApplicationError("key_revoked", f"Key {key.prefix} is already revoked.")
    before = _api_key_state(key)
    key.revoked = True
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked", "revoked_at"])
    audit_record(
        actor=actor,
        action="platform.api_key_revoked",
        target=key.platform,
        before=before,
        after=_api_key_state(key),
    )
    return key
