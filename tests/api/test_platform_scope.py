"""A platform API key sees only its own platform's creators, balances, entries, earnings and
webhook events; staff see everything their role allows; other roles and anonymous callers are
refused."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.roles import Role
from apps.integrations.models import WebhookEvent
from apps.platforms.models import Platform

from .keys import key_client, make_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(creator_factory, earning):
    """Ann on boyfanz, Bob on girlfanz, Cat on both; one earning each per platform."""
    Platform.objects.filter(slug="boyfanz").update(fee_percent=Decimal("10"))
    ann = creator_factory(platforms=("boyfanz",), display_name="Ann")
    bob = creator_factory(platforms=("girlfanz",), display_name="Bob")
    cat = creator_factory(platforms=("boyfanz", "girlfanz"), display_name="Cat")
    entries = {
        "ann": earning(ann, platform="boyfanz", gross="10.00", key="ann-bf").entry,
        "bob": earning(bob, platform="girlfanz", gross="20.00", key="bob-gf").entry,
        "cat_bf": earning(
            cat, platform="boyfanz", gross="30.00", key="cat-bf", kind="purchase"
        ).entry,
        "cat_gf": earning(cat, platform="girlfanz", gross="40.00", key="cat-gf").entry,
    }
    return {"ann": ann, "bob": bob, "cat": cat, "entries": entries}


@pytest.fixture
def boyfanz_client(db):
    _, raw = make_key("boyfanz")
    return key_client(raw)


def _event(source: str, event_id: str, **fields) -> WebhookEvent:
    defaults = {
        "source": source,
        "platform": Platform.objects.filter(slug=source).first(),
        "event_id": event_id,
        "event_type": "tip_sent",
        "payload": {"id": event_id, "event": "tip_sent", "platform": source},
        "raw_body": "{}",
        "signature_scheme": WebhookEvent.Scheme.FANZ,
    }
    defaults.update(fields)
    return WebhookEvent.objects.create(**defaults)


def _ids(response) -> list:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- creators -------------------------------------------------------------------------------


def test_a_key_lists_only_its_platforms_creators(world, boyfanz_client):
    body = boyfanz_client.get("/api/v1/creators/").json()
    assert [row["displayName"] for row in body["results"]] == ["Ann", "Cat"]
    cat = next(row for row in body["results"] if row["displayName"] == "Cat")
    assert [account["platform"] for account in cat["platforms"]] == ["boyfanz"]


def test_a_key_gets_404_for_another_platforms_creator(world, boyfanz_client):
    bob = world["bob"].pk
    for url in (
        f"/api/v1/creators/{bob}/",
        f"/api/v1/creators/{bob}/balances/",
        f"/api/v1/creators/{bob}/earnings/",
    ):
        response = boyfanz_client.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"] == "not_found"


def test_a_key_sees_only_its_platforms_money_of_a_shared_creator(world, boyfanz_client):
    cat = world["cat"].pk
    balances = boyfanz_client.get(f"/api/v1/creators/{cat}/balances/").json()["balances"]
    assert [(row["platform"], row["pending"]) for row in balances] == [("boyfanz", "27.00")]
    detail = boyfanz_client.get(f"/api/v1/creators/{cat}/").json()
    assert [row["platform"] for row in detail["balances"]] == ["boyfanz"]
    earnings = boyfanz_client.get(f"/api/v1/creators/{cat}/earnings/").json()["earnings"]
    assert earnings["total"] == "27.00"
    assert earnings["platforms"] == {"boyfanz": "27.00"}


def test_staff_still_see_every_creator(world, client_for, support_user):
    body = client_for(support_user).get("/api/v1/creators/").json()
    assert [row["displayName"] for row in body["results"]] == ["Ann", "Bob", "Cat"]
    cat = world["cat"].pk
    balances = client_for(support_user).get(f"/api/v1/creators/{cat}/balances/").json()
    assert {row["platform"] for row in balances["balances"]} == {"boyfanz", "girlfanz"}


# --- ledger entries --------------------------------------------------------------------------


def test_a_key_lists_only_its_platforms_entries(world, boyfanz_client):
    ids = _ids(boyfanz_client.get("/api/v1/ledger/entries/"))
    entries = world["entries"]
    assert set(ids) == {entries["ann"].pk, entries["cat_bf"].pk}
    # Filters cannot widen the scope.
    assert _ids(boyfanz_client.get("/api/v1/ledger/entries/?platform=girlfanz")) == []


def test_a_key_gets_404_for_another_platforms_entry(world, boyfanz_client):
    entries = world["entries"]
    own = boyfanz_client.get(f"/api/v1/ledger/entries/{entries['ann'].pk}/")
    assert own.status_code == 200 and own.json()["platform"] == "boyfanz"
    other = boyfanz_client.get(f"/api/v1/ledger/entries/{entries['bob'].pk}/")
    assert other.status_code == 404
    assert other.json()["error"] == "not_found"


def test_staff_with_the_ledger_permission_see_every_entry(world, client_for, finance_user):
    ids = _ids(client_for(finance_user).get("/api/v1/ledger/entries/"))
    assert {entry.pk for entry in world["entries"].values()} <= set(ids)


@pytest.mark.parametrize("role", [Role.COMPLIANCE, Role.SUPPORT, Role.CREATOR])
def test_roles_without_the_ledger_permission_are_refused(world, users_by_role, client_for, role):
    client = client_for(users_by_role[role])
    for url in ("/api/v1/ledger/entries/", "/api/v1/earnings/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"] == "permission_denied"


# --- earnings ------------------------------------------------------------------------------


def test_a_key_lists_only_its_platforms_earnings_with_fee_and_net(world, boyfanz_client):
    body = boyfanz_client.get("/api/v1/earnings/").json()
    rows = {row["transactionId"]: row for row in body["results"]}
    assert set(rows) == {"ann-bf", "cat-bf"}
    cat = rows["cat-bf"]
    assert cat["kind"] == "purchase"
    assert cat["platform"] == "boyfanz"
    assert cat["creator"] == world["cat"].pk
    assert cat["creatorExternalId"] == f"boyfanz-{world['cat'].pk}"
    assert (cat["currency"], cat["gross"], cat["fee"], cat["net"]) == (
        "USD",
        "30.00",
        "3.00",
        "27.00",
    )
    assert cat["availableAt"] is not None
    assert set(body) == {"next", "previous", "results"}


def test_earnings_filters(world, boyfanz_client):
    def transactions(query):
        response = boyfanz_client.get(f"/api/v1/earnings/?{query}")
        assert response.status_code == 200, response.content
        return {row["transactionId"] for row in response.json()["results"]}

    cat = world["cat"]
    assert transactions(f"creator={cat.pk}") == {"cat-bf"}
    assert transactions("kind=purchase") == {"cat-bf"}
    assert transactions("kind=tip") == {"ann-bf"}
    assert transactions("transaction_id=ann-bf") == {"ann-bf"}
    assert transactions(f"creator_external_id=boyfanz-{cat.pk}") == {"cat-bf"}
    future = (timezone.now() + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert transactions(f"occurred_after={future}") == set()
    assert transactions(f"occurred_before={future}") == {"ann-bf", "cat-bf"}


def test_earnings_refuse_bad_filters(world, boyfanz_client):
    for query in ("kind=refund", "occurred_after=yesterday", "creator=abc"):
        response = boyfanz_client.get(f"/api/v1/earnings/?{query}")
        assert response.status_code == 400, query
        assert response.json()["error"] == "invalid"


def test_staff_see_every_earning(world, client_for, finance_user):
    body = client_for(finance_user).get("/api/v1/earnings/").json()
    assert {row["transactionId"] for row in body["results"]} == {
        "ann-bf",
        "bob-gf",
        "cat-bf",
        "cat-gf",
    }


def test_earnings_are_cursor_paginated(world, client_for, finance_user):
    client = client_for(finance_user)
    first = client.get("/api/v1/earnings/?page_size=3").json()
    assert len(first["results"]) == 3 and first["next"]
    second = client.get(first["next"]).json()
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert len(seen) == len(set(seen)) == 4


# --- webhook events ------------------------------------------------------------------------


@pytest.fixture
def events(db):
    return {
        "bf_ok": _event("boyfanz", "evt-1", state="processed", transaction_id="tx-1"),
        "bf_failed": _event(
            "boyfanz",
            "evt-2",
            event_type="refund_issued",
            state="failed",
            error_code="unknown_transaction",
            transaction_id="tx-2",
        ),
        "gf": _event("girlfanz", "evt-1", transaction_id="tx-1"),
        "central": _event("fanzdash", "evt-c", event_type="user_suspended"),
    }


def test_a_key_lists_only_the_events_its_platform_sent(events, boyfanz_client):
    ids = _ids(boyfanz_client.get("/api/v1/webhook-events/"))
    assert ids == [events["bf_failed"].pk, events["bf_ok"].pk]
    assert _ids(boyfanz_client.get("/api/v1/webhook-events/?platform=girlfanz")) == []


def test_a_key_gets_404_for_another_platforms_event(events, boyfanz_client):
    own = boyfanz_client.get(f"/api/v1/webhook-events/{events['bf_ok'].pk}/")
    assert own.status_code == 200
    body = own.json()
    assert body["eventId"] == "evt-1" and body["payload"]["platform"] == "boyfanz"
    assert "raw_body" not in body and "headers" not in body
    for name in ("gf", "central"):
        response = boyfanz_client.get(f"/api/v1/webhook-events/{events[name].pk}/")
        assert response.status_code == 404, name


def test_webhook_event_filters(events, client_for, support_user):
    client = client_for(support_user)

    def ids(query):
        return set(_ids(client.get(f"/api/v1/webhook-events/?{query}")))

    assert ids("platform=boyfanz") == {events["bf_ok"].pk, events["bf_failed"].pk}
    assert ids("type=refund_issued") == {events["bf_failed"].pk}
    assert ids("state=failed") == {events["bf_failed"].pk}
    assert ids("event_id=evt-1") == {events["bf_ok"].pk, events["gf"].pk}
    assert ids("transaction_id=tx-2") == {events["bf_failed"].pk}
    assert ids("platform=fanzdash") == {events["central"].pk}
    future = (timezone.now() + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert ids(f"received_after={future}") == set()
    assert len(ids(f"received_before={future}")) == 4
    response = client.get("/api/v1/webhook-events/?state=bogus")
    assert response.status_code == 400 and response.json()["error"] == "invalid"


def test_webhook_events_are_cursor_paginated(events, client_for, support_user):
    client = client_for(support_user)
    first = client.get("/api/v1/webhook-events/?page_size=3").json()
    assert len(first["results"]) == 3 and first["next"] and "count" not in first
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1


@pytest.mark.parametrize("role", [Role.SUPER_ADMIN, Role.FINANCE, Role.SUPPORT])
def test_staff_with_view_webhooks_see_all_events(events, users_by_role, client_for, role):
    ids = _ids(client_for(users_by_role[role]).get("/api/v1/webhook-events/"))
    assert len(ids) == 4


@pytest.mark.parametrize("role", [Role.COMPLIANCE, Role.CREATOR])
def test_roles_without_view_webhooks_are_refused(events, users_by_role, client_for, role):
    client = client_for(users_by_role[role])
    for url in ("/api/v1/webhook-events/", f"/api/v1/webhook-events/{events['bf_ok'].pk}/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"] == "permission_denied"


# --- anonymous -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/creators/",
        "/api/v1/earnings/",
        "/api/v1/ledger/entries/",
        "/api/v1/webhook-events/",
        "/api/v1/webhook-events/1/",
    ],
)
def test_anonymous_callers_are_refused(client, url):
    response = client.get(url)
    assert response.status_code == 403
    assert response.json() == {
        "error": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
    }


def test_a_key_cannot_learn_who_else_is_on_another_platform(world, boyfanz_client):
    assert boyfanz_client.get("/api/v1/creators/?platform=girlfanz").json()["count"] == 0
    body = boyfanz_client.get("/api/v1/creators/?platform=boyfanz").json()
    assert [row["displayName"] for row in body["results"]] == ["Ann", "Cat"]
    # Nor by searching for another platform's external id.
    cat = world["cat"].pk
    assert boyfanz_client.get(f"/api/v1/creators/?q=girlfanz-{cat}").json()["count"] == 0


@pytest.mark.parametrize(
    "url", ["/api/v1/earnings/", "/api/v1/ledger/entries/", "/api/v1/webhook-events/"]
)
def test_list_queries_do_not_grow_with_rows(
    world, events, earning, url, django_assert_max_num_queries
):

    _, raw = make_key("boyfanz")
    client = key_client(raw)
    client.get(url)  # the key's last use is written once
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(5):
        earning(world["ann"], platform="boyfanz", key=f"more-{n}")
        _event("boyfanz", f"evt-more-{n}")
    with django_assert_max_num_queries(len(few)):
        assert len(client.get(url).json()["results"]) >= 7
