from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import AuditEvent
from apps.creators.models import Creator
from apps.creators.services import creator_status_set
from apps.ledger.accounts import creator_account
from apps.ledger.models import AccountKind
from apps.ledger.services import creator_transfer, pending_release_due, refund_record
from apps.platforms.models import Platform

VIEWERS = [Role.SUPER_ADMIN, Role.FINANCE, Role.COMPLIANCE, Role.SUPPORT]
SUSPENDERS = [Role.SUPER_ADMIN, Role.COMPLIANCE, Role.SUPPORT]
FAR_FUTURE = timedelta(days=3650)


def _release_all() -> None:
    pending_release_due(now=timezone.now() + FAR_FUTURE)


def _names(response) -> list[str]:
    return [creator.display_name for creator in response.context["page"]]


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- access ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", VIEWERS)
def test_staff_may_view(users_by_role, client_for, creator_factory, role):
    creator = creator_factory(display_name="Visible Vic")
    client = client_for(users_by_role[role])
    response = client.get(reverse("creators:list"))
    assert response.status_code == 200 and b"Visible Vic" in response.content
    assert client.get(reverse("creators:detail", args=[creator.pk])).status_code == 200


def test_creators_get_403(users_by_role, client_for, creator_factory):
    other = creator_factory()
    client = client_for(users_by_role[Role.CREATOR])
    assert client.get(reverse("creators:list")).status_code == 403
    assert client.get(reverse("creators:detail", args=[other.pk])).status_code == 403
    response = client.post(
        reverse("creators:status", args=[other.pk]), {"status": "suspended", "reason": "x"}
    )
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.status == Creator.Status.ACTIVE


def test_anonymous_is_sent_to_login(creator_factory):
    creator = creator_factory()
    client = Client()
    for url in (reverse("creators:list"), reverse("creators:detail", args=[creator.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    response = client.post(
        reverse("creators:status", args=[creator.pk]), {"status": "suspended", "reason": "x"}
    )
    assert response.status_code == 302
    creator.refresh_from_db()
    assert creator.status == Creator.Status.ACTIVE


def test_unknown_creator_is_404(client_for, support_user):
    assert client_for(support_user).get(reverse("creators:detail", args=[999])).status_code == 404


# --- list: search and filters ---------------------------------------------------------------


def test_search_by_name_legal_name_email_and_external_id(client_for, support_user, creator_factory):
    alice = creator_factory(display_name="Alice", legal_name="Alice Legal", email="al@x.test")
    creator_factory(display_name="Bob", legal_name="Robert Zed", email="bobby@y.test")
    creator_factory(display_name="Carol", platforms=("girlfanz",))
    client = client_for(support_user)
    assert _names(client.get(reverse("creators:list"), {"q": "alic"})) == ["Alice"]
    assert _names(client.get(reverse("creators:list"), {"q": "robert"})) == ["Bob"]
    assert _names(client.get(reverse("creators:list"), {"q": "BOBBY@"})) == ["Bob"]
    assert _names(client.get(reverse("creators:list"), {"q": f"boyfanz-{alice.pk}"})) == ["Alice"]
    # a search matching two platform accounts of one creator lists them once
    assert _names(client.get(reverse("creators:list"), {"q": "girlfanz-"})) == ["Carol"]
    assert _names(client.get(reverse("creators:list"), {"q": "nobody"})) == []


def test_filters(client_for, finance_user, creator_factory):
    creator_factory(display_name="Ann", platforms=("boyfanz", "girlfanz"), kyc_level=0)
    bea = creator_factory(display_name="Bea", platforms=("pupfanz",), kyc_level=2)
    creator_factory(display_name="Cid", platforms=("girlfanz",), currency="EUR", kyc_level=3)
    creator_status_set(creator=bea, status="suspended", actor=None)
    client = client_for(finance_user)

    def names(**params):
        response = client.get(reverse("creators:list"), params)
        assert response.status_code == 200
        return _names(response)

    assert names() == ["Ann", "Bea", "Cid"]
    assert names(platform="girlfanz") == ["Ann", "Cid"]
    assert names(platform="pupfanz") == ["Bea"]
    assert names(status="suspended") == ["Bea"]
    assert names(status="active") == ["Ann", "Cid"]
    assert names(kyc_level="0") == ["Ann"]
    assert names(kyc_level="3") == ["Cid"]
    assert names(currency="EUR") == ["Cid"]
    assert names(currency="EUR", platform="boyfanz") == []
    # an unknown platform is a form error: the filter does not silently list everyone
    assert names(platform="nowhere") == []


def test_balance_range_is_filtered_in_the_database(
    client_for, finance_user, creator_factory, earning
):
    low = creator_factory(display_name="Low")
    mid = creator_factory(display_name="Mid", platforms=("boyfanz", "girlfanz"))
    high = creator_factory(display_name="High")
    yen = creator_factory(display_name="Yen", currency="JPY")
    creator_factory(display_name="Nothing")
    earning(low, gross="40.00")
    earning(mid, gross="60.00")
    earning(mid, platform="girlfanz", gross="40.00")  # two available accounts: 100.00 together
    earning(high, gross="250.50")
    earning(yen, gross="150", currency="JPY")
    earning(mid, gross="7.00", currency="EUR")  # not its default currency: not counted
    _release_all()
    earning(high, gross="1000.00")  # still pending: not available
    client = client_for(finance_user)

    def names(**params):
        return sorted(_names(client.get(reverse("creators:list"), params)))

    assert names(balance_min="100.00") == ["High", "Mid", "Yen"]
    assert names(balance_min="100.01") == ["High", "Yen"]
    assert names(balance_max="100.00") == ["Low", "Mid", "Nothing"]
    assert names(balance_min="40", balance_max="100") == ["Low", "Mid"]
    assert names(balance_min="0.01") == ["High", "Low", "Mid", "Yen"]
    assert names(balance_max="0") == ["Nothing"]
    # JPY has no minor unit: 150.5 yen rounds up for a minimum, down for a maximum
    assert names(balance_min="150.5", currency="JPY") == []
    assert names(balance_max="150.5", currency="JPY") == ["Yen"]
    assert names(balance_min="abc") == []  # invalid bound: a form error, no rows
    response = client.get(reverse("creators:list"), {"q": "High"})
    assert response.context["page"][0].available_minor == 25050
    assert b"250.50 USD" in response.content


def test_balance_filter_sees_payouts_and_negative_balances(
    client_for, finance_user, creator_factory, earning
):
    creator = creator_factory(display_name="Payee")
    earning(creator, gross="80.00", key="tx-payee")
    _release_all()
    platform = Platform.objects.get(slug="boyfanz")
    available = creator_account(creator, platform, AccountKind.AVAILABLE, "USD")
    in_payout = creator_account(creator, platform, AccountKind.IN_PAYOUT, "USD")
    creator_transfer(
        source=available, destination=in_payout, amount_minor=5000, idempotency_key="payout:1"
    )
    client = client_for(finance_user)
    response = client.get(reverse("creators:list"), {"balance_min": "30", "balance_max": "30"})
    assert _names(response) == ["Payee"]
    assert b"30.00 USD" in response.content
    # a chargeback after the release takes the whole 80.00 from available: 30.00 - 80.00
    refund_record(
        platform=platform,
        transaction_id="tx-payee",
        kind="chargeback",
        occurred_at=timezone.now(),
        idempotency_key="cb-payee",
    )
    response = client.get(reverse("creators:list"), {"balance_max": "-50"})
    assert _names(response) == ["Payee"]
    assert b"-50.00 USD" in response.content
    assert _names(client.get(reverse("creators:list"), {"balance_max": "-50.01"})) == []
    assert _names(client.get(reverse("creators:list"), {"balance_min": "-50.00"})) == ["Payee"]


def test_list_query_count_is_constant(
    client_for, support_user, creator_factory, earning, django_assert_max_num_queries
):
    client = client_for(support_user)
    creator_factory(platforms=("boyfanz", "girlfanz"))
    client.get(reverse("creators:list"))  # warm the session and the currency cache
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("creators:list"), {"balance_min": "0"})
    for n in range(12):
        creator = creator_factory(
            platforms=("boyfanz", "girlfanz", "pupfanz")[: n % 3 + 1],
            currency=("USD", "EUR", "JPY")[n % 3],
        )
        earning(creator, gross="10", currency=("USD", "EUR", "JPY")[n % 3])
    _release_all()
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as many:
        response = client.get(reverse("creators:list"), {"balance_min": "0"})
    assert len(response.context["page"]) == 13
    assert len(many) == len(few)


def test_list_is_paginated_by_50(client_for, support_user, creator_factory):
    for _ in range(51):
        creator_factory()
    client = client_for(support_user)
    first = client.get(reverse("creators:list"))
    assert len(first.context["page"]) == 50
    second = client.get(reverse("creators:list"), {"page": 2})
    assert len(second.context["page"]) == 1


def test_list_htmx_fragment(client_for, support_user, creator_factory):
    creator_factory(display_name="Frag Frank")
    response = client_for(support_user).get(
        reverse("creators:list"), {"q": "frank"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b"<html" not in response.content and b"<form" not in response.content
    assert b"Frag Frank" in response.content
    assert "HX-Request" in response["Vary"]


def test_list_columns(client_for, support_user, creator_factory):
    creator = creator_factory(
        display_name="Col",
        platforms=("boyfanz", "girlfanz"),
        kyc_level=2,
        age_verified_until=date(2031, 1, 2),
    )
    html = client_for(support_user).get(reverse("creators:list")).content.decode()
    for text in ("Col", creator.user.email, "boyfanz", "girlfanz", "Active", "2031-01-02", "0.00"):
        assert text in html


# --- detail ------------------------------------------------------------------------------


def test_detail_shows_balances_schedule_and_entries(
    client_for, compliance_user, creator_factory, earning, django_assert_max_num_queries
):
    creator = creator_factory(platforms=("boyfanz", "girlfanz"), legal_name="Dee Tail")
    earning(creator, gross="19.99")
    _release_all()
    earning(creator, gross="5.00")
    earning(creator, platform="girlfanz", gross="1000", currency="JPY")
    client = client_for(compliance_user)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("creators:detail", args=[creator.pk]))
    html = response.content.decode()
    balances = {(line.platform_slug, line.currency): line for line in response.context["balances"]}
    usd = balances[("boyfanz", "USD")]
    assert (usd.pending, usd.available, usd.in_payout, usd.lifetime) == (500, 1999, 0, 2499)
    assert balances[("girlfanz", "JPY")].pending == 1000
    assert [lot.amount for lot in response.context["pending"]] == [500, 1000]
    assert "1,000 JPY" in html  # amounts as people read them
    assert len(response.context["entries"]) == 4  # 3 earnings, 1 release
    assert "Dee Tail" in html and f"girlfanz-{creator.pk}" in html
    assert "24.99" in html and "Release to available" in html
    # compliance may read the audit log: events about the creator are listed
    assert response.context["events"] is not None
    assert "creator.created" in html


def test_detail_lists_at_most_20_entries(client_for, support_user, creator_factory, earning):
    creator = creator_factory()
    for _ in range(22):
        earning(creator, gross="1.00")
    response = client_for(support_user).get(reverse("creators:detail", args=[creator.pk]))
    assert len(response.context["entries"]) == 20


@pytest.mark.parametrize("role", [Role.FINANCE, Role.SUPPORT])
def test_detail_hides_audit_events_without_the_permission(
    users_by_role, client_for, creator_factory, role
):
    creator = creator_factory()
    response = client_for(users_by_role[role]).get(reverse("creators:detail", args=[creator.pk]))
    assert response.context["events"] is None
    assert b"creator.created" not in response.content


def test_detail_links_entries_only_when_the_ledger_page_exists(
    client_for, super_admin, creator_factory, earning
):
    creator = creator_factory()
    entry = earning(creator).entry
    response = client_for(super_admin).get(reverse("creators:detail", args=[creator.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    try:
        url = reverse("ledger:entry", args=[entry.pk])
    except NoReverseMatch:
        assert f"<td>{entry.pk}</td>" in html  # rendered without a link, not a crash
    else:
        assert f'href="{url}"' in html


def test_detail_shows_suspend_only_to_those_who_may(
    client_for, finance_user, support_user, creator_factory
):
    creator = creator_factory()
    url = reverse("creators:detail", args=[creator.pk])
    assert b"Suspend</button>" not in client_for(finance_user).get(url).content
    assert b"Suspend</button>" in client_for(support_user).get(url).content


# --- suspend / unsuspend -------------------------------------------------------------------


@pytest.mark.parametrize("role", SUSPENDERS)
def test_suspend_and_unsuspend(users_by_role, client_for, creator_factory, role):
    staff = users_by_role[role]
    creator = creator_factory()
    client = client_for(staff)
    url = reverse("creators:status", args=[creator.pk])
    response = client.post(url, {"status": "suspended", "reason": "Chargeback fraud"})
    assert response.status_code == 302
    assert response["Location"] == reverse("creators:detail", args=[creator.pk])
    creator.refresh_from_db()
    assert creator.status == Creator.Status.SUSPENDED
    event = AuditEvent.objects.get(action="creator.suspended")
    assert event.actor == staff and event.target_id == str(creator.pk)
    assert event.before["status"] == "active"
    assert event.after["status"] == "suspended" and event.after["reason"] == "Chargeback fraud"
    client.post(url, {"status": "active", "reason": "Cleared"})
    creator.refresh_from_db()
    assert creator.status == Creator.Status.ACTIVE
    assert AuditEvent.objects.get(action="creator.unsuspended").after["reason"] == "Cleared"


def test_finance_may_not_suspend(client_for, finance_user, creator_factory):
    creator = creator_factory()
    response = client_for(finance_user).post(
        reverse("creators:status", args=[creator.pk]), {"status": "suspended", "reason": "x"}
    )
    assert response.status_code == 403
    creator.refresh_from_db()
    assert creator.status == Creator.Status.ACTIVE
    assert not AuditEvent.objects.filter(action="creator.suspended").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "suspended", "reason": ""}, "Give a reason"),
        ({"status": "suspended", "reason": "   "}, "Give a reason"),
        ({"status": "suspended"}, "Give a reason"),
        ({"status": "closed", "reason": "bye"}, "Choose suspend or unsuspend"),
        ({"status": "banished", "reason": "x"}, "Choose suspend or unsuspend"),
    ],
)
def test_status_refusals_change_nothing(client_for, support_user, creator_factory, data, message):
    creator = creator_factory()
    response = client_for(support_user).post(reverse("creators:status", args=[creator.pk]), data)
    assert response.status_code == 302
    assert any(message in text for text in _messages(response))
    creator.refresh_from_db()
    assert creator.status == Creator.Status.ACTIVE
    assert not AuditEvent.objects.filter(action__startswith="creator.", actor=support_user).exists()


def test_a_closed_creator_cannot_be_unsuspended(client_for, support_user, creator_factory):
    creator = creator_factory()
    creator_status_set(creator=creator, status="closed", actor=None)
    response = client_for(support_user).post(
        reverse("creators:status", args=[creator.pk]), {"status": "active", "reason": "please"}
    )
    assert any("closed creator cannot be reopened" in text for text in _messages(response))
    creator.refresh_from_db()
    assert creator.status == Creator.Status.CLOSED
    assert not AuditEvent.objects.filter(actor=support_user, action="creator.unsuspended").exists()


def test_status_is_post_only(client_for, support_user, creator_factory):
    creator = creator_factory()
    response = client_for(support_user).get(reverse("creators:status", args=[creator.pk]))
    assert response.status_code == 405


def test_suspending_twice_is_reported_not_audited(client_for, support_user, creator_factory):
    creator = creator_factory()
    client = client_for(support_user)
    url = reverse("creators:status", args=[creator.pk])
    client.post(url, {"status": "suspended", "reason": "once"})
    response = client.post(url, {"status": "suspended", "reason": "twice"})
    assert any("already suspended" in text for text in _messages(response))
    assert AuditEvent.objects.filter(action="creator.suspended").count() == 1
