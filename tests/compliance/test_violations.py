"""Violations: opening (idempotent by dedupe key, each refusal writes nothing), transitions
(allowed ones only, a reason to close, audited), notes, the strike policy (a suspension is
proposed at the third confirmed violation within 90 days, never for three over 91 days; staff
decide) and the critical violation's payout hold (released only by staff)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from apps.audit.models import AuditEvent
from apps.compliance.models import SuspensionProposal, Violation, ViolationNote
from apps.compliance.services import (
    strike_policy_apply,
    suspension_proposal_decide,
    violation_note_add,
    violation_open,
    violation_transition,
)
from apps.core.exceptions import ApplicationError
from apps.creators.models import Creator, PayoutHold

pytestmark = pytest.mark.django_db


def open_one(creator, *, severity="medium", dedupe_key="", **fields):
    fields.setdefault("kind", "content_policy")
    fields.setdefault("summary", "Prohibited content")
    fields.setdefault("source", "staff")
    return violation_open(creator=creator, severity=severity, dedupe_key=dedupe_key, **fields)


def confirm(violation, actor):
    return violation_transition(
        violation=violation, status="resolved", reason="Confirmed", confirmed=True, actor=actor
    )


# --- opening -------------------------------------------------------------------------------


def test_open_records_and_audits(creator, compliance_user):
    opened = open_one(creator, actor=compliance_user, content_reference="post_1")
    violation = opened.violation
    assert opened.created and violation.status == "open" and violation.opened_by == compliance_user
    assert violation.payout_hold is None
    event = AuditEvent.objects.get(action="compliance.violation_opened")
    assert event.actor == compliance_user and event.after["violation"] == violation.pk


def test_open_is_idempotent_by_dedupe_key(creator):
    first = open_one(creator, dedupe_key="rule:x:1")
    second = open_one(creator, dedupe_key="rule:x:1", severity="critical")
    assert second.violation.pk == first.violation.pk and second.created is False
    assert Violation.objects.count() == 1
    assert not PayoutHold.objects.exists()  # the second call wrote nothing


def test_the_database_refuses_a_second_violation_with_the_same_key(creator):
    open_one(creator, dedupe_key="rule:x:1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Violation.objects.create(
            kind="other", severity="low", summary="x", source="rule", creator=creator,
            dedupe_key="rule:x:1",
        )  # fmt: skip
    # Staff violations have no key: any number of them.
    open_one(creator)
    open_one(creator)
    assert Violation.objects.count() == 3


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"kind": "spam"}, "invalid_kind"),
        ({"severity": "urgent"}, "invalid_severity"),
        ({"source": "email"}, "invalid_source"),
        ({"summary": "  "}, "summary_required"),
        ({"confidence": "1.2"}, "invalid_confidence"),
        ({"confidence": "nan"}, "invalid_confidence"),
        ({"creator": None}, "subject_required"),
    ],
)
def test_open_refusals_write_nothing(creator, change, code):
    fields = {
        "kind": "fraud",
        "severity": "critical",
        "summary": "x",
        "source": "staff",
        "creator": creator,
    }
    fields.update(change)
    with pytest.raises(ApplicationError) as error:
        violation_open(**fields)
    assert error.value.code == code
    assert not Violation.objects.exists()
    assert not PayoutHold.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="compliance.violation").exists()


def test_a_violation_may_name_only_content(db, today):
    opened = violation_open(
        kind="dmca", severity="low", summary="x", source="staff", content_reference="vid_1"
    )
    assert opened.violation.creator is None


# --- critical: the payout hold -------------------------------------------------------------


def test_a_critical_violation_holds_payouts_until_staff_lift_it(creator, compliance_user):
    violation = open_one(creator, severity="critical", actor=compliance_user).violation
    hold = violation.payout_hold
    assert hold.creator == creator and hold.released_at is None
    assert hold.source == PayoutHold.Source.COMPLIANCE_VIOLATION
    assert f"Critical violation #{violation.pk}" in hold.reason
    # Resolving without asking keeps the hold.
    violation = violation_transition(
        violation=violation, status="dismissed", reason="False positive", actor=compliance_user
    )
    hold.refresh_from_db()
    assert hold.released_at is None


def test_resolving_may_lift_the_hold_audited(creator, compliance_user):
    violation = open_one(creator, severity="critical").violation
    violation = violation_transition(
        violation=violation,
        status="resolved",
        reason="Content removed, creator warned",
        release_hold=True,
        actor=compliance_user,
    )
    hold = PayoutHold.objects.get(pk=violation.payout_hold_id)
    assert hold.released_at is not None and hold.released_by == compliance_user
    assert f"Violation #{violation.pk} resolved" in hold.release_note
    assert AuditEvent.objects.filter(action="creator.payout_hold_released").exists()
    event = AuditEvent.objects.get(action="compliance.violation_resolved")
    assert event.after["payout_hold_released"] == hold.pk


def test_lifting_the_hold_needs_closing(creator, compliance_user):
    violation = open_one(creator, severity="critical").violation
    with pytest.raises(ApplicationError) as error:
        violation_transition(
            violation=violation, status="investigating", release_hold=True, actor=compliance_user
        )
    assert error.value.code == "hold_release_needs_closing"
    violation.refresh_from_db()
    assert violation.status == "open" and violation.payout_hold.released_at is None


# --- transitions ---------------------------------------------------------------------------


def test_allowed_transitions_are_audited(creator, compliance_user):
    violation = open_one(creator).violation
    violation = violation_transition(
        violation=violation,
        status="investigating",
        reason="Asked the platform",
        actor=compliance_user,
    )
    assert violation.status == "investigating"
    assert ViolationNote.objects.get(violation=violation).text == "Asked the platform"
    violation = violation_transition(
        violation=violation, status="resolved", reason="Removed", actor=compliance_user
    )
    assert violation.status == "resolved" and violation.resolution == "Removed"
    assert violation.resolved_by == compliance_user and violation.resolved_at is not None
    assert violation.confirmed is False
    actions = list(
        AuditEvent.objects.filter(action__startswith="compliance.violation_").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == [
        "compliance.violation_investigating",
        "compliance.violation_opened",
        "compliance.violation_resolved",
    ]


@pytest.mark.parametrize("closed", ["resolved", "dismissed"])
@pytest.mark.parametrize("target", ["open", "investigating", "resolved", "dismissed"])
def test_a_closed_violation_stays_closed(creator, compliance_user, closed, target):
    violation = open_one(creator).violation
    violation = violation_transition(
        violation=violation, status=closed, reason="Done", actor=compliance_user
    )
    with pytest.raises(ApplicationError) as error:
        violation_transition(
            violation=violation, status=target, reason="again", actor=compliance_user
        )
    assert error.value.code == "transition_not_allowed" and error.value.status_code == 409
    violation.refresh_from_db()
    assert violation.status == closed and violation.resolution == "Done"


def test_investigating_cannot_go_back_to_open(creator, compliance_user):
    violation = open_one(creator).violation
    violation_transition(violation=violation, status="investigating", actor=compliance_user)
    with pytest.raises(ApplicationError) as error:
        violation_transition(violation=violation, status="open", actor=compliance_user)
    assert error.value.code == "transition_not_allowed"


@pytest.mark.parametrize("status", ["resolved", "dismissed"])
def test_closing_needs_a_reason(creator, compliance_user, status):
    violation = open_one(creator).violation
    with pytest.raises(ApplicationError) as error:
        violation_transition(violation=violation, status=status, reason="  ", actor=compliance_user)
    assert error.value.code == "reason_required"
    violation.refresh_from_db()
    assert violation.status == "open"
    assert not AuditEvent.objects.filter(
        action__startswith=f"compliance.violation_{status}"
    ).exists()


def test_only_a_resolution_confirms(creator, compliance_user):
    violation = open_one(creator).violation
    with pytest.raises(ApplicationError) as error:
        violation_transition(
            violation=violation,
            status="dismissed",
            reason="x",
            confirmed=True,
            actor=compliance_user,
        )
    assert error.value.code == "confirm_needs_resolution"
    with pytest.raises(ApplicationError):
        violation_transition(
            violation=violation, status="closed", reason="x", actor=compliance_user
        )
    violation.refresh_from_db()
    assert violation.status == "open" and not violation.confirmed


def test_notes_are_appended_and_audited(creator, compliance_user):
    violation = open_one(creator).violation
    violation_note_add(violation=violation, text="First look", author=compliance_user)
    violation_note_add(violation=violation, text="Second look", author=compliance_user)
    assert [n.text for n in violation.notes.order_by("id")] == ["First look", "Second look"]
    assert AuditEvent.objects.filter(action="compliance.violation_noted").count() == 2
    with pytest.raises(ApplicationError) as error:
        violation_note_add(violation=violation, text=" ", author=compliance_user)
    assert error.value.code == "note_required"
    assert violation.notes.count() == 2


# --- the strike policy ---------------------------------------------------------------------


def test_the_third_confirmed_violation_in_90_days_proposes_a_suspension(
    creator, compliance_user, time_machine
):
    start = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    for day in (0, 45):
        time_machine.move_to(start + timedelta(days=day), tick=False)
        confirm(open_one(creator).violation, compliance_user)
    assert not SuspensionProposal.objects.exists()
    # A dismissed or unconfirmed one is no strike.
    violation_transition(
        violation=open_one(creator).violation,
        status="dismissed",
        reason="no",
        actor=compliance_user,
    )
    violation_transition(
        violation=open_one(creator).violation,
        status="resolved",
        reason="minor",
        actor=compliance_user,
    )
    assert not SuspensionProposal.objects.exists()
    time_machine.move_to(start + timedelta(days=90), tick=False)
    third = confirm(open_one(creator).violation, compliance_user)
    proposal = SuspensionProposal.objects.get()
    assert proposal.creator == creator and proposal.strikes == 3 and proposal.window_days == 90
    assert third.pk in proposal.violation_ids
    assert AuditEvent.objects.filter(action="compliance.suspension_proposed").exists()
    # Never suspended automatically.
    creator.refresh_from_db()
    assert creator.status == Creator.Status.ACTIVE
    # A fourth strike does not propose again while one is open.
    confirm(open_one(creator).violation, compliance_user)
    assert SuspensionProposal.objects.count() == 1


def test_three_confirmed_over_91_days_propose_nothing(creator, compliance_user, time_machine):
    start = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    for day in (0, 45, 91):
        time_machine.move_to(start + timedelta(days=day), tick=False)
        confirm(open_one(creator).violation, compliance_user)
    assert not SuspensionProposal.objects.exists()


def test_the_policy_comes_from_settings(settings, creator, compliance_user):
    settings.COMPLIANCE_STRIKES = 1
    confirm(open_one(creator).violation, compliance_user)
    assert SuspensionProposal.objects.get().strikes == 1
    assert strike_policy_apply(creator=creator) == SuspensionProposal.objects.get()


def test_staff_decide_the_proposal(settings, creator, compliance_user):
    settings.COMPLIANCE_STRIKES = 1
    confirm(open_one(creator).violation, compliance_user)
    proposal = SuspensionProposal.objects.get()
    with pytest.raises(ApplicationError) as error:
        suspension_proposal_decide(
            proposal=proposal, suspend=True, reason="", actor=compliance_user
        )
    assert error.value.code == "reason_required"
    creator.refresh_from_db()
    assert creator.status == Creator.Status.ACTIVE
    proposal = suspension_proposal_decide(
        proposal=proposal, suspend=True, reason="Repeated breaches", actor=compliance_user
    )
    assert proposal.status == "suspended" and proposal.decided_by == compliance_user
    creator.refresh_from_db()
    assert creator.status == Creator.Status.SUSPENDED
    assert AuditEvent.objects.filter(action="compliance.suspension_decided").exists()
    with pytest.raises(ApplicationError) as error:
        suspension_proposal_decide(
            proposal=proposal, suspend=False, reason="x", actor=compliance_user
        )
    assert error.value.code == "already_decided"


def test_declining_keeps_the_creator_active(settings, creator, compliance_user):
    settings.COMPLIANCE_STRIKES = 1
    confirm(open_one(creator).violation, compliance_user)
    proposal = suspension_proposal_decide(
        proposal=SuspensionProposal.objects.get(),
        suspend=False,
        reason="Old content, already removed",
        actor=compliance_user,
    )
    assert proposal.status == "declined"
    creator.refresh_from_db()
    assert creator.status == Creator.Status.ACTIVE


# --- opened set-based (the daily scan) -----------------------------------------------------


def _items(creators, prefix="bulk"):
    from apps.compliance.services import NewViolation

    return [
        NewViolation(creator=c, summary=f"Finding for {c.pk}", dedupe_key=f"{prefix}:{c.pk}")
        for c in creators
    ]


def _open_many(items, severity="high"):
    from apps.compliance.services import violations_open_many

    return violations_open_many(
        kind="age_2257",
        severity=severity,
        source="rule",
        source_reference="test_rule",
        items=items,
    )


def test_many_violations_open_with_one_audit_event_each(creator_factory, today):
    creators = [creator_factory() for _ in range(3)]
    assert _open_many(_items(creators)) == 3
    opened = Violation.objects.filter(dedupe_key__startswith="bulk:")
    assert opened.count() == 3
    assert {v.creator_id for v in opened} == {c.pk for c in creators}
    assert all(v.status == "open" and v.source == "rule" for v in opened)
    events = AuditEvent.objects.filter(action="compliance.violation_opened")
    assert sorted(int(e.target_id) for e in events) == sorted(c.pk for c in creators)
    assert all(e.after["severity"] == "high" and e.after["summary"] for e in events)
    assert not PayoutHold.objects.exists()  # only a critical one holds payouts


def test_a_key_taken_meanwhile_falls_back_and_opens_only_the_others(creator_factory, today):
    first, second = creator_factory(), creator_factory()
    open_one(first, dedupe_key=f"bulk:{first.pk}")
    assert _open_many(_items([first, second])) == 1
    assert Violation.objects.filter(dedupe_key__startswith="bulk:").count() == 2


def test_critical_findings_each_hold_payouts(creator_factory, today):
    creators = [creator_factory() for _ in range(2)]
    assert _open_many(_items(creators), severity="critical") == 2
    assert PayoutHold.objects.filter(creator__in=creators, released_at__isnull=True).count() == 2


def test_a_bad_finding_refuses_the_whole_set(creator_factory, today):
    from apps.compliance.services import NewViolation

    items = [*_items([creator_factory()]), NewViolation(creator=None, summary="x", dedupe_key="k")]
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        _open_many(items)
    assert refused.value.code == "subject_required"
    assert not Violation.objects.exists() and AuditEvent.objects.count() == events
