"""Writes of violations: open one (idempotent by its dedupe key; a critical one holds the
creator's payouts at once), move it through its statuses with a reason, add notes, and the
strike policy (``COMPLIANCE_STRIKES`` confirmed violations within
``COMPLIANCE_STRIKE_WINDOW_DAYS`` propose a suspension to staff, who decide). Each write runs
in one transaction and is audited in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.services import audit_record, audit_record_many
from apps.compliance.models import SuspensionProposal, Violation, ViolationNote
from apps.compliance.services.inputs import is_person as _is_person
from apps.core.exceptions import ApplicationError
from apps.creators.models import Creator, PayoutHold
from apps.creators.services import creator_status_set, payout_hold_place, payout_hold_release

TEXT_MAX_LENGTH = 2000
SUMMARY_MAX_LENGTH = 300

# Where a violation may go from each status (resolved and dismissed are final: history).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Violation.Status.OPEN: (
        Violation.Status.INVESTIGATING,
        Violation.Status.RESOLVED,
        Violation.Status.DISMISSED,
    ),
    Violation.Status.INVESTIGATING: (Violation.Status.RESOLVED, Violation.Status.DISMISSED),
    Violation.Status.RESOLVED: (),
    Violation.Status.DISMISSED: (),
}
CLOSED = (Violation.Status.RESOLVED, Violation.Status.DISMISSED)
OPEN_STATUSES = (Violation.Status.OPEN, Violation.Status.INVESTIGATING)


def _text(value, *, code: str, what: str, required: bool, max_length: int = TEXT_MAX_LENGTH):
    text = (value or "").strip() if isinstance(value, str | type(None)) else None
    if text is None:
        raise ApplicationError(code, f"The {what} must be text.")
    if required and not text:
        prefix = "Say why: the" if what == "reason" else "The"
        raise ApplicationError(code, f"{prefix} {what} is required.")
    if len(text) > max_length:
        raise ApplicationError(
            f"{code.removesuffix('_required')}_too_long",
            f"The {what} is at most {max_length} long.",
        )
    return text


def _choice(value, choices, *, code: str, what: str) -> str:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise ApplicationError(code, f"Unknown {what} {value!r}: one of {allowed}.")
    return value


def _confidence(value) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value)) if not isinstance(value, bool) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not 0 <= number <= 1:
        raise ApplicationError("invalid_confidence", "The confidence is a number from 0 to 1.")
    return number.quantize(Decimal("0.001"))


def _snapshot(violation: Violation) -> dict:
    return {
        "violation": violation.pk,
        "kind": violation.kind,
        "severity": violation.severity,
        "status": violation.status,
        "source": violation.source,
        "source_reference": violation.source_reference,
        "content_reference": violation.content_reference,
        "platform": getattr(violation.platform, "slug", None),
    }


@dataclass
class Opened:
    violation: Violation
    created: bool


def violation_open(
    *,
    kind: str,
    severity: str,
    summary: str,
    source: str,
    creator: Creator | None = None,
    platform=None,
    content_reference: str = "",
    source_reference: str = "",
    dedupe_key: str = "",
    confidence=None,
    actor=None,
) -> Opened:
    """Open a violation. With a ``dedupe_key`` it is idempotent: the violation already opened
    under that key is returned (``created=False``) and nothing is written, so a rule run twice
    or an event processed twice opens one violation. A critical violation of a creator places a
    payout hold at once (released only by staff). Refused, nothing written: an unknown kind,
    severity or source; no subject (creator, platform or content reference); a blank
    summary; a confidence outside 0 to 1."""
    kind = _choice(kind, Violation.Kind, code="invalid_kind", what="violation kind")
    severity = _choice(severity, Violation.Severity, code="invalid_severity", what="severity")
    source = _choice(source, Violation.Source, code="invalid_source", what="source")
    summary = _text(
        summary, code="summary_required", what="summary", required=True,
        max_length=SUMMARY_MAX_LENGTH,
    )  # fmt: skip
    content_reference = _text(
        content_reference, code="invalid_content_reference", what="content reference",
        required=False, max_length=200,
    )  # fmt: skip
    source_reference = (source_reference or "").strip()[:200]
    dedupe_key = (dedupe_key or "").strip()
    if len(dedupe_key) > 200:
        raise ApplicationError("invalid_dedupe_key", "A dedupe key is at most 200 long.")
    confidence = _confidence(confidence)
    if creator is None and platform is None and not content_reference:
        raise ApplicationError(
            "subject_required", "Name who or what: a creator, a platform or a content reference."
        )
    if dedupe_key:
        existing = Violation.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return Opened(existing, False)
    try:
        with transaction.atomic():
            violation = _create(
                kind=kind,
                severity=severity,
                summary=summary,
                source=source,
                creator=creator,
                platform=platform,
                content_reference=content_reference,
                source_reference=source_reference,
                dedupe_key=dedupe_key,
                confidence=confidence,
                actor=actor,
            )
    except IntegrityError:
        # Two workers raced for the same key: the other one opened it.
        existing = Violation.objects.filter(dedupe_key=dedupe_key).first() if dedupe_key else None
        if existing is None:
            raise
        return Opened(existing, False)
    return Opened(violation, True)


@dataclass(frozen=True)
class NewViolation:
    """One violation for :func:`violations_open_many`: who, in words, and its dedupe key."""

    creator: Creator | None
    summary: str
    dedupe_key: str
    content_reference: str = ""


def violations_open_many(
    *, kind: str, severity: str, source: str, source_reference: str, items: list[NewViolation]
) -> int:
    """Open many violations of one kind at once (the daily scan's findings): what
    :func:`violation_open` does for each, set-based — one INSERT of the violations and one of
    their audit events per thousand. The caller passes only keys not taken yet; if another
    worker took one meanwhile (a unique-key race), or the severity is critical (each places a
    payout hold), it falls back to :func:`violation_open` one by one, which is idempotent.
    Returns how many were opened."""
    if not items:
        return 0
    if severity == Violation.Severity.CRITICAL:
        return sum(
            violation_open(
                kind=kind,
                severity=severity,
                summary=item.summary,
                source=source,
                creator=item.creator,
                content_reference=item.content_reference,
                source_reference=source_reference,
                dedupe_key=item.dedupe_key,
            ).created
            for item in items
        )
    kind = _choice(kind, Violation.Kind, code="invalid_kind", what="violation kind")
    severity = _choice(severity, Violation.Severity, code="invalid_severity", what="severity")
    source = _choice(source, Violation.Source, code="invalid_source", what="source")
    now = timezone.now()
    rows = []
    for item in items:
        summary = _text(
            item.summary, code="summary_required", what="summary", required=True,
            max_length=SUMMARY_MAX_LENGTH,
        )  # fmt: skip
        if item.creator is None and not item.content_reference:
            raise ApplicationError(
                "subject_required", "Name who or what: a creator or a content reference."
            )
        if not item.dedupe_key or len(item.dedupe_key) > 200:
            raise ApplicationError("invalid_dedupe_key", "A dedupe key of 1 to 200 characters.")
        rows.append(
            Violation(
                kind=kind,
                severity=severity,
                summary=summary,
                source=source,
                creator=item.creator,
                content_reference=item.content_reference[:200],
                source_reference=(source_reference or "").strip()[:200],
                dedupe_key=item.dedupe_key,
                opened_at=now,
            )
        )
    try:
        with transaction.atomic():
            created = Violation.objects.bulk_create(rows, batch_size=1000)
            audit_record_many(
                actor=None,
                action="compliance.violation_opened",
                entries=[
                    (
                        violation.creator if violation.creator is not None else violation,
                        {**_snapshot(violation), "summary": violation.summary},
                    )
                    for violation in created
                ],
            )
    except IntegrityError:
        return sum(
            violation_open(
                kind=kind,
                severity=severity,
                summary=item.summary,
                source=source,
                creator=item.creator,
                content_reference=item.content_reference,
                source_reference=source_reference,
                dedupe_key=item.dedupe_key,
            ).created
            for item in items
        )
    return len(created)


def _create(*, creator, severity, actor, **fields) -> Violation:
    violation = Violation.objects.create(
        creator=creator,
        severity=severity,
        opened_at=timezone.now(),
        opened_by=actor if _is_person(actor) else None,
        **fields,
    )
    audit_record(
        actor=actor,
        action="compliance.violation_opened",
        target=creator if creator is not None else violation,
        after={**_snapshot(violation), "summary": violation.summary},
    )
    if severity == Violation.Severity.CRITICAL and creator is not None:
        hold = payout_hold_place(
            creator=creator,
            source=PayoutHold.Source.COMPLIANCE_VIOLATION,
            reason=f"Critical violation #{violation.pk} ({violation.get_kind_display()}): "
            f"{violation.summary}",
            platform=violation.platform,
            reference=f"compliance.violation:{violation.pk}",
            actor=actor,
        )
        violation.payout_hold = hold
        violation.save(update_fields=["payout_hold"])
    return violation


@transaction.atomic
def violation_transition(
    *,
    violation: Violation,
    status: str,
    actor,
    reason: str = "",
    confirmed: bool = False,
    release_hold: bool = False,
) -> Violation:
    """Move a violation to ``status``: open → investigating, resolved or dismissed;
    investigating → resolved or dismissed; resolved and dismissed are final. Resolving or
    dismissing needs a reason (kept as the resolution); ``confirmed=True`` (resolved only)
    makes it a strike. ``release_hold`` (when closing) lifts the payout hold the violation
    placed, audited. Refused, nothing changed: a transition not allowed (409), no reason,
    ``confirmed`` with anything but resolved."""
    status = _choice(status, Violation.Status, code="invalid_status", what="status")
    closing = status in CLOSED
    reason = _text(reason, code="reason_required", what="reason", required=closing)
    if confirmed and status != Violation.Status.RESOLVED:
        raise ApplicationError(
            "confirm_needs_resolution", "Only a resolution can confirm a violation as a strike."
        )
    if release_hold and not closing:
        raise ApplicationError(
            "hold_release_needs_closing",
            "The payout hold is lifted when the violation is resolved or dismissed.",
        )
    violation = (
        Violation.objects.select_for_update(of=("self",))
        .select_related("creator", "platform", "payout_hold")
        .get(pk=violation.pk)
    )
    if status not in TRANSITIONS[violation.status]:
        raise ApplicationError(
            "transition_not_allowed",
            f"A violation that is {violation.get_status_display().lower()} cannot become "
            f"{Violation.Status(status).label.lower()}.",
            status_code=409,
        )
    before = _snapshot(violation)
    violation.status = status
    fields = ["status"]
    if closing:
        violation.resolution = reason
        violation.confirmed = confirmed
        violation.resolved_at = timezone.now()
        violation.resolved_by = actor if _is_person(actor) else None
        fields += ["resolution", "confirmed", "resolved_at", "resolved_by"]
    violation.save(update_fields=fields)
    if reason and not closing:
        ViolationNote.objects.create(
            violation=violation,
            author=actor if _is_person(actor) else None,
            text=reason,
            created_at=timezone.now(),
        )
    released = None
    hold = violation.payout_hold
    if release_hold and hold is not None and hold.released_at is None:
        released = payout_hold_release(
            hold=hold,
            actor=actor,
            note=f"Violation #{violation.pk} {violation.get_status_display().lower()}: {reason}",
        )
    audit_record(
        actor=actor,
        action=f"compliance.violation_{status}",
        target=violation.creator if violation.creator_id else violation,
        before=before,
        after={
            **_snapshot(violation),
            "reason": reason,
            "confirmed": violation.confirmed,
            "payout_hold_released": released.pk if released is not None else None,
        },
    )
    if violation.confirmed and violation.creator_id:
        strike_policy_apply(creator=violation.creator)
    return violation


@transaction.atomic
def violation_note_add(*, violation: Violation, text: str, author) -> ViolationNote:
    """Append a note (notes are never edited or deleted)."""
    text = _text(text, code="note_required", what="note", required=True)
    note = ViolationNote.objects.create(
        violation=violation,
        author=author if _is_person(author) else None,
        text=text,
        created_at=timezone.now(),
    )
    audit_record(
        actor=author,
        action="compliance.violation_noted",
        target=violation.creator if violation.creator_id else violation,
        after={"violation": violation.pk, "note": note.pk, "text": text},
    )
    return note


# --- the strike policy -----------------------------------------------------------------------


def strikes_in_window(creator: Creator, *, now=None) -> list[int]:
    """Ids of the creator's confirmed violations within the strike window (confirmed at
    ``resolved_at``; the window runs back ``COMPLIANCE_STRIKE_WINDOW_DAYS`` days from now,
    its first instant included)."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.COMPLIANCE_STRIKE_WINDOW_DAYS)
    return list(
        Violation.objects.filter(
            creator=creator,
            confirmed=True,
            status=Violation.Status.RESOLVED,
            resolved_at__gte=since,
            resolved_at__lte=now,
        )
        .order_by("resolved_at", "id")
        .values_list("pk", flat=True)
    )


def strike_policy_apply(*, creator: Creator, now=None) -> SuspensionProposal | None:
    """When the creator has reached ``COMPLIANCE_STRIKES`` strikes in the window, propose a
    suspension to staff (one open proposal at a time; audited). Never suspends."""
    strikes = strikes_in_window(creator, now=now)
    if len(strikes) < settings.COMPLIANCE_STRIKES:
        return None
    existing = SuspensionProposal.objects.filter(
        creator=creator, status=SuspensionProposal.Status.PROPOSED
    ).first()
    if existing is not None:
        return existing
    proposal = SuspensionProposal.objects.create(
        creator=creator,
        strikes=len(strikes),
        window_days=settings.COMPLIANCE_STRIKE_WINDOW_DAYS,
        violation_ids=strikes,
        proposed_at=now or timezone.now(),
    )
    audit_record(
        actor=None,
        action="compliance.suspension_proposed",
        target=creator,
        after={
            "proposal": proposal.pk,
            "strikes": len(strikes),
            "window_days": proposal.window_days,
            "violations": strikes,
        },
    )
    return proposal


@transaction.atomic
def suspension_proposal_decide(
    *, proposal: SuspensionProposal, suspend: bool, reason: str, actor
) -> SuspensionProposal:
    """Staff decide a proposal, with a reason: suspend the creator (through the creators'
    service, which tells the platforms) or not. Refused: no reason; a decided proposal (409)."""
    reason = _text(reason, code="reason_required", what="reason", required=True)
    proposal = (
        SuspensionProposal.objects.select_for_update().select_related("creator").get(pk=proposal.pk)
    )
    if proposal.status != SuspensionProposal.Status.PROPOSED:
        raise ApplicationError(
            "already_decided", "This proposal is already decided.", status_code=409
        )
    proposal.status = (
        SuspensionProposal.Status.SUSPENDED if suspend else SuspensionProposal.Status.DECLINED
    )
    proposal.decided_at = timezone.now()
    proposal.decided_by = actor if _is_person(actor) else None
    proposal.decision_reason = reason
    proposal.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    if suspend and proposal.creator.status == Creator.Status.ACTIVE:
        creator_status_set(
            creator=proposal.creator,
            status=Creator.Status.SUSPENDED,
            actor=actor,
            reason=f"Strike policy ({proposal.strikes} confirmed violations): {reason}",
        )
    audit_record(
        actor=actor,
        action="compliance.suspension_decided",
        target=proposal.creator,
        before={"proposal": proposal.pk, "status": SuspensionProposal.Status.PROPOSED},
        after={"proposal": proposal.pk, "status": proposal.status, "reason": reason},
    )
    return proposal
