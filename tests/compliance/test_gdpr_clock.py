"""The clock of a GDPR request: one calendar month (month ends, leap years), paused while the
identity check waits (the pause is added), extended by at most two months with a reason once
the subject is told; days left, due soon, overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from apps.compliance.models import DataSubjectRequest, RequestPause
from apps.compliance.models.gdpr import add_months
from apps.compliance.services import (
    gdpr_clock,
    gdpr_identity_check_decide,
    gdpr_identity_check_request,
    gdpr_request_complete,
    gdpr_request_create,
    gdpr_request_extend,
)
from apps.core.exceptions import ApplicationError

pytestmark = pytest.mark.django_db


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def naive(*args) -> datetime:
    """A wall-clock time without a zone (add_months keeps naive values naive)."""
    return utc(*args).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (naive(2026, 1, 31, 9), 1, naive(2026, 2, 28, 9)),
        (naive(2028, 1, 31, 9), 1, naive(2028, 2, 29, 9)),  # leap year
        (naive(2028, 2, 29, 9), 1, naive(2028, 3, 29, 9)),
        (naive(2028, 2, 29, 9), 12, naive(2029, 2, 28, 9)),
        (naive(2026, 3, 31, 9), 1, naive(2026, 4, 30, 9)),
        (naive(2026, 12, 31, 23, 59), 1, naive(2027, 1, 31, 23, 59)),
        (naive(2026, 11, 30, 9), 3, naive(2027, 2, 28, 9)),
        (naive(2026, 1, 15, 9), 1, naive(2026, 2, 15, 9)),
        (naive(2026, 3, 31, 9), -1, naive(2026, 2, 28, 9)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_last_one(start, months, expected):
    assert add_months(start, months) == expected
    assert add_months(start.replace(tzinfo=UTC), months) == expected.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (utc(2026, 1, 31, 10), utc(2026, 2, 28, 10)),
        (utc(2028, 1, 31, 10), utc(2028, 2, 29, 10)),
        (utc(2028, 2, 29, 10), utc(2028, 3, 29, 10)),
        (utc(2026, 12, 31, 10), utc(2027, 1, 31, 10)),
    ],
)
def test_a_request_is_due_one_calendar_month_after_it_was_received(received, due, compliance_user):
    with time_machine.travel(received + timedelta(hours=1), tick=False):
        request = gdpr_request_create(
            kind="access", subject_email="someone@example.test", actor=compliance_user
        )
        assert (request.received_at, request.due_at) == (
            received + timedelta(hours=1),
            due + timedelta(hours=1),
        )
        request = gdpr_request_create(
            kind="access",
            subject_email="someone@example.test",
            received_at=received,
            actor=compliance_user,
        )
    assert request.due_at == due
    assert request.status == "received"


def test_the_clock_pauses_while_the_identity_check_waits(time_machine, compliance_user):
    time_machine.move_to(utc(2026, 6, 1, 12), tick=False)
    request = gdpr_request_create(
        kind="erasure",
        subject_email="someone@example.test",
        identity_check="waiting",
        actor=compliance_user,
    )
    assert request.status == "waiting_identity"
    assert request.due_at == utc(2026, 7, 1, 12)
    time_machine.move_to(utc(2026, 6, 6, 12), tick=False)
    clock = gdpr_clock(request)
    assert clock.paused_since == utc(2026, 6, 1, 12)
    assert clock.due_at == utc(2026, 7, 6, 12)  # the five paused days so far
    request = gdpr_identity_check_decide(request=request, verified=True, actor=compliance_user)
    assert (request.status, request.identity_check) == ("in_progress", "verified")
    assert request.due_at == utc(2026, 7, 6, 12)
    assert list(RequestPause.objects.values_list("started_at", "ended_at")) == [
        (utc(2026, 6, 1, 12), utc(2026, 6, 6, 12))
    ]
    # A second pause adds its time too.
    time_machine.move_to(utc(2026, 6, 10, 12), tick=False)
    gdpr_identity_check_request(request=request, actor=compliance_user)
    time_machine.move_to(utc(2026, 6, 12, 0), tick=False)
    request = gdpr_identity_check_decide(request=request, verified=True, actor=compliance_user)
    assert request.due_at == utc(2026, 7, 8, 0)
    assert gdpr_clock(request).paused_since is None


def test_a_failed_identity_check_refuses_the_request_with_a_reason(time_machine, compliance_user):
    time_machine.move_to(utc(2026, 6, 1, 12), tick=False)
    request = gdpr_request_create(
        kind="access",
        subject_email="a@example.test",
        identity_check="waiting",
        actor=compliance_user,
    )
    with pytest.raises(ApplicationError) as error:
        gdpr_identity_check_decide(
            request=request, verified=False, reason=" ", actor=compliance_user
        )
    assert error.value.code == "reason_required"
    request.refresh_from_db()
    assert (request.status, request.identity_check) == ("waiting_identity", "waiting")
    request = gdpr_identity_check_decide(
        request=request, verified=False, reason="No answer to our letter", actor=compliance_user
    )
    assert (request.status, request.identity_check) == ("refused", "failed")
    assert request.refusal_reason == "No answer to our letter"


def test_extension_needs_a_reason_the_subject_told_and_at_most_two_months(
    time_machine, compliance_user
):
    time_machine.move_to(utc(2026, 1, 31, 12), tick=False)
    request = gdpr_request_create(
        kind="access", subject_email="a@example.test", actor=compliance_user
    )
    told = utc(2026, 1, 31, 11)
    refusals = [
        ({"months": 3, "reason": "complex", "subject_told_at": told}, "extension_limit"),
        ({"months": 1, "reason": "", "subject_told_at": told}, "reason_required"),
        ({"months": 1, "reason": "complex", "subject_told_at": None}, "subject_not_told"),
        ({"months": 0, "reason": "complex", "subject_told_at": told}, "invalid_months"),
        ({"months": 1, "reason": "x", "subject_told_at": utc(2026, 2, 2)}, "told_in_future"),
    ]
    for kwargs, code in refusals:
        with pytest.raises(ApplicationError) as error:
            gdpr_request_extend(request=request, actor=compliance_user, **kwargs)
        assert error.value.code == code
        request.refresh_from_db()
        assert (request.extension_months, request.due_at) == (0, utc(2026, 2, 28, 12))
    request = gdpr_request_extend(
        request=request,
        months=1,
        reason="Many platforms to ask",
        subject_told_at=told,
        actor=compliance_user,
    )
    assert request.due_at == utc(2026, 3, 31, 12)
    request = gdpr_request_extend(
        request=request,
        months=1,
        reason="Still waiting",
        subject_told_at=told,
        actor=compliance_user,
    )
    assert (request.extension_months, request.due_at) == (2, utc(2026, 4, 30, 12))
    with pytest.raises(ApplicationError) as error:
        gdpr_request_extend(
            request=request, months=1, reason="more", subject_told_at=told, actor=compliance_user
        )
    assert error.value.code == "extension_limit"
    request.refresh_from_db()
    assert request.due_at == utc(2026, 4, 30, 12)


def test_days_left_due_soon_and_overdue(time_machine, compliance_user):
    time_machine.move_to(utc(2026, 6, 15, 12), tick=False)
    overdue = gdpr_request_create(
        kind="access",
        subject_email="a@example.test",
        received_at=utc(2026, 5, 10, 9),
        actor=compliance_user,
    )
    soon = gdpr_request_create(
        kind="access",
        subject_email="b@example.test",
        received_at=utc(2026, 5, 17, 9),
        actor=compliance_user,
    )
    later = gdpr_request_create(
        kind="access", subject_email="c@example.test", actor=compliance_user
    )
    clock = gdpr_clock(overdue)
    assert (clock.overdue, clock.due_soon, clock.days_left, clock.days_overdue) == (
        True,
        False,
        -5,
        5,
    )
    clock = gdpr_clock(soon)
    assert (clock.overdue, clock.due_soon, clock.days_left) == (False, True, 2)
    clock = gdpr_clock(later)
    assert (clock.overdue, clock.due_soon, clock.days_left) == (False, False, 30)
    done = gdpr_request_complete(request=overdue, actor=compliance_user)
    assert gdpr_clock(done).overdue is False  # a closed request is not overdue


def test_bad_requests_write_nothing(compliance_user, today):
    cases = [
        ({"kind": "forget", "subject_email": "a@example.test"}, "invalid_kind", 400),
        ({"kind": "access"}, "subject_required", 400),
        ({"kind": "access", "subject_email": "not-an-email"}, "invalid_email", 400),
        ({"kind": "access", "subject_platform_user_id": "fan_1"}, "invalid_subject", 400),
        (
            {"kind": "access", "subject_email": "a@example.test", "received_at": utc(2026, 6, 16)},
            "received_in_future",
            422,
        ),
    ]
    for kwargs, code, status in cases:
        with pytest.raises(ApplicationError) as error:
            gdpr_request_create(actor=compliance_user, **kwargs)
        assert (error.value.code, error.value.status_code) == (code, status)
    assert DataSubjectRequest.objects.count() == 0


def test_an_erasure_completes_only_through_its_approval(compliance_user, today):
    request = gdpr_request_create(
        kind="erasure", subject_email="a@example.test", actor=compliance_user
    )
    with pytest.raises(ApplicationError) as error:
        gdpr_request_complete(request=request, actor=compliance_user)
    assert (error.value.code, error.value.status_code) == ("erasure_needs_approval", 409)
    request.refresh_from_db()
    assert request.status == "received"
