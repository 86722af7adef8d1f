"""The compliance home (/compliance/): each queue's count and clocks against a known fixture,
the compliance score and its empty state, the last 2257 export, who may open it, and a
constant number of queries whatever the number of open items."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.compliance.models import (
    DataSubjectRequest,
    ExportRun,
    IdentityDocument,
    KycProvider,
    KycVerification,
    Performer,
    Record2257,
    RequestPause,
    Violation,
)
from apps.compliance.selectors import compliance_home, compliance_score
from apps.compliance.selectors.home import due_clock, expiry_clock, waiting_clock
from apps.compliance.services import violation_open
from apps.creators.models import Creator

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
TODAY = date(2026, 6, 15)
URL = "/compliance/"


def kyc_pending(creator, *, hours_ago: float) -> KycVerification:
    return KycVerification.objects.create(
        creator=creator,
        provider=KycProvider.objects.get(slug="verifymy"),
        level_requested=1,
        requested_at=NOW - timedelta(hours=hours_ago),
    )


def document(creator, *, expires_on=None, status="pending", uploaded_hours_ago=1):
    return IdentityDocument.objects.create(
        creator=creator,
        document_type="passport",
        issuing_country="NL",
        data_key_sealed="sealed",
        expires_on=expires_on,
        status=status,
        review_reason="ok" if status != "pending" else "",
        uploaded_at=NOW - timedelta(hours=uploaded_hours_ago),
    )


def gdpr(*, due_in_days: float, paused_days_ago: float | None = None) -> DataSubjectRequest:
    due = NOW + timedelta(days=due_in_days)
    request = DataSubjectRequest.objects.create(
        kind="access",
        subject_email="someone@example.test",
        received_at=due - timedelta(days=30),
        due_at=due,
        identity_check="waiting" if paused_days_ago is not None else "not_needed",
        status="waiting_identity" if paused_days_ago is not None else "received",
    )
    if paused_days_ago is not None:
        RequestPause.objects.create(
            request=request, started_at=NOW - timedelta(days=paused_days_ago)
        )
    return request


def violation(creator, severity, *, days_ago: float) -> Violation:
    opened = violation_open(
        kind="dmca",
        severity=severity,
        summary=f"A {severity} thing",
        source="staff",
        creator=creator,
    ).violation
    Violation.objects.filter(pk=opened.pk).update(opened_at=NOW - timedelta(days=days_ago))
    return opened


def complete_2257(creator) -> Record2257:
    performer = Performer.objects.create(creator=creator, legal_name=f"Legal {creator.pk}")
    return Record2257.objects.create(performer=performer, version_count=1, is_complete=True)


@pytest.fixture
def at_noon(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


# --- clocks in words -----------------------------------------------------------------------


def test_clocks_in_words():
    assert waiting_clock(NOW - timedelta(hours=5, minutes=40), NOW).text == "waiting 5 hours"
    assert waiting_clock(NOW - timedelta(days=1, hours=2), NOW).text == "waiting 1 day"
    assert waiting_clock(NOW - timedelta(minutes=3), NOW).text == "waiting 3 minutes"
    assert due_clock(NOW + timedelta(days=3), NOW).text == "due in 3 days"
    assert due_clock(NOW + timedelta(days=3), NOW).soon
    assert not due_clock(NOW + timedelta(days=4), NOW).soon
    late = due_clock(NOW - timedelta(days=2), NOW)
    assert (late.text, late.overdue) == ("overdue by 2 days", True)
    assert due_clock(NOW - timedelta(hours=1), NOW).text == "overdue (was due today)"
    assert due_clock(NOW + timedelta(hours=3), NOW).text == "due today, in 3 hours"
    assert expiry_clock(TODAY - timedelta(days=1), TODAY).text == "expired 1 day ago"
    assert expiry_clock(TODAY, TODAY).text == "expires at the end of today"
    assert expiry_clock(TODAY + timedelta(days=15), TODAY).text == "expires in 15 days"


# --- every figure against a known fixture --------------------------------------------------


@pytest.fixture
def world(at_noon, creator_factory, earning, compliance_user):
    """Two pending KYC reviews, two documents waiting, five GDPR requests (one per bucket
    and one paused), expiring verifications, violations of each severity, a 2257 export."""
    make = creator_factory
    valid = TODAY + timedelta(days=200)
    # The score: five active earning creators, one meeting everything.
    good = make(kyc_level=1, age_verified_until=valid, display_name="Good")
    complete_2257(good)
    expired = make(kyc_level=1, age_verified_until=TODAY - timedelta(days=3), display_name="Exp")
    complete_2257(expired)
    nothing = make(kyc_level=0, display_name="Nothing")  # no age, level 0, no 2257
    no_record = make(kyc_level=2, age_verified_until=valid, display_name="NoRecord")
    critical = make(kyc_level=1, age_verified_until=valid, display_name="Critical")
    complete_2257(critical)
    for creator in (good, expired, nothing, no_record, critical):
        earning(creator, days_ago=2)
    # Not counted: earned too long ago; suspended; never earned.
    old = make(kyc_level=0, display_name="Old")
    earning(old, days_ago=30)
    suspended = make(kyc_level=0, display_name="Suspended")
    earning(suspended, days_ago=1)
    Creator.objects.filter(pk=suspended.pk).update(status="suspended")
    make(kyc_level=0, age_verified_until=TODAY + timedelta(days=10), display_name="Soon")

    kyc_pending(good, hours_ago=5.5)
    kyc_pending(nothing, hours_ago=50)
    document(no_record, uploaded_hours_ago=3)
    document(good, status="accepted", expires_on=TODAY + timedelta(days=5))  # expiring
    document(expired, status="accepted", expires_on=TODAY - timedelta(days=2))  # expired
    renewed = document(critical, status="accepted", expires_on=TODAY - timedelta(days=9))
    document(critical, status="accepted", expires_on=TODAY + timedelta(days=400))  # renews it
    gdpr(due_in_days=-2)  # overdue by 2 days
    gdpr(due_in_days=2)
    gdpr(due_in_days=6)
    gdpr(due_in_days=20)
    gdpr(due_in_days=-1, paused_days_ago=5)  # paused
    violation(critical, "critical", days_ago=2)  # overdue (1 day allowed)
    violation(no_record, "high", days_ago=1)
    violation(no_record, "low", days_ago=20)  # overdue (14 days)
    ExportRun.objects.create(
        started_at=NOW - timedelta(days=4),
        finished_at=NOW - timedelta(days=4),
        actor=compliance_user,
        actor_label=compliance_user.email,
        record_count=3,
    )
    return {"renewed": renewed}


def test_every_figure(world):
    home = compliance_home()
    assert home.kyc.count == 2
    assert [row.clock.text for row in home.kyc.rows] == ["waiting 2 days", "waiting 5 hours"]
    assert home.documents.count == 1
    assert home.documents.rows[0].clock.text == "waiting 3 hours"

    gdpr_queue = home.gdpr
    assert gdpr_queue.count == 5
    assert (
        gdpr_queue.overdue,
        gdpr_queue.within_3_days,
        gdpr_queue.within_7_days,
        gdpr_queue.later,
        gdpr_queue.paused,
    ) == (1, 1, 1, 1, 1)
    texts = [row.clock.text for row in gdpr_queue.rows]
    assert texts[0] == "overdue by 2 days" and gdpr_queue.rows[0].clock.overdue
    # The paused one was due yesterday, but five days of pause push it four days ahead.
    assert "paused for the identity check: due in 4 days" in texts
    assert "due in 2 days" in texts and "due in 6 days" in texts and "due in 20 days" in texts

    expiring = home.expiring
    assert (expiring.age_expired, expiring.age_expiring) == (1, 1)
    # Expiring first (still time to act), then expired.
    assert [row.clock.text for row in expiring.age_rows] == [
        "expires in 10 days",
        "expired 3 days ago",
    ]
    # The renewed passport does not count: its owner has another valid for 400 days.
    assert (expiring.documents_expired, expiring.documents_expiring) == (1, 1)
    assert world["renewed"] not in [row.item for row in expiring.document_rows]

    violations = home.violations
    assert violations.by_severity == {"critical": 1, "high": 1, "medium": 0, "low": 1}
    assert violations.overdue == 2
    assert [row.item.severity for row in violations.rows] == ["critical", "high", "low"]
    assert violations.rows[0].clock.text == "overdue by 1 day"
    assert violations.rows[1].clock.text == "due in 2 days"

    score = home.score
    assert (score.total, score.met) == (5, 1)
    assert score.percent == Decimal("20.0")
    failing = {o.key: o.failing for o in score.obligations}
    # "Nothing" fails three: no age verification, level 0, no 2257 record.
    assert failing == {"age": 2, "kyc": 1, "record_2257": 2, "critical": 1}
    assert home.last_export.record_count == 3


def test_the_page_shows_the_figures(world, client_for, compliance_user):
    response = client_for(compliance_user).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 of 5" in html and "20.0 %" in html
    assert 'data-testid="score-empty"' not in html
    assert "2026-06-11 12:00 UTC" in html and compliance_user.email in html
    assert "Never exported" not in html
    # Overdue in red.
    assert (
        '<span class="text-danger fw-semibold" data-testid="clock" data-overdue="true">'
        "overdue by 2 days</span>" in html
    )
    assert "waiting 5 hours" in html
    assert "paused for the identity check" in html
    for name in ("kyc_queue", "document_queue", "gdpr_list", "violations", "records_2257"):
        assert reverse(f"compliance:{name}") in html


def test_score_rounds_down_never_a_fake_100(at_noon, creator_factory, earning):
    creators = [creator_factory(kyc_level=1, age_verified_until=TODAY) for _ in range(3)]
    for creator in creators:
        complete_2257(creator)
        earning(creator, days_ago=0)
    assert compliance_score(today=TODAY).percent == Decimal("100.0")
    Creator.objects.filter(pk=creators[0].pk).update(kyc_level=0)
    assert compliance_score(today=TODAY).percent == Decimal("66.6")


def test_empty_states(at_noon, client_for, compliance_user, creator_factory):
    creator_factory(kyc_level=3, age_verified_until=TODAY + timedelta(days=300))  # not earning
    home = compliance_home()
    assert (home.score.total, home.score.percent) == (0, None)
    html = client_for(compliance_user).get(URL).content.decode()
    assert "No creator is earning yet" in html and "no score" in html
    assert "%" not in html.split('data-testid="score"')[1].split("</section>")[0]
    assert "Never exported" in html and "text-warning-emphasis" in html
    for text in (
        "No KYC verification is waiting for review.",
        "No identity document is waiting for review.",
        "No GDPR request is open.",
        "No violation is open.",
        "No age verification of an active creator has expired",
        "No identity document of an active creator has expired",
    ):
        assert text in html, text


# --- who may ---------------------------------------------------------------------------------


def test_compliance_and_super_admin_open_it(at_noon, client_for, compliance_user, super_admin):
    for user in (compliance_user, super_admin):
        client = client_for(user)
        assert client.get(URL).status_code == 200
        assert client.get(reverse("compliance:document_queue")).status_code == 200


@pytest.mark.parametrize("role", ["support_user", "finance_user", "creator_user"])
def test_other_roles_are_refused(request, at_noon, client_for, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get(URL).status_code == 403
    assert client.get(reverse("compliance:document_queue")).status_code == 403


def test_anonymous_is_sent_to_sign_in(at_noon):
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_nav_item_comes_first_among_compliance_items(
    at_noon, client_for, compliance_user, support_user
):
    assert reverse("compliance:home") == URL
    html = client_for(compliance_user).get(reverse("dashboard:overview")).content.decode()
    assert f'href="{URL}"' in html
    assert html.index(f'href="{URL}"') < html.index(f'href="{reverse("compliance:kyc_queue")}"')
    html = client_for(support_user).get(reverse("dashboard:overview")).content.decode()
    assert f'href="{URL}"' not in html


def test_the_document_queue_lists_the_waiting_documents(
    at_noon, client_for, compliance_user, creator_factory
):
    creator = creator_factory(display_name="Waiting Wanda")
    document(creator, uploaded_hours_ago=26)
    document(creator, status="accepted")
    html = client_for(compliance_user).get(reverse("compliance:document_queue")).content.decode()
    assert html.count('data-testid="row"') == 1
    assert "Waiting Wanda" in html and "waiting 1 day" in html


# --- a constant number of queries -----------------------------------------------------------


def _items(creator_factory, earning, n: int, offset: int) -> None:
    for i in range(n):
        creator = creator_factory(
            kyc_level=i % 2, age_verified_until=TODAY + timedelta(days=(i % 40) - 20)
        )
        earning(creator, days_ago=1)
        kyc_pending(creator, hours_ago=i + 1)
        document(creator, uploaded_hours_ago=i + 1, expires_on=TODAY + timedelta(days=i % 30))
        gdpr(due_in_days=(i % 12) - 3, paused_days_ago=2 if i % 5 == 0 else None)
        violation(creator, ("critical", "high", "medium", "low")[i % 4], days_ago=i % 10)
        if i % 3:
            complete_2257(creator)


def test_the_same_number_of_queries_for_3_and_30_items(
    at_noon, client_for, compliance_user, creator_factory, earning
):
    client = client_for(compliance_user)
    client.get(URL)  # warm the session and caches
    _items(creator_factory, earning, 3, 0)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    _items(creator_factory, earning, 27, 3)
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(few) == len(many), [q["sql"][:80] for q in many.captured_queries]
    assert len(many) <= 22
    with CaptureQueriesContext(connection) as selector:
        home = compliance_home()
    assert len(selector) == 17
    assert home.kyc.count == 30 and len(home.kyc.rows) == 5


def test_no_earnings_source_no_score(at_noon, monkeypatch, client_for, compliance_user):
    """Without the source that tells which creators earn, the page says so: no guess."""
    from apps.compliance import scan

    monkeypatch.setattr(scan, "_sources", {})
    score = compliance_score(today=TODAY)
    assert (score.available, score.total, score.percent) == (False, 0, None)
    html = client_for(compliance_user).get(URL).content.decode()
    assert "the earnings source of the compliance scan is not installed" in html
