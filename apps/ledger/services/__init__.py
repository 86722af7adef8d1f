"""The only writers of the ledger:

- ``posting``    — the door: ``entry_post`` (one balanced entry, idempotent by its key),
  ``entries_post_bulk`` (many, set-based), ``entry_reverse`` (audited)
- ``operations`` — business operations built on it: earnings, refunds and chargebacks,
  releases after the hold period, transfers between a creator's balances

Callers import from here; the public names of both modules are listed below.
"""

from .operations import (
    PLATFORM_TRANSACTION,
    EarningDraft,
    creator_transfer,
    earning_record,
    earnings_record_bulk,
    pending_release_due,
    platform_fee_minor,
    refund_record,
)
from .posting import (
    NOT_REVERSIBLE,
    EntryDraft,
    PostingSpec,
    PostResult,
    entries_post_bulk,
    entries_post_bulk_ids,
    entry_post,
    entry_post_in_transaction,
    entry_reverse,
    run_in_transaction,
)

__all__ = [
    "NOT_REVERSIBLE",
    "PLATFORM_TRANSACTION",
    "EarningDraft",
    "EntryDraft",
    "PostResult",
    "PostingSpec",
    "creator_transfer",
    "earning_record",
    "earnings_record_bulk",
    "entries_post_bulk",
    "entries_post_bulk_ids",
    "entry_post",
    "entry_post_in_transaction",
    "entry_reverse",
    "pending_release_due",
    "platform_fee_minor",
    "refund_record",
    "run_in_transaction",
]
