"""The daily compliance scan (``python manage.py compliance_scan``; beat task
``compliance.scan``): warn creators whose age verification or accepted identity document
expires soon (once per verification date, once per document and date), expire what
has expired and derive the creators' levels again, and open violations for what the scan
rules find (never twice). Every step is set-based: a fixed number of queries whatever the
number of creators, plus one write per new notice or violation."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.utils import timezone

from apps.compliance.models import (
    ComplianceNotice,
    IdentityDocument,
    KycVerification,
    Record2257,
    Violation,
)
from apps.compliance.scan import (
    AGE_EXPIRED_WITH_EARNINGS,
    EARNINGS_SOURCE,
    EXPECTED_RULES,
    INCOMPLETE_2257,
    ScanFinding,
    ScanRule,
    dedupe_key,
    scan_rule_register,
    scan_rules,
    scan_source,
)
from apps.compliance.selectors.documents import creators_with_incomplete_2257
from apps.compliance.services.kyc import creator_compliance_derive, kyc_expire_due
from apps.compliance.services.violations import NewViolation, violations_open_many
from apps.creators.models import Creator

logger = logging.getLogger(__name__)

KEY_CHUNK = 1000
SCAN_LOCK = 2257_0001  # the advisory lock that keeps two scans from warning twice


@dataclass
class ScanReport:
    today: date
    warnings_sent: int = 0
    document_warnings_sent: int = 0
    kyc_expired: int = 0
    levels_derived: int = 0
    opened: dict[str, int] = field(default_factory=dict)  # rule key → violations opened
    not_installed: list[str] = field(default_factory=list)

    @property
    def violations_opened(self) -> int:
        return sum(self.opened.values())

    def lines(self) -> list[str]:
        lines = [
            f"Compliance scan of {self.today:%Y-%m-%d}:",
            f"  age verification expiry warnings sent: {self.warnings_sent}",
            f"  identity document expiry warnings sent: {self.document_warnings_sent}",
            f"  KYC verifications expired: {self.kyc_expired}",
            f"  creators whose level was derived again: {self.levels_derived}",
        ]
        for key, count in sorted(self.opened.items()):
            lines.append(f"  rule {key}: {count} violation(s) opened")
        for key in self.not_installed:
            lines.append(f"  rule {key}: not installed (nothing registered under this name)")
        return lines


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- (a) warnings --------------------------------------------------------------------------


def age_expiry_warnings_send(*, today: date | None = None) -> int:
    """Tell each creator whose age verification runs out within
    ``COMPLIANCE_EXPIRY_WARNING_DAYS`` days (today included) by email, once per expiry date:
    a ``ComplianceNotice`` row is the memory (written first; the email follows after commit).
    Returns how many were sent."""
    today = today or timezone.localdate()
    last_day = today + timedelta(days=settings.COMPLIANCE_EXPIRY_WARNING_DAYS)
    kind = ComplianceNotice.Kind.AGE_EXPIRING
    already = ComplianceNotice.objects.filter(
        creator=OuterRef("pk"),
        kind=kind,
        key=Cast(OuterRef("age_verified_until"), output_field=CharField()),
    )
    run_at = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCAN_LOCK])
        due = list(
            Creator.objects.filter(age_verified_until__gte=today, age_verified_until__lte=last_day)
            .exclude(status=Creator.Status.CLOSED)
            .exclude(Exists(already))
            .values_list("pk", "age_verified_until", "user__email", "display_name")
        )
        if not due:
            return 0
        ComplianceNotice.objects.bulk_create(
            [
                ComplianceNotice(
                    creator_id=pk, kind=kind, key=until.isoformat(), sent_at=run_at, email=email
                )
                for pk, until, email, _name in due
            ],
            ignore_conflicts=True,
            batch_size=KEY_CHUNK,
        )
    messages = []
    for _pk, until, email, name in due:
        if not email:
            continue
        context = {
            "name": name,
            "expires_on": until,
            "days_left": (until - today).days,
            "site_url": settings.SITE_URL,
        }
        subject = render_to_string("compliance/email/age_expiring_subject.txt", context)
        body = render_to_string("compliance/email/age_expiring_body.txt", context)
        messages.append(
            EmailMessage(
                subject=" ".join(subject.split()),
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[email],
            )
        )
    if messages:
        get_connection().send_messages(messages)
    return len(due)


def id_document_notice_key(document_id: int, expires_on: date) -> str:
    return f"{document_id}:{expires_on.isoformat()}"


def id_document_expiry_warnings_send(*, today: date | None = None) -> int:
    """Tell each creator whose accepted identity document runs out within
    ``COMPLIANCE_EXPIRY_WARNING_DAYS`` days (today included) by email, once per document and
    expiry date (``ComplianceNotice`` of kind ``id_document_expiring``, key
    ``<document id>:<expiry date>``, written first). A creator who also has an accepted
    document valid beyond the window (or without expiry) needs nothing and is not told.
    Documents of performers who are not creators have nobody to tell. Returns how many were
    sent; a fixed number of queries whatever the number of documents."""
    today = today or timezone.localdate()
    last_day = today + timedelta(days=settings.COMPLIANCE_EXPIRY_WARNING_DAYS)
    kind = ComplianceNotice.Kind.ID_DOCUMENT_EXPIRING
    usable = IdentityDocument.objects.filter(
        status=IdentityDocument.Status.ACCEPTED, destroyed_at__isnull=True
    )
    still_covered = usable.filter(creator_id=OuterRef("creator_id")).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gt=last_day)
    )
    run_at = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCAN_LOCK])
        candidates = list(
            usable.filter(creator__isnull=False, expires_on__gte=today, expires_on__lte=last_day)
            .exclude(creator__status=Creator.Status.CLOSED)
            .exclude(Exists(still_covered))
            .order_by("creator_id", "expires_on", "pk")
            .values_list(
                "pk",
                "creator_id",
                "expires_on",
                "document_type",
                "creator__user__email",
                "creator__display_name",
            )
        )
        keys = [id_document_notice_key(row[0], row[2]) for row in candidates]
        taken: set[tuple[int, str]] = set()
        for start in range(0, len(keys), KEY_CHUNK):
            taken.update(
                ComplianceNotice.objects.filter(
                    kind=kind, key__in=keys[start : start + KEY_CHUNK]
                ).values_list("creator_id", "key")
            )
        due = [row for row, key in zip(candidates, keys, strict=True) if (row[1], key) not in taken]
        if not due:
            return 0
        ComplianceNotice.objects.bulk_create(
            [
                ComplianceNotice(
                    creator_id=creator_id,
                    kind=kind,
                    key=id_document_notice_key(pk, expires_on),
                    sent_at=run_at,
                    email=email or "",
                )
                for pk, creator_id, expires_on, _type, email, _name in due
            ],
            ignore_conflicts=True,
            batch_size=KEY_CHUNK,
        )
    labels = dict(IdentityDocument.DocumentType.choices)
    messages = []
    for _pk, _creator_id, expires_on, document_type, email, name in due:
        if not email:
            continue
        context = {
            "name": name,
            "document": labels.get(document_type, "identity document").lower(),
            "expires_on": expires_on,
            "days_left": (expires_on - today).days,
            "site_url": settings.SITE_URL,
        }
        subject = render_to_string("compliance/email/id_document_expiring_subject.txt", context)
        body = render_to_string("compliance/email/id_document_expiring_body.txt", context)
        messages.append(
            EmailMessage(
                subject=" ".join(subject.split()),
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[email],
            )
        )
    if messages:
        get_connection().send_messages(messages)
    return len(due)


# --- (b) expiry ----------------------------------------------------------------------------


def levels_derive_where_stale(*, today: date | None = None) -> int:
    """Derive again every creator whose stored KYC level is above what an approved, unexpired
    verification grants today (found in one query): the level drops, payouts follow the lower
    limit, and the platforms receive ``creator.kyc_changed``. Returns how many changed."""
    today = today or timezone.localdate()
    granted = KycVerification.objects.filter(
        creator=OuterRef("pk"),
        status=KycVerification.Status.APPROVED,
        level_granted__gte=OuterRef("kyc_level"),
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    stale = Creator.objects.filter(kyc_level__gt=0).exclude(Exists(granted)).order_by("pk")
    changed = 0
    for creator in stale.iterator(chunk_size=KEY_CHUNK):
        with transaction.atomic():
            before = creator.kyc_level
            creator = creator_compliance_derive(
                creator=creator,
                reason="compliance scan: no verification grants this level",
                today=today,
            )
            changed += creator.kyc_level != before
    return changed


# --- (c) rules -----------------------------------------------------------------------------


def _age_expired_with_earnings(today: date):
    """Creators whose age verification has expired while earnings still arrive (in the last
    ``COMPLIANCE_EARNINGS_LOOKBACK_DAYS`` days): the earnings source is registered by payouts
    (which may read the ledger); without it the rule finds nothing."""
    source = scan_source(EARNINGS_SOURCE)
    if source is None:
        return []
    days = settings.COMPLIANCE_EARNINGS_LOOKBACK_DAYS
    earning = source(since=_day_start(today - timedelta(days=days)))
    rows = (
        Creator.objects.filter(age_verified_until__lt=today, pk__in=earning)
        .order_by("pk")
        .values_list("pk", "age_verified_until")
    )
    return [
        ScanFinding(
            creator_id=pk,
            key=f"creator:{pk}:expired:{until:%Y-%m-%d}",
            summary=f"Age verification expired on {until:%Y-%m-%d} while earnings still "
            f"arrive (in the last {days} days).",
        )
        for pk, until in rows
    ]


AGE_EXPIRED_RULE = ScanRule(
    key=AGE_EXPIRED_WITH_EARNINGS,
    kind=Violation.Kind.AGE_2257,
    severity=Violation.Severity.HIGH,
    description="An expired age verification while earnings still arrive.",
    find=_age_expired_with_earnings,
)


def _incomplete_2257(today: date):
    """Active creators who produce content (earnings in the last
    ``COMPLIANCE_EARNINGS_LOOKBACK_DAYS`` days) and whose 2257 record is missing or
    incomplete. Set-based: two queries whatever the number of creators. The key names the
    record's version, so an amendment that leaves it incomplete is a new finding."""
    source = scan_source(EARNINGS_SOURCE)
    if source is None:
        return []
    days = settings.COMPLIANCE_EARNINGS_LOOKBACK_DAYS
    earning = source(since=_day_start(today - timedelta(days=days)))
    active = Creator.objects.filter(status=Creator.Status.ACTIVE, pk__in=earning).values_list(
        "pk", flat=True
    )
    incomplete = creators_with_incomplete_2257(active)
    versions = dict(
        Record2257.objects.filter(performer__creator_id__in=incomplete).values_list(
            "performer__creator_id", "version_count"
        )
    )
    findings = []
    for pk in sorted(incomplete):
        version = versions.get(pk)
        findings.append(
            ScanFinding(
                creator_id=pk,
                key=f"creator:{pk}:2257:v{version or 0}",
                summary="No 2257 record for a creator whose content earns."
                if version is None
                else f"The 2257 record (version {version}) is incomplete while content earns.",
            )
        )
    return findings


INCOMPLETE_2257_RULE = ScanRule(
    key=INCOMPLETE_2257,
    kind=Violation.Kind.AGE_2257,
    severity=Violation.Severity.HIGH,
    description="A creator whose content earns has no complete 2257 record.",
    find=_incomplete_2257,
)


def compliance_scan_rules_register() -> None:
    """Compliance's own rules (called from ``ComplianceConfig.ready``)."""
    scan_rule_register(AGE_EXPIRED_RULE)
    scan_rule_register(INCOMPLETE_2257_RULE)


def rule_violations_open(rule: ScanRule, *, today: date) -> int:
    """Open a violation for each new finding of ``rule`` (those whose dedupe key is not taken
    yet: one query per thousand findings). Returns how many were opened."""
    findings = {dedupe_key(rule, finding): finding for finding in rule.find(today)}
    keys = list(findings)
    taken: set[str] = set()
    for start in range(0, len(keys), KEY_CHUNK):
        taken.update(
            Violation.objects.filter(dedupe_key__in=keys[start : start + KEY_CHUNK]).values_list(
                "dedupe_key", flat=True
            )
        )
    new = {key: finding for key, finding in findings.items() if key not in taken}
    if not new:
        return 0
    creators = Creator.objects.in_bulk({finding.creator_id for finding in new.values()})
    return violations_open_many(
        kind=rule.kind,
        severity=rule.severity,
        source=Violation.Source.RULE,
        source_reference=rule.key,
        items=[
            NewViolation(
                creator=creators.get(finding.creator_id),
                summary=finding.summary,
                dedupe_key=key,
                content_reference=finding.content_reference,
            )
            for key, finding in new.items()
        ],
    )


def compliance_scan(*, today: date | None = None) -> ScanReport:
    """The whole daily scan; safe to repeat (a second run sends and opens nothing)."""
    today = today or timezone.localdate()
    report = ScanReport(today=today)
    report.warnings_sent = age_expiry_warnings_send(today=today)
    report.document_warnings_sent = id_document_expiry_warnings_send(today=today)
    report.kyc_expired = kyc_expire_due(today=today)
    report.levels_derived = levels_derive_where_stale(today=today)
    registered = {rule.key for rule in scan_rules()}
    report.not_installed = [key for key in EXPECTED_RULES if key not in registered]
    for rule in scan_rules():
        report.opened[rule.key] = rule_violations_open(rule, today=today)
    logger.info("%s", "; ".join(report.lines()))
    return report
