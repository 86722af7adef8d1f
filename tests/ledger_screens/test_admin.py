from __future__ import annotations

import pytest
from django.urls import reverse

from apps.ledger.models import Account, AccountBalance, JournalEntry, PendingRelease

MODELS = [
    ("account", Account),
    ("journalentry", JournalEntry),
    ("accountbalance", AccountBalance),
    ("pendingrelease", PendingRelease),
]


@pytest.mark.parametrize(("name", "model"), MODELS)
def test_ledger_admin_is_read_only_and_searchable(ledger, client_for, super_admin, name, model):
    client = client_for(super_admin)
    obj = model.objects.first()
    changelist = reverse(f"admin:ledger_{name}_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(changelist, {"q": "boyfanz"}).status_code == 200
    assert client.get(reverse(f"admin:ledger_{name}_add")).status_code == 403
    change = reverse(f"admin:ledger_{name}_change", args=[obj.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # view only
    assert client.post(change, {}).status_code == 403
    delete = reverse(f"admin:ledger_{name}_delete", args=[obj.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_journal_entry_admin_shows_postings_and_finds_by_key(ledger, client_for, super_admin):
    client = client_for(super_admin)
    page = client.get(reverse("admin:ledger_journalentry_change", args=[ledger.tip.pk]))
    assert f"creator:{ledger.alice.pk}:boyfanz:pending:USD".encode() in page.content
    assert b"-1800" in page.content
    found = client.get(
        reverse("admin:ledger_journalentry_changelist"), {"q": ledger.tip.idempotency_key}
    )
    assert list(found.context["cl"].result_list) == [ledger.tip]


def test_account_admin_search(ledger, client_for, super_admin):
    found = client_for(super_admin).get(
        reverse("admin:ledger_account_changelist"), {"q": "fee_revenue"}
    )
    assert [a.key for a in found.context["cl"].result_list] == ["platform:boyfanz:fee_revenue:USD"]
