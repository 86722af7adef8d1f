"""The compliance home (``/compliance/``): every queue with its deadline clock, the expiring
verifications, the open violations by severity, the compliance score and the last 2257 export,
read by ``compliance_home()`` in a constant number of queries whatever the data (counts are
aggregates with ``Count(filter=...)``, each queue shows its first ``HOME_ROWS`` rows, nothing
is read per row).

The **compliance score** (``docs/compliance.md``, "The compliance home"): of the active
creators who earned in the last ``COMPLIANCE_EARNINGS_LOOKBACK_DAYS`` days (the scan's source
``creators_with_earnings``, registered by payouts), the share that meets every obligation
today: a valid age verification, a KYC level of at least ``SCORE_MIN_KYC_LEVEL``, a complete
2257 record and no open critical violation. No earning creator: no score (never 100 %)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from apps.compliance.models import (
    DataSubjectRequest,
    ExportRun,
    IdentityDocument,
    Record2257,
    RequestPause,
    Violation,
)
from apps.compliance.scan import EARNINGS_SOURCE, scan_source
from apps.compliance.selectors.documents import document_review_queue, last_2257_export
from apps.compliance.selectors.gdpr import gdpr_request_queue
from apps.compliance.selectors.kyc import kyc_review_queue
from apps.compliance.selectors.violations import (
    OPEN_STATUSES,
    RESPONSE_DAYS,
    open_critical_violations,
    open_violation_counts,
    violation_due_at,
    violation_queue,
)
from apps.creators.models import Creator

HOME_ROWS = 5  # rows shown of each queue (the full queue is one click away)
# The KYC obligation of the score: the creator's derived KYC level (the highest level of an
# approved, unexpired verification) is at least this (level 1, basic, allows 1,000.00 USD in
# 30 days; level 0 only 100.00 USD).
SCORE_MIN_KYC_LEVEL = 1
GDPR_SOON_DAYS = 3
GDPR_WEEK_DAYS = 7


# --- clocks in words --------------------------------------------------------------------------


def _span(delta: timedelta) -> str:
    """A duration in its largest whole unit: "3 days", "5 hours", "12 minutes"."""
    seconds = max(int(delta.total_seconds()), 0)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'}"
    return "less than a minute"


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class Clock:
    """A deadline clock in words; ``overdue`` is shown in red, ``soon`` highlighted."""

    text: str
    overdue: bool = False
    soon: bool = False
    paused: bool = False


def waiting_clock(since: datetime, now: datetime) -> Clock:
    return Clock(f"waiting {_span(now - since)}")


def due_clock(due_at: datetime, now: datetime, *, soon_days: int = GDPR_SOON_DAYS) -> Clock:
    """ "due in 3 days" / "due today" / "overdue by 2 days", by calendar days in the project's
    time zone (what the GDPR clock counts)."""
    days_left = (timezone.localdate(due_at) - timezone.localdate(now)).days
    if due_at < now:
        late = -days_left
        return Clock("overdue (was due today)" if late <= 0 else f"overdue by {_days(late)}", True)
    if days_left == 0:
        return Clock(f"due today, in {_span(due_at - now)}", soon=True)
    return Clock(f"due in {_days(days_left)}", soon=days_left <= soon_days)


def expiry_clock(expires_on: date, today: date) -> Clock:
    """A verification valid through ``expires_on`` (inclusive)."""
    if expires_on < today:
        return Clock(f"expired {_days((today - expires_on).days)} ago", overdue=True)
    left = (expires_on - today).days
    if left == 0:
        return Clock("expires at the end of today", soon=True)
    return Clock(f"expires in {_days(left)}", soon=True)


# --- the figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    item: object  # the model row (a KycVerification, DataSubjectRequest, Creator, ...)
    clock: Clock


@dataclass
class Queue:
    count: int
    rows: list[Row]


@dataclass
class GdprQueue(Queue):
    overdue: int = 0
    within_3_days: int = 0  # not overdue, due within 3 days (today included)
    within_7_days: int = 0  # due in 4 to 7 days
    later: int = 0  # due in more than 7 days
    paused: int = 0  # waiting for the subject's identity check: the clock stands still


@dataclass
class Expiring:
    """Age verifications and identity documents of active creators that have expired or run
    out within ``COMPLIANCE_EXPIRY_WARNING_DAYS`` days."""

    warning_days: int
    age_expired: int
    age_expiring: int
    age_rows: list[Row]
    documents_expired: int
    documents_expiring: int
    document_rows: list[Row]

    @property
    def count(self) -> int:
        return (
            self.age_expired + self.age_expiring + self.documents_expired + self.documents_expiring
        )


@dataclass
class Violations:
    by_severity: dict[str, int]  # every severity, most severe first
    overdue: int
    rows: list[Row]

    @property
    def count(self) -> int:
        return sum(self.by_severity.values())


@dataclass(frozen=True)
class Obligation:
    key: str
    label: str
    failing: int  # active earning creators who do not meet it


@dataclass
class Score:
    """``met`` of ``total`` active earning creators meet every obligation. ``available`` is
    False when nothing tells which creators earn (no source registered)."""

    today: date
    lookback_days: int
    min_kyc_level: int
    available: bool
    total: int = 0
    met: int = 0
    obligations: list[Obligation] = field(default_factory=list)

    @property
    def not_met(self) -> int:
        return self.total - self.met

    @property
    def percent(self) -> Decimal | None:
        """One decimal, rounded down (99.96 % is 99.9 %, never a 100 % not earned); None
        without an earning creator."""
        if not self.total:
            return None
        return (Decimal(self.met) * 100 / self.total).quantize(Decimal("0.1"), ROUND_DOWN)


@dataclass
class ComplianceHome:
    now: datetime
    today: date
    kyc: Queue
    documents: Queue
    gdpr: GdprQueue
    expiring: Expiring
    violations: Violations
    score: Score
    last_export: ExportRun | None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _kyc(now: datetime, rows: int) -> Queue:
    queue = kyc_review_queue()
    items = list(queue[:rows])
    return Queue(queue.count(), [Row(v, waiting_clock(v.requested_at, now)) for v in items])


def _documents(now: datetime, rows: int) -> Queue:
    queue = document_review_queue()
    items = list(queue[:rows])
    return Queue(queue.count(), [Row(d, waiting_clock(d.uploaded_at, now)) for d in items])


def _gdpr(now: datetime, today: date, rows: int) -> GdprQueue:
    # Paused: an open pause (waiting for the subject's identity check). ``pk__in`` a subquery
    # (a hashed subplan: read once), not a correlated subquery per request.
    paused = Q(pk__in=RequestPause.objects.filter(ended_at__isnull=True).values("request_id"))
    soon = _day_start(today + timedelta(days=GDPR_SOON_DAYS + 1))
    week = _day_start(today + timedelta(days=GDPR_WEEK_DAYS + 1))
    counts = DataSubjectRequest.objects.filter(
        status__in=DataSubjectRequest.OPEN_STATUSES
    ).aggregate(
        count=Count("pk"),
        paused=Count("pk", filter=paused),
        overdue=Count("pk", filter=~paused & Q(due_at__lt=now)),
        within_3_days=Count("pk", filter=~paused & Q(due_at__gte=now, due_at__lt=soon)),
        within_7_days=Count("pk", filter=~paused & Q(due_at__gte=soon, due_at__lt=week)),
        later=Count("pk", filter=~paused & Q(due_at__gte=week)),
    )
    queue = gdpr_request_queue()  # open, by deadline, with the start of the open pause
    shown = []
    for request in queue[:rows]:
        started = request.open_pause_started_at
        if started is not None:
            # The clock stands still while the subject's identity is checked: the deadline
            # moves on by the pause so far (as gdpr_clock counts it).
            resumed = due_clock(request.due_at + (now - started), now)
            clock = Clock(f"paused for the identity check: {resumed.text}", paused=True)
        else:
            clock = due_clock(request.due_at, now)
        shown.append(Row(request, clock))
    return GdprQueue(rows=shown, **counts)


def _expiring(today: date, rows: int) -> Expiring:
    days = settings.COMPLIANCE_EXPIRY_WARNING_DAYS
    last_day = today + timedelta(days=days)
    active = Creator.objects.filter(status=Creator.Status.ACTIVE, age_verified_until__lte=last_day)
    ages = active.aggregate(
        expired=Count("pk", filter=Q(age_verified_until__lt=today)),
        expiring=Count("pk", filter=Q(age_verified_until__gte=today)),
    )
    # Expiring first (soonest first: still time to act), then expired (latest first).
    age_rows = [
        Row(creator, expiry_clock(creator.age_verified_until, today))
        for creator in [
            *active.filter(age_verified_until__gte=today).order_by("age_verified_until", "pk")[
                :rows
            ],
            *active.filter(age_verified_until__lt=today).order_by("-age_verified_until", "pk")[
                :rows
            ],
        ]
    ]
    # A document counts until its owner has another usable one valid beyond the window
    # (a renewed passport retires the old one from this list).
    renewed = IdentityDocument.objects.filter(
        creator=OuterRef("creator"), destroyed_at__isnull=True
    ).exclude(status=IdentityDocument.Status.REJECTED)
    renewed = renewed.filter(Q(expires_on__isnull=True) | Q(expires_on__gt=last_day))
    documents = (
        IdentityDocument.objects.filter(
            creator__status=Creator.Status.ACTIVE,
            destroyed_at__isnull=True,
            expires_on__lte=last_day,
        )
        .exclude(status=IdentityDocument.Status.REJECTED)
        .exclude(Exists(renewed))
    )
    docs = documents.aggregate(
        expired=Count("pk", filter=Q(expires_on__lt=today)),
        expiring=Count("pk", filter=Q(expires_on__gte=today)),
    )
    documents = documents.select_related("creator")
    document_rows = [
        Row(document, expiry_clock(document.expires_on, today))
        for document in [
            *documents.filter(expires_on__gte=today).order_by("expires_on", "pk")[:rows],
            *documents.filter(expires_on__lt=today).order_by("-expires_on", "pk")[:rows],
        ]
    ]
    return Expiring(
        warning_days=days,
        age_expired=ages["expired"],
        age_expiring=ages["expiring"],
        age_rows=age_rows,
        documents_expired=docs["expired"],
        documents_expiring=docs["expiring"],
        document_rows=document_rows,
    )


def _violations(now: datetime, rows: int) -> Violations:
    late = Q()
    for severity, days in RESPONSE_DAYS.items():
        late |= Q(severity=severity, opened_at__lt=now - timedelta(days=days))
    overdue = Violation.objects.filter(status__in=OPEN_STATUSES).filter(late).count()
    shown = [
        Row(violation, due_clock(violation_due_at(violation), now, soon_days=1))
        for violation in violation_queue(status="open")[:rows]
    ]
    return Violations(open_violation_counts(), overdue, shown)


def compliance_score(*, today: date) -> Score:
    """The compliance score (one query). See the module's docstring for the definition."""
    days = settings.COMPLIANCE_EARNINGS_LOOKBACK_DAYS
    score = Score(
        today=today, lookback_days=days, min_kyc_level=SCORE_MIN_KYC_LEVEL, available=False
    )
    source = scan_source(EARNINGS_SOURCE)
    if source is None:
        return score
    score.available = True
    earning = source(since=_day_start(today - timedelta(days=days)))
    age_ok = Q(age_verified_until__gte=today)
    kyc_ok = Q(kyc_level__gte=SCORE_MIN_KYC_LEVEL)
    # ``pk__in`` subqueries, not correlated ones: PostgreSQL reads each once into a hash
    # (a correlated EXISTS per creator also made the planner's estimate cross the JIT
    # threshold: 1.5 s of compiling for a 20 ms query). Neither subquery yields NULL, so
    # NOT IN is exact.
    record_ok = Q(
        pk__in=Record2257.objects.filter(
            is_complete=True, performer__creator_id__isnull=False
        ).values("performer__creator_id")
    )
    no_critical = ~Q(pk__in=open_critical_violations().values("creator_id"))
    figures = Creator.objects.filter(status=Creator.Status.ACTIVE, pk__in=earning).aggregate(
        total=Count("pk"),
        met=Count("pk", filter=age_ok & kyc_ok & record_ok & no_critical),
        age=Count("pk", filter=~age_ok),  # none on file (NULL) or expired
        kyc=Count("pk", filter=~kyc_ok),
        record=Count("pk", filter=~record_ok),
        critical=Count("pk", filter=~no_critical),
    )
    score.total, score.met = figures["total"], figures["met"]
    score.obligations = [
        Obligation(
            "age",
            "a valid age verification (none on file, or expired)",
            figures["age"],
        ),
        Obligation(
            "kyc",
            f"KYC level {SCORE_MIN_KYC_LEVEL} (basic) or higher",
            figures["kyc"],
        ),
        Obligation("record_2257", "a complete 2257 record", figures["record"]),
        Obligation("critical", "no open critical violation", figures["critical"]),
    ]
    return score


def compliance_home(*, now: datetime | None = None, rows: int = HOME_ROWS) -> ComplianceHome:
    """Every figure of the compliance home, in a constant number of queries (17)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return ComplianceHome(
        now=now,
        today=today,
        kyc=_kyc(now, rows),
        documents=_documents(now, rows),
        gdpr=_gdpr(now, today, rows),
        expiring=_expiring(today, rows),
        violations=_violations(now, rows),
        score=compliance_score(today=today),
        last_export=last_2257_export(),
    )


__all__ = [
    "HOME_ROWS",
    "SCORE_MIN_KYC_LEVEL",
    "Clock",
    "ComplianceHome",
    "Score",
    "compliance_home",
    "compliance_score",
    "due_clock",
    "expiry_clock",
    "waiting_clock",
]
