"""The violation pages and API: who may open them (allowed role, wrong role, anonymous), what
they show (counts by severity, overdue, the hold, the creator's section, the suspension
proposal), the forms (a refusal shows the reason and changes nothing), and the API's scope (a
platform key sees only its creators' violations)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.compliance.models import SuspensionProposal, Violation
from apps.compliance.services import violation_open, violation_transition
from apps.creators.models import Creator, PayoutHold
from tests.api.keys import key_client, make_key

pytestmark = pytest.mark.django_db


def open_one(creator, severity="medium", **fields):
    fields.setdefault("kind", "dmca")
    fields.setdefault("summary", f"A {severity} thing")
    fields.setdefault("source", "staff")
    return violation_open(creator=creator, severity=severity, **fields).violation


@pytest.fixture
def violation(creator):
    return open_one(creator, severity="critical", content_reference="vid_7")


# --- access ---------------------------------------------------------------------------------


def _pages(violation):
    return [
        reverse("compliance:violations"),
        reverse("compliance:violation", args=[violation.pk]),
    ]


def test_compliance_and_super_admins_see_the_pages(
    client_for, compliance_user, super_admin, violation
):
    for user in (compliance_user, super_admin):
        for url in [*_pages(violation), reverse("compliance:violation_open")]:
            assert client_for(user).get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["support_user", "finance_user", "creator_user"])
def test_other_roles_are_refused(request, client_for, role, violation):
    client = client_for(request.getfixturevalue(role))
    for url in [*_pages(violation), reverse("compliance:violation_open")]:
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("compliance:violation_transition", args=[violation.pk]),
        {"status": "dismissed", "reason": "x"},
    )
    assert response.status_code == 403
    violation.refresh_from_db()
    assert violation.status == "open"


def test_anonymous_is_sent_to_sign_in(violation):
    for url in _pages(violation):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the list ------------------------------------------------------------------------------


def test_the_list_counts_by_severity_and_shows_overdue(
    client_for, compliance_user, creator, time_machine
):
    old = open_one(creator, severity="high")
    Violation.objects.filter(pk=old.pk).update(opened_at=timezone.now() - timedelta(days=4))
    open_one(creator, severity="low")
    open_one(creator, severity="low")
    closed = open_one(creator, severity="critical")
    violation_transition(violation=closed, status="dismissed", reason="no", actor=compliance_user)
    html = client_for(compliance_user).get(reverse("compliance:violations")).content.decode()
    assert 'data-testid="count-critical">0<' in html
    assert 'data-testid="count-high">1<' in html
    assert 'data-testid="count-low">2<' in html
    assert html.count('data-testid="overdue"') == 1
    assert f"#{closed.pk} " not in html  # closed ones are not in the default list


def test_the_list_filters(client_for, compliance_user, creator):
    dmca = open_one(creator, severity="low", kind="dmca")
    fraud = open_one(creator, severity="high", kind="fraud")
    client = client_for(compliance_user)
    html = client.get(reverse("compliance:violations"), {"kind": "fraud"}).content.decode()
    assert f"#{fraud.pk} " in html and f"#{dmca.pk} " not in html
    html = client.get(reverse("compliance:violations"), {"severity": "low"}).content.decode()
    assert f"#{dmca.pk} " in html and f"#{fraud.pk} " not in html
    html = client.get(reverse("compliance:violations"), {"status": "resolved"}).content.decode()
    assert "No violation matches these filters." in html


def test_the_empty_list_says_so(client_for, compliance_user, today):
    html = client_for(compliance_user).get(reverse("compliance:violations")).content.decode()
    assert "No open violation." in html


def test_the_list_issues_a_constant_number_of_queries(
    client_for, compliance_user, creator_factory, django_assert_max_num_queries, today
):
    client = client_for(compliance_user)
    for _ in range(3):
        open_one(creator_factory(), severity="critical")
    client.get(reverse("compliance:violations"))
    with django_assert_max_num_queries(14):
        client.get(reverse("compliance:violations"))
    for _ in range(10):
        open_one(creator_factory(), severity="high")
    with django_assert_max_num_queries(14):
        client.get(reverse("compliance:violations"))


# --- one violation -------------------------------------------------------------------------


def test_the_page_shows_the_hold(client_for, compliance_user, violation):
    html = (
        client_for(compliance_user)
        .get(reverse("compliance:violation", args=[violation.pk]))
        .content.decode()
    )
    assert "In force since" in html
    assert "Lift the payout hold" in html


def test_resolving_from_the_page_lifts_the_hold(client_for, compliance_user, violation):
    response = client_for(compliance_user).post(
        reverse("compliance:violation_transition", args=[violation.pk]),
        {"status": "resolved", "reason": "Removed", "confirmed": "on", "release_hold": "on"},
    )
    assert response.status_code == 302
    violation.refresh_from_db()
    assert violation.status == "resolved" and violation.confirmed
    assert PayoutHold.objects.get(pk=violation.payout_hold_id).released_at is not None


def test_closing_without_a_reason_is_shown_and_changes_nothing(
    client_for, compliance_user, violation
):
    response = client_for(compliance_user).post(
        reverse("compliance:violation_transition", args=[violation.pk]),
        {"status": "dismissed", "reason": ""},
    )
    assert response.status_code == 400
    assert "the reason is required" in response.content.decode()
    violation.refresh_from_db()
    assert violation.status == "open"


def test_a_note_from_the_page(client_for, compliance_user, violation):
    client = client_for(compliance_user)
    url = reverse("compliance:violation_note", args=[violation.pk])
    assert client.post(url, {"text": "Called the platform"}).status_code == 302
    assert violation.notes.get().author == compliance_user
    assert client.post(url, {"text": ""}).status_code == 400
    assert violation.notes.count() == 1


# --- opening from the form -----------------------------------------------------------------


def test_staff_open_a_critical_violation(client_for, compliance_user, creator):
    response = client_for(compliance_user).post(
        reverse("compliance:violation_open"),
        {"creator": creator.pk, "kind": "fraud", "severity": "critical", "summary": "Stolen cards"},
    )
    assert response.status_code == 302
    violation = Violation.objects.get()
    assert violation.source == "staff" and violation.opened_by == compliance_user
    assert violation.payout_hold is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"creator": 999999}, "No creator has id 999999."),
        ({"creator": ""}, "Name who or what"),
        ({"severity": "urgent"}, "Select a valid choice"),
    ],
)
def test_a_refused_form_changes_nothing(client_for, compliance_user, creator, data, message):
    form = {"creator": creator.pk, "kind": "fraud", "severity": "high", "summary": "x", **data}
    response = client_for(compliance_user).post(reverse("compliance:violation_open"), form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Violation.objects.exists()


# --- the creator's compliance page ---------------------------------------------------------


def test_the_creator_page_lists_violations_and_the_proposal(
    settings, client_for, compliance_user, creator
):
    url = reverse("compliance:creator", args=[creator.pk])
    html = client_for(compliance_user).get(url).content.decode()
    assert 'data-testid="violations-empty"' in html
    settings.COMPLIANCE_STRIKES = 1
    violation = open_one(creator, severity="critical")
    html = client_for(compliance_user).get(url).content.decode()
    assert f"#{violation.pk} " in html and "payouts held" in html
    assert "open_critical_violation" not in html and "An open critical violation" in html
    violation_transition(
        violation=violation, status="resolved", reason="yes", confirmed=True, actor=compliance_user
    )
    html = client_for(compliance_user).get(url).content.decode()
    assert 'data-testid="suspension-proposal"' in html
    proposal = SuspensionProposal.objects.get()
    response = client_for(compliance_user).post(
        reverse("compliance:suspension_decide", args=[proposal.pk]),
        {"decision": "suspend", "reason": "Three strikes"},
    )
    assert response.status_code == 302
    creator.refresh_from_db()
    assert creator.status == Creator.Status.SUSPENDED
    assert AuditEvent.objects.filter(action="compliance.suspension_decided").exists()


def test_the_suspension_decision_needs_a_reason(settings, client_for, compliance_user, creator):
    settings.COMPLIANCE_STRIKES = 1
    violation_transition(
        violation=open_one(creator), status="resolved", reason="y", confirmed=True, actor=None
    )
    proposal = SuspensionProposal.objects.get()
    client_for(compliance_user).post(
        reverse("compliance:suspension_decide", args=[proposal.pk]), {"decision": "suspend"}
    )
    proposal.refresh_from_db()
    creator.refresh_from_db()
    assert proposal.status == "proposed" and creator.status == Creator.Status.ACTIVE


# --- API -----------------------------------------------------------------------------------


def test_staff_list_and_read_violations(client_for, compliance_user, violation):
    client = client_for(compliance_user)
    body = client.get("/api/v1/compliance/violations/").json()
    assert body["count"] == 1
    (item,) = body["results"]
    assert item["id"] == violation.pk and item["severity"] == "critical"
    assert item["payoutsHeld"] is True and item["contentReference"] == "vid_7"
    detail = client.get(f"/api/v1/compliance/violations/{violation.pk}/").json()
    assert detail["creatorId"] == violation.creator_id and detail["status"] == "open"
    assert client.get("/api/v1/compliance/violations/", {"severity": "low"}).json()["count"] == 0


def test_a_platform_key_sees_its_creators_violations_only(creator, creator_factory, violation):
    stranger = creator_factory(platforms=("pupfanz",))
    theirs = open_one(stranger)
    _row, raw = make_key("boyfanz")
    client = key_client(raw)
    body = client.get("/api/v1/compliance/violations/").json()
    assert [item["id"] for item in body["results"]] == [violation.pk]
    assert client.get(f"/api/v1/compliance/violations/{violation.pk}/").status_code == 200
    response = client.get(f"/api/v1/compliance/violations/{theirs.pk}/")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


@pytest.mark.parametrize("role", ["support_user", "finance_user", "creator_user"])
def test_the_api_refuses_other_roles(request, client_for, role, violation):
    response = client_for(request.getfixturevalue(role)).get("/api/v1/compliance/violations/")
    assert response.status_code == 403


def test_the_api_refuses_anonymous(violation):
    assert Client().get("/api/v1/compliance/violations/").status_code in (401, 403)


def test_the_violation_endpoints_are_in_the_schema(client_for, super_admin, today):
    schema = client_for(super_admin).get("/api/schema/?format=json").json()
    assert {"200", "401", "403", "429"} <= set(
        schema["paths"]["/api/v1/compliance/violations/"]["get"]["responses"]
    )
    assert "404" in schema["paths"]["/api/v1/compliance/violations/{id}/"]["get"]["responses"]
    properties = schema["components"]["schemas"]["Violation"]["properties"]
    assert {"kind", "severity", "status", "creatorId", "payoutsHeld", "confirmed"} <= set(
        properties
    )
