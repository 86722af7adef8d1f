"""GET /api/v1/ledger/...: accounts, entries, one entry, trial balance (ledger.view_ledger)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from apps.ledger.models import Account, JournalEntry
from apps.ledger.services import entry_reverse

from .conftest import STAFF_NOT_READING_LEDGER, STAFF_READING_LEDGER

pytestmark = pytest.mark.django_db

ACCOUNTS_URL = "/api/v1/ledger/accounts/"
ENTRIES_URL = "/api/v1/ledger/entries/"
TRIAL_BALANCE_URL = "/api/v1/ledger/trial-balance/"
ACCOUNT_KEYS = {"id", "key", "kind", "currency", "creator", "platform", "balance", "displayBalance"}
ENTRY_KEYS = {
    "id",
    "kind",
    "memo",
    "occurredAt",
    "postedAt",
    "platform",
    "creator",
    "sourceType",
    "sourceId",
    "idempotencyKey",
    "reverses",
    "reversedBy",
    "postings",
}


def entry_url(pk) -> str:
    return f"{ENTRIES_URL}{pk}/"


def _ledger_urls() -> list[str]:
    entry = JournalEntry.objects.first()
    return [ACCOUNTS_URL, ENTRIES_URL, entry_url(entry.pk), TRIAL_BALANCE_URL]


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF_READING_LEDGER)
def test_super_admin_and_finance_read_the_ledger(
    client_for, users_by_role, creator_factory, earning, role
):
    earning(creator_factory())
    client = client_for(users_by_role[role])
    for url in _ledger_urls():
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", STAFF_NOT_READING_LEDGER)
def test_other_roles_are_refused(client_for, users_by_role, creator_factory, earning, role):
    earning(creator_factory())
    client = client_for(users_by_role[role])
    for url in _ledger_urls():
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"] == "permission_denied"


def test_anonymous_is_refused_with_not_authenticated(client, creator_factory, earning):
    earning(creator_factory())
    for url in _ledger_urls():
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"] == "not_authenticated"


# --- accounts --------------------------------------------------------------------------------


def test_accounts_have_signed_and_display_balances(staff_client, creator_factory, earning):
    creator = creator_factory()
    earning(creator, gross="19.99")
    body = staff_client.get(ACCOUNTS_URL).json()
    assert set(body) == {"count", "next", "previous", "results"}
    by_key = {item["key"]: item for item in body["results"]}
    for item in body["results"]:
        assert set(item) == ACCOUNT_KEYS
    pending = by_key[f"creator:{creator.pk}:boyfanz:pending:USD"]
    assert pending == {
        "id": pending["id"],
        "key": f"creator:{creator.pk}:boyfanz:pending:USD",
        "kind": "pending",
        "currency": "USD",
        "creator": creator.pk,
        "platform": "boyfanz",
        "balance": "-19.99",
        "displayBalance": "19.99",
    }
    clearing = by_key["network:processor_clearing:USD"]
    assert clearing["creator"] is None
    assert clearing["platform"] is None
    assert clearing["balance"] == "19.99"
    assert clearing["displayBalance"] == "19.99"
    # Opened by the earning, never posted to: zero.
    available = by_key[f"creator:{creator.pk}:boyfanz:available:USD"]
    assert available["balance"] == "0.00"
    assert [item["key"] for item in body["results"]] == sorted(by_key)


def test_account_balances_in_jpy(staff_client, creator_factory, earning):
    creator = creator_factory(currency="JPY")
    earning(creator, currency="JPY", gross="1999")
    body = staff_client.get(ACCOUNTS_URL, {"currency": "JPY", "kind": "pending"}).json()
    [pending] = body["results"]
    assert pending["balance"] == "-1999"
    assert pending["displayBalance"] == "1999"


def _keys(client, **params) -> set[str]:
    response = client.get(ACCOUNTS_URL, params)
    assert response.status_code == 200, response.content
    return {item["key"] for item in response.json()["results"]}


def test_account_filters(staff_client, creator_factory, earning):
    one = creator_factory(platforms=("boyfanz", "girlfanz"))
    two = creator_factory()
    earning(one, platform="boyfanz")
    earning(one, platform="girlfanz", currency="EUR")
    earning(two, platform="boyfanz")
    assert _keys(staff_client, kind="processor_clearing") == {
        "network:processor_clearing:EUR",
        "network:processor_clearing:USD",
    }
    assert _keys(staff_client, currency="eur") == {
        "network:processor_clearing:EUR",
        f"creator:{one.pk}:girlfanz:pending:EUR",
        f"creator:{one.pk}:girlfanz:available:EUR",
    }
    assert _keys(staff_client, creator=two.pk) == {
        f"creator:{two.pk}:boyfanz:pending:USD",
        f"creator:{two.pk}:boyfanz:available:USD",
    }
    assert _keys(staff_client, platform="girlfanz", kind="pending") == {
        f"creator:{one.pk}:girlfanz:pending:EUR"
    }
    assert _keys(staff_client, creator=999_999) == set()


@pytest.mark.parametrize("params", [{"kind": "savings"}, {"creator": "abc"}])
def test_invalid_account_filter_is_400(staff_client, params):
    response = staff_client.get(ACCOUNTS_URL, params)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_accounts_are_paginated(staff_client, creator_factory, earning):
    for _ in range(3):
        earning(creator_factory())
    first = staff_client.get(ACCOUNTS_URL, {"page_size": 4}).json()
    assert first["count"] == Account.objects.count() == 7
    assert len(first["results"]) == 4
    second = staff_client.get(first["next"]).json()
    assert len(second["results"]) == 3
    keys = [item["key"] for item in first["results"] + second["results"]]
    assert keys == sorted(Account.objects.values_list("key", flat=True))


def test_accounts_query_count_is_bounded(
    staff_client, creator_factory, earning, django_assert_max_num_queries
):
    earning(creator_factory())
    with django_assert_max_num_queries(8) as small:
        staff_client.get(ACCOUNTS_URL)
    for _ in range(10):
        creator = creator_factory(platforms=("boyfanz", "girlfanz"))
        earning(creator, platform="boyfanz")
        earning(creator, platform="girlfanz", currency="EUR")
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = staff_client.get(ACCOUNTS_URL).json()
    assert body["count"] > 40


# --- entries ---------------------------------------------------------------------------------


def test_entry_shape_with_postings(staff_client, creator_factory, earning):
    creator = creator_factory()
    result = earning(creator, gross="19.99", key="tx_123")
    body = staff_client.get(ENTRIES_URL).json()
    assert set(body) == {"next", "previous", "results"}
    [entry] = body["results"]
    assert set(entry) == ENTRY_KEYS
    assert entry["id"] == result.entry.pk
    assert entry["kind"] == "tip"
    assert entry["platform"] == "boyfanz"
    assert entry["creator"] == creator.pk
    assert entry["sourceType"] == "platform_transaction"
    assert entry["sourceId"] == "tx_123"
    assert entry["idempotencyKey"] == "tx_123"
    assert entry["reverses"] is None
    assert entry["reversedBy"] is None
    assert sorted(entry["postings"], key=lambda p: p["account"]) == [
        {
            "account": f"creator:{creator.pk}:boyfanz:pending:USD",
            "amount": "-19.99",
            "currency": "USD",
        },
        {"account": "network:processor_clearing:USD", "amount": "19.99", "currency": "USD"},
    ]
    for posting in entry["postings"]:
        assert set(posting) == {"account", "amount", "currency"}


def test_entry_detail_and_reversal_links(staff_client, creator_factory, earning, finance_user):
    creator = creator_factory(currency="JPY")
    original = earning(creator, currency="JPY", gross="1999").entry
    reversal = entry_reverse(entry=original, reason="test", actor=finance_user).entry
    body = staff_client.get(entry_url(original.pk)).json()
    assert set(body) == ENTRY_KEYS
    assert body["reversedBy"] == reversal.pk
    assert {p["amount"] for p in body["postings"]} == {"1999", "-1999"}
    body = staff_client.get(entry_url(reversal.pk)).json()
    assert body["kind"] == "reversal"
    assert body["reverses"] == original.pk
    assert body["reversedBy"] is None


def test_unknown_entry_is_404_not_found(staff_client):
    response = staff_client.get(entry_url(999_999))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def _entry_ids(client, **params) -> list[int]:
    response = client.get(ENTRIES_URL, params)
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def test_entry_filters(staff_client, creator_factory, earning):
    one = creator_factory(platforms=("boyfanz", "girlfanz"))
    two = creator_factory()
    old = earning(one, platform="boyfanz", days_ago=20, kind="subscription").entry
    mid = earning(one, platform="girlfanz", days_ago=10, key="tx_mid").entry
    new = earning(two, platform="boyfanz", days_ago=1).entry
    assert _entry_ids(staff_client) == [new.pk, mid.pk, old.pk]
    assert _entry_ids(staff_client, kind="subscription") == [old.pk]
    assert _entry_ids(staff_client, platform="boyfanz") == [new.pk, old.pk]
    assert _entry_ids(staff_client, creator=one.pk) == [mid.pk, old.pk]
    assert _entry_ids(staff_client, source_id="tx_mid") == [mid.pk]
    assert _entry_ids(staff_client, occurred_after=mid.occurred_at.isoformat()) == [
        new.pk,
        mid.pk,
    ]
    assert _entry_ids(staff_client, occurred_before=mid.occurred_at.isoformat()) == [old.pk]
    assert _entry_ids(
        staff_client,
        occurred_after=(timezone.now() - timedelta(days=15)).isoformat(),
        occurred_before=(timezone.now() - timedelta(days=5)).isoformat(),
    ) == [mid.pk]


@pytest.mark.parametrize(
    "params", [{"kind": "gift"}, {"occurred_after": "yesterday"}, {"creator": "x"}]
)
def test_invalid_entry_filter_is_400(staff_client, params):
    response = staff_client.get(ENTRIES_URL, params)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_entries_cursor_pagination_walks_every_entry_once(staff_client, creator_factory, earning):
    creator = creator_factory()
    # Several entries at the same instant-ish and some in the past.
    entries = [earning(creator, days_ago=n % 3).entry for n in range(7)]
    seen, url, params = [], ENTRIES_URL, {"page_size": 3}
    while url:
        body = staff_client.get(url, params).json()
        assert len(body["results"]) <= 3
        seen += [item["id"] for item in body["results"]]
        url, params = body["next"], None
    expected = sorted(entries, key=lambda e: (e.occurred_at, e.pk), reverse=True)
    assert seen == [e.pk for e in expected]


def test_invalid_cursor_is_404_not_found(staff_client):
    response = staff_client.get(ENTRIES_URL, {"cursor": "garbage"})
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_entries_query_count_is_bounded(
    staff_client, creator_factory, earning, django_assert_max_num_queries
):
    earning(creator_factory())
    with django_assert_max_num_queries(7) as small:
        staff_client.get(ENTRIES_URL)
    for _ in range(10):
        creator = creator_factory(platforms=("boyfanz", "girlfanz"))
        earning(creator, platform="boyfanz")
        earning(creator, platform="girlfanz", currency="EUR")
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = staff_client.get(ENTRIES_URL).json()
    assert len(body["results"]) == 21


# --- trial balance ---------------------------------------------------------------------------


def test_trial_balance_shape_and_zero_totals(staff_client, creator_factory, earning):
    usd = creator_factory()
    jpy = creator_factory(currency="JPY")
    earning(usd, gross="19.99")
    earning(jpy, currency="JPY", gross="1999")
    body = staff_client.get(TRIAL_BALANCE_URL).json()
    assert set(body) == {"as_of", "accounts", "totals"}
    assert body["totals"] == {"JPY": "0", "USD": "0.00"}
    assert body["accounts"] == [
        {"account": f"creator:{jpy.pk}:boyfanz:pending:JPY", "currency": "JPY", "balance": "-1999"},
        {"account": "network:processor_clearing:JPY", "currency": "JPY", "balance": "1999"},
        {
            "account": f"creator:{usd.pk}:boyfanz:pending:USD",
            "currency": "USD",
            "balance": "-19.99",
        },
        {"account": "network:processor_clearing:USD", "currency": "USD", "balance": "19.99"},
    ]


def test_trial_balance_as_of_a_past_instant(staff_client, creator_factory, earning):
    creator = creator_factory()
    earning(creator, gross="10.00", days_ago=5)
    earning(creator, gross="2.50", days_ago=1)
    as_of = (timezone.now() - timedelta(days=3)).replace(microsecond=0)
    response = staff_client.get(TRIAL_BALANCE_URL, {"as_of": as_of.isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"].startswith(as_of.strftime("%Y-%m-%dT%H:%M:%S"))
    balances = {row["account"]: row["balance"] for row in body["accounts"]}
    assert balances["network:processor_clearing:USD"] == "10.00"
    now = {
        row["account"]: row["balance"]
        for row in staff_client.get(TRIAL_BALANCE_URL).json()["accounts"]
    }
    assert now["network:processor_clearing:USD"] == "12.50"


def test_trial_balance_of_an_empty_ledger(staff_client):
    body = staff_client.get(TRIAL_BALANCE_URL).json()
    assert body["accounts"] == []
    assert body["totals"] == {}


def test_trial_balance_rejects_a_bad_as_of(staff_client):
    response = staff_client.get(TRIAL_BALANCE_URL, {"as_of": "last tuesday"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert "as_of" in body["detail"]


def test_entries_cursor_link_keeps_filters(staff_client, creator_factory, earning):
    creator = creator_factory()
    for _ in range(3):
        earning(creator)
    earning(creator_factory())
    body = staff_client.get(ENTRIES_URL, {"creator": creator.pk, "page_size": 2}).json()
    query = parse_qs(urlparse(body["next"]).query)
    assert query["creator"] == [str(creator.pk)]
    rest = staff_client.get(body["next"]).json()
    assert len(rest["results"]) == 1
