"""Finding (and opening on first use) the accounts of the chart. Accounts are never deleted,
so their ids are cached per process once the transaction that made them has committed."""

from __future__ import annotations

from django.db import transaction

from apps.core.currencies import currency_exponent
from apps.core.exceptions import ApplicationError

from .models import (
    CREATOR_KINDS,
    HOT_ACCOUNT_SHARDS,
    NETWORK_KINDS,
    PLATFORM_KINDS,
    Account,
    AccountKind,
)

PLATFORM_ACCOUNT_SHARDS = 8

_cache: dict[str, Account] = {}


def account_key(
    kind: str, currency: str, *, creator_id: int | None = None, platform_slug: str | None = None
) -> str:
    if kind in CREATOR_KINDS:
        return f"creator:{creator_id}:{platform_slug}:{kind}:{currency}"
    if kind in PLATFORM_KINDS:
        return f"platform:{platform_slug}:{kind}:{currency}"
    return f"network:{kind}:{currency}"


def _account_get_or_open(key: str, **fields) -> Account:
    cached = _cache.get(key)
    if cached is not None:
        return cached
    account, _ = Account.objects.get_or_create(key=key, defaults=fields)
    transaction.on_commit(lambda: _cache.setdefault(key, account))
    return account


def creator_account(creator, platform, kind: str, currency: str) -> Account:
    if kind not in CREATOR_KINDS:
        raise ApplicationError("unknown_account", f"{kind!r} is not a creator account kind.")
    currency_exponent(currency)  # refuses unknown currencies
    return _account_get_or_open(
        account_key(kind, currency, creator_id=creator.pk, platform_slug=platform.slug),
        kind=kind,
        currency_id=currency,
        creator=creator,
        platform=platform,
    )


def platform_account(platform, kind: str, currency: str) -> Account:
    if kind not in PLATFORM_KINDS:
        raise ApplicationError("unknown_account", f"{kind!r} is not a platform account kind.")
    currency_exponent(currency)
    return _account_get_or_open(
        account_key(kind, currency, platform_slug=platform.slug),
        kind=kind,
        currency_id=currency,
        platform=platform,
        shard_count=PLATFORM_ACCOUNT_SHARDS,
    )


def network_account(kind: str, currency: str) -> Account:
    if kind not in NETWORK_KINDS:
        raise ApplicationError("unknown_account", f"{kind!r} is not a network account kind.")
    currency_exponent(currency)
    return _account_get_or_open(
        account_key(kind, currency), kind=kind, currency_id=currency, shard_count=HOT_ACCOUNT_SHARDS
    )


def account_cache_clear() -> None:
    _cache.clear()


__all__ = [
    "AccountKind",
    "account_cache_clear",
    "account_key",
    "creator_account",
    "network_account",
    "platform_account",
]
