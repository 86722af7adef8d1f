"""The ledger side of a payout: the only code that moves a payout's money. Three steps, each
one journal entry of kind ``payout`` posted through ``apps.ledger.services.entry_post``,
idempotent by its key, under a row lock on the payout:

- ``payout_reserve``  (``payout:<id>:reserve``): per item, creator ``available`` +X (debit),
  creator ``in_payout`` -X (credit). Refused (409 ``insufficient_funds``) when an available
  balance would go below zero: checked under a row lock on its balance counter.
- ``payout_settle``   (``payout:<id>:settle``): paid. Per item, ``in_payout`` +X; network
  ``payout_clearing`` -(A - F) (what the creator receives) and ``payout_fees`` -F (the
  processor's fee), where A = ``payout.amount_minor`` (what left the creator's balance) and
  F = ``payout.fee_minor``.
- ``payout_return``   (``payout:<id>:return``): failed or cancelled. Per item, ``in_payout``
  +X, ``available`` -X.

A payout is settled XOR returned: both check the other under ``SELECT … FOR UPDATE`` of the
payout row. These functions record the entry on the payout (``reserve_entry``,
``settle_entry``, ``return_entry``); changing ``payout.state`` is the caller's business, in
the same transaction (callers lock the same row first, so the order of locks is one).

Sign convention (docs/ledger.md): positive = debit, negative = credit; creator accounts are
liabilities (credit-normal), so an available balance of 19.99 is stored as -1999.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from apps.core.bulk import instances_from_rows, rows_update
from apps.core.currencies import money_text
from apps.core.exceptions import ApplicationError
from apps.creators.models import Creator
from apps.ledger.accounts import network_account
from apps.ledger.models import Account, AccountBalance, AccountKind, EntryKind, JournalEntry
from apps.ledger.services import (
    EntryDraft,
    PostingSpec,
    entries_post_bulk,
    entries_post_bulk_ids,
    entry_post,
    run_in_transaction,
)
from apps.payouts.models import Payout, PayoutItem

ENTRY_KIND = EntryKind.PAYOUT
SOURCE_TYPE = "payout"


def reserve_key(payout_id: int) -> str:
    return f"payout:{payout_id}:reserve"


def settle_key(payout_id: int) -> str:
    return f"payout:{payout_id}:settle"


def return_key(payout_id: int) -> str:
    return f"payout:{payout_id}:return"


# --- helpers ------------------------------------------------------------------------------


def _lock_payout(payout: Payout) -> Payout:
    # No join in the locking query: FOR UPDATE would lock the creator row too.
    return Payout.objects.select_for_update().get(pk=payout.pk)


def _items(payout: Payout) -> list[PayoutItem]:
    items = list(
        payout.items.select_related("available_account", "in_payout_account").order_by("id")
    )
    if not items:
        raise ApplicationError("payout_without_items", f"Payout #{payout.pk} has no items.")
    if sum(item.amount_minor for item in items) != payout.amount_minor:
        raise ApplicationError(
            "payout_items_mismatch",
            f"The items of payout #{payout.pk} do not add up to its amount.",
            status_code=409,
        )
    for item in items:
        if (
            item.available_account.kind != AccountKind.AVAILABLE
            or item.in_payout_account.kind != AccountKind.IN_PAYOUT
            or item.available_account.creator_id != payout.creator_id
            or item.in_payout_account.creator_id != payout.creator_id
            or item.available_account.currency_id != payout.currency_id
            or item.in_payout_account.currency_id != payout.currency_id
        ):
            raise ApplicationError(
                "invalid_payout_item",
                f"Item #{item.pk} must move the creator's own available → in_payout money "
                f"in {payout.currency_id}.",
            )
    return items


def _merged(postings: list[PostingSpec]) -> list[PostingSpec]:
    """One posting per account (several items may share an account)."""
    totals: dict[int, int] = defaultdict(int)
    accounts = {}
    for posting in postings:
        totals[posting.account.pk] += posting.amount
        accounts[posting.account.pk] = posting.account
    return [PostingSpec(accounts[pk], amount) for pk, amount in sorted(totals.items()) if amount]


def _reserve_postings(items: Sequence[PayoutItem]) -> list[PostingSpec]:
    postings: list[PostingSpec] = []
    for item in items:
        postings.append(PostingSpec(item.available_account, item.amount_minor))
        postings.append(PostingSpec(item.in_payout_account, -item.amount_minor))
    return _merged(postings)


def _required_by_account(items: Sequence[PayoutItem]) -> dict[int, int]:
    needed: dict[int, int] = defaultdict(int)
    for item in items:
        needed[item.available_account_id] += item.amount_minor
    return needed


def _check_funds(needed: dict[int, int]) -> None:
    """Lock the balance counters of the available accounts (in account order, the ledger's
    lock order) and refuse if any would go below zero."""
    if not needed:
        return
    # One query: the counters locked and read together (summed here, per account).
    sums: dict[int, int] = defaultdict(int)
    for account_id, balance in (
        AccountBalance.objects.select_for_update()
        .filter(account_id__in=needed)
        .order_by("account_id", "shard")
        .values_list("account_id", "balance")
    ):
        sums[account_id] += balance
    for account_id, amount in sorted(needed.items()):
        held = -(sums.get(account_id) or 0)  # creator accounts are credit-normal
        if held < amount:
            currency = Account.objects.values_list("currency_id", flat=True).get(pk=account_id)
            raise ApplicationError(
                "insufficient_funds",
                f"Account #{account_id} holds {money_text(held, currency)}; "
                f"{money_text(amount, currency)} requested.",
                status_code=409,
            )


def _post(payout: Payout, key: str, postings: list[PostingSpec], memo: str, actor=None):
    return entry_post(
        idempotency_key=key,
        kind=ENTRY_KIND,
        postings=postings,
        occurred_at=timezone.now(),
        memo=memo,
        creator=payout.creator,
        source_type=SOURCE_TYPE,
        source_id=str(payout.pk),
        actor=actor,
    ).entry


# --- the three steps -------------------------------------------------------------------


def payout_reserve(*, payout: Payout, actor=None) -> JournalEntry:
    """available → in_payout for every item of ``payout``. Idempotent: a second call returns
    the first entry. Refused with nothing written if funds are short or the payout is closed."""

    def work() -> JournalEntry:
        locked = _lock_payout(payout)
        if locked.reserve_entry_id is not None:
            entry = locked.reserve_entry
        else:
            if locked.state in (Payout.State.CANCELLED, Payout.State.FAILED) or (
                locked.return_entry_id or locked.settle_entry_id
            ):
                raise ApplicationError(
                    "payout_closed",
                    f"Payout #{locked.pk} is {locked.state}; it cannot be reserved.",
                    status_code=409,
                )
            items = _items(locked)
            existing = JournalEntry.objects.filter(idempotency_key=reserve_key(locked.pk)).first()
            if existing is None:
                _check_funds(_required_by_account(items))
            entry = existing or _post(
                locked,
                reserve_key(locked.pk),
                _reserve_postings(items),
                f"Reserved for payout #{locked.pk}",
                actor,
            )
            locked.reserve_entry = entry
            locked.save(update_fields=["reserve_entry"])
        payout.reserve_entry = entry
        return entry

    return run_in_transaction(work)


def _reserve_many(
    todo: list[Payout], items_by_payout: dict[int, list[PayoutItem]], creators: dict
) -> None:
    """Check funds for, post and record the reservations of ``todo`` (inside a transaction,
    the payout rows locked or created by it): one set-based post, one UPDATE."""
    needed: dict[int, int] = defaultdict(int)
    drafts: list[EntryDraft] = []
    now = timezone.now()
    for payout in todo:
        items = items_by_payout.get(payout.pk, [])
        if not items or sum(i.amount_minor for i in items) != payout.amount_minor:
            raise ApplicationError(
                "payout_items_mismatch",
                f"The items of payout #{payout.pk} do not add up to its amount.",
                status_code=409,
            )
        if payout.state != Payout.State.PENDING:
            raise ApplicationError(
                "payout_closed", f"Payout #{payout.pk} is {payout.state}.", status_code=409
            )
        for account_id, amount in _required_by_account(items).items():
            needed[account_id] += amount
        drafts.append(
            EntryDraft(
                idempotency_key=reserve_key(payout.pk),
                kind=ENTRY_KIND,
                postings=_reserve_postings(items),
                occurred_at=now,
                memo=f"Reserved for payout #{payout.pk}",
                creator=creators[payout.creator_id],
                source_type=SOURCE_TYPE,
                source_id=str(payout.pk),
            )
        )
    if not drafts:
        return
    _check_funds(needed)
    results = entries_post_bulk(drafts)
    for payout, result in zip(todo, results, strict=True):
        payout.reserve_entry = result.entry
    # One statement: each payout finds its entry by key (unique index).
    key = Concat(Value("payout:"), Cast(OuterRef("pk"), CharField()), Value(":reserve"))
    Payout.objects.filter(pk__in=[p.pk for p in todo], reserve_entry__isnull=True).update(
        reserve_entry=Subquery(JournalEntry.objects.filter(idempotency_key=key).values("pk")[:1])
    )


def payouts_reserve_bulk(payouts: Sequence[Payout]) -> list[JournalEntry]:
    """``payout_reserve`` for many payouts at once: one lock of all payout rows and balance
    counters, one set-based ``entries_post_bulk``; all or nothing. Payouts already reserved
    return their entry."""
    payouts = list(payouts)
    if not payouts:
        return []

    def work() -> list[JournalEntry]:
        ids = [p.pk for p in payouts]
        locked = {
            p.pk: p for p in Payout.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        }
        creators = Creator.objects.in_bulk({p.creator_id for p in locked.values()})
        items_by_payout: dict[int, list[PayoutItem]] = defaultdict(list)
        for item in (
            PayoutItem.objects.filter(payout_id__in=ids)
            .select_related("available_account", "in_payout_account")
            .order_by("id")
        ):
            items_by_payout[item.payout_id].append(item)
        todo = [locked[pk] for pk in ids if locked[pk].reserve_entry_id is None]
        _reserve_many(todo, items_by_payout, creators)
        entries = []
        for original in payouts:
            fresh = locked[original.pk]
            original.reserve_entry = fresh.reserve_entry
            entries.append(fresh.reserve_entry)
        return entries

    return run_in_transaction(work)


STUB_FIELDS = ("id", "kind", "currency_id")


@dataclass(frozen=True)
class NewPayout:
    """A payout this transaction has just inserted (a batch build), as its reservation needs
    it: no model instance, no re-read."""

    pk: int
    creator: Creator
    currency: str
    amount_minor: int
    items: tuple[tuple[int, int, int], ...]  # (available id, in_payout id, amount) each


def payouts_reserve_new(payouts: Sequence[NewPayout]) -> None:
    """The reservations of payouts this transaction has just inserted (batch builds): the
    same entry per payout as ``payout_reserve`` (available +X, in_payout -X per item, one
    posting per account), the funds checked under the balance counters' locks, one
    set-based ``entries_post_bulk``, one UPDATE recording the entries. Nobody else can see
    the payouts yet. Must run inside the transaction that created them."""
    if not connection.in_atomic_block:
        raise ApplicationError("transaction_required", "Reserve new payouts in their transaction.")
    needed: dict[int, int] = defaultdict(int)
    drafts: list[EntryDraft] = []
    now = timezone.now()
    for payout in payouts:
        if not payout.items or sum(item[2] for item in payout.items) != payout.amount_minor:
            raise ApplicationError(
                "payout_items_mismatch",
                f"The items of payout #{payout.pk} do not add up to its amount.",
                status_code=409,
            )
        totals: dict[int, int] = defaultdict(int)
        kinds: dict[int, str] = {}
        for available_id, in_payout_id, amount in payout.items:
            needed[available_id] += amount
            totals[available_id] += amount
            totals[in_payout_id] -= amount
            kinds[available_id] = AccountKind.AVAILABLE
            kinds[in_payout_id] = AccountKind.IN_PAYOUT
        postings = [
            # Account stubs (id, kind, currency; the other fields deferred): what the postings
            # need, without a read.
            PostingSpec(account, totals[account.pk])
            for account in instances_from_rows(
                Account,
                STUB_FIELDS,
                [(pk, kinds[pk], payout.currency) for pk, n in sorted(totals.items()) if n],
            )
        ]
        drafts.append(
            EntryDraft(
                idempotency_key=reserve_key(payout.pk),
                kind=ENTRY_KIND,
                postings=postings,
                occurred_at=now,
                memo=f"Reserved for payout #{payout.pk}",
                creator=payout.creator,
                source_type=SOURCE_TYPE,
                source_id=str(payout.pk),
            )
        )
    if not drafts:
        return
    _check_funds(needed)
    entry_ids = entries_post_bulk_ids(drafts)
    # One statement: every payout its entry (the new payouts have none yet).
    rows_update(
        Payout,
        "reserve_entry_id",
        {p.pk: entry_id for p, entry_id in zip(payouts, entry_ids, strict=True)},
    )


def payout_settle(*, payout: Payout, actor=None) -> JournalEntry:
    """Paid: in_payout → payout_clearing (amount - fee, what the creator receives) and
    payout_fees (fee). Idempotent; refused if the payout was returned or never reserved."""

    def work() -> JournalEntry:
        locked = _lock_payout(payout)
        if locked.settle_entry_id is not None:
            entry = locked.settle_entry
        else:
            if locked.return_entry_id is not None:
                raise ApplicationError(
                    "payout_already_returned",
                    f"Payout #{locked.pk} was returned to the creator; it cannot be paid.",
                    status_code=409,
                )
            if locked.reserve_entry_id is None:
                raise ApplicationError(
                    "payout_not_reserved",
                    f"Payout #{locked.pk} has no reserved money to settle.",
                    status_code=409,
                )
            items = _items(locked)
            fee = locked.fee_minor
            if fee < 0 or fee >= locked.amount_minor:
                raise ApplicationError(
                    "invalid_fee",
                    f"A fee of {money_text(fee, locked.currency_id)} does not fit a payout of "
                    f"{money_text(locked.amount_minor, locked.currency_id)}.",
                )
            currency = locked.currency_id
            postings = [PostingSpec(item.in_payout_account, item.amount_minor) for item in items]
            postings.append(
                PostingSpec(
                    network_account(AccountKind.PAYOUT_CLEARING, currency),
                    -(locked.amount_minor - fee),
                )
            )
            if fee:
                postings.append(
                    PostingSpec(network_account(AccountKind.PAYOUT_FEES, currency), -fee)
                )
            entry = _post(
                locked,
                settle_key(locked.pk),
                _merged(postings),
                f"Payout #{locked.pk} paid",
                actor,
            )
            locked.settle_entry = entry
            locked.save(update_fields=["settle_entry"])
        payout.settle_entry = entry
        return entry

    return run_in_transaction(work)


def payout_return(*, payout: Payout, reason: str, actor=None) -> JournalEntry:
    """Failed or cancelled: in_payout → available for every item. Idempotent; refused if the
    payout was settled (paid) or never reserved."""

    def work() -> JournalEntry:
        locked = _lock_payout(payout)
        if locked.return_entry_id is not None:
            entry = locked.return_entry
        else:
            if locked.settle_entry_id is not None:
                raise ApplicationError(
                    "payout_already_settled",
                    f"Payout #{locked.pk} was paid; its money cannot be returned.",
                    status_code=409,
                )
            if locked.reserve_entry_id is None:
                raise ApplicationError(
                    "payout_not_reserved",
                    f"Payout #{locked.pk} has no reserved money to return.",
                    status_code=409,
                )
            items = _items(locked)
            postings: list[PostingSpec] = []
            for item in items:
                postings.append(PostingSpec(item.in_payout_account, item.amount_minor))
                postings.append(PostingSpec(item.available_account, -item.amount_minor))
            memo = f"Payout #{locked.pk} returned" + (f": {reason}" if reason else "")
            entry = _post(locked, return_key(locked.pk), _merged(postings), memo, actor)
            locked.return_entry = entry
            locked.save(update_fields=["return_entry"])
        payout.return_entry = entry
        return entry

    return run_in_transaction(work)


def payouts_return_bulk(payouts: Sequence[Payout], *, reason: str) -> int:
    """``payout_return`` for many payouts at once (a cancelled batch): rows locked in id
    order, one set-based post, one UPDATE; all or nothing. Payouts already returned are left
    as they are; a settled or unreserved one refuses the whole call. Returns how many were
    returned now."""
    ids = sorted({p.pk for p in payouts})
    if not ids:
        return 0

    def work() -> int:
        locked = list(Payout.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        todo = [p for p in locked if p.return_entry_id is None]
        for payout in todo:
            if payout.settle_entry_id is not None:
                raise ApplicationError(
                    "payout_already_settled",
                    f"Payout #{payout.pk} was paid; its money cannot be returned.",
                    status_code=409,
                )
            if payout.reserve_entry_id is None:
                raise ApplicationError(
                    "payout_not_reserved",
                    f"Payout #{payout.pk} has no reserved money to return.",
                    status_code=409,
                )
        if not todo:
            return 0
        creators = Creator.objects.in_bulk({p.creator_id for p in todo})
        items_by_payout: dict[int, list[PayoutItem]] = defaultdict(list)
        for item in (
            PayoutItem.objects.filter(payout_id__in=[p.pk for p in todo])
            .select_related("available_account", "in_payout_account")
            .order_by("id")
        ):
            items_by_payout[item.payout_id].append(item)
        now = timezone.now()
        memo_reason = f": {reason}" if reason else ""
        drafts = []
        for payout in todo:
            postings: list[PostingSpec] = []
            for item in items_by_payout.get(payout.pk, []):
                postings.append(PostingSpec(item.in_payout_account, item.amount_minor))
                postings.append(PostingSpec(item.available_account, -item.amount_minor))
            drafts.append(
                EntryDraft(
                    idempotency_key=return_key(payout.pk),
                    kind=ENTRY_KIND,
                    postings=_merged(postings),
                    occurred_at=now,
                    memo=f"Payout #{payout.pk} returned{memo_reason}"[:500],
                    creator=creators[payout.creator_id],
                    source_type=SOURCE_TYPE,
                    source_id=str(payout.pk),
                )
            )
        entries_post_bulk(drafts)
        key = Concat(Value("payout:"), Cast(OuterRef("pk"), CharField()), Value(":return"))
        Payout.objects.filter(pk__in=[p.pk for p in todo]).update(
            return_entry=Subquery(JournalEntry.objects.filter(idempotency_key=key).values("pk")[:1])
        )
        return len(todo)

    return run_in_transaction(work)


__all__ = [
    "NewPayout",
    "payout_reserve",
    "payout_return",
    "payout_settle",
    "payouts_reserve_bulk",
    "payouts_reserve_new",
    "payouts_return_bulk",
    "reserve_key",
    "return_key",
    "settle_key",
]
