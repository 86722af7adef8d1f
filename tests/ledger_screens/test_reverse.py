from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.ledger.models import EntryKind, JournalEntry, Posting
from apps.ledger.selectors import trial_balance
from apps.ledger.services import PostingSpec, entry_post, entry_reverse

from .conftest import DENIED


def _counts():
    return (JournalEntry.objects.count(), Posting.objects.count(), AuditEvent.objects.count())


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_reverse_posts_the_opposite_entry_and_audits(ledger, client_for, finance_user):
    client = client_for(finance_user)
    response = client.post(
        reverse("ledger:reverse", args=[ledger.tip.pk]), {"reason": "duplicate import"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:entry", args=[ledger.tip.pk])
    reversal = JournalEntry.objects.get(reverses=ledger.tip)
    assert reversal.kind == EntryKind.REVERSAL
    assert reversal.idempotency_key == f"reversal:{ledger.tip.pk}"
    assert reversal.posted_by == finance_user
    assert "duplicate import" in reversal.memo
    original = {p.account_id: p.amount for p in ledger.tip.postings.all()}
    assert {p.account_id: -p.amount for p in reversal.postings.all()} == original
    assert trial_balance().balanced
    event = AuditEvent.objects.get(action="ledger.entry_reversed")
    assert event.actor == finance_user
    assert event.target_type == "ledger.journalentry"
    assert event.target_id == str(ledger.tip.pk)
    assert event.after == {"reversed_by": reversal.pk, "reason": "duplicate import"}
    assert any("reversed by" in m for m in _messages(response))

    page = client.get(reverse("ledger:entry", args=[ledger.tip.pk]))
    assert page.context["reversed_by"] == reversal
    assert page.context["can_reverse"] is False
    assert b'data-testid="reversed-by"' in page.content
    page = client.get(reverse("ledger:entry", args=[reversal.pk]))
    assert b'data-testid="reverses"' in page.content
    assert page.context["can_reverse"] is False


def test_super_admin_may_reverse(ledger, client_for, super_admin):
    client_for(super_admin).post(
        reverse("ledger:reverse", args=[ledger.tip.pk]), {"reason": "test"}
    )
    assert JournalEntry.objects.filter(reverses=ledger.tip).exists()


def test_second_reversal_is_refused_and_writes_nothing(ledger, client_for, finance_user):
    client = client_for(finance_user)
    client.post(reverse("ledger:reverse", args=[ledger.tip.pk]), {"reason": "first"})
    first = JournalEntry.objects.get(reverses=ledger.tip)
    before = _counts()
    response = client.post(reverse("ledger:reverse", args=[ledger.tip.pk]), {"reason": "again"})
    assert response.status_code == 302
    assert _counts() == before
    assert any(f"already reversed by #{first.pk}" in m for m in _messages(response))


def test_service_returns_the_first_reversal_for_a_second_one(ledger):
    """What the screen relies on: the key ``reversal:<pk>`` makes a second call hand back the
    first reversal (created=False) and post nothing."""
    first = entry_reverse(entry=ledger.tip, reason="one")
    postings = Posting.objects.count()
    second = entry_reverse(entry=ledger.tip, reason="two")
    assert first.created and not second.created
    assert second.entry.pk == first.entry.pk
    assert Posting.objects.count() == postings


def test_reversal_of_a_reversal_is_refused(ledger, client_for, finance_user):
    reversal = entry_reverse(entry=ledger.tip, reason="setup").entry
    client = client_for(finance_user)
    before = _counts()
    response = client.post(
        reverse("ledger:reverse", args=[reversal.pk]), {"reason": "undo the undo"}
    )
    assert response.status_code == 302
    assert _counts() == before
    assert any("cannot itself be reversed" in m for m in _messages(response))


def test_entry_reversed_under_another_key_is_refused(ledger, client_for, finance_user):
    """``reverses`` is one-to-one: a reversal posted some other way blocks ours in the DB."""
    postings = [PostingSpec(p.account, -p.amount) for p in ledger.tip.postings.all()]
    entry_post(
        idempotency_key="manual-fix-1",
        kind=EntryKind.REVERSAL,
        postings=postings,
        occurred_at=timezone.now(),
        reverses=ledger.tip,
    )
    client = client_for(finance_user)
    before = _counts()
    response = client.post(reverse("ledger:reverse", args=[ledger.tip.pk]), {"reason": "again"})
    assert response.status_code == 302
    assert _counts() == before
    assert any("already reversed" in m for m in _messages(response))


@pytest.mark.parametrize("reason", ["", "   "])
def test_reason_is_required(ledger, client_for, finance_user, reason):
    client = client_for(finance_user)
    before = _counts()
    response = client.post(reverse("ledger:reverse", args=[ledger.tip.pk]), {"reason": reason})
    assert response.status_code == 302
    assert _counts() == before
    assert any("reason" in m for m in _messages(response))


@pytest.mark.parametrize("role", DENIED)
def test_other_roles_cannot_reverse(ledger, users_by_role, client_for, role):
    client = client_for(users_by_role[role])
    before = _counts()
    response = client.post(reverse("ledger:reverse", args=[ledger.tip.pk]), {"reason": "x"})
    assert response.status_code == 403
    assert _counts() == before


def test_anonymous_cannot_reverse(ledger, client):
    before = _counts()
    response = client.post(reverse("ledger:reverse", args=[ledger.tip.pk]), {"reason": "x"})
    assert response.status_code == 302
    assert _counts() == before


def test_reverse_only_accepts_post(ledger, client_for, finance_user):
    response = client_for(finance_user).get(reverse("ledger:reverse", args=[ledger.tip.pk]))
    assert response.status_code == 405


def test_unknown_entry(db, client_for, finance_user):
    response = client_for(finance_user).post(
        reverse("ledger:reverse", args=[424242]), {"reason": "x"}
    )
    assert response.status_code == 404


def _release_all():
    from datetime import timedelta

    from apps.ledger.services import pending_release_due

    return pending_release_due(now=timezone.now() + timedelta(days=30))


def test_released_earning_is_refused_with_the_service_reason(ledger, client_for, finance_user):
    _release_all()
    client = client_for(finance_user)
    page = client.get(reverse("ledger:entry", args=[ledger.tip.pk]))
    assert page.context["can_reverse"] is False
    assert b'data-testid="reverse-blocked"' in page.content
    before = _counts()
    response = client.post(reverse("ledger:reverse", args=[ledger.tip.pk]), {"reason": "x"})
    assert _counts() == before
    assert any("record a refund" in m and "Nothing was written" in m for m in _messages(response))


def test_release_entry_is_not_reversible(ledger, client_for, finance_user):
    _release_all()
    release = JournalEntry.objects.filter(kind=EntryKind.RELEASE).first()
    client = client_for(finance_user)
    assert client.get(reverse("ledger:entry", args=[release.pk])).context["can_reverse"] is False
    before = _counts()
    response = client.post(reverse("ledger:reverse", args=[release.pk]), {"reason": "x"})
    assert _counts() == before
    assert any("not reversed by hand" in m for m in _messages(response))


def test_partly_refunded_earning_is_refused(ledger, client_for, finance_user):
    from apps.ledger.services import refund_record

    refund_record(
        platform=ledger.tip.platform,
        transaction_id=ledger.tip.source_id,
        kind=EntryKind.REFUND,
        occurred_at=timezone.now(),
        idempotency_key="refund-1",
        amount_minor=500,
    )
    client = client_for(finance_user)
    before = _counts()
    response = client.post(reverse("ledger:reverse", args=[ledger.tip.pk]), {"reason": "x"})
    assert _counts() == before
    assert any("refund the rest" in m for m in _messages(response))


def test_reversing_a_held_earning_closes_its_release(ledger, client_for, finance_user):
    client_for(finance_user).post(
        reverse("ledger:reverse", args=[ledger.tip.pk]), {"reason": "fraud"}
    )
    _release_all()
    # Nothing of the reversed tip became available: only the other boyfanz earning (9.00).
    from apps.ledger.selectors import creator_balances

    boyfanz = next(r for r in creator_balances(ledger.alice) if r.platform_slug == "boyfanz")
    assert (boyfanz.pending, boyfanz.available) == (0, 900)
