"""Reads of violations: the staff queue (filters, counts by severity, age and overdue), one
violation with its notes, a creator's violations and suspension proposals, the API's scoping,
and what payout eligibility asks (creators with an open critical violation)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, QuerySet, Value, When
from django.utils import timezone

from apps.compliance.models import SuspensionProposal, Violation, ViolationNote
from apps.creators.models import Creator, PlatformAccount
from apps.creators.selectors import principal_platform

OPEN_STATUSES = (Violation.Status.OPEN, Violation.Status.INVESTIGATING)
SEVERITY_ORDER = ("critical", "high", "medium", "low")
# How long an open violation may wait for a decision before the queue shows it overdue.
RESPONSE_DAYS = {"critical": 1, "high": 3, "medium": 7, "low": 14}

_SEVERITY_RANK = Case(
    *(When(severity=name, then=Value(rank)) for rank, name in enumerate(SEVERITY_ORDER)),
    default=Value(len(SEVERITY_ORDER)),
    output_field=IntegerField(),
)


def violation_is_overdue(violation: Violation, *, now: datetime | None = None) -> bool:
    if not violation.is_open:
        return False
    now = now or timezone.now()
    return now - violation.opened_at > timedelta(days=RESPONSE_DAYS[violation.severity])


def violation_due_at(violation: Violation) -> datetime:
    return violation.opened_at + timedelta(days=RESPONSE_DAYS[violation.severity])


def violation_queue(
    *, status: str = "open", severity: str = "", kind: str = ""
) -> QuerySet[Violation]:
    """Violations for the staff list: ``status`` "open" (open or investigating, the default),
    "all", or one status; most severe first, then oldest first (paginate it)."""
    violations = Violation.objects.select_related("creator", "platform", "payout_hold")
    if status == "open":
        violations = violations.filter(status__in=OPEN_STATUSES)
    elif status and status != "all":
        violations = violations.filter(status=status)
    if severity:
        violations = violations.filter(severity=severity)
    if kind:
        violations = violations.filter(kind=kind)
    return violations.annotate(severity_rank=_SEVERITY_RANK).order_by(
        "severity_rank", "opened_at", "id"
    )


def open_violation_counts() -> dict[str, int]:
    """Open (or investigating) violations by severity, every severity present (one query)."""
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    rows = (
        Violation.objects.filter(status__in=OPEN_STATUSES)
        .values("severity")
        .annotate(n=Count("id"))
        .values_list("severity", "n")
    )
    counts.update(dict(rows))
    return counts


def violation_detail(pk: int) -> Violation:
    """One violation with its subject, hold and people (raises DoesNotExist)."""
    return Violation.objects.select_related(
        "creator", "platform", "payout_hold", "opened_by", "resolved_by"
    ).get(pk=pk)


def violation_notes(violation: Violation) -> list[ViolationNote]:
    return list(
        ViolationNote.objects.filter(violation=violation)
        .select_related("author")
        .order_by("created_at", "id")
    )


def creator_violations(creator: Creator, *, limit: int = 50) -> list[Violation]:
    """The creator's violations, open ones first, newest first (history)."""
    return list(
        Violation.objects.filter(creator=creator)
        .select_related("platform", "payout_hold")
        .annotate(
            closed=Case(
                When(status__in=OPEN_STATUSES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("closed", "-opened_at", "-id")[:limit]
    )


def creator_suspension_proposal(creator: Creator) -> SuspensionProposal | None:
    """The creator's open suspension proposal (the strike policy), if any."""
    return (
        SuspensionProposal.objects.filter(
            creator=creator, status=SuspensionProposal.Status.PROPOSED
        )
        .order_by("-proposed_at")
        .first()
    )


def open_suspension_proposals(*, limit: int = 50) -> list[SuspensionProposal]:
    return list(
        SuspensionProposal.objects.filter(status=SuspensionProposal.Status.PROPOSED)
        .select_related("creator")
        .order_by("proposed_at", "id")[:limit]
    )


@dataclass(frozen=True)
class CriticalViolation:
    pk: int
    summary: str


def open_critical_violations() -> QuerySet[Violation]:
    """Open (or investigating) critical violations of creators: filter by ``creator`` (e.g.
    ``creator=OuterRef("pk")`` in an ``Exists``) to decide payouts set-based."""
    return Violation.objects.filter(
        status__in=OPEN_STATUSES, severity=Violation.Severity.CRITICAL, creator__isnull=False
    )


def creator_has_open_critical_violation():
    """An ``Exists`` expression for a Creator queryset: true when the creator has an open
    critical violation (payouts exclude them in SQL)."""
    return Exists(open_critical_violations().filter(creator=OuterRef("pk")))


def creators_with_open_critical_violations(
    creator_ids: Iterable[int],
) -> dict[int, CriticalViolation]:
    """For each of ``creator_ids`` that has an open critical violation, the oldest one (one
    query)."""
    found: dict[int, CriticalViolation] = {}
    rows = (
        open_critical_violations()
        .filter(creator_id__in=list(creator_ids))
        .order_by("creator_id", "opened_at", "id")
        .values_list("creator_id", "pk", "summary")
    )
    for creator_id, pk, summary in rows:
        found.setdefault(creator_id, CriticalViolation(pk, summary))
    return found


def violations_for(principal) -> QuerySet[Violation]:
    """The violations ``principal`` may read: staff with ``compliance.review_compliance``
    all; a platform API key only those of creators with an account on its platform; anyone
    else none."""
    violations = Violation.objects.select_related("creator", "platform").order_by(
        "-opened_at", "-id"
    )
    platform = principal_platform(principal)
    if platform is not None:
        return violations.filter(
            Exists(PlatformAccount.objects.filter(creator=OuterRef("creator"), platform=platform))
        )
    if getattr(principal, "is_authenticated", False) and principal.has_perm(
        "compliance.review_compliance"
    ):
        return violations
    return violations.none()
