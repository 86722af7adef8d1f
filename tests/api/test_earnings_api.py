"""GET /api/v1/creators/{id}/earnings/: the exact shape and what each figure means."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.ledger.models import EntryKind
from apps.ledger.services import refund_record
from apps.platforms.models import Platform

pytestmark = pytest.mark.django_db


def earnings_url(pk) -> str:
    return f"/api/v1/creators/{pk}/earnings/"


def test_exact_shape_for_a_creator_without_money(staff_client, creator_factory):
    creator = creator_factory(platforms=("boyfanz", "girlfanz"))
    response = staff_client.get(earnings_url(creator.pk))
    assert response.status_code == 200
    assert response.json() == {
        "creatorId": str(creator.pk),
        "earnings": {
            "total": "0.00",
            "thisMonth": "0.00",
            "lastPayout": None,
            "pendingPayout": "0.00",
            "platforms": {"boyfanz": "0.00", "girlfanz": "0.00"},
        },
        "currency": "USD",
    }


def test_total_this_month_and_platforms(staff_client, creator_factory, earning):
    creator = creator_factory(platforms=("boyfanz", "girlfanz", "pupfanz"))
    earning(creator, platform="boyfanz", gross="1500.00")
    earning(creator, platform="boyfanz", gross="500.00", days_ago=40)  # an earlier month
    earning(creator, platform="girlfanz", gross="19.99")
    earning(creator, platform="girlfanz", gross="7.01", days_ago=45, kind="subscription")
    body = staff_client.get(earnings_url(creator.pk)).json()
    assert body["earnings"] == {
        "total": "2027.00",
        "thisMonth": "1519.99",
        "lastPayout": None,
        "pendingPayout": "0.00",
        "platforms": {"boyfanz": "2000.00", "girlfanz": "27.00", "pupfanz": "0.00"},
    }


def test_jpy_creator_shows_whole_yen(staff_client, creator_factory, earning):
    creator = creator_factory(currency="JPY")
    earning(creator, currency="JPY", gross="1999")
    body = staff_client.get(earnings_url(creator.pk)).json()
    assert body["currency"] == "JPY"
    assert body["earnings"]["total"] == "1999"
    assert body["earnings"]["thisMonth"] == "1999"
    assert body["earnings"]["pendingPayout"] == "0"
    assert body["earnings"]["platforms"] == {"boyfanz": "1999"}


def test_only_the_chosen_currency_counts(staff_client, creator_factory, earning):
    creator = creator_factory(currency="USD")
    earning(creator, gross="10.00", currency="USD")
    earning(creator, gross="3.50", currency="EUR")
    earning(creator, gross="1.25", currency="EUR")
    default = staff_client.get(earnings_url(creator.pk)).json()
    assert default["currency"] == "USD"
    assert default["earnings"]["total"] == "10.00"
    euros = staff_client.get(earnings_url(creator.pk), {"currency": "eur"}).json()
    assert euros["currency"] == "EUR"
    assert euros["earnings"]["total"] == "4.75"
    assert euros["earnings"]["platforms"] == {"boyfanz": "4.75"}
    yen = staff_client.get(earnings_url(creator.pk), {"currency": "JPY"}).json()
    assert yen["earnings"]["total"] == "0"


@pytest.mark.parametrize("code", ["XXX", "EURO", "12", "€"])
def test_unknown_currency_is_400(staff_client, creator_factory, code):
    creator = creator_factory()
    response = staff_client.get(earnings_url(creator.pk), {"currency": code})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "unknown_currency"
    assert body["detail"]


def test_total_is_net_of_the_platform_fee(staff_client, creator_factory, earning):
    Platform.objects.filter(slug="girlfanz").update(fee_percent=10)
    creator = creator_factory(platforms=("girlfanz",))
    earning(creator, platform="girlfanz", gross="19.99")  # fee 1.999 -> 1.99 (rounded down)
    body = staff_client.get(earnings_url(creator.pk)).json()
    assert body["earnings"]["total"] == "18.00"
    assert body["earnings"]["platforms"] == {"girlfanz": "18.00"}


def test_refunds_do_not_reduce_lifetime_earnings(staff_client, creator_factory, earning):
    creator = creator_factory()
    result = earning(creator, gross="20.00")
    refund_record(
        platform=Platform.objects.get(slug="boyfanz"),
        transaction_id=result.entry.source_id,
        kind=EntryKind.REFUND,
        occurred_at=timezone.now(),
        idempotency_key="refund-1",
        amount_minor=500,
    )
    body = staff_client.get(earnings_url(creator.pk)).json()
    assert body["earnings"]["total"] == "20.00"
    balances = staff_client.get(f"/api/v1/creators/{creator.pk}/balances/").json()
    assert balances["balances"][0]["pending"] == "15.00"


def test_pending_payout_and_last_payout(staff_client, creator_factory, earning, pay_out):
    creator = creator_factory()
    earning(creator, gross="300.00", days_ago=10)
    pay_out(creator, amount="100.00")  # reserved, not settled
    body = staff_client.get(earnings_url(creator.pk)).json()
    assert body["earnings"]["pendingPayout"] == "100.00"
    assert body["earnings"]["lastPayout"] is None

    pay_out(creator, amount="50.00", settled="50.00")  # a second payout, settled
    body = staff_client.get(earnings_url(creator.pk)).json()
    assert body["earnings"]["lastPayout"] == "50.00"
    assert body["earnings"]["pendingPayout"] == "100.00"

    pay_out(creator, amount="75.25", settled="75.25")
    body = staff_client.get(earnings_url(creator.pk)).json()
    assert body["earnings"]["lastPayout"] == "75.25"
    assert body["earnings"]["total"] == "300.00"


def test_payouts_in_another_currency_do_not_count(staff_client, creator_factory, earning, pay_out):
    creator = creator_factory()
    earning(creator, gross="80.00", currency="EUR", days_ago=10)
    pay_out(creator, amount="30.00", settled="20.00", currency="EUR")
    usd = staff_client.get(earnings_url(creator.pk)).json()["earnings"]
    assert usd["lastPayout"] is None
    assert usd["pendingPayout"] == "0.00"
    eur = staff_client.get(earnings_url(creator.pk), {"currency": "EUR"}).json()["earnings"]
    assert eur["lastPayout"] == "20.00"
    assert eur["pendingPayout"] == "10.00"


def test_other_creators_money_does_not_count(staff_client, creator_factory, earning):
    creator = creator_factory()
    other = creator_factory()
    earning(other, gross="99.00")
    earning(creator, gross="1.00")
    assert staff_client.get(earnings_url(creator.pk)).json()["earnings"]["total"] == "1.00"


def test_earnings_query_count_does_not_grow_with_history(
    staff_client, creator_factory, earning, django_assert_max_num_queries
):
    creator = creator_factory(platforms=("boyfanz", "girlfanz"))
    earning(creator)
    staff_client.get(earnings_url(creator.pk))  # warm the currency exponent cache
    with django_assert_max_num_queries(10) as small:
        staff_client.get(earnings_url(creator.pk))
    for n in range(8):
        earning(creator, platform="girlfanz" if n % 2 else "boyfanz", days_ago=n * 9)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = staff_client.get(earnings_url(creator.pk)).json()
    assert body["earnings"]["total"] == "179.91"


def test_this_month_starts_on_the_first_at_midnight_utc(creator_factory, earning):
    from datetime import UTC, datetime

    from apps.creators.selectors import creator_queryset_for
    from apps.ledger.selectors import creator_earnings_summary

    creator = creator_factory()
    result = earning(creator, gross="5.00")
    occurred = result.entry.occurred_at.astimezone(UTC)
    start_of_month = occurred.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    staff = type("Staff", (), {"is_authenticated": True, "has_perm": lambda self, perm: True})()
    creator = creator_queryset_for(staff).get(pk=creator.pk)

    def month(now: datetime) -> int:
        return creator_earnings_summary(creator, currency="USD", exponent=2, now=now).this_month

    assert month(occurred) == 500
    # The next month (the 1st at 00:00 UTC) no longer counts it.
    next_month = (start_of_month + timedelta(days=32)).replace(day=1)
    assert month(next_month) == 0
    assert month(next_month - timedelta(microseconds=1)) == 500
    # The same instant in another time zone is the same month.
    assert month(occurred.astimezone(timezone.get_fixed_timezone(-600))) == 500
