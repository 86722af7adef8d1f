from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.creators.models import Creator
from apps.ledger.accounts import creator_account, network_account, platform_account
from apps.ledger.models import Account, AccountKind
from apps.platforms.models import Platform

from .conftest import ALLOWED, DENIED


def _urls(ledger):
    return [
        reverse("ledger:accounts"),
        reverse("ledger:account", args=[ledger.tip.postings.first().account_id]),
        reverse("ledger:entries"),
        reverse("ledger:entry", args=[ledger.tip.pk]),
        reverse("ledger:trial_balance"),
        reverse("ledger:trial_balance") + "?format=json",
        reverse("ledger:statement", args=[ledger.alice.pk]),
        reverse("ledger:statement", args=[ledger.alice.pk]) + "?format=csv",
    ]


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALLOWED)
def test_finance_and_super_admin_open_every_screen(ledger, users_by_role, client_for, role):
    client = client_for(users_by_role[role])
    for url in _urls(ledger):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", DENIED)
def test_other_roles_are_refused(ledger, users_by_role, client_for, role):
    client = client_for(users_by_role[role])
    for url in _urls(ledger):
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_login(ledger, client):
    for url in _urls(ledger):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


def test_missing_objects_are_404(db, client_for, finance_user):
    client = client_for(finance_user)
    assert client.get(reverse("ledger:account", args=[999999])).status_code == 404
    assert client.get(reverse("ledger:entry", args=[999999])).status_code == 404
    assert client.get(reverse("ledger:statement", args=[999999])).status_code == 404


# --- account explorer ----------------------------------------------------------------------


def test_explorer_shows_balances_in_peoples_sign(ledger, client_for, finance_user):
    boyfanz = Platform.objects.get(slug="boyfanz")
    pending = creator_account(ledger.alice, boyfanz, AccountKind.PENDING, "USD")
    clearing = network_account(AccountKind.PROCESSOR_CLEARING, "USD")
    fee = platform_account(boyfanz, AccountKind.FEE_REVENUE, "USD")
    page = client_for(finance_user).get(reverse("ledger:accounts"))
    rows = {account.key: account.balance_display for account in page.context["page"]}
    # 19.99 (fee 1.99) + 10.00 (fee 1.00) on boyfanz: the creator is owed 18.00 + 9.00.
    assert rows[pending.key] == "27.00"
    assert rows[fee.key] == "2.99"
    # Clearing is an asset: 29.99 + 5.00 owed by the processors.
    assert rows[clearing.key] == "34.99"
    assert rows["network:processor_clearing:EUR"] == "7.50"
    assert b"27.00" in page.content


def _move_id_sequence(model, last_id: int) -> None:
    """The next row of ``model`` gets ``last_id + 1`` (PostgreSQL's sequence, SQLite's
    AUTOINCREMENT counter)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, last_id])
        else:
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [last_id, table])


def test_explorer_sorts_accounts_naturally_in_the_database(
    db, client_for, finance_user, creator_factory
):
    """Creators by id as numbers (C9 before C10, never "creator:10" before "creator:9"), then
    platform accounts, then the network's; kinds in the chart's order."""
    boyfanz = Platform.objects.get(slug="boyfanz")
    # Three ids that sort differently as text and as numbers (…98, …99, …100): the id
    # sequence is moved just below the next power of ten, whatever ran before.
    first = creator_factory(platforms=())
    _move_id_sequence(Creator, 10 ** (len(str(first.pk)) + 1) - 3)
    creators = [creator_factory(platforms=()) for _ in range(3)]
    assert len(str(creators[0].pk)) < len(str(creators[-1].pk))
    for creator in reversed(creators):
        creator_account(creator, boyfanz, AccountKind.AVAILABLE, "USD")
        creator_account(creator, boyfanz, AccountKind.PENDING, "USD")
    network_account(AccountKind.PROCESSOR_CLEARING, "USD")
    platform_account(boyfanz, AccountKind.FEE_REVENUE, "USD")
    page = client_for(finance_user).get(reverse("ledger:accounts")).context["page"]
    expected = [
        key
        for creator in sorted(creators, key=lambda c: c.pk)
        for key in (
            f"creator:{creator.pk}:boyfanz:pending:USD",
            f"creator:{creator.pk}:boyfanz:available:USD",
        )
    ] + ["platform:boyfanz:fee_revenue:USD", "network:processor_clearing:USD"]
    assert [account.key for account in page] == expected
    assert sorted(expected[:-2]) != expected[:-2]  # text order would differ


def test_explorer_filters(ledger, client_for, finance_user):
    client = client_for(finance_user)

    def keys(**params):
        response = client.get(reverse("ledger:accounts"), params)
        assert response.status_code == 200
        return {account.key for account in response.context["page"]}

    alice = ledger.alice.pk
    assert keys(creator="alice") == {
        f"creator:{alice}:boyfanz:pending:USD",
        f"creator:{alice}:boyfanz:available:USD",
        f"creator:{alice}:girlfanz:pending:USD",
        f"creator:{alice}:girlfanz:available:USD",
    }
    assert keys(creator=f"C{ledger.bob.pk}") == {
        f"creator:{ledger.bob.pk}:girlfanz:pending:EUR",
        f"creator:{ledger.bob.pk}:girlfanz:available:EUR",
    }
    assert keys(creator=ledger.bob.user.email) == keys(creator=str(ledger.bob.pk))
    assert keys(owner="network") == {
        "network:processor_clearing:USD",
        "network:processor_clearing:EUR",
    }
    assert keys(owner="boyfanz") == {
        f"creator:{alice}:boyfanz:pending:USD",
        f"creator:{alice}:boyfanz:available:USD",
        "platform:boyfanz:fee_revenue:USD",
    }
    assert keys(kind="fee_revenue") == {"platform:boyfanz:fee_revenue:USD"}
    assert keys(currency="EUR", kind="pending") == {f"creator:{ledger.bob.pk}:girlfanz:pending:EUR"}
    # available accounts are opened with the earning but hold nothing until a release
    nonzero = keys(nonzero="on")
    assert f"creator:{alice}:boyfanz:available:USD" not in nonzero
    assert f"creator:{alice}:boyfanz:pending:USD" in nonzero
    assert len(nonzero) == Account.objects.count() - 3


def test_explorer_htmx_returns_the_results_fragment(ledger, client_for, finance_user):
    response = client_for(finance_user).get(
        reverse("ledger:accounts"), {"kind": "pending"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"<table" in response.content
    assert "HX-Request" in response["Vary"]


def test_explorer_queries_do_not_grow(
    ledger, client_for, finance_user, creator_factory, earning, django_assert_max_num_queries
):
    client = client_for(finance_user)
    client.get(reverse("ledger:accounts"))  # warm the session
    with django_assert_max_num_queries(9) as small:
        client.get(reverse("ledger:accounts"), {"nonzero": "on"})
    for _ in range(25):
        creator = creator_factory(platforms=("boyfanz", "pupfanz"))
        earning(creator, gross="3.00")
        earning(creator, platform="pupfanz", gross="4.00")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("ledger:accounts"), {"nonzero": "on"})
    assert len(response.context["page"]) == 50


# --- account detail ------------------------------------------------------------------------


def test_account_detail_balance_as_of_and_postings(
    ledger, client_for, finance_user, django_assert_max_num_queries
):
    boyfanz = Platform.objects.get(slug="boyfanz")
    pending = creator_account(ledger.alice, boyfanz, AccountKind.PENDING, "USD")
    client = client_for(finance_user)
    url = reverse("ledger:account", args=[pending.pk])
    page = client.get(url)
    assert page.context["balance"] == "27.00"
    postings = list(page.context["page"])
    assert [p.entry_id for p in postings] == [ledger.tip.pk, ledger.old_sub.pk]  # newest first
    assert (postings[0].debit, postings[0].credit) == ("", "18.00")
    assert reverse("ledger:entry", args=[ledger.tip.pk]).encode() in page.content

    five_days_ago = (timezone.now() - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%S")
    with django_assert_max_num_queries(10):
        page = client.get(url, {"as_of": five_days_ago})
    assert page.context["as_of_balance"] == "9.00"
    assert b'data-testid="as-of-balance"' in page.content

    bad = client.get(url, {"as_of": "yesterday-ish"})
    assert bad.status_code == 200
    assert bad.context["as_of_balance"] is None
    assert bad.context["as_of_form"].errors


# --- entries -------------------------------------------------------------------------------


def test_entry_detail_shows_everything(ledger, client_for, finance_user):
    page = client_for(finance_user).get(reverse("ledger:entry", args=[ledger.tip.pk]))
    content = page.content.decode()
    assert ledger.tip.idempotency_key in content
    assert ledger.tip.source_id in content
    assert "BoyFanz" in content
    assert "Alice Example" in content
    assert f"creator:{ledger.alice.pk}:boyfanz:pending:USD" in content
    postings = {p.account.key: (p.debit, p.credit) for p in page.context["postings"]}
    assert postings == {
        "network:processor_clearing:USD": ("19.99", ""),
        f"creator:{ledger.alice.pk}:boyfanz:pending:USD": ("", "18.00"),
        "platform:boyfanz:fee_revenue:USD": ("", "1.99"),
    }
    assert page.context["totals"] == [("USD", "19.99", "19.99")]
    assert page.context["can_reverse"] is True
    assert reverse("ledger:reverse", args=[ledger.tip.pk]).encode() in page.content


def test_entry_list_filters(ledger, client_for, finance_user, django_assert_max_num_queries):
    client = client_for(finance_user)

    def ids(**params):
        response = client.get(reverse("ledger:entries"), params)
        assert response.status_code == 200
        return {entry.pk for entry in response.context["page"]}

    assert ids(kind="subscription") == {ledger.old_sub.pk}
    assert ids(platform="girlfanz", creator=ledger.bob.pk) == {ledger.euro_tip.pk}
    assert ids(source=ledger.tip.source_id) == {ledger.tip.pk}
    today = timezone.now().date()
    assert ledger.old_sub.pk not in ids(since=(today - timedelta(days=1)).isoformat())
    assert ids(until=(today - timedelta(days=5)).isoformat()) == {ledger.old_sub.pk}
    page = client.get(reverse("ledger:entries"), {"kind": "tip", "platform": "boyfanz"})
    assert [e.totals for e in page.context["page"]] == [["19.99 USD"]]
    with django_assert_max_num_queries(9):
        client.get(reverse("ledger:entries"))


def test_entry_list_queries_do_not_grow(
    ledger, client_for, finance_user, creator_factory, earning, django_assert_max_num_queries
):
    client = client_for(finance_user)
    client.get(reverse("ledger:entries"))
    with django_assert_max_num_queries(9) as small:
        client.get(reverse("ledger:entries"))
    creator = creator_factory()
    for _ in range(60):
        earning(creator, gross="1.00")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("ledger:entries"))
    assert len(response.context["page"]) == 50


# --- statements ----------------------------------------------------------------------------


def test_statement_defaults_to_this_month_in_default_currency(
    ledger, client_for, finance_user, frozen_clock
):
    # Frozen: the page and this test each read today; a midnight between them is no bug.
    page = client_for(finance_user).get(reverse("ledger:statement", args=[ledger.alice.pk]))
    form = page.context["form"]
    today = timezone.now().date()
    assert form.cleaned_data["start"] == today.replace(day=1)
    assert form.cleaned_data["end"] == today
    assert form.cleaned_data["scope"] == "all:USD"
    assert page.context["currency"] == "USD"
    assert page.context["closing"] == "32.00"  # 18.00 + 9.00 + 5.00 owed, nothing paid


def test_statement_range_and_scope(ledger, client_for, finance_user):
    client = client_for(finance_user)
    today = timezone.now().date()
    params = {
        "start": (today - timedelta(days=3)).isoformat(),
        "end": today.isoformat(),
        "scope": "boyfanz:USD",
    }
    page = client.get(reverse("ledger:statement", args=[ledger.alice.pk]), params)
    assert page.context["opening"] == "9.00"  # the subscription of 10 days ago
    assert page.context["closing"] == "27.00"
    assert [line.entry.pk for line in page.context["page"]] == [ledger.tip.pk]
    assert page.context["page"][0].amount_display == "18.00"

    bad = client.get(
        reverse("ledger:statement", args=[ledger.alice.pk]),
        {"start": today.isoformat(), "end": (today - timedelta(days=1)).isoformat()},
    )
    assert bad.status_code == 200
    assert bad.context["statement"] is None
    assert "before the start" in bad.content.decode()
    other = client.get(
        reverse("ledger:statement", args=[ledger.alice.pk]), {"scope": "girlfanz:EUR"}
    )
    assert other.context["statement"] is None  # not one of Alice's accounts


def test_statement_csv(ledger, client_for, finance_user):
    today = timezone.now().date()
    response = client_for(finance_user).get(
        reverse("ledger:statement", args=[ledger.alice.pk]),
        {
            "start": (today - timedelta(days=3)).isoformat(),
            "end": today.isoformat(),
            "scope": "all:USD",
            "format": "csv",
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "currency", "occurred_at", "entry_id", "kind", "platform", "account", "memo", "amount",
        "balance",
    ]  # fmt: skip
    assert rows[1][3] == "opening" and rows[1][8] == "9.00"
    body = rows[2:-1]
    assert sorted((r[2], r[4], r[5], r[7], r[8]) for r in body)[0][3] in {"18.00", "5.00"}
    assert {(r[4], r[7]) for r in body} == {("boyfanz", "18.00"), ("girlfanz", "5.00")}
    assert body[-1][8] == "32.00"
    assert rows[-1][3] == "closing" and rows[-1][8] == "32.00"


def test_statement_csv_escapes_formulas(ledger, client_for, finance_user):
    from apps.ledger.models import EntryKind
    from apps.ledger.services import refund_record

    hyperlink = '=HYPERLINK("http://x","y")'
    refund_record(
        platform=ledger.tip.platform,
        transaction_id=ledger.tip.source_id,
        kind=EntryKind.REFUND,
        occurred_at=timezone.now(),
        idempotency_key="refund-formula",
        amount_minor=500,
        memo=hyperlink,
    )
    today = timezone.now().date()
    response = client_for(finance_user).get(
        reverse("ledger:statement", args=[ledger.alice.pk]),
        {"start": today.isoformat(), "end": today.isoformat(), "scope": "all:USD", "format": "csv"},
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    refund_rows = [r for r in rows if r[3] == "refund"]
    assert refund_rows and all(r[6] == "'" + hyperlink for r in refund_rows)
    assert any(r[7].startswith("-") and not r[7].startswith("'") for r in refund_rows)


def test_statement_of_a_creator_without_accounts(db, client_for, finance_user, creator_factory):
    creator = creator_factory()
    page = client_for(finance_user).get(reverse("ledger:statement", args=[creator.pk]))
    assert page.status_code == 200
    assert page.context["statement"] is None
    assert b"no ledger accounts yet" in page.content


def test_entry_detail_and_statement_queries_do_not_grow(
    ledger, client_for, finance_user, earning, django_assert_max_num_queries, frozen_clock
):
    client = client_for(finance_user)
    entry_url = reverse("ledger:entry", args=[ledger.tip.pk])
    # An explicit range: the default (month to date) would drop the 10-day-old entry early
    # in a month. Frozen: the earnings added below must fall inside the range's last day.
    today = timezone.localdate()
    statement_url = reverse("ledger:statement", args=[ledger.alice.pk]) + (
        f"?start={today - timedelta(days=30)}&end={today}"
    )
    client.get(entry_url)
    with django_assert_max_num_queries(12) as entry_small:
        client.get(entry_url)
    with django_assert_max_num_queries(12) as statement_small:
        client.get(statement_url)
    for _ in range(30):
        earning(ledger.alice, gross="1.00")
    with django_assert_max_num_queries(len(entry_small.captured_queries)):
        client.get(entry_url)
    with django_assert_max_num_queries(len(statement_small.captured_queries)):
        response = client.get(statement_url)
    assert len(response.context["page"]) == 33
    with django_assert_max_num_queries(len(statement_small.captured_queries)):
        client.get(statement_url + "&format=csv")
