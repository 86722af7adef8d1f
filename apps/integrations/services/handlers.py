"""What each event type means: one handler per type in ``HANDLERS``.

A handler gets the stored event and its cleaned form (``schemas.event_validate``) and runs
inside a savepoint opened by ``processing``: it either returns an ``Outcome`` (processed or
ignored, with a result summary and the journal entry, if money moved), raises ``EventWaiting``
when something it needs has not arrived yet (a refund before its purchase, an earning for a
creatorId nobody has synced yet: retried with backoff, then failed), or raises
``ApplicationError`` when a business rule refuses the event (failed at once, with the code).
Whatever it wrote before refusing is rolled back with the savepoint.

Every movement of money goes through ``apps.ledger.services`` with the idempotency key
``ledger_key(source, event id)``, so even a handler run twice moves no money twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from apps.audit.models import SecurityEvent
from apps.audit.services import security_event_record
from apps.compliance.services import violation_open
from apps.core.currencies import currency_exponent
from apps.core.exceptions import ApplicationError
from apps.core.money import format_minor
from apps.creators.models import Creator, PayoutHold, PlatformAccount
from apps.creators.services import creator_status_set, payout_hold_place
from apps.integrations.models import WebhookEvent
from apps.integrations.schemas import EARNING_EVENTS, REFUND_EVENTS
from apps.integrations.selectors import (
    creator_for_platform_account,
    earning_for_transaction,
)
from apps.integrations.services.reconciliation import (
    earnings_report_record,
    platform_visible_outcome,
)
from apps.integrations.services.users import platform_user_sync
from apps.ledger.models import EARNING_KINDS, EntryKind, JournalEntry, Posting
from apps.ledger.services import (
    PLATFORM_TRANSACTION,
    EarningDraft,
    earning_record,
    earnings_record_bulk,
    refund_record,
)
from apps.payouts.services.batches import mass_payout_request_record
from apps.platforms.models import Platform
from apps.platforms.services import platform_update

EARNING_KIND_BY_EVENT = {
    "subscription_created": EntryKind.SUBSCRIPTION,
    "subscription_renewed": EntryKind.RENEWAL,
    "tip_sent": EntryKind.TIP,
    "content_purchased": EntryKind.PURCHASE,
}
REFUND_KIND_BY_EVENT = {
    "refund_issued": EntryKind.REFUND,
    "chargeback_received": EntryKind.CHARGEBACK,
}


@dataclass
class Outcome:
    state: str  # WebhookEvent.State.PROCESSED or IGNORED
    result: dict = field(default_factory=dict)
    ledger_entry: JournalEntry | None = None


class EventWaiting(Exception):
    """Something the event needs is not there yet; try again later (then fail with ``code``).
    Raise it only before the handler has written anything: processing's fast path handles it
    without rolling back."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}")


@dataclass
class ChunkMemo:
    """What a chunk of events needs, read in a few set-based queries before its handlers run
    (``chunk_prefetch``), so a worker does not look up each creator and each transaction one
    by one. Keys are ``(platform id, external id)`` and ``(platform id, transaction id)``; a
    key missing from the memo is looked up as usual."""

    creators: dict[tuple[int, str], Creator | None] = field(default_factory=dict)
    # (entry id, idempotency key, currency) of the earning recorded for a transaction, or None.
    earnings: dict[tuple[int, str], tuple[int, str, str] | None] = field(default_factory=dict)
    locked: set[tuple[int, str]] = field(default_factory=set)
    # Fast path: earnings are collected here and posted together (``deferred_earnings_post``)
    # before any other handler runs and at the end of the chunk.
    defer_earnings: bool = False
    deferred: list[tuple[WebhookEvent, EarningDraft, Outcome]] = field(default_factory=list)


_memo: ContextVar[ChunkMemo | None] = ContextVar("integrations_chunk_memo", default=None)


def chunk_prefetch(events: list[tuple[WebhookEvent, dict]]) -> ChunkMemo:
    """Read the creators and earlier earnings the chunk's money events refer to, and take the
    transaction locks of the whole chunk at once (sorted, so workers cannot deadlock)."""
    memo = ChunkMemo()
    creator_keys: set[tuple[int, str]] = set()
    transaction_keys: set[tuple[int, str]] = set()
    for event, cleaned in events:
        if event.platform_id is None:
            continue
        data = cleaned["data"]
        if cleaned["event_type"] in EARNING_EVENTS or cleaned["event_type"] == "fraud_detected":
            creator_keys.add((event.platform_id, data["creator_id"]))
        if cleaned["event_type"] in EARNING_EVENTS or cleaned["event_type"] in REFUND_EVENTS:
            transaction_keys.add((event.platform_id, data["transaction_id"]))
    if creator_keys:
        memo.creators = dict.fromkeys(creator_keys)
        for account in PlatformAccount.objects.filter(
            _per_platform(creator_keys, "platform_id", "external_id__in")
        ).select_related("creator"):
            key = (account.platform_id, account.external_id)
            if key in memo.creators:
                memo.creators[key] = account.creator
    if transaction_keys:
        ordered = sorted(transaction_keys)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(p, hashtext(t)) FROM unnest(%s::int[], "
                    "%s::text[]) WITH ORDINALITY AS k(p, t, n) ORDER BY n",
                    [[p for p, _ in ordered], [t for _, t in ordered]],
                )
        memo.locked = set(transaction_keys)
        memo.earnings = dict.fromkeys(transaction_keys)
        condition = _per_platform(transaction_keys, "entry__platform_id", "entry__source_id__in")
        rows = (
            Posting.objects.filter(condition)
            .filter(entry__source_type=PLATFORM_TRANSACTION, entry__kind__in=EARNING_KINDS)
            .values_list(
                "entry__platform_id",
                "entry__source_id",
                "entry_id",
                "entry__idempotency_key",
                "account__currency_id",
            )
        )
        for platform_id, transaction_id, entry_id, key, currency in rows:
            if (platform_id, transaction_id) in memo.earnings and memo.earnings[
                (platform_id, transaction_id)
            ] is None:
                memo.earnings[(platform_id, transaction_id)] = (entry_id, key, currency)
    return memo


def _per_platform(keys: set[tuple[int, str]], platform_field: str, values_lookup: str) -> Q:
    """``(platform = 1 AND id IN (…)) OR (platform = 2 AND id IN (…))``: one term per platform
    (cheap to build and to plan, whatever the chunk size)."""
    by_platform: dict[int, list[str]] = {}
    for platform_id, value in keys:
        by_platform.setdefault(platform_id, []).append(value)
    condition = Q()
    for platform_id, values in by_platform.items():
        condition |= Q(**{platform_field: platform_id, values_lookup: values})
    return condition


@contextmanager
def chunk_memo(memo: ChunkMemo) -> Iterator[None]:
    token = _memo.set(memo)
    try:
        yield
    finally:
        _memo.reset(token)


def _earning_of(platform: Platform, transaction_id: str) -> tuple[int, str, str] | None:
    memo = _memo.get()
    if memo is not None and (platform.pk, transaction_id) in memo.earnings:
        return memo.earnings[(platform.pk, transaction_id)]
    return earning_for_transaction(platform, transaction_id)


def ledger_key(source: str, event_id: str) -> str:
    """The journal entry's idempotency key for one event: readable, at most 200 characters."""
    key = f"webhook:{source}:{event_id}"
    if len(key) <= 200:
        return key
    digest = hashlib.sha256(event_id.encode()).hexdigest()
    return f"webhook:{source}:sha256:{digest}"


def _processed(result: dict, entry: JournalEntry | None = None) -> Outcome:
    return Outcome(WebhookEvent.State.PROCESSED, result, entry)


def _ignored(reason: str, **result) -> Outcome:
    return Outcome(WebhookEvent.State.IGNORED, {"reason": reason, **result})


def _platform_of(event: WebhookEvent) -> Platform:
    if event.platform_id is None:
        raise ApplicationError("unknown_platform", f"No platform {event.source!r}.")
    return event.platform


def _platform_by_slug(slug: str) -> Platform:
    platform = Platform.objects.filter(slug=slug).first()
    if platform is None:
        raise ApplicationError("unknown_platform", f"No platform {slug!r} in FanzDash.")
    return platform


def _creator_or_wait(platform: Platform, creator_id: str) -> Creator:
    memo = _memo.get()
    if memo is not None and (platform.pk, creator_id) in memo.creators:
        creator = memo.creators[(platform.pk, creator_id)]
    else:
        creator = creator_for_platform_account(platform, creator_id)
    if creator is None:
        # The platform may sync the creator (sync/user, user_created) moments later.
        raise EventWaiting(
            "unknown_creator",
            f"No creator has id {creator_id!r} on {platform.slug}: sync the creator first.",
        )
    return creator


def _lock_transaction(platform: Platform, transaction_id: str) -> None:
    """Serialise events about one platform transaction for the rest of this transaction, so
    two workers cannot both find "no earning yet" for the same transactionId."""
    memo = _memo.get()
    if memo is not None and (platform.pk, transaction_id) in memo.locked:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                [platform.pk, transaction_id],
            )


# --- money -----------------------------------------------------------------------------


def handle_earning(event: WebhookEvent, cleaned: dict) -> Outcome:
    """subscription_created / subscription_renewed / tip_sent / content_purchased."""
    data = cleaned["data"]
    platform = _platform_of(event)
    creator = _creator_or_wait(platform, data["creator_id"])
    key = ledger_key(event.source, event.event_id)
    transaction_id = data["transaction_id"]
    _lock_transaction(platform, transaction_id)
    earlier = _earning_of(platform, transaction_id)
    if earlier is not None and earlier[1] != key:
        raise ApplicationError(
            "duplicate_transaction",
            f"Transaction {transaction_id!r} was already recorded as entry #{earlier[0]} "
            "by another event; this one moves no money.",
            status_code=409,
        )
    draft = EarningDraft(
        platform=platform,
        creator=creator,
        kind=EARNING_KIND_BY_EVENT[cleaned["event_type"]],
        gross_minor=data["amount_minor"],
        currency=data["currency"],
        occurred_at=cleaned["occurred_at"],
        transaction_id=transaction_id,
        idempotency_key=key,
        memo=f"{cleaned['event_type']} {event.event_id}",
    )
    summary = {"creator_id": creator.pk, "gross_minor": data["amount_minor"]}
    summary["currency"] = data["currency"]
    memo = _memo.get()
    if memo is not None and memo.defer_earnings:
        outcome = _processed(summary)
        memo.deferred.append((event, draft, outcome))
        memo.earnings[(platform.pk, transaction_id)] = (0, key, data["currency"])
        return outcome
    result = earning_record(**vars(draft))
    if memo is not None:
        memo.earnings[(platform.pk, transaction_id)] = (result.entry.pk, key, data["currency"])
    return _processed(
        {"entry_id": result.entry.pk, "entry_created": result.created, **summary}, result.entry
    )


def deferred_earnings_post() -> None:
    """Post the earnings the fast path collected so far, all at once, and complete their
    outcomes (entry, result). Raises what the ledger raises (the chunk then runs one by
    one)."""
    memo = _memo.get()
    if memo is None or not memo.deferred:
        return
    deferred, memo.deferred = memo.deferred, []
    results = earnings_record_bulk([draft for _, draft, _ in deferred])
    for (event, draft, outcome), result in zip(deferred, results, strict=True):
        entry = result.entry
        outcome.ledger_entry = entry
        outcome.result = {"entry_id": entry.pk, "entry_created": result.created, **outcome.result}
        event.ledger_entry = entry
        event.result = outcome.result
        memo.earnings[(draft.platform.pk, draft.transaction_id)] = (
            entry.pk,
            draft.idempotency_key,
            draft.currency,
        )


def handle_refund(event: WebhookEvent, cleaned: dict) -> Outcome:
    """refund_issued / chargeback_received: give back all or part of the original, found by
    transactionId; waits while the original has not arrived."""
    data = cleaned["data"]
    platform = _platform_of(event)
    transaction_id = data["transaction_id"]
    _lock_transaction(platform, transaction_id)
    original = _earning_of(platform, transaction_id)
    if original is None:
        raise EventWaiting(
            "original_not_found",
            f"No earning with transactionId {transaction_id!r} on {platform.slug} yet.",
        )
    original_id, _key, currency = original
    if data["currency"] is not None and data["currency"] != currency:
        raise ApplicationError(
            "currency_mismatch",
            f"The original transaction is in {currency}; the event says {data['currency']}.",
        )
    result = refund_record(
        platform=platform,
        transaction_id=transaction_id,
        kind=REFUND_KIND_BY_EVENT[cleaned["event_type"]],
        occurred_at=cleaned["occurred_at"],
        idempotency_key=ledger_key(event.source, event.event_id),
        amount_minor=data["amount_minor"],
        chargeback_fee_minor=data["chargeback_fee_minor"],
        memo=f"{cleaned['event_type']} {event.event_id}"
        + (f": {data['reason']}" if data["reason"] else ""),
    )
    refunded = -sum(
        p.amount
        for p in result.entry.postings.select_related("account")
        if p.account.kind == "processor_clearing"
    )
    return _processed(
        {
            "entry_id": result.entry.pk,
            "entry_created": result.created,
            "original_entry_id": original_id,
            "creator_id": result.entry.creator_id,
            "refunded_minor": refunded - data["chargeback_fee_minor"],
            "chargeback_fee_minor": data["chargeback_fee_minor"],
            "currency": currency,
        },
        result.entry,
    )


def handle_subscription_cancelled(event: WebhookEvent, cleaned: dict) -> Outcome:
    data = cleaned["data"]
    return _ignored(
        "no_money_effect",
        creator_external_id=data["creator_id"],
        subscription_id=data["subscription_id"],
    )


def handle_creator_earnings_updated(event: WebhookEvent, cleaned: dict) -> Outcome:
    """The platform's own figures, stored and compared with the ledger (mismatch flagged).
    The result, which the platform reads back at /api/v1/webhook-events/, says only what
    ``platform_visible_outcome`` allows (never the ledger's figures or the difference: staff
    read those on the report)."""

    data = cleaned["data"]
    report = earnings_report_record(
        platform=_platform_of(event),
        creator_external_id=data["creator_id"],
        figures=data["figures"],
        currency=data["currency"],
        webhook_event=event,
        as_of=cleaned["occurred_at"],  # the month of thisMonth, however late it is processed
    )
    return _processed({"earnings_report_id": report.pk, **platform_visible_outcome(report)})


def handle_fraud_detected(event: WebhookEvent, cleaned: dict) -> Outcome:
    """A security event, and the creator's payouts held until staff release them."""
    data = cleaned["data"]
    platform = _platform_of(event)
    creator = _creator_or_wait(platform, data["creator_id"])
    reference = f"integrations.webhookevent:{event.pk}"
    security_event = security_event_record(
        kind=SecurityEvent.Kind.FRAUD_DETECTED,
        summary=f"{platform.name} reports fraud by {creator}: {data['reason']}",
        severity=data["severity"],
        platform=platform,
        creator=creator,
        source_ip=event.source_ip,
        detail={
            "webhook_event": event.pk,
            "event_id": event.event_id,
            "creator_external_id": data["creator_id"],
            "reason": data["reason"],
            "transaction_id": data["transaction_id"],
            "user_id": data["user_id"],
            "risk_score": data["risk_score"],
        },
    )
    hold = payout_hold_place(
        creator=creator,
        source=PayoutHold.Source.FRAUD_DETECTED,
        reason=data["reason"],
        platform=platform,
        reference=reference,
        actor=None,
    )
    return _processed(
        {
            "security_event_id": security_event.pk,
            "payout_hold_id": hold.pk,
            "creator_id": creator.pk,
        }
    )


def handle_content_flagged(event: WebhookEvent, cleaned: dict) -> Outcome:
    """A compliance violation for staff, opened once per event (a replay finds it again); a
    critical one holds the creator's payouts (compliance places the hold)."""
    data = cleaned["data"]
    platform = _platform_of(event)
    creator = _creator_or_wait(platform, data["creator_id"])
    summary = data["reason"] or (
        f"{platform.name} flagged content {data['content_id']} "
        f"({data['violation_type'].replace('_', ' ')}, confidence {data['confidence']})"
    )
    opened = violation_open(
        kind=data["violation_type"],
        severity=data["severity"],
        summary=summary[:300],
        source="platform_event",
        creator=creator,
        platform=platform,
        content_reference=data["content_id"],
        source_reference=f"integrations.webhookevent:{event.pk} ({event.event_id})",
        dedupe_key=ledger_key(event.source, event.event_id),  # one violation per event
        confidence=data["confidence"],
        actor=None,
    )
    violation = opened.violation
    return _processed(
        {
            "violation_id": violation.pk,
            "violation_created": opened.created,
            "creator_id": creator.pk,
            "payout_hold_id": violation.payout_hold_id,
        }
    )


# --- central events ----------------------------------------------------------------------


def handle_user_sync(event: WebhookEvent, cleaned: dict) -> Outcome:
    """user_created / user_updated: the same upsert, with the same rules, as ``POST
    sync/user`` for the user of ``data.platform``: an existing account is only asked to link
    (a pending link request), and ``status`` is recorded for that platform, never applied to
    the creator network-wide."""

    data = dict(cleaned["data"])
    platform = _platform_by_slug(data.pop("platform"))
    synced = platform_user_sync(platform=platform, data=data, actor=None)
    result: dict = {"platform": platform.slug, "external_id": data["id"]}
    platform_user = synced.platform_user
    result["platform_user_id"] = platform_user.pk
    if platform_user.creator_id:
        result["creator_id"] = platform_user.creator_id
    if synced.link is not None:
        result["link"] = synced.link
    if synced.link_request is not None:
        result["link_request_id"] = synced.link_request.pk
    return _processed(result)


def handle_user_suspended(event: WebhookEvent, cleaned: dict) -> Outcome:
    """Suspend the creator this user is on that platform (a fan has nothing to suspend here).
    The one user event that acts network-wide: it is central (signed with the network secret,
    which speaks for the whole network), and only a creator already linked to that platform
    account is found (a pending link request links nothing)."""
    data = cleaned["data"]
    platform = _platform_by_slug(data["platform"])
    creator = creator_for_platform_account(platform, data["id"])
    if creator is None:
        return _ignored("not_a_creator", platform=platform.slug, external_id=data["id"])
    if creator.status == Creator.Status.CLOSED:
        return _ignored("creator_closed", creator_id=creator.pk)
    before = creator.status
    creator = creator_status_set(
        creator=creator,
        status=Creator.Status.SUSPENDED,
        actor=None,
        reason=data["reason"] or f"user_suspended event {event.event_id}",
    )
    return _processed({"creator_id": creator.pk, "status_before": before, "status": creator.status})


def handle_security_alert(event: WebhookEvent, cleaned: dict) -> Outcome:
    data = cleaned["data"]
    platform = Platform.objects.filter(slug=data["platform"]).first() if data["platform"] else None
    creator = None
    if platform is not None and data["creator_id"]:
        creator = creator_for_platform_account(platform, data["creator_id"])
    security_event = security_event_record(
        kind=SecurityEvent.Kind.SECURITY_ALERT,
        summary=data["title"],
        severity=data["severity"],
        platform=platform,
        creator=creator,
        source_ip=data["source_ip"] or event.source_ip,
        detail={
            "webhook_event": event.pk,
            "event_id": event.event_id,
            "alert_id": data["alert_id"],
            "description": data["description"],
            "platform": data["platform"],
            "creator_external_id": data["creator_id"],
        },
    )
    return _processed({"security_event_id": security_event.pk})


def handle_platform_config_updated(event: WebhookEvent, cleaned: dict) -> Outcome:
    """Fee, hold period, status, outbound URL: through platforms.services (audited, system)."""

    data = cleaned["data"]
    platform = _platform_by_slug(data["platform"])
    changes = data["changes"]
    before = {name: getattr(platform, name) for name in changes}
    platform = platform_update(platform=platform, actor=None, **changes)
    changed = sorted(name for name in changes if getattr(platform, name) != before[name])
    return _processed(
        {
            "platform": platform.slug,
            "changed": changed,
            "values": {name: str(getattr(platform, name)) for name in changed},
        }
    )


def handle_mass_payout_initiated(event: WebhookEvent, cleaned: dict) -> Outcome:
    """Recorded for the payouts app, whose batch builder turns it into batches."""
    data = cleaned["data"]
    request, _ = mass_payout_request_record(
        source=event.source,
        event_id=event.event_id,
        payload=event.payload.get("data", {}),
        summary={
            "batch_id": data["batch_id"],
            "currency": data["currency"],
            "total": (
                format_minor(data["total_amount_minor"], _exponent(data["currency"]))
                if data["total_amount_minor"] is not None
                else None
            ),
            "payout_count": data["payout_count"],
        },
    )
    return _processed({"mass_payout_request_id": request.pk, "batch_id": data["batch_id"]})


def _exponent(currency: str) -> int:
    return currency_exponent(currency)


Handler = Callable[[WebhookEvent, dict], Outcome]

HANDLERS: dict[str, Handler] = {
    **dict.fromkeys(EARNING_EVENTS, handle_earning),
    **dict.fromkeys(REFUND_EVENTS, handle_refund),
    "subscription_cancelled": handle_subscription_cancelled,
    "creator_earnings_updated": handle_creator_earnings_updated,
    "fraud_detected": handle_fraud_detected,
    "content_flagged": handle_content_flagged,
    "user_created": handle_user_sync,
    "user_updated": handle_user_sync,
    "user_suspended": handle_user_suspended,
    "security_alert": handle_security_alert,
    "platform_config_updated": handle_platform_config_updated,
    "mass_payout_initiated": handle_mass_payout_initiated,
}
