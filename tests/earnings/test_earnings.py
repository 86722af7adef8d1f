from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.core.currencies import currency_exponent
from apps.ledger.accounts import creator_account, network_account
from apps.ledger.models import AccountKind, EntryKind, JournalEntry
from apps.ledger.selectors import creator_balances
from apps.ledger.services import (
    PostingSpec,
    creator_transfer,
    entry_post,
    pending_release_due,
    refund_record,
)
from apps.platforms.models import Platform

HOME = "earnings:home"
STATEMENT = "earnings:statement"


@pytest.fixture
def creator(creator_factory):
    return creator_factory(platforms=("boyfanz", "girlfanz", "pupfanz"), display_name="Ana")


@pytest.fixture
def other(creator_factory):
    return creator_factory(platforms=("boyfanz", "taboofanz"), display_name="Zed Quill")


@pytest.fixture
def client(creator, client_for):
    return client_for(creator.user)


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def _statement_url(**params) -> str:
    from urllib.parse import urlencode

    return f"{reverse(STATEMENT)}?{urlencode(params)}"


def _later():
    return timezone.now() + timedelta(days=30)


# --- access ------------------------------------------------------------------------------


def _urls(entry_pk: int = 1) -> list[str]:
    today = timezone.localdate()
    return [
        reverse(HOME),
        _statement_url(start=today.isoformat(), end=today.isoformat()),
        reverse("earnings:entry", args=[entry_pk]),
    ]


def test_anonymous_is_sent_to_login(db, client_for, creator, earning):
    from django.test import Client

    entry = earning(creator).entry
    for url in _urls(entry.pk):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


def test_users_without_a_creator_profile_get_404(users_by_role, client_for, creator, earning):
    entry = earning(creator).entry
    # every staff role and a creator-role user whose profile was never made
    for role, user in users_by_role.items():
        client = client_for(user)
        for url in _urls(entry.pk):
            assert client.get(url).status_code == 404, (role, url)


def test_the_creator_sees_their_pages(client, creator, earning):
    entry = earning(creator).entry
    for url in _urls(entry.pk):
        assert client.get(url).status_code == 200, url


def test_empty_page(client):
    response = client.get(reverse(HOME))
    assert response.status_code == 200
    assert b"No earnings yet" in response.content
    assert b"No activity yet" in response.content
    assert b"earnings-chart-data" not in response.content


# --- balances ----------------------------------------------------------------------------


# Tests that compare the page with a "today" of their own run on a frozen clock (frozen_clock):
# under FANZDASH_TEST_CLOCK a midnight passing between the earnings and the page is no bug.


def test_balances_after_earnings_and_release(client, creator, earning, frozen_clock):
    earning(creator, platform="boyfanz", gross="19.99")
    earning(creator, platform="boyfanz", gross="5.01", kind="subscription")
    earning(creator, platform="girlfanz", gross="10.00", currency="EUR")
    response = client.get(reverse(HOME))
    rows = {(r.platform, r.currency): r for r in response.context["balances"]}
    assert rows["BoyFanz", "USD"].pending == "25.00"
    assert rows["BoyFanz", "USD"].available == "0.00"
    assert rows["BoyFanz", "USD"].lifetime == "25.00"
    assert rows["GirlFanz", "EUR"].pending == "10.00"
    # the pending schedule says when each becomes available
    schedule = response.context["pending_schedule"]
    assert len(schedule) == 3
    assert {lot["words"] for lot in schedule} == {
        "Tip on BoyFanz",
        "New subscription on BoyFanz",
        "Tip on GirlFanz",
    }
    hold_until = (timezone.now() + timedelta(days=7)).date()
    assert all(lot["available_on"].date() == hold_until for lot in schedule)
    assert b"available on" in response.content

    assert pending_release_due(now=_later()) == 3
    response = client.get(reverse(HOME))
    rows = {(r.platform, r.currency): r for r in response.context["balances"]}
    assert (rows["BoyFanz", "USD"].pending, rows["BoyFanz", "USD"].available) == (
        "0.00",
        "25.00",
    )
    assert rows["GirlFanz", "EUR"].available == "10.00"
    assert rows["BoyFanz", "USD"].lifetime == "25.00"
    totals = {t["currency"]: t for t in response.context["totals"]}
    assert totals["USD"]["available"] == "25.00" and totals["EUR"]["available"] == "10.00"
    assert response.context["pending_schedule"] == []
    assert b"Nothing is on hold" in response.content


def test_zero_decimal_currency_is_formatted_with_its_exponent(
    client, creator, earning, frozen_clock
):
    assert currency_exponent("JPY") == 0
    earning(creator, platform="boyfanz", gross="1500", currency="JPY")
    response = client.get(reverse(HOME))
    (row,) = response.context["balances"]
    assert row.pending == "1,500"  # people read separators; no decimals for JPY
    assert response.context["chart_data"]["series"][0]["values"][-1] == "1500"  # the script
    assert b"1,500 JPY" in response.content  # the figures-per-day table and the totals


def test_refund_reduces_pending(client, creator, earning):
    earning(creator, platform="pupfanz", gross="20.00", key="tx-refund")
    refund_record(
        platform=Platform.objects.get(slug="pupfanz"),
        transaction_id="tx-refund",
        kind=EntryKind.REFUND,
        occurred_at=timezone.now(),
        idempotency_key="refund-1",
        amount_minor=500,
    )
    response = client.get(reverse(HOME))
    (row,) = response.context["balances"]
    assert (row.pending, row.available, row.lifetime) == ("15.00", "0.00", "20.00")
    (lot,) = response.context["pending_schedule"]
    assert lot["amount"] == "15.00"
    first = response.context["page"].lines[0]
    assert first.words == "Refund on PupFanz"
    assert [(m.balance, m.amount) for m in first.movements] == [("pending", "\u22125.00")]


def test_chargeback_after_release_makes_available_negative(client, creator, earning):
    earning(creator, platform="girlfanz", gross="8.00", key="tx-cb", days_ago=10)
    pending_release_due()
    girlfanz = Platform.objects.get(slug="girlfanz")
    creator_transfer(  # already reserved for a payout when the chargeback arrives
        source=creator_account(creator, girlfanz, AccountKind.AVAILABLE, "USD"),
        destination=creator_account(creator, girlfanz, AccountKind.IN_PAYOUT, "USD"),
        amount_minor=800,
        idempotency_key="reserve-cb",
    )
    refund_record(
        platform=Platform.objects.get(slug="girlfanz"),
        transaction_id="tx-cb",
        kind=EntryKind.CHARGEBACK,
        occurred_at=timezone.now(),
        idempotency_key="cb-1",
        chargeback_fee_minor=1500,
    )
    response = client.get(reverse(HOME))
    (row,) = response.context["balances"]
    assert (row.pending, row.available, row.in_payout) == ("0.00", "-8.00", "8.00")
    assert row.available_negative
    line = response.context["page"].lines[0]
    assert line.words == "Chargeback on GirlFanz"
    # only the creator's own leg: not the processor's, not the chargeback fee
    assert [(m.balance, m.amount) for m in line.movements] == [("available", "\u22128.00")]
    assert b"15.00" not in response.content


# --- chart -------------------------------------------------------------------------------


def test_chart_covers_ninety_days_per_currency(client, creator, earning, frozen_clock):
    earning(creator, gross="3.00", days_ago=0)
    earning(creator, gross="4.00", days_ago=10)
    earning(creator, gross="1.25", days_ago=10, platform="girlfanz")
    earning(creator, gross="7.00", days_ago=89)
    earning(creator, gross="99.00", days_ago=95)  # outside the window
    earning(creator, gross="6.00", currency="EUR", days_ago=1)
    response = client.get(reverse(HOME))
    data = response.context["chart_data"]
    today = timezone.localdate()
    assert len(data["days"]) == 90
    assert data["days"][0] == (today - timedelta(days=89)).isoformat()
    assert data["days"][-1] == today.isoformat()
    series = {s["currency"]: s["values"] for s in data["series"]}
    assert set(series) == {"EUR", "USD"}
    assert all(len(values) == 90 for values in series.values())
    usd = series["USD"]
    assert (usd[-1], usd[-11], usd[0]) == ("3.00", "5.25", "7.00")
    assert usd.count("0.00") == 87
    assert series["EUR"][-2] == "6.00"
    # passed with json_script, not concatenated into JavaScript
    content = response.content.decode()
    marker = '<script id="earnings-chart-data" type="application/json">'
    assert marker in content
    embedded = json.loads(content.split(marker, 1)[1].split("</script>", 1)[0])
    assert embedded == data
    assert "chartjs/chart.umd.min.js" in content and "js/earnings-chart.js" in content
    # the no-JS table lists the days with earnings, newest first, one column per currency
    table = response.context["chart_table"]
    assert [row["day"] for row in table] == [today - timedelta(days=n) for n in (0, 1, 10, 89)]
    assert table[2]["amounts"] == ["0.00", "5.25"]  # EUR, USD
    assert [s["total"] for s in response.context["chart_series"]] == ["6.00", "15.25"]


# --- entries in plain words --------------------------------------------------------------


def _activity(creator, earning):
    """Tip, renewal, refund, chargeback, release, reservation and payout for ``creator``."""
    earning(creator, platform="boyfanz", gross="19.99", kind="tip", days_ago=20)
    earning(creator, platform="girlfanz", gross="9.99", kind="renewal", days_ago=15)
    earning(creator, platform="girlfanz", gross="4.00", kind="purchase", key="tx-gf")
    earning(creator, platform="pupfanz", gross="3.00", kind="subscription", key="tx-pf")
    pending_release_due()  # the two older ones
    refund_record(
        platform=Platform.objects.get(slug="girlfanz"),
        transaction_id="tx-gf",
        kind=EntryKind.CHARGEBACK,
        occurred_at=timezone.now(),
        idempotency_key="cb-gf",
    )
    refund_record(
        platform=Platform.objects.get(slug="pupfanz"),
        transaction_id="tx-pf",
        kind=EntryKind.REFUND,
        occurred_at=timezone.now(),
        idempotency_key="rf-pf",
    )
    boyfanz = Platform.objects.get(slug="boyfanz")
    available = creator_account(creator, boyfanz, AccountKind.AVAILABLE, "USD")
    in_payout = creator_account(creator, boyfanz, AccountKind.IN_PAYOUT, "USD")
    creator_transfer(
        source=available, destination=in_payout, amount_minor=1000, idempotency_key="reserve-1"
    )
    entry_post(
        idempotency_key="payout-1",
        kind=EntryKind.PAYOUT,
        postings=[
            PostingSpec(in_payout, 1000),
            PostingSpec(network_account(AccountKind.PAYOUT_CLEARING, "USD"), -1000),
        ],
        occurred_at=timezone.now(),
        creator=creator,
    )


def test_entries_in_plain_words_with_signed_amounts(client, creator, earning):
    _activity(creator, earning)
    response = client.get(reverse(HOME))
    lines = response.context["page"].lines
    described = {
        line.words: [(m.balance, m.amount, m.currency) for m in line.movements] for line in lines
    }
    assert described["Tip on BoyFanz"] == [("pending", "+19.99", "USD")]
    assert described["Subscription renewal on GirlFanz"] == [("pending", "+9.99", "USD")]
    assert described["Content purchase on GirlFanz"] == [("pending", "+4.00", "USD")]
    assert described["New subscription on PupFanz"] == [("pending", "+3.00", "USD")]
    assert described["Chargeback on GirlFanz"] == [("pending", "\u22124.00", "USD")]
    assert described["Refund on PupFanz"] == [("pending", "\u22123.00", "USD")]
    assert sorted(described["Earnings released on BoyFanz"]) == [
        ("available", "+19.99", "USD"),
        ("pending", "\u221219.99", "USD"),
    ]
    assert "Earnings released on GirlFanz" in described
    assert sorted(described["Reserved for a payout on BoyFanz"]) == [
        ("available", "\u221210.00", "USD"),
        ("in_payout", "+10.00", "USD"),
    ]
    assert described["Payout"] == [("in_payout", "\u221210.00", "USD")]
    assert len(lines) == 10
    content = response.content.decode()
    for words in ("Tip on BoyFanz", "Chargeback on GirlFanz", "Refund on PupFanz", "Payout"):
        assert words in content
    assert "in payout" in content
    # the balances agree with the ledger's own selector
    rows = {(r.platform_slug, r.currency): r for r in creator_balances(creator)}
    assert rows["boyfanz", "USD"].available == 999 and rows["boyfanz", "USD"].in_payout == 0


def test_entry_detail(client, creator, earning, frozen_clock):
    result = earning(creator, platform="boyfanz", gross="12.00", kind="tip")
    response = client.get(reverse("earnings:entry", args=[result.entry.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Tip on BoyFanz" in content
    assert "+12.00 USD" in content
    hold_until = (timezone.now() + timedelta(days=7)).date()
    assert f"available on {hold_until:%b} {hold_until.day}, {hold_until.year}" in content
    pending_release_due(now=_later())
    release = JournalEntry.objects.get(kind=EntryKind.RELEASE)
    response = client.get(reverse("earnings:entry", args=[release.pk]))
    assert "Earnings released on BoyFanz" in response.content.decode()
    assert "\u221212.00 USD" in response.content.decode()


def test_entries_paginate_by_25_with_htmx(client, creator, earning):
    for n in range(30):
        earning(creator, gross=f"{n + 1}.00", days_ago=n % 80)
    response = client.get(reverse(HOME))
    page = response.context["page"]
    assert len(page.lines) == 25 and page.paginator.num_pages == 2
    assert 'hx-get="?page=2"' in response.content.decode()
    fragment = client.get(reverse(HOME), {"page": 2}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert fragment["Vary"] and "HX-Request" in fragment["Vary"]
    body = fragment.content.decode()
    assert body.lstrip().startswith('<div id="entries">')
    assert "<html" not in body and "Balances by platform" not in body
    # the oldest five on page two
    assert body.count('href="/earnings/entries/') == 5
    for amount in ("26.00", "27.00", "28.00", "29.00", "30.00"):
        assert f"+{amount} USD" in body
    assert "+25.00 USD" not in body
    assert "Page 2 of 2" in body


# --- statement ---------------------------------------------------------------------------


def test_statement_csv_with_opening_and_closing_balances(client, creator, earning):
    earning(creator, platform="boyfanz", gross="10.00", days_ago=40)
    e2 = earning(creator, platform="boyfanz", gross="5.00", days_ago=10).entry
    pending_release_due()  # releases 33 and 3 days ago
    e3 = earning(creator, platform="boyfanz", gross="2.50", days_ago=1).entry
    release2 = JournalEntry.objects.get(kind=EntryKind.RELEASE, source_id=str(e2.pk))
    today = timezone.localdate()
    start = today - timedelta(days=20)
    response = client.get(_statement_url(start=start.isoformat(), end=today.isoformat()))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert (
        f'filename="statement-{start.isoformat()}-{today.isoformat()}.csv"'
        in response["Content-Disposition"]
    )
    rows = _csv(response)
    assert rows[0] == [
        "date",
        "entry",
        "platform",
        "description",
        "balance",
        "amount",
        "currency",
        "running_balance",
    ]
    s, t = start.isoformat(), today.isoformat()

    def day(entry):
        return timezone.localtime(entry.occurred_at).date().isoformat()

    assert rows[1:] == [
        [s, "", "BoyFanz", "Opening balance", "pending", "", "USD", "0.00"],
        [s, "", "BoyFanz", "Opening balance", "available", "", "USD", "10.00"],
        [day(e2), str(e2.pk), "BoyFanz", "Tip on BoyFanz", "pending", "5.00", "USD", "5.00"],
        [
            day(release2),
            str(release2.pk),
            "BoyFanz",
            "Earnings released on BoyFanz",
            "pending",
            "-5.00",
            "USD",
            "0.00",
        ],
        [
            day(release2),
            str(release2.pk),
            "BoyFanz",
            "Earnings released on BoyFanz",
            "available",
            "5.00",
            "USD",
            "15.00",
        ],
        [day(e3), str(e3.pk), "BoyFanz", "Tip on BoyFanz", "pending", "2.50", "USD", "2.50"],
        [t, "", "BoyFanz", "Closing balance", "pending", "", "USD", "2.50"],
        [t, "", "BoyFanz", "Closing balance", "available", "", "USD", "15.00"],
    ]


def test_statement_csv_escapes_formulas_and_keeps_amounts_numbers(
    client, creator, earning, frozen_clock
):
    hyperlink = '=HYPERLINK("http://x","y")'
    Platform.objects.filter(slug="boyfanz").update(name=hyperlink)
    tip = earning(creator, platform="boyfanz", gross="10.00").entry
    refund_record(
        platform=tip.platform,
        transaction_id=tip.source_id,
        kind=EntryKind.REFUND,
        occurred_at=timezone.now(),
        idempotency_key="refund-formula",
        amount_minor=250,
    )
    today = timezone.localdate().isoformat()
    rows = _csv(client.get(_statement_url(start=today, end=today, platform="boyfanz")))
    assert len(rows) > 3
    assert {row[2] for row in rows[1:]} == {"'" + hyperlink}
    assert ["-2.50", "7.50"] in [[row[5], row[7]] for row in rows]  # numbers stay numbers


def test_statement_filters_by_platform_and_currency(client, creator, earning, frozen_clock):
    earning(creator, platform="boyfanz", gross="1.11")
    earning(creator, platform="girlfanz", gross="2.22")
    earning(creator, platform="girlfanz", gross="3.33", currency="EUR")
    today = timezone.localdate().isoformat()

    def amounts(**params):
        rows = _csv(client.get(_statement_url(start=today, end=today, **params)))
        return sorted(row[5] for row in rows[1:] if row[5])

    assert amounts() == ["1.11", "2.22", "3.33"]
    assert amounts(platform="girlfanz") == ["2.22", "3.33"]
    assert amounts(currency="EUR") == ["3.33"]
    assert amounts(currency="eur", platform="girlfanz") == ["3.33"]
    # a platform or currency of no account of theirs: an empty statement, not an error
    assert amounts(platform="taboofanz") == []
    assert amounts(currency="JPY") == []
    assert amounts(platform="no-such-platform") == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-02-30", "end": "2026-03-01"}, "Enter a valid date"),
        ({"start": "yesterday", "end": "2026-03-01"}, "Enter a valid date"),
        ({"end": "2026-03-01"}, "This field is required"),
        ({}, "This field is required"),
        ({"start": "2026-03-02", "end": "2026-03-01"}, "on or before the end date"),
        ({"start": "2025-01-01", "end": "2026-01-02"}, "at most 366 days"),
    ],
)
def test_statement_bad_ranges_answer_400(client, creator, earning, params, message):
    earning(creator)
    response = client.get(_statement_url(**params))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_statement_range_limits(client, creator):
    # 366 days inclusive is allowed (a leap year, or 1 Jan to 1 Jan); a single day too
    for start, end in [
        ("2024-01-01", "2024-12-31"),
        ("2025-01-01", "2026-01-01"),
        ("2026-03-01", "2026-03-01"),
    ]:
        response = client.get(_statement_url(start=start, end=end))
        assert response.status_code == 200, (start, end)
        assert _csv(response)[1:] == []


# --- other creators' data ----------------------------------------------------------------


def test_other_creators_data_never_appears(client, creator, other, earning):
    mine = earning(creator, platform="boyfanz", gross="12.34").entry
    theirs = earning(other, platform="boyfanz", gross="777.77", key="tx-other").entry
    earning(other, platform="taboofanz", gross="654.32", currency="GBP")
    refund_record(
        platform=Platform.objects.get(slug="boyfanz"),
        transaction_id="tx-other",
        kind=EntryKind.REFUND,
        occurred_at=timezone.now(),
        idempotency_key="other-refund",
        amount_minor=11,
    )
    pending_release_due(now=_later())
    secrets = ("777.77", "777.66", "654.32", "0.11", "GBP", "TabooFanz", "Zed Quill")

    home = client.get(reverse(HOME), {"creator": other.pk})
    assert home.status_code == 200
    content = home.content.decode()
    assert "12.34" in content
    for secret in secrets:
        assert secret not in content, secret
    assert [(r.platform, r.currency) for r in home.context["balances"]] == [("BoyFanz", "USD")]

    today = timezone.localdate().isoformat()
    for params in (
        {"creator": other.pk},
        {"platform": "taboofanz"},
        {"currency": "GBP"},
        {"platform": "taboofanz", "currency": "GBP", "creator": other.pk},
    ):
        response = client.get(_statement_url(start=today, end=today, **params))
        assert response.status_code == 200
        body = b"".join(response.streaming_content).decode()
        for secret in secrets:
            assert secret not in body, (params, secret)

    assert client.get(reverse("earnings:entry", args=[theirs.pk])).status_code == 404
    other_release = JournalEntry.objects.get(
        kind=EntryKind.RELEASE, creator=other, platform__slug="boyfanz"
    )
    assert client.get(reverse("earnings:entry", args=[other_release.pk])).status_code == 404
    assert client.get(reverse("earnings:entry", args=[mine.pk])).status_code == 200
    assert client.get(reverse("earnings:entry", args=[999_999])).status_code == 404


# --- query count -------------------------------------------------------------------------


def test_earnings_page_query_count_is_constant(
    client, creator, earning, django_assert_max_num_queries
):
    for code in ("USD", "EUR"):
        currency_exponent(code)  # per-process cache, warmed as in a running server
    earning(creator, platform="boyfanz", gross="1.00")
    url = reverse(HOME)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)

    _activity(creator, earning)
    for n in range(40):
        earning(
            creator,
            platform=("boyfanz", "girlfanz", "pupfanz")[n % 3],
            gross=f"{n + 1}.50",
            currency=("USD", "EUR")[n % 2],
            days_ago=n * 2,
        )
    pending_release_due()
    with django_assert_max_num_queries(15):
        response = client.get(url)
    assert len(response.context["page"].lines) == 25
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)
    with CaptureQueriesContext(connection) as fragment:
        client.get(url, {"page": 2}, HTTP_HX_REQUEST="true")
    assert len(fragment) < len(small)
