"""The payouts API (/api/v1/payouts/): who may read batches and payouts, platform key scoping,
the shapes, bounded queries, and the schema."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from apps.accounts.roles import Role
from apps.ledger.accounts import creator_account
from apps.payouts.models import PayoutBatch, PayoutItem, ProcessorEvent
from apps.platforms.models import Platform
from tests.api.keys import key_client, make_key

from .conftest import make_method, make_payout

pytestmark = pytest.mark.django_db

BASE = "/api/v1/payouts/"


@pytest.fixture
def world(creator_factory):
    """Ann on boyfanz, Bob on girlfanz, Cat on both (her payout takes from both platforms);
    all in one sandbox batch."""
    ann = creator_factory(platforms=("boyfanz",), display_name="Ann")
    bob = creator_factory(platforms=("girlfanz",), display_name="Bob")
    cat = creator_factory(platforms=("boyfanz", "girlfanz"), display_name="Cat")
    for creator in (ann, bob, cat):
        make_method(creator, "sandbox", currency="USD")
    ann_method = ann.payout_methods.get()
    batch = PayoutBatch.objects.create(
        processor=ann_method.processor, currency_id="USD", source="manual", payout_count=3
    )
    boyfanz = Platform.objects.get(slug="boyfanz")
    girlfanz = Platform.objects.get(slug="girlfanz")

    def payout(creator, parts):
        made = make_payout(creator, sum(a for _, a in parts), batch=batch, reserve=False)
        made.items.all().delete()
        for platform, amount in parts:
            PayoutItem.objects.create(
                payout=made,
                available_account=creator_account(creator, platform, "available", "USD"),
                in_payout_account=creator_account(creator, platform, "in_payout", "USD"),
                amount_minor=amount,
            )
        return made

    payouts = {
        "ann": payout(ann, [(boyfanz, 1000)]),
        "bob": payout(bob, [(girlfanz, 2000)]),
        "cat": payout(cat, [(boyfanz, 3000), (girlfanz, 4000)]),
    }
    ProcessorEvent.objects.create(payout=payouts["ann"], kind="submitting", payload={"a": 1})
    return {"ann": ann, "bob": bob, "cat": cat, "batch": batch, "payouts": payouts}


def _key_client(slug="boyfanz"):
    _, raw = make_key(slug)
    return key_client(raw)


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.SUPER_ADMIN, True),
        (Role.FINANCE, True),
        (Role.COMPLIANCE, True),
        (Role.SUPPORT, False),
        (Role.CREATOR, False),
    ],
)
def test_batches_by_role(world, users_by_role, client_for, role, allowed):
    client = client_for(users_by_role[role])
    for url in (f"{BASE}batches/", f"{BASE}batches/{world['batch'].pk}/"):
        response = client.get(url)
        assert response.status_code == (200 if allowed else 403), url
        if not allowed:
            assert response.json()["error"] == "permission_denied"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.SUPER_ADMIN, True),
        (Role.FINANCE, True),
        (Role.COMPLIANCE, True),
        (Role.SUPPORT, True),
        (Role.CREATOR, False),
    ],
)
def test_payouts_by_role(world, users_by_role, client_for, role, allowed):
    client = client_for(users_by_role[role])
    ann_payout = world["payouts"]["ann"]
    for url in (
        BASE,
        f"{BASE}{ann_payout.pk}/",
        f"{BASE}creators/{world['ann'].pk}/payouts/",
    ):
        assert client.get(url).status_code == (200 if allowed else 403), url


def test_anonymous_is_refused(world, client):
    for url in (
        BASE,
        f"{BASE}batches/",
        f"{BASE}batches/{world['batch'].pk}/",
        f"{BASE}{world['payouts']['ann'].pk}/",
        f"{BASE}creators/{world['ann'].pk}/payouts/",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"] == "not_authenticated"


def test_platform_keys_cannot_list_batches_or_all_payouts(world):
    client = _key_client()
    for url in (BASE, f"{BASE}batches/", f"{BASE}batches/{world['batch'].pk}/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"] == "permission_denied"


def test_bad_key_is_401(world):
    response = key_client("nope.nope").get(f"{BASE}creators/{world['ann'].pk}/payouts/")
    assert response.status_code == 401
    assert response.json()["error"] == "authentication_failed"


# --- platform key scoping --------------------------------------------------------------------


def test_key_sees_its_creators_payouts_and_its_own_items_only(world):
    client = _key_client("boyfanz")
    ann = client.get(f"{BASE}creators/{world['ann'].pk}/payouts/")
    assert ann.status_code == 200
    [row] = ann.json()["results"]
    assert row["id"] == world["payouts"]["ann"].pk
    assert row["items"] == [{"platform": "boyfanz", "amount": "10.00"}]

    cat = client.get(f"{BASE}creators/{world['cat'].pk}/payouts/").json()["results"]
    assert [item["platform"] for item in cat[0]["items"]] == ["boyfanz"]

    # Bob is not on boyfanz: 404, for the list and for his payout.
    bob = client.get(f"{BASE}creators/{world['bob'].pk}/payouts/")
    assert bob.status_code == 404 and bob.json()["error"] == "not_found"
    assert client.get(f"{BASE}{world['payouts']['bob'].pk}/").status_code == 404


def test_key_payout_detail_has_no_trail(world):
    client = _key_client("boyfanz")
    response = client.get(f"{BASE}{world['payouts']['ann'].pk}/")
    assert response.status_code == 200
    assert response.json()["events"] == []


def test_other_platform_key(world):
    client = _key_client("girlfanz")
    assert client.get(f"{BASE}creators/{world['ann'].pk}/payouts/").status_code == 404
    cat = client.get(f"{BASE}creators/{world['cat'].pk}/payouts/").json()["results"]
    assert cat[0]["items"] == [{"platform": "girlfanz", "amount": "40.00"}]


def test_a_key_sees_only_its_own_platforms_money_of_a_shared_payout(
    world, client_for, finance_user
):
    """Security review: a payout taking 30.00 from boyfanz and 40.00 from girlfanz showed the
    boyfanz key its own item but the whole 70.00 and the whole fee."""
    cat_payout = world["payouts"]["cat"]
    type(cat_payout).objects.filter(pk=cat_payout.pk).update(fee_minor=210)
    cat = world["cat"].pk
    for slug, amount in (("boyfanz", "30.00"), ("girlfanz", "40.00")):
        client = _key_client(slug)
        detail = client.get(f"{BASE}{cat_payout.pk}/").json()
        [listed] = client.get(f"{BASE}creators/{cat}/payouts/").json()["results"]
        for body in (detail, listed):
            assert body["amount"] == amount, slug
            assert body["fee"] is None, slug
            assert body["items"] == [{"platform": slug, "amount": amount}]
            assert "70.00" not in str(body) and "2.10" not in str(body)
    staff = client_for(finance_user)
    detail = staff.get(f"{BASE}{cat_payout.pk}/").json()
    assert (detail["amount"], detail["fee"]) == ("70.00", "2.10")
    listed = staff.get(f"{BASE}creators/{cat}/payouts/").json()["results"]
    assert (listed[0]["amount"], listed[0]["fee"]) == ("70.00", "2.10")


def test_a_key_sees_only_its_platforms_part_of_a_payout_in_the_creators_figures(
    creator_factory, client_for, finance_user
):
    """Creator balances and earnings of a payout that took money from two platforms: a key
    reads its own platform's part only (in payout, last payout), staff the whole."""
    from apps.payouts.models import Payout
    from apps.payouts.services.ledger import payout_reserve, payout_settle

    from .conftest import fund

    cat = creator_factory(platforms=("boyfanz", "girlfanz"))
    make_method(cat, "sandbox", currency="USD")
    fund(cat, "50.00", currency="USD", platform="boyfanz")
    fund(cat, "80.00", currency="USD", platform="girlfanz")
    method = cat.payout_methods.get()
    batch = PayoutBatch.objects.create(processor=method.processor, currency_id="USD")
    payout = Payout.objects.create(
        batch=batch, creator=cat, method=method, currency_id="USD", amount_minor=7000, fee_minor=210
    )
    for slug, amount in (("boyfanz", 3000), ("girlfanz", 4000)):
        platform = Platform.objects.get(slug=slug)
        PayoutItem.objects.create(
            payout=payout,
            available_account=creator_account(cat, platform, "available", "USD"),
            in_payout_account=creator_account(cat, platform, "in_payout", "USD"),
            amount_minor=amount,
        )
    payout_reserve(payout=payout)
    boyfanz = _key_client("boyfanz")
    staff = client_for(finance_user)
    url = f"/api/v1/creators/{cat.pk}/"

    [row] = boyfanz.get(f"{url}balances/").json()["balances"]
    assert (row["platform"], row["available"], row["inPayout"]) == ("boyfanz", "20.00", "30.00")
    assert boyfanz.get(f"{url}earnings/").json()["earnings"]["pendingPayout"] == "30.00"
    assert staff.get(f"{url}earnings/").json()["earnings"]["pendingPayout"] == "70.00"

    payout_settle(payout=payout)
    earnings = boyfanz.get(f"{url}earnings/").json()["earnings"]
    assert (earnings["lastPayout"], earnings["pendingPayout"]) == ("30.00", "0.00")
    assert earnings["total"] == "50.00" and earnings["platforms"] == {"boyfanz": "50.00"}
    assert staff.get(f"{url}earnings/").json()["earnings"]["lastPayout"] == "70.00"
    detail = boyfanz.get(f"{BASE}{payout.pk}/").json()
    assert (detail["amount"], detail["fee"]) == ("30.00", None)


def test_key_lists_issue_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    client = _key_client("boyfanz")
    url = f"{BASE}creators/{world['cat'].pk}/payouts/"
    client.get(url)
    for _ in range(5):
        make_payout(world["cat"], 100, batch=world["batch"], reserve=False)
    with django_assert_max_num_queries(12):
        rows = client.get(url).json()["results"]
    assert len(rows) == 6
    assert sum(int(row["amount"].replace(".", "")) for row in rows) == 3000 + 5 * 100


# --- shapes ----------------------------------------------------------------------------------


def test_staff_payout_detail_shape(world, client_for, finance_user):
    payout = world["payouts"]["cat"]
    body = client_for(finance_user).get(f"{BASE}{payout.pk}/").json()
    assert body["amount"] == "70.00" and body["currency"] == "USD"
    assert body["processor"] == "sandbox" and body["state"] == "pending"
    assert {item["platform"] for item in body["items"]} == {"boyfanz", "girlfanz"}
    assert body["method"]["status"] == "verified"
    assert "details" not in body["method"] and "details_encrypted" not in str(body)
    ann = client_for(finance_user).get(f"{BASE}{world['payouts']['ann'].pk}/").json()
    assert [event["kind"] for event in ann["events"]] == ["submitting"]


def test_batch_detail_counts_states(world, client_for, finance_user):
    body = client_for(finance_user).get(f"{BASE}batches/{world['batch'].pk}/").json()
    assert body["status"] == "draft" and body["settlement"] == "api"
    assert body["states"] == [{"state": "pending", "count": 3}]
    assert body["builtBy"] is None


def test_filters(world, client_for, finance_user):
    client = client_for(finance_user)
    assert client.get(f"{BASE}?creator={world['bob'].pk}").json()["count"] == 1
    assert client.get(f"{BASE}?state=paid").json()["count"] == 0
    assert client.get(f"{BASE}?currency=usd").json()["count"] == 3
    assert client.get(f"{BASE}batches/?status=draft").json()["count"] == 1
    assert client.get(f"{BASE}batches/?processor=sepa").json()["count"] == 0
    bad = client.get(f"{BASE}?state=nonsense")
    assert bad.status_code == 400 and bad.json()["error"] == "invalid"


def test_unknown_ids_are_404(world, client_for, finance_user):
    client = client_for(finance_user)
    for url in (f"{BASE}999999/", f"{BASE}batches/999999/", f"{BASE}creators/999999/payouts/"):
        assert client.get(url).status_code == 404, url


def test_lists_issue_a_bounded_number_of_queries(
    world, client_for, finance_user, django_assert_max_num_queries
):
    client = client_for(finance_user)
    client.get(BASE)  # warm up the session and permission caches
    for creator in (world["ann"], world["cat"]):
        for _ in range(5):
            make_payout(creator, 100, batch=world["batch"], reserve=False)
    with django_assert_max_num_queries(10):
        assert client.get(BASE).json()["count"] == 13
    with django_assert_max_num_queries(10):
        client.get(f"{BASE}batches/")


# --- schema ----------------------------------------------------------------------------------


def test_schema_documents_the_payout_endpoints():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    for path in (
        "/api/v1/payouts/",
        "/api/v1/payouts/{id}/",
        "/api/v1/payouts/batches/",
        "/api/v1/payouts/batches/{id}/",
        "/api/v1/payouts/creators/{id}/payouts/",
    ):
        assert set(schema["paths"][path]) - {"parameters"} == {"get"}, path
        assert "403" in schema["paths"][path]["get"]["responses"]
    callback = schema["paths"]["/api/v1/payouts/sandbox/callback"]["post"]
    assert "401" in callback["responses"]
    assert any(p["name"] == "X-FANZ-Signature" for p in callback["parameters"])
