"""Integration screens: who may open and act on each, what they show, bounded queries."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.audit.models import AuditEvent, SecurityEvent
from apps.audit.services import security_event_record
from apps.creators.models import PayoutHold
from apps.creators.services import payout_hold_place
from apps.integrations.models import EarningsReport, WebhookEvent
from apps.integrations.services.processing import webhook_event_process_now
from apps.integrations.services.reconciliation import earnings_report_record
from apps.platforms.models import Platform

from .h2_support import external_id, payload_for, store_event

pytestmark = pytest.mark.django_db

State = WebhookEvent.State
ALL_STAFF = [Role.SUPER_ADMIN, Role.FINANCE, Role.COMPLIANCE, Role.SUPPORT]


@pytest.fixture
def creator(creator_factory):
    return creator_factory(platforms=("boyfanz",))


@pytest.fixture
def processed(creator):
    event = store_event(payload_for("tip_sent", creatorId=external_id(creator)))
    return webhook_event_process_now(event.pk)


@pytest.fixture
def failed(settings):
    settings.INTEGRATIONS_MAX_ATTEMPTS = 1
    event = store_event(payload_for("refund_issued", transactionId="tx-none"))
    return webhook_event_process_now(event.pk)


@pytest.fixture
def mismatch(creator):
    return earnings_report_record(
        platform=Platform.objects.get(slug="boyfanz"),
        creator_external_id=external_id(creator),
        figures={"total": 500000, "platforms": {"boyfanz": 1000}},
        currency="USD",
    )


@pytest.fixture
def security_event(creator):
    return security_event_record(
        kind=SecurityEvent.Kind.FRAUD_DETECTED, summary="Card testing", creator=creator
    )


@pytest.fixture
def hold(creator):
    return payout_hold_place(
        creator=creator, source=PayoutHold.Source.FRAUD_DETECTED, reason="Card testing"
    )


# (url name, needs an object, allowed roles, refused roles)
PAGES = [
    (
        "integrations:events",
        None,
        [Role.SUPER_ADMIN, Role.FINANCE, Role.SUPPORT],
        [Role.COMPLIANCE, Role.CREATOR],
    ),
    (
        "integrations:event",
        "processed",
        [Role.SUPER_ADMIN, Role.FINANCE, Role.SUPPORT],
        [Role.COMPLIANCE, Role.CREATOR],
    ),
    (
        "integrations:earnings_reports",
        None,
        [Role.SUPER_ADMIN, Role.FINANCE],
        [Role.COMPLIANCE, Role.SUPPORT, Role.CREATOR],
    ),
    (
        "integrations:security_events",
        None,
        [Role.SUPER_ADMIN, Role.COMPLIANCE],
        [Role.FINANCE, Role.SUPPORT, Role.CREATOR],
    ),
    ("integrations:payout_holds", None, ALL_STAFF, [Role.CREATOR]),
]


@pytest.mark.parametrize(("name", "needs", "allowed", "refused"), PAGES)
def test_page_access(request, client, users_by_role, client_for, name, needs, allowed, refused):
    args = [request.getfixturevalue(needs).pk] if needs else []
    url = reverse(name, args=args)
    for role in allowed:
        assert client_for(users_by_role[role]).get(url).status_code == 200, role
    for role in refused:
        assert client_for(users_by_role[role]).get(url).status_code == 403, role
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


# (url name, fixture, allowed role, refused role)
ACTIONS = [
    ("integrations:replay", "failed", Role.FINANCE, Role.SUPPORT),
    ("integrations:earnings_report_resolve", "mismatch", Role.FINANCE, Role.SUPPORT),
    ("integrations:security_event_acknowledge", "security_event", Role.COMPLIANCE, Role.FINANCE),
    ("integrations:payout_hold_release", "hold", Role.COMPLIANCE, Role.SUPPORT),
]


@pytest.mark.parametrize(("name", "target", "allowed", "refused"), ACTIONS)
def test_action_access(request, client, users_by_role, client_for, name, target, allowed, refused):
    obj = request.getfixturevalue(target)
    url = reverse(name, args=[obj.pk])
    changes = AuditEvent.objects.exclude(action__startswith="auth.")
    audits = changes.count()
    assert client_for(users_by_role[refused]).post(url, {"note": "x"}).status_code == 403
    assert client_for(users_by_role[Role.CREATOR]).post(url, {"note": "x"}).status_code == 403
    assert client.post(url, {"note": "x"}).status_code == 302  # to the login page
    assert changes.count() == audits  # nothing happened
    assert client_for(users_by_role[allowed]).get(url).status_code == 405
    response = client_for(users_by_role[allowed]).post(url, {"note": "Looked into it"})
    assert response.status_code == 302
    assert changes.count() == audits + 1


def test_event_list_filters_and_search(client_for, finance_user, processed, failed):
    client = client_for(finance_user)
    url = reverse("integrations:events")
    response = client.get(url)
    assert list(response.context["page"]) == [failed, processed]
    assert list(client.get(url, {"state": "failed"}).context["page"]) == [failed]
    assert list(client.get(url, {"event_type": "tip_sent"}).context["page"]) == [processed]
    assert list(client.get(url, {"source": "girlfanz"}).context["page"]) == []
    assert list(client.get(url, {"q": processed.event_id}).context["page"]) == [processed]
    assert list(client.get(url, {"q": "tx-none"}).context["page"]) == [failed]
    today = processed.received_at.date().isoformat()
    assert len(client.get(url, {"since": today, "until": today}).context["page"]) == 2
    assert (
        list(client.get(url, {"since": "2000-01-01", "until": "2000-01-02"}).context["page"]) == []
    )
    assert list(client.get(url, {"state": "bogus"}).context["page"]) == []


def test_event_list_htmx_fragment(client_for, finance_user, processed):
    response = client_for(finance_user).get(
        reverse("integrations:events"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert b"<html" not in response.content and processed.event_id.encode() in response.content
    assert "HX-Request" in response["Vary"]


def test_event_list_queries_are_bounded(
    client_for, finance_user, creator, django_assert_max_num_queries
):
    for _ in range(30):
        webhook_event_process_now(
            store_event(payload_for("tip_sent", creatorId=external_id(creator))).pk
        )
    client = client_for(finance_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("integrations:events"))
    assert len(response.context["page"]) == 30


def test_event_detail_shows_body_masked_headers_result_and_ledger_link(
    client_for, finance_user, processed
):
    response = client_for(finance_user).get(reverse("integrations:event", args=[processed.pk]))
    content = response.content.decode()
    assert '\n  "data": {\n    "transactionId": "' in response.context["body"]  # pretty-printed
    assert "&quot;transactionId&quot;: &quot;" in content
    assert "ab" * 32 not in content  # the signature is masked
    assert "…abab" in content
    assert reverse("ledger:entry", args=[processed.ledger_entry_id]) in content
    assert 'data-testid="replay"' not in content  # only failed events are replayed


def test_support_sees_the_entry_number_without_a_ledger_link(client_for, support_user, processed):
    content = (
        client_for(support_user)
        .get(reverse("integrations:event", args=[processed.pk]))
        .content.decode()
    )
    assert f"#{processed.ledger_entry_id}" in content
    assert reverse("ledger:entry", args=[processed.ledger_entry_id]) not in content


def test_replay_from_the_detail_page(
    client_for, finance_user, failed, creator, django_capture_on_commit_callbacks
):
    client = client_for(finance_user)
    page = client.get(reverse("integrations:event", args=[failed.pk])).content.decode()
    assert 'data-testid="replay"' in page and "original_not_found" in page
    # The purchase arrives; the replay now applies the refund.
    webhook_event_process_now(
        store_event(
            payload_for("tip_sent", creatorId=external_id(creator), transactionId="tx-none")
        ).pk
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("integrations:replay", args=[failed.pk]))
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.state == State.PROCESSED
    assert AuditEvent.objects.filter(
        action="integrations.webhook_event_replayed", actor=finance_user
    ).exists()
    # Replaying a processed event is refused with a message, nothing changes.
    response = client.post(reverse("integrations:replay", args=[failed.pk]), follow=True)
    assert b"Only a failed event can be replayed" in response.content


def test_earnings_reports_mismatches_first_with_differences(
    client_for, finance_user, mismatch, creator
):
    matched = earnings_report_record(
        platform=Platform.objects.get(slug="boyfanz"),
        creator_external_id=external_id(creator),
        figures={"total": 0},
        currency="USD",
    )
    response = client_for(finance_user).get(reverse("integrations:earnings_reports"))
    assert list(response.context["page"]) == [mismatch, matched]
    content = response.content.decode()
    assert "5,000.00" in content and "On BoyFanz" in content  # words and money for people
    assert "platforms.boyfanz" not in content


def test_resolve_needs_a_note_and_a_mismatch(client_for, finance_user, mismatch):
    client = client_for(finance_user)
    url = reverse("integrations:earnings_report_resolve", args=[mismatch.pk])
    client.post(url, {"note": "  "})
    mismatch.refresh_from_db()
    assert mismatch.status == EarningsReport.Status.MISMATCH
    client.post(url, {"note": "Platform double counted"})
    mismatch.refresh_from_db()
    assert (
        mismatch.status == EarningsReport.Status.RESOLVED and mismatch.resolved_by == finance_user
    )
    response = client.post(url, {"note": "again"}, follow=True)
    assert b"Only a mismatch is resolved" in response.content


def test_acknowledge_and_release(client_for, compliance_user, security_event, hold):
    client = client_for(compliance_user)
    client.post(
        reverse("integrations:security_event_acknowledge", args=[security_event.pk]),
        {"note": "Known"},
    )
    security_event.refresh_from_db()
    assert security_event.acknowledged_by == compliance_user
    again = client.post(
        reverse("integrations:security_event_acknowledge", args=[security_event.pk]),
        {"note": "x"},
        follow=True,
    )
    assert b"already acknowledged" in again.content
    client.post(reverse("integrations:payout_hold_release", args=[hold.pk]), {"note": ""})
    hold.refresh_from_db()
    assert hold.is_open
    client.post(reverse("integrations:payout_hold_release", args=[hold.pk]), {"note": "Cleared"})
    hold.refresh_from_db()
    assert not hold.is_open and hold.released_by == compliance_user
    assert AuditEvent.objects.get(action="creator.payout_hold_released").after["note"] == "Cleared"


@pytest.mark.parametrize(
    ("name", "role", "make"),
    [
        ("integrations:earnings_reports", Role.FINANCE, "mismatch"),
        ("integrations:security_events", Role.COMPLIANCE, "security_event"),
        ("integrations:payout_holds", Role.COMPLIANCE, "hold"),
    ],
)
def test_review_lists_are_bounded(
    request,
    users_by_role,
    client_for,
    creator_factory,
    name,
    role,
    make,
    django_assert_max_num_queries,
):
    for _ in range(3):
        request.getfixturevalue(make)
    boyfanz = Platform.objects.get(slug="boyfanz")
    for index in range(20):
        other = creator_factory(platforms=("boyfanz",))
        earnings_report_record(
            platform=boyfanz,
            creator_external_id=external_id(other),
            figures={"total": index + 1},
            currency="USD",
        )
        security_event_record(
            kind=SecurityEvent.Kind.SECURITY_ALERT,
            summary=f"alert {index}",
            creator=other,
            platform=boyfanz,
        )
        payout_hold_place(
            creator=other, source=PayoutHold.Source.STAFF, reason="check", platform=boyfanz
        )
    client = client_for(users_by_role[role])
    with django_assert_max_num_queries(12):
        response = client.get(reverse(name))
    assert response.status_code == 200 and len(response.context["page"]) >= 20


def test_open_filters(client_for, compliance_user, security_event, hold):
    client = client_for(compliance_user)
    assert list(
        client.get(reverse("integrations:security_events"), {"open": "open"}).context["page"]
    ) == [security_event]
    assert (
        list(
            client.get(reverse("integrations:security_events"), {"open": "closed"}).context["page"]
        )
        == []
    )
    assert (
        list(client.get(reverse("integrations:payout_holds"), {"open": "closed"}).context["page"])
        == []
    )
    assert list(
        client.get(reverse("integrations:payout_holds"), {"source": "fraud_detected"}).context[
            "page"
        ]
    ) == [hold]


def test_headers_are_masked_by_name():
    from apps.integrations.selectors import headers_masked

    rows = dict(
        headers_masked(
            {
                "Authorization": "Bearer abcdefghijklmnop",
                "webhook-signature": "v1,c2lnbmF0dXJlLXZhbHVl",
                "X-FANZ-Signature": "…1234",
                "Content-Type": "application/json",
            }
        )
    )
    assert rows["Authorization"] == "…mnop"
    assert rows["webhook-signature"] == "…bHVl"
    assert rows["X-FANZ-Signature"] == "…1234"  # masked at ingestion already
    assert rows["Content-Type"] == "application/json"


def test_detail_of_a_central_event_and_of_a_body_that_is_not_json(client_for, super_admin):
    event = store_event(payload_for("security_alert"))
    WebhookEvent.objects.filter(pk=event.pk).update(raw_body="not json {")
    response = client_for(super_admin).get(reverse("integrations:event", args=[event.pk]))
    assert response.status_code == 200
    assert response.context["body"] == "not json {"
    assert b"fanzdash" in response.content
    assert (
        client_for(super_admin).get(reverse("integrations:event", args=[999999])).status_code == 404
    )


# --- what staff read -----------------------------------------------------------------------

REPR = re.compile(r"\{'|'\w+': |\bTrue\b|\bFalse\b")


def test_event_pages_show_words_not_reprs(client_for, finance_user, processed, failed):
    client = client_for(finance_user)
    body = client.get(reverse("integrations:events")).content.decode()
    assert ">BoyFanz<" in body  # the platform's name, not its slug
    assert "Tip sent" in body and "Processed" in body and "Failed" in body

    WebhookEvent.objects.filter(pk=processed.pk).update(
        verification={"verified": True, "scheme": "fanz", "secret_hint": "…abcd", "secret_index": 0}
    )
    body = client.get(reverse("integrations:event", args=[processed.pk])).content.decode()
    verification = re.search(r'data-testid="verification">(.*?)</dd>', body, re.S)[1]
    assert "Verified" in verification and "the newest secret" in verification
    assert not REPR.search(verification) and "secret_index" not in verification
    result = re.search(r'data-testid="result">(.*?)</div></div>', body, re.S)[1]
    assert not REPR.search(result)
    entry_url = reverse("ledger:entry", args=[processed.ledger_entry_id])
    assert f'<a href="{entry_url}">Journal entry #{processed.ledger_entry_id}</a>' in result
    assert "<dt>Gross</dt><dd>" in result and " USD</dd>" in result  # money with its currency
    assert "_minor" not in result


def test_payout_hold_creator_filter_is_a_usable_field(client_for, compliance_user, hold, creator):
    client = client_for(compliance_user)
    body = client.get(reverse("integrations:payout_holds")).content.decode()
    assert 'type="hidden" name="creator"' not in body
    select = re.search(r'<select name="creator"[^>]*>(.*?)</select>', body, re.S)
    assert select, "the creator filter is a select"
    assert f'<option value="{creator.pk}">{creator.display_name}</option>' in select[1]
    # The link from the creator's page still works, and shows the creator chosen.
    response = client.get(reverse("integrations:payout_holds"), {"creator": creator.pk})
    assert list(response.context["page"]) == [hold]
    assert f'<option value="{creator.pk}" selected>' in response.content.decode()


def test_payout_hold_reference_is_a_link_to_the_webhook_event(
    client_for, super_admin, creator, processed
):
    payout_hold_place(
        creator=creator,
        source=PayoutHold.Source.FRAUD_DETECTED,
        reason="Card testing",
        reference=f"integrations.webhookevent:{processed.pk}",
    )
    body = client_for(super_admin).get(reverse("integrations:payout_holds")).content.decode()
    url = reverse("integrations:event", args=[processed.pk])
    assert f'<a href="{url}">Webhook event #{processed.pk}</a>' in body
    assert "integrations.webhookevent" not in body


@pytest.mark.parametrize(
    ("name", "nothing", "filtered", "params"),
    [
        (
            "integrations:payout_holds",
            "No payout holds yet.",
            "No payout holds match",
            {"open": "open"},
        ),
        ("integrations:events", "No webhook events yet.", "No events match", {"state": "failed"}),
        (
            "integrations:security_events",
            "No security events yet.",
            "No security events match",
            {"severity": "critical"},
        ),
        (
            "integrations:earnings_reports",
            "No earnings reports yet.",
            "No earnings reports match",
            {"status": "mismatch"},
        ),
    ],
)
def test_empty_lists_say_the_truth(client_for, super_admin, name, nothing, filtered, params):
    client = client_for(super_admin)
    body = client.get(reverse(name)).content.decode()
    assert nothing in body and "match these filters" not in body
    assert nothing in client.get(reverse(name), {"page": "2"}).content.decode()  # no filter
    body = client.get(reverse(name), params).content.decode()
    assert f"{filtered} these filters." in body and nothing not in body
