"""Business operations of the ledger, each one entry (or a set-based batch of them) through
the posting door (``posting.py``): earnings from platform sales, refunds and chargebacks,
releases of pending money after the hold period, transfers between a creator's balances."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone

from apps.core.currencies import money_text
from apps.core.exceptions import ApplicationError
from apps.ledger.accounts import creator_account, network_account, platform_account
from apps.ledger.models import (
    CREATOR_KINDS,
    EARNING_KINDS,
    Account,
    AccountBalance,
    AccountKind,
    EntryKind,
    JournalEntry,
    PendingRelease,
    Posting,
)
from apps.ledger.services.posting import (
    EntryDraft,
    PostingSpec,
    PostResult,
    entries_post_bulk,
    entry_post_in_transaction,
    entry_validate,
    run_in_transaction,
)

# The source type of an entry made from a platform's sale (its source id the transaction id).
PLATFORM_TRANSACTION = "platform_transaction"

# --- earnings, refunds, chargebacks --------------------------------------------------------


def platform_fee_minor(platform, gross_minor: int) -> int:
    """The network's fee, rounded down: any fraction of a minor unit stays with the creator."""
    fee = (Decimal(gross_minor) * platform.fee_percent / 100).to_integral_value(ROUND_DOWN)
    return int(fee)


def _earning_postings(platform, creator, gross_minor: int, currency: str):
    """Postings of one earning, and its pending lot's accounts and amount."""
    fee = platform_fee_minor(platform, gross_minor)
    net = gross_minor - fee
    pending = creator_account(creator, platform, AccountKind.PENDING, currency)
    available = creator_account(creator, platform, AccountKind.AVAILABLE, currency)
    postings = [
        PostingSpec(network_account(AccountKind.PROCESSOR_CLEARING, currency), gross_minor),
        PostingSpec(pending, -net),
    ]
    if fee:
        postings.append(
            PostingSpec(platform_account(platform, AccountKind.FEE_REVENUE, currency), -fee)
        )
    return postings, pending, available, net


def _earning_check(kind: str, gross_minor, transaction_id: str) -> None:
    if kind not in EARNING_KINDS:
        raise ApplicationError("invalid_entry_kind", f"{kind!r} is not an earning.")
    if type(gross_minor) is not int or gross_minor <= 0:
        raise ApplicationError("invalid_amount", "Gross must be a positive amount.")
    if not transaction_id:
        raise ApplicationError("missing_transaction_id", "A platform transaction id is required.")


def earning_record(
    *,
    platform,
    creator,
    kind: str,
    gross_minor: int,
    currency: str,
    occurred_at: datetime,
    transaction_id: str,
    idempotency_key: str,
    memo: str = "",
) -> PostResult:
    """A fan paid: gross from processor clearing, the platform fee to fee revenue, the rest to
    the creator's pending balance until the platform's hold period ends."""
    _earning_check(kind, gross_minor, transaction_id)
    postings, pending, available, net = _earning_postings(platform, creator, gross_minor, currency)

    def work() -> PostResult:
        result = entry_post_in_transaction(
            idempotency_key=idempotency_key,
            kind=kind,
            postings=postings,
            occurred_at=occurred_at,
            memo=memo,
            platform=platform,
            creator=creator,
            source_type=PLATFORM_TRANSACTION,
            source_id=transaction_id,
        )
        if result.created:
            PendingRelease.objects.create(
                entry=result.entry,
                pending_account=pending,
                available_account=available,
                amount=net,
                available_at=occurred_at + timedelta(days=platform.hold_days),
            )
        return result

    entry_validate(idempotency_key, postings, occurred_at)
    return run_in_transaction(work)


@dataclass(frozen=True)
class EarningDraft:
    """One earning for ``earnings_record_bulk``: the arguments of ``earning_record``."""

    platform: object
    creator: object
    kind: str
    gross_minor: int
    currency: str
    occurred_at: datetime
    transaction_id: str
    idempotency_key: str
    memo: str = ""


def earnings_record_bulk(drafts: Sequence[EarningDraft]) -> list[PostResult]:
    """``earning_record`` for many earnings at once (batches of webhook events): every entry
    through ``entries_post_bulk`` (set-based), the new pending lots in one insert; all or
    nothing. Keys already posted return their first entry, as one by one."""
    entry_drafts: list[EntryDraft] = []
    lots: list[tuple] = []
    for draft in drafts:
        _earning_check(draft.kind, draft.gross_minor, draft.transaction_id)
        postings, pending, available, net = _earning_postings(
            draft.platform, draft.creator, draft.gross_minor, draft.currency
        )
        entry_drafts.append(
            EntryDraft(
                idempotency_key=draft.idempotency_key,
                kind=draft.kind,
                postings=postings,
                occurred_at=draft.occurred_at,
                memo=draft.memo,
                platform=draft.platform,
                creator=draft.creator,
                source_type=PLATFORM_TRANSACTION,
                source_id=draft.transaction_id,
            )
        )
        available_at = draft.occurred_at + timedelta(days=draft.platform.hold_days)
        lots.append((pending, available, net, available_at))

    def work() -> list[PostResult]:
        results = entries_post_bulk(entry_drafts)
        PendingRelease.objects.bulk_create(
            [
                PendingRelease(
                    entry=result.entry,
                    pending_account=pending,
                    available_account=available,
                    amount=net,
                    available_at=available_at,
                )
                for result, (pending, available, net, available_at) in zip(
                    results, lots, strict=True
                )
                if result.created
            ]
        )
        return results

    return run_in_transaction(work) if drafts else []


def _original_earning(platform, transaction_id: str) -> JournalEntry:
    original = (
        JournalEntry.objects.filter(
            platform=platform,
            source_type=PLATFORM_TRANSACTION,
            source_id=transaction_id,
            kind__in=EARNING_KINDS,
        )
        .select_related("creator")
        .first()
    )
    if original is None:
        raise ApplicationError(
            "unknown_transaction",
            f"No earning with transaction id {transaction_id!r} on {platform.slug}.",
            status_code=409,
        )
    return original


def refund_record(
    *,
    platform,
    transaction_id: str,
    kind: str,
    occurred_at: datetime,
    idempotency_key: str,
    amount_minor: int | None = None,
    chargeback_fee_minor: int = 0,
    memo: str = "",
) -> PostResult:
    """Give back all or part of an earning (refund or chargeback): the creator's share comes
    from pending first, then available (which may go negative only here, recovered from later
    earnings); the fee share comes back from fee revenue; a chargeback fee is a loss."""
    if kind not in (EntryKind.REFUND, EntryKind.CHARGEBACK):
        raise ApplicationError("invalid_entry_kind", f"{kind!r} is not a refund or chargeback.")
    if chargeback_fee_minor and kind != EntryKind.CHARGEBACK:
        raise ApplicationError("invalid_amount", "Only a chargeback carries a chargeback fee.")
    if type(chargeback_fee_minor) is not int or chargeback_fee_minor < 0:
        raise ApplicationError("invalid_amount", "The chargeback fee cannot be negative.")

    def work() -> PostResult:
        existing = JournalEntry.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return PostResult(existing, created=False)
        original = _original_earning(platform, transaction_id)
        lot = PendingRelease.objects.select_for_update().get(entry=original)
        gross = sum(
            p.amount
            for p in original.postings.select_related("account")
            if p.account.kind == AccountKind.PROCESSOR_CLEARING
        )
        currency = lot.pending_account.currency_id
        # What earlier refunds gave back: clearing outflow less the chargeback fees in it.
        earlier = Posting.objects.filter(
            entry__platform=platform,  # (platform, source_type, source_id) is indexed
            entry__source_type="refund_of",
            entry__source_id=str(original.pk),
            account__kind__in=[AccountKind.PROCESSOR_CLEARING, AccountKind.CHARGEBACK_LOSSES],
        ).values_list("amount", flat=True)
        already = -sum(earlier)
        amount = gross - already if amount_minor is None else amount_minor
        if type(amount) is not int or amount <= 0:
            raise ApplicationError("invalid_amount", "The refund amount must be positive.")
        if already + amount > gross:
            raise ApplicationError(
                "refund_exceeds_original",
                f"Refunds would total {money_text(already + amount, currency)} of an original "
                f"{money_text(gross, currency)}.",
                status_code=409,
            )
        fee_total = platform_fee_minor(platform, gross)
        fee_share = fee_total * amount // gross
        creator_share = amount - fee_share
        from_pending = min(lot.amount, creator_share) if lot.released_entry_id is None else 0
        from_available = creator_share - from_pending
        clearing = network_account(AccountKind.PROCESSOR_CLEARING, currency)
        postings = [PostingSpec(clearing, -amount)]
        if from_pending:
            postings.append(PostingSpec(lot.pending_account, from_pending))
        if from_available:
            postings.append(PostingSpec(lot.available_account, from_available))
        if fee_share:
            postings.append(
                PostingSpec(
                    platform_account(platform, AccountKind.FEE_REVENUE, currency), fee_share
                )
            )
        if chargeback_fee_minor:
            postings.append(
                PostingSpec(
                    network_account(AccountKind.CHARGEBACK_LOSSES, currency), chargeback_fee_minor
                )
            )
            postings.append(PostingSpec(clearing, -chargeback_fee_minor))
        entry_validate(idempotency_key, postings, occurred_at)
        result = entry_post_in_transaction(
            idempotency_key=idempotency_key,
            kind=kind,
            postings=postings,
            occurred_at=occurred_at,
            memo=memo,
            platform=platform,
            creator=original.creator,
            source_type="refund_of",
            source_id=str(original.pk),
        )
        if result.created and from_pending:
            lot.amount -= from_pending
            lot.save(update_fields=["amount"])
        return result

    return run_in_transaction(work)


# --- release and transfer ----------------------------------------------------------------


def pending_release_due(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Move every matured pending amount to available. Safe to run from several workers at
    once (rows are claimed with SKIP LOCKED) and again after a crash (keys per lot)."""
    now = now or timezone.now()
    released = 0
    while True:

        def work() -> int:
            # of=("self",): lock the lots only. Locking the joined account rows too would make
            # a second worker skip every lot of the same accounts and stop early.
            lots = list(
                PendingRelease.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(released_entry__isnull=True, available_at__lte=now, amount__gt=0)
                .select_related(
                    "pending_account", "available_account", "entry__platform", "entry__creator"
                )
                .order_by("available_at")[:batch_size]
            )
            for lot in lots:
                result = entry_post_in_transaction(
                    idempotency_key=f"release:{lot.entry_id}",
                    kind=EntryKind.RELEASE,
                    postings=[
                        PostingSpec(lot.pending_account, lot.amount),
                        PostingSpec(lot.available_account, -lot.amount),
                    ],
                    occurred_at=lot.available_at,
                    memo=f"Hold period over for #{lot.entry_id}",
                    platform=lot.entry.platform,
                    creator=lot.entry.creator,
                    source_type="entry",
                    source_id=str(lot.entry_id),
                )
                lot.released_entry = result.entry
            PendingRelease.objects.bulk_update(lots, ["released_entry"])  # one UPDATE, not 500
            return len(lots)

        count = run_in_transaction(work)
        released += count
        if count < batch_size:
            return released


def creator_transfer(
    *,
    source: Account,
    destination: Account,
    amount_minor: int,
    idempotency_key: str,
    memo: str = "",
    actor=None,
) -> PostResult:
    """Move money between two accounts of the same creator and currency (e.g. available →
    in_payout). The source must hold enough: checked under a row lock on its balance."""
    if source.creator_id is None or source.creator_id != destination.creator_id:
        raise ApplicationError("invalid_transfer", "Both accounts must belong to one creator.")
    if source.currency_id != destination.currency_id:
        raise ApplicationError("invalid_transfer", "Both accounts must be in one currency.")
    if source.kind not in CREATOR_KINDS or destination.kind not in CREATOR_KINDS:
        raise ApplicationError("invalid_transfer", "Only creator accounts can be transferred.")
    if type(amount_minor) is not int or amount_minor <= 0:
        raise ApplicationError("invalid_amount", "The amount must be positive.")
    postings = [PostingSpec(source, amount_minor), PostingSpec(destination, -amount_minor)]
    occurred_at = timezone.now()
    entry_validate(idempotency_key, postings, occurred_at)

    def work() -> PostResult:
        existing = JournalEntry.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return entry_post_in_transaction(
                idempotency_key=idempotency_key,
                kind=EntryKind.TRANSFER,
                postings=postings,
                occurred_at=existing.occurred_at,
            )
        rows = AccountBalance.objects.select_for_update().filter(account=source)
        held = -sum(row.balance for row in rows)  # creator accounts are credit-normal
        if held < amount_minor:
            raise ApplicationError(
                "insufficient_funds",
                f"The account holds {money_text(held, source.currency_id)}; "
                f"{money_text(amount_minor, source.currency_id)} requested.",
                status_code=409,
            )
        return entry_post_in_transaction(
            idempotency_key=idempotency_key,
            kind=EntryKind.TRANSFER,
            postings=postings,
            occurred_at=occurred_at,
            memo=memo,
            platform=source.platform,
            creator=source.creator,
            source_type="transfer",
            source_id=idempotency_key,
            actor=actor,
        )

    return run_in_transaction(work)
