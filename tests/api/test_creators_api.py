"""GET /api/v1/creators/ (list, detail, balances): shapes, filters, pagination, access."""

from __future__ import annotations

from datetime import date

import pytest

from apps.accounts.roles import Role
from apps.creators.services import creator_status_set

from ..factories import make_user
from .conftest import STAFF_READING_CREATORS

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/creators/"
SUMMARY_KEYS = {
    "id",
    "displayName",
    "status",
    "kycLevel",
    "country",
    "defaultCurrency",
    "ageVerifiedUntil",
    "platforms",
}
BALANCE_KEYS = {"platform", "currency", "pending", "available", "inPayout", "lifetime"}


def detail_url(pk) -> str:
    return f"/api/v1/creators/{pk}/"


# --- shapes ----------------------------------------------------------------------------------


def test_list_item_has_exactly_the_documented_keys(staff_client, creator_factory):
    creator = creator_factory(
        platforms=("boyfanz", "girlfanz"),
        display_name="Max Power",
        kyc_level=2,
        country="us",
        age_verified_until=date(2027, 6, 30),
    )
    response = staff_client.get(LIST_URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    [item] = body["results"]
    assert set(item) == SUMMARY_KEYS
    assert item == {
        "id": creator.pk,
        "displayName": "Max Power",
        "status": "active",
        "kycLevel": 2,
        "country": "US",
        "defaultCurrency": "USD",
        "ageVerifiedUntil": "2027-06-30",
        "platforms": [
            {"platform": "boyfanz", "externalId": f"boyfanz-{creator.pk}"},
            {"platform": "girlfanz", "externalId": f"girlfanz-{creator.pk}"},
        ],
    }


def test_age_verified_until_is_null_when_never_verified(staff_client, creator_factory):
    creator_factory()
    [item] = staff_client.get(LIST_URL).json()["results"]
    assert item["ageVerifiedUntil"] is None


def test_detail_adds_balances_as_decimal_strings(staff_client, creator_factory, earning):
    creator = creator_factory(platforms=("boyfanz", "girlfanz"))
    earning(creator, platform="boyfanz", gross="19.99")
    earning(creator, platform="boyfanz", gross="0.01")
    earning(creator, platform="girlfanz", gross="5", currency="EUR")
    response = staff_client.get(detail_url(creator.pk))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == SUMMARY_KEYS | {"balances"}
    assert body["id"] == creator.pk
    assert body["balances"] == [
        {
            "platform": "boyfanz",
            "currency": "USD",
            "pending": "20.00",
            "available": "0.00",
            "inPayout": "0.00",
            "lifetime": "20.00",
        },
        {
            "platform": "girlfanz",
            "currency": "EUR",
            "pending": "5.00",
            "available": "0.00",
            "inPayout": "0.00",
            "lifetime": "5.00",
        },
    ]


def test_jpy_amounts_have_no_decimals(staff_client, creator_factory, earning):
    creator = creator_factory(currency="JPY")
    earning(creator, currency="JPY", gross="1999")
    [row] = staff_client.get(detail_url(creator.pk)).json()["balances"]
    assert row["currency"] == "JPY"
    assert row["pending"] == "1999"
    assert row["lifetime"] == "1999"
    assert row["available"] == "0"


def test_balances_endpoint(staff_client, creator_factory, earning, pay_out):
    creator = creator_factory()
    earning(creator, gross="100.00", days_ago=10)  # past the 7-day hold
    earning(creator, gross="30.00")
    pay_out(creator, amount="40.00")
    response = staff_client.get(f"{detail_url(creator.pk)}balances/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"creatorId", "balances"}
    assert body["creatorId"] == str(creator.pk)
    [row] = body["balances"]
    assert set(row) == BALANCE_KEYS
    assert row == {
        "platform": "boyfanz",
        "currency": "USD",
        "pending": "30.00",
        "available": "60.00",
        "inPayout": "40.00",
        "lifetime": "130.00",
    }


def test_creator_without_money_has_no_balance_rows(staff_client, creator_factory):
    creator = creator_factory()
    assert staff_client.get(detail_url(creator.pk)).json()["balances"] == []
    assert staff_client.get(f"{detail_url(creator.pk)}balances/").json()["balances"] == []


# --- ordering, pagination --------------------------------------------------------------------


def test_list_is_ordered_by_display_name_then_id(staff_client, creator_factory):
    bravo = creator_factory(display_name="Bravo")
    alpha_first = creator_factory(display_name="Alpha")
    charlie = creator_factory(display_name="Charlie")
    alpha_second = creator_factory(display_name="Alpha")
    ids = [item["id"] for item in staff_client.get(LIST_URL).json()["results"]]
    assert ids == [alpha_first.pk, alpha_second.pk, bravo.pk, charlie.pk]


def test_page_number_pagination(staff_client, creator_factory):
    created = [creator_factory(display_name=f"Creator {n:02d}") for n in range(5)]
    first = staff_client.get(LIST_URL, {"page_size": 2}).json()
    assert first["count"] == 5
    assert first["previous"] is None
    assert "page=2" in first["next"]
    seen = [item["id"] for item in first["results"]]
    page = 2
    while True:
        body = staff_client.get(LIST_URL, {"page_size": 2, "page": page}).json()
        seen += [item["id"] for item in body["results"]]
        if body["next"] is None:
            break
        page += 1
    assert seen == [c.pk for c in created]


def test_page_size_is_capped(staff_client, creator_factory):
    creator_factory()
    response = staff_client.get(LIST_URL, {"page_size": 10_000})
    assert response.status_code == 200


def test_page_out_of_range_is_404_not_found(staff_client, creator_factory):
    creator_factory()
    response = staff_client.get(LIST_URL, {"page": 9})
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


# --- filters ---------------------------------------------------------------------------------


def _ids(client, **params) -> set[int]:
    response = client.get(LIST_URL, params)
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def test_filter_by_platform_slug(staff_client, creator_factory):
    boy = creator_factory(platforms=("boyfanz",))
    both = creator_factory(platforms=("boyfanz", "girlfanz"))
    girl = creator_factory(platforms=("girlfanz",))
    assert _ids(staff_client, platform="boyfanz") == {boy.pk, both.pk}
    assert _ids(staff_client, platform="girlfanz") == {both.pk, girl.pk}
    assert _ids(staff_client, platform="pupfanz") == set()
    assert _ids(staff_client, platform="nosuchplatform") == set()


def test_filtered_creator_keeps_all_its_platforms(staff_client, creator_factory):
    both = creator_factory(platforms=("boyfanz", "girlfanz"))
    [item] = staff_client.get(LIST_URL, {"platform": "girlfanz"}).json()["results"]
    assert item["id"] == both.pk
    assert [p["platform"] for p in item["platforms"]] == ["boyfanz", "girlfanz"]


def test_filter_by_status(staff_client, creator_factory, support_user):
    active = creator_factory()
    suspended = creator_factory()
    creator_status_set(creator=suspended, status="suspended", actor=support_user)
    assert _ids(staff_client, status="active") == {active.pk}
    assert _ids(staff_client, status="suspended") == {suspended.pk}
    assert _ids(staff_client, status="closed") == set()


def test_filter_by_kyc_level(staff_client, creator_factory):
    zero = creator_factory(kyc_level=0)
    three = creator_factory(kyc_level=3)
    assert _ids(staff_client, kyc_level=0) == {zero.pk}
    assert _ids(staff_client, kyc_level=3) == {three.pk}
    assert _ids(staff_client, kyc_level=2) == set()


def test_filter_by_currency_is_case_insensitive(staff_client, creator_factory):
    usd = creator_factory(currency="USD")
    eur = creator_factory(currency="EUR")
    assert _ids(staff_client, currency="EUR") == {eur.pk}
    assert _ids(staff_client, currency="usd") == {usd.pk}


def test_search_by_display_name_email_and_external_id(staff_client, creator_factory):
    max_power = creator_factory(display_name="Max Power", email="maxp@example.test")
    other = creator_factory(display_name="Someone Else", platforms=("boyfanz", "girlfanz"))
    assert _ids(staff_client, q="max pow") == {max_power.pk}
    assert _ids(staff_client, q="MAXP@EXAMPLE") == {max_power.pk}
    assert _ids(staff_client, q=f"girlfanz-{other.pk}") == {other.pk}
    assert _ids(staff_client, q="nobody-at-all") == set()
    assert _ids(staff_client, q="  ") == {max_power.pk, other.pk}


def test_filters_combine(staff_client, creator_factory):
    wanted = creator_factory(platforms=("girlfanz",), currency="EUR", kyc_level=2)
    creator_factory(platforms=("girlfanz",), currency="USD", kyc_level=2)
    creator_factory(platforms=("boyfanz",), currency="EUR", kyc_level=2)
    assert _ids(staff_client, platform="girlfanz", currency="EUR", kyc_level=2) == {wanted.pk}


@pytest.mark.parametrize("params", [{"status": "sleeping"}, {"kyc_level": "7"}])
def test_invalid_filter_value_is_400_invalid(staff_client, creator_factory, params):
    response = staff_client.get(LIST_URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert set(body["detail"]) == set(params)


# --- access ----------------------------------------------------------------------------------


def _creator_urls(pk) -> list[str]:
    return [
        LIST_URL,
        detail_url(pk),
        f"{detail_url(pk)}balances/",
        f"{detail_url(pk)}earnings/",
    ]


@pytest.mark.parametrize("role", STAFF_READING_CREATORS)
def test_staff_roles_read_creators(client_for, users_by_role, creator_factory, role):
    creator = creator_factory()
    client = client_for(users_by_role[role])
    for url in _creator_urls(creator.pk):
        assert client.get(url).status_code == 200, url


def test_creator_is_refused_even_for_their_own_profile(client_for, creator_factory):
    creator = creator_factory()
    client = client_for(creator.user)
    for url in _creator_urls(creator.pk):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"] == "permission_denied"


def test_creator_role_user_is_refused(client_for, creator_user, creator_factory):
    creator = creator_factory()
    for url in _creator_urls(creator.pk):
        response = client_for(creator_user).get(url)
        assert response.status_code == 403
        assert response.json()["error"] == "permission_denied"


def test_anonymous_is_refused_with_not_authenticated(client, creator_factory):
    creator = creator_factory()
    for url in _creator_urls(creator.pk):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json() == {
            "error": "not_authenticated",
            "detail": response.json()["detail"],
        }
        assert response.json()["detail"]


def test_staff_without_mfa_is_refused_by_the_middleware(client_for, creator_factory):
    creator = creator_factory()
    unenrolled = make_user(Role.SUPPORT, with_totp=False)
    response = client_for(unenrolled).get(detail_url(creator.pk))
    assert response.status_code == 403
    assert response.json()["error"] == "mfa_enrollment_required"


def test_writes_are_not_allowed(staff_client, creator_factory):
    creator = creator_factory()
    response = staff_client.post(LIST_URL, {}, content_type="application/json")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
    response = staff_client.delete(detail_url(creator.pk))
    assert response.status_code == 405


@pytest.mark.parametrize("suffix", ["", "balances/", "earnings/"])
def test_unknown_creator_is_404_not_found(staff_client, suffix):
    response = staff_client.get(f"{detail_url(999_999)}{suffix}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


# --- bounded queries -------------------------------------------------------------------------


def test_list_query_count_does_not_grow_with_rows(
    staff_client, creator_factory, django_assert_max_num_queries
):
    for _ in range(3):
        creator_factory(platforms=("boyfanz", "girlfanz", "pupfanz"))
    with django_assert_max_num_queries(8) as small:
        assert staff_client.get(LIST_URL).status_code == 200
    for _ in range(12):
        creator_factory(platforms=("boyfanz", "girlfanz", "pupfanz"))
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = staff_client.get(LIST_URL, {"q": "creator", "platform": "boyfanz"}).json()
    assert body["count"] == 15


def test_detail_query_count_does_not_grow_with_history(
    staff_client, creator_factory, earning, django_assert_max_num_queries
):
    creator = creator_factory(platforms=("boyfanz", "girlfanz"))
    earning(creator, platform="boyfanz")
    with django_assert_max_num_queries(9) as small:
        staff_client.get(detail_url(creator.pk))
    for n in range(10):
        earning(creator, platform="girlfanz" if n % 2 else "boyfanz", currency="EUR")
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = staff_client.get(detail_url(creator.pk)).json()
    assert len(body["balances"]) == 3
