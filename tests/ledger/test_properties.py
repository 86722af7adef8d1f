"""Property: any sequence of valid earnings, refunds, chargebacks, releases, transfers and
reversals keeps the trial balance at zero and every balance counter equal to its postings."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core.exceptions import ApplicationError
from apps.ledger.accounts import creator_account
from apps.ledger.models import (
    Account,
    AccountBalance,
    AccountKind,
    EntryKind,
    JournalEntry,
    Posting,
)
from apps.ledger.selectors import trial_balance
from apps.ledger.services import (
    creator_transfer,
    earning_record,
    entry_reverse,
    pending_release_due,
    refund_record,
)
from apps.platforms.models import Platform
from tests.factories import make_creator

_keys = itertools.count()

operation = st.one_of(
    st.tuples(
        st.just("earn"),
        st.integers(0, 2),  # creator
        st.sampled_from(["boyfanz", "girlfanz"]),
        st.sampled_from(["USD", "EUR", "JPY"]),
        st.integers(1, 500_000),
        st.integers(0, 20),  # days ago
    ),
    st.tuples(st.just("refund"), st.integers(0, 50), st.integers(1, 500_000), st.booleans()),
    st.tuples(st.just("release"), st.integers(0, 20)),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
    st.tuples(st.just("transfer"), st.integers(0, 2), st.integers(1, 100_000)),
)


def _assert_invariants() -> None:
    assert trial_balance().balanced
    counters = dict(
        AccountBalance.objects.values("account_id")
        .annotate(s=Sum("balance"))
        .values_list("account_id", "s")
    )
    sums = dict(
        Posting.objects.values("account_id")
        .annotate(s=Sum("amount"))
        .values_list("account_id", "s")
    )
    assert counters == sums
    per_entry = Posting.objects.values("entry_id", "account__currency_id").annotate(s=Sum("amount"))
    assert all(row["s"] == 0 for row in per_entry)


@pytest.mark.django_db
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_any_sequence_keeps_the_books_balanced(reference_data, ops):
    platforms = {p.slug: p for p in Platform.objects.filter(slug__in=["boyfanz", "girlfanz"])}
    platforms["girlfanz"].fee_percent = 12
    platforms["girlfanz"].save()
    creators = [make_creator(platforms=("boyfanz", "girlfanz")) for _ in range(3)]
    earnings: list[tuple[str, str]] = []
    now = timezone.now()
    for op in ops:
        kind = op[0]
        try:
            if kind == "earn":
                _, who, slug, currency, gross, days = op
                tx = f"tx{next(_keys)}"
                earning_record(
                    platform=platforms[slug],
                    creator=creators[who],
                    kind=EntryKind.TIP,
                    gross_minor=gross,
                    currency=currency,
                    occurred_at=now - timedelta(days=days),
                    transaction_id=tx,
                    idempotency_key=f"e-{tx}",
                )
                earnings.append((slug, tx))
            elif kind == "refund" and earnings:
                _, index, amount, chargeback = op
                slug, tx = earnings[index % len(earnings)]
                refund_record(
                    platform=platforms[slug],
                    transaction_id=tx,
                    kind=EntryKind.CHARGEBACK if chargeback else EntryKind.REFUND,
                    occurred_at=now,
                    idempotency_key=f"r{next(_keys)}",
                    amount_minor=amount,
                    chargeback_fee_minor=1500 if chargeback else 0,
                )
            elif kind == "release":
                pending_release_due(now=now - timedelta(days=op[1]))
            elif kind == "reverse":
                entries = list(
                    JournalEntry.objects.filter(reversed_by__isnull=True)
                    .exclude(kind=EntryKind.REVERSAL)
                    .order_by("id")
                )
                if entries:
                    entry_reverse(entry=entries[op[1] % len(entries)], reason="property test")
            elif kind == "transfer":
                _, who, amount = op
                accounts = Account.objects.filter(creator=creators[who], kind=AccountKind.AVAILABLE)
                for account in accounts[:1]:
                    creator_transfer(
                        source=account,
                        destination=creator_account(
                            creators[who],
                            account.platform,
                            AccountKind.IN_PAYOUT,
                            account.currency_id,
                        ),
                        amount_minor=amount,
                        idempotency_key=f"x{next(_keys)}",
                    )
        except ApplicationError:
            pass  # a refused operation must leave the books as they were
        _assert_invariants()
