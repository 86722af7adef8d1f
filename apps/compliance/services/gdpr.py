"""GDPR/CCPA requests: receiving them (staff or a platform's API key), the clock (one month,
pauses while the identity check waits, extensions), the access/portability ZIP, erasure with
a second approver, legal holds, and replaying the erasure log after a restore.

Every write runs in one transaction and is audited in it. The personal data itself is read
and erased through the registry (``apps.core.personal_data``): every app declares its own,
so this module never imports the apps above compliance."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.compliance.models import DataSubjectRequest, ErasureLog, LegalHold, RequestPause
from apps.compliance.models.gdpr import MAX_EXTENSION_MONTHS, add_months
from apps.compliance.services.inputs import is_person as _is_person
from apps.core.csv import csv_writer
from apps.core.exceptions import ApplicationError
from apps.core.personal_data import (
    Pseudonym,
    Subject,
    subject_erase,
    subject_expand,
    subject_export,
    subject_holds,
)

TEXT_MAX_LENGTH = 2000
Status = DataSubjectRequest.Status
Identity = DataSubjectRequest.IdentityCheck


def _text(value, *, code: str = "reason_required", what: str = "reason") -> str:
    text = (value or "").strip()
    if not text:
        raise ApplicationError(code, f"Give the {what}: it is kept with the request.")
    if len(text) > TEXT_MAX_LENGTH:
        raise ApplicationError(
            f"{what.replace(' ', '_')}_too_long", f"The {what} is at most {TEXT_MAX_LENGTH} long."
        )
    return text


def _email(value: str) -> str:
    email = (value or "").strip().lower()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError(
            "invalid_email", f"{value!r} is not an email address.", status_code=400
        ) from None
    return email


def _open(request: DataSubjectRequest) -> None:
    if not request.is_open:
        raise ApplicationError(
            "request_closed",
            f"The request is {request.get_status_display().lower()}; nothing more can change.",
            status_code=409,
        )


def _locked(request: DataSubjectRequest) -> DataSubjectRequest:
    return DataSubjectRequest.objects.select_for_update().get(pk=request.pk)


# --- the clock --------------------------------------------------------------------------------


def gdpr_due_at(request: DataSubjectRequest) -> datetime:
    """received + 1 month + extension months + every closed pause (stored in ``due_at``)."""
    paused = sum(
        (pause.duration for pause in request.pauses.filter(ended_at__isnull=False)),
        timedelta(),
    )
    return add_months(request.received_at, 1 + request.extension_months) + paused


@dataclass(frozen=True)
class Clock:
    due_at: datetime  # with the open pause so far, if any
    days_left: int  # negative: overdue by that many days
    paused_since: datetime | None
    overdue: bool
    due_soon: bool  # three days or fewer left

    @property
    def days_overdue(self) -> int:
        return max(-self.days_left, 0)


def gdpr_clock(request: DataSubjectRequest, *, now: datetime | None = None) -> Clock:
    """Where the request's deadline stands now: an open pause pushes it on while it lasts."""
    now = now or timezone.now()
    open_pause = getattr(request, "open_pause_started_at", None)
    if open_pause is None and request.identity_check == Identity.WAITING:
        pause = request.pauses.filter(ended_at__isnull=True).first()
        open_pause = pause.started_at if pause else None
    due_at = request.due_at + (now - open_pause if open_pause else timedelta())
    days_left = (timezone.localdate(due_at) - timezone.localdate(now)).days
    open_now = request.is_open
    return Clock(
        due_at=due_at,
        days_left=days_left,
        paused_since=open_pause,
        overdue=open_now and due_at < now,
        due_soon=open_now and due_at >= now and days_left <= 3,
    )


# --- receiving a request ----------------------------------------------------------------------


def _subject_of(request: DataSubjectRequest) -> Subject:
    subject = Subject()
    if request.subject_user_id:
        subject.user_ids.add(request.subject_user_id)
    if request.subject_creator_id:
        subject.creator_ids.add(request.subject_creator_id)
    if request.subject_platform_id and request.subject_platform_user_id:
        subject.platform_users.add((request.subject_platform_id, request.subject_platform_user_id))
    subject.add_emails([request.subject_email])
    return subject


def gdpr_request_subject(request: DataSubjectRequest) -> Subject:
    """Everything FanzDash knows identifies the request's subject (every app asked)."""
    return subject_expand(_subject_of(request))


@transaction.atomic
def gdpr_request_create(
    *,
    kind: str,
    actor=None,
    platform=None,
    subject_user=None,
    subject_creator=None,
    subject_platform=None,
    subject_platform_user_id: str = "",
    subject_email: str = "",
    received_at: datetime | None = None,
    identity_check: str = Identity.NOT_NEEDED,
    notes: str = "",
) -> DataSubjectRequest:
    """Record a request received at ``received_at`` (default now), due one calendar month
    later. ``platform`` set: a platform files it through its API key, about one of its own
    users only (its platform user id, or the email of a user or creator it knows); anything
    else is 404, as if the user did not exist."""
    if kind not in DataSubjectRequest.Kind.values:
        raise ApplicationError(
            "invalid_kind",
            f"{kind!r} is not a kind of request: "
            + ", ".join(DataSubjectRequest.Kind.values)
            + ".",
            status_code=400,
        )
    if identity_check not in (Identity.NOT_NEEDED, Identity.WAITING):
        raise ApplicationError(
            "invalid_identity_check",
            "A new request's identity check is not needed or waiting.",
            status_code=400,
        )
    email = _email(subject_email)
    platform_user_id = (subject_platform_user_id or "").strip()
    if len(platform_user_id) > 100:
        raise ApplicationError("invalid_platform_user", "A platform user id is at most 100 long.")
    if platform is not None:
        if subject_user is not None or subject_creator is not None:
            raise ApplicationError(
                "invalid_subject",
                "A platform names its user by platform user id or email.",
                status_code=400,
            )
        if subject_platform is not None and subject_platform != platform:
            raise ApplicationError("not_found", "No such user on your platform.", status_code=404)
        if platform_user_id:
            subject_platform = platform
    if platform_user_id and subject_platform is None:
        raise ApplicationError(
            "invalid_subject",
            "A platform user id needs the platform it belongs to.",
            status_code=400,
        )
    if subject_platform is not None and not platform_user_id:
        raise ApplicationError(
            "invalid_subject", "Give the platform user id with the platform.", status_code=400
        )
    if not (subject_user or subject_creator or platform_user_id or email):
        raise ApplicationError(
            "subject_required",
            "Say who the request is about: a user, a creator, a platform user or an email.",
            status_code=400,
        )
    now = timezone.now()
    received_at = received_at or now
    if received_at > now:
        raise ApplicationError("received_in_future", "A request cannot be received in the future.")
    request = DataSubjectRequest(
        kind=kind,
        subject_user=subject_user,
        subject_creator=subject_creator,
        subject_platform=subject_platform,
        subject_platform_user_id=platform_user_id,
        subject_email=email,
        received_at=received_at,
        due_at=add_months(received_at, 1),
        identity_check=identity_check,
        status=Status.WAITING_IDENTITY if identity_check == Identity.WAITING else Status.RECEIVED,
        notes=(notes or "").strip()[:TEXT_MAX_LENGTH],
        created_by=actor if _is_person(actor) else None,
        filed_by_platform=platform,
        created_at=now,
    )
    if platform is not None:
        # Only the platform's own users: some app must know the platform user id on this
        # platform, and an email must lead (through every app) to an account on it.
        if platform_user_id:
            probe = subject_expand(Subject(platform_users={(platform.pk, platform_user_id)}))
            if not probe.found_by:
                raise ApplicationError(
                    "not_found", "No such user on your platform.", status_code=404
                )
        if email:
            probe = subject_expand(Subject(emails={email}))
            if not any(pid == platform.pk for pid, _ in probe.platform_users):
                raise ApplicationError(
                    "not_found", "No such user on your platform.", status_code=404
                )
    request.save()
    if identity_check == Identity.WAITING:
        RequestPause.objects.create(request=request, started_at=received_at)
    audit_record(
        actor=actor,
        action="compliance.gdpr_received",
        target=request,
        after={
            "kind": kind,
            "received_at": received_at,
            "due_at": request.due_at,
            "identity_check": identity_check,
            "subject": {
                "user": request.subject_user_id,
                "creator": request.subject_creator_id,
                "platform": request.subject_platform_id,
                "platform_user_id": platform_user_id,
                "email": email,
            },
            "filed_by_platform": platform.slug if platform is not None else None,
        },
    )
    return request


@transaction.atomic
def gdpr_request_take(*, request: DataSubjectRequest, actor) -> DataSubjectRequest:
    """``actor`` handles the request from now on (a received one is in progress)."""
    request = _locked(request)
    _open(request)
    before = {"handled_by": request.handled_by_id, "status": request.status}
    request.handled_by = actor
    if request.status == Status.RECEIVED:
        request.status = Status.IN_PROGRESS
    request.save(update_fields=["handled_by", "status"])
    audit_record(
        actor=actor,
        action="compliance.gdpr_taken",
        target=request,
        before=before,
        after={"handled_by": actor.pk, "status": request.status},
    )
    return request


@transaction.atomic
def gdpr_identity_check_request(*, request: DataSubjectRequest, actor) -> DataSubjectRequest:
    """Ask the subject to prove who they are: the clock pauses until the check is decided."""
    request = _locked(request)
    _open(request)
    if request.identity_check == Identity.WAITING:
        raise ApplicationError(
            "identity_already_waiting", "The identity check is already waiting.", status_code=409
        )
    if request.status == Status.AWAITING_APPROVAL:
        raise ApplicationError(
            "awaiting_approval",
            "The erasure is waiting for its approval; decide it first.",
            status_code=409,
        )
    now = timezone.now()
    before = {"identity_check": request.identity_check, "status": request.status}
    RequestPause.objects.create(request=request, started_at=now)
    request.identity_check = Identity.WAITING
    request.status = Status.WAITING_IDENTITY
    request.save(update_fields=["identity_check", "status"])
    audit_record(
        actor=actor,
        action="compliance.gdpr_identity_requested",
        target=request,
        before=before,
        after={"identity_check": request.identity_check, "paused_at": now},
    )
    return request


@transaction.atomic
def gdpr_identity_check_decide(
    *, request: DataSubjectRequest, verified: bool, actor, reason: str = ""
) -> DataSubjectRequest:
    """End the pause: verified → the request goes on (in progress), with the paused time
    added to the deadline; failed → the request is refused, with the reason."""
    request = _locked(request)
    _open(request)
    if request.identity_check != Identity.WAITING:
        raise ApplicationError(
            "identity_not_waiting", "No identity check is waiting on this request.", status_code=409
        )
    if not verified:
        reason = _text(reason)
    now = timezone.now()
    pause = request.pauses.select_for_update().get(ended_at__isnull=True)
    pause.ended_at = now
    pause.save(update_fields=["ended_at"])
    before = {"identity_check": request.identity_check, "due_at": request.due_at}
    request.due_at = gdpr_due_at(request)
    fields = ["identity_check", "status", "due_at"]
    if verified:
        request.identity_check = Identity.VERIFIED
        request.status = Status.IN_PROGRESS
    else:
        request.identity_check = Identity.FAILED
        request.status = Status.REFUSED
        request.refusal_reason = reason
        request.completed_at = now
        fields += ["refusal_reason", "completed_at"]
    request.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="compliance.gdpr_identity_verified"
        if verified
        else "compliance.gdpr_identity_failed",
        target=request,
        before=before,
        after={
            "identity_check": request.identity_check,
            "paused_for_seconds": int(pause.duration.total_seconds()),
            "due_at": request.due_at,
            "reason": reason,
        },
    )
    return request


@transaction.atomic
def gdpr_request_extend(
    *,
    request: DataSubjectRequest,
    months: int,
    reason: str,
    subject_told_at: datetime | None,
    actor,
) -> DataSubjectRequest:
    """Extend the deadline by one or two months (at most two in all, GDPR art. 12(3)), with a
    reason, once the subject has been told (when)."""
    request = _locked(request)
    _open(request)
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise ApplicationError("invalid_months", "Extend by one or two months.")
    if request.extension_months + months > MAX_EXTENSION_MONTHS:
        left = MAX_EXTENSION_MONTHS - request.extension_months
        raise ApplicationError(
            "extension_limit",
            f"A request can be extended by at most {MAX_EXTENSION_MONTHS} months in all; "
            f"{left} left.",
        )
    reason = _text(reason)
    if subject_told_at is None:
        raise ApplicationError(
            "subject_not_told", "Tell the subject of the extension and its reason first."
        )
    if not isinstance(subject_told_at, datetime):
        raise ApplicationError("invalid_date", "When the subject was told is a date and time.")
    if subject_told_at > timezone.now():
        raise ApplicationError("told_in_future", "The subject cannot have been told in the future.")
    before = {"extension_months": request.extension_months, "due_at": request.due_at}
    request.extension_months += months
    request.extension_reason = (
        f"{request.extension_reason}\n{reason}".strip() if request.extension_reason else reason
    )
    request.subject_told_at = subject_told_at
    request.due_at = gdpr_due_at(request)
    request.save(
        update_fields=["extension_months", "extension_reason", "subject_told_at", "due_at"]
    )
    audit_record(
        actor=actor,
        action="compliance.gdpr_extended",
        target=request,
        before=before,
        after={
            "extension_months": request.extension_months,
            "due_at": request.due_at,
            "reason": reason,
            "subject_told_at": subject_told_at,
        },
    )
    return request


@transaction.atomic
def gdpr_request_complete(
    *, request: DataSubjectRequest, actor, note: str = ""
) -> DataSubjectRequest:
    """An access, portability or rectification request answered (an erasure completes only
    through its approval)."""
    request = _locked(request)
    _open(request)
    if request.kind == DataSubjectRequest.Kind.ERASURE:
        raise ApplicationError(
            "erasure_needs_approval",
            "An erasure completes when a second compliance officer approves it.",
            status_code=409,
        )
    if request.identity_check in (Identity.WAITING, Identity.FAILED):
        raise ApplicationError(
            "identity_not_verified",
            "The subject's identity check has not succeeded.",
            status_code=409,
        )
    note = (note or "").strip()[:TEXT_MAX_LENGTH]
    before = {"status": request.status}
    request.status = Status.COMPLETED
    request.completed_at = timezone.now()
    if note:
        request.notes = f"{request.notes}\n{note}".strip()
    request.handled_by = request.handled_by or actor
    request.save(update_fields=["status", "completed_at", "notes", "handled_by"])
    audit_record(
        actor=actor,
        action="compliance.gdpr_completed",
        target=request,
        before=before,
        after={"status": request.status, "note": note},
    )
    return request


@transaction.atomic
def gdpr_request_refuse(*, request: DataSubjectRequest, reason: str, actor) -> DataSubjectRequest:
    """Refuse the request (manifestly unfounded, excessive, a legal hold...), with the reason
    the subject is given."""
    request = _locked(request)
    _open(request)
    reason = _text(reason)
    before = {"status": request.status}
    request.status = Status.REFUSED
    request.refusal_reason = reason
    request.completed_at = timezone.now()
    request.handled_by = request.handled_by or actor
    request.pauses.filter(ended_at__isnull=True).update(ended_at=request.completed_at)
    request.save(update_fields=["status", "refusal_reason", "completed_at", "handled_by"])
    audit_record(
        actor=actor,
        action="compliance.gdpr_refused",
        target=request,
        before=before,
        after={"status": request.status, "reason": reason},
    )
    return request


# --- access and portability -------------------------------------------------------------------


def _csv_bytes(table: list[dict]) -> bytes:
    columns: list[str] = []
    for row in table:
        columns += [key for key in row if key not in columns]
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(columns)
    for row in table:
        writer.writerow(
            [
                json.dumps(row.get(c), cls=DjangoJSONEncoder)
                if isinstance(row.get(c), dict | list)
                else row.get(c, "")
                for c in columns
            ]
        )
    return out.getvalue().encode("utf-8")


def gdpr_export_build(*, request: DataSubjectRequest, actor) -> tuple[str, bytes]:
    """The subject's personal data from every registered app, as a ZIP: ``subject.json``
    (everything) and one CSV per table (``<app>/<table>.csv``). Made on demand, never
    stored; every download is audited (who, when, how many rows)."""
    if request.kind not in (DataSubjectRequest.Kind.ACCESS, DataSubjectRequest.Kind.PORTABILITY):
        raise ApplicationError(
            "not_an_access_request",
            "Only access and portability requests are exported.",
            status_code=409,
        )
    if request.identity_check in (Identity.WAITING, Identity.FAILED):
        raise ApplicationError(
            "identity_not_verified",
            "The subject's identity has not been verified: nothing is sent before it is.",
            status_code=409,
        )
    if request.status == Status.REFUSED:
        raise ApplicationError("request_closed", "The request was refused.", status_code=409)
    subject = gdpr_request_subject(request)
    data = subject_export(subject)
    generated_at = timezone.now()
    document = {
        "request": {
            "id": request.pk,
            "kind": request.kind,
            "receivedAt": request.received_at,
            "generatedAt": generated_at,
        },
        "data": data,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "subject.json",
            json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        )
        for app, tables in data.items():
            for table, table_rows in tables.items():
                archive.writestr(f"{app}/{table}.csv", _csv_bytes(table_rows))
    counts = {app: {t: len(r) for t, r in tables.items()} for app, tables in data.items()}
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="compliance.gdpr_exported",
            target=request,
            after={"rows": counts, "generated_at": generated_at},
        )
    filename = f"gdpr-request-{request.pk}-{generated_at:%Y%m%d-%H%M%S}.zip"
    return filename, buffer.getvalue()


# --- erasure ----------------------------------------------------------------------------------


def _refuse_if_held(subject: Subject) -> None:
    reasons = subject_holds(subject)
    if reasons:
        raise ApplicationError(
            "erasure_held",
            "The data may not be erased now: " + " ".join(reasons),
            status_code=409,
        )


@transaction.atomic
def gdpr_erasure_request(*, request: DataSubjectRequest, actor) -> DataSubjectRequest:
    """Ask for the erasure to be carried out; a second compliance officer approves it.
    Refused (409, naming the hold) while a legal hold or a retention period covers the data."""
    request = _locked(request)
    _open(request)
    if request.kind != DataSubjectRequest.Kind.ERASURE:
        raise ApplicationError(
            "not_an_erasure", "This request is not an erasure request.", status_code=409
        )
    if request.status == Status.AWAITING_APPROVAL:
        raise ApplicationError(
            "awaiting_approval", "The erasure is already waiting.", status_code=409
        )
    if request.identity_check in (Identity.WAITING, Identity.FAILED):
        raise ApplicationError(
            "identity_not_verified",
            "The subject's identity check has not succeeded.",
            status_code=409,
        )
    _refuse_if_held(gdpr_request_subject(request))
    before = {"status": request.status}
    now = timezone.now()
    request.status = Status.AWAITING_APPROVAL
    request.erasure_requested_by = actor
    request.erasure_requested_at = now
    request.handled_by = request.handled_by or actor
    request.save(
        update_fields=["status", "erasure_requested_by", "erasure_requested_at", "handled_by"]
    )
    audit_record(
        actor=actor,
        action="compliance.gdpr_erasure_requested",
        target=request,
        before=before,
        after={"status": request.status},
    )
    return request


def _hash(value: str) -> str:
    key = hashlib.sha256(f"fanzdash-erasure-log:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, value.strip().lower().encode(), hashlib.sha256).hexdigest()


def erasure_hash(value: str) -> str:
    """The keyed hash the erasure log keeps of an email or name (to answer "was this person
    erased?" by hashing what is asked)."""
    return _hash(value)


@transaction.atomic
def gdpr_erasure_approve(*, request: DataSubjectRequest, actor) -> ErasureLog:
    """A second compliance officer approves: the subject's personal data is pseudonymised in
    every app (``apps.core.personal_data``), the financial records stay, the erasure is
    logged for replay, and the request is completed."""
    request = _locked(request)
    if request.status != Status.AWAITING_APPROVAL:
        raise ApplicationError(
            "not_awaiting_approval",
            "No erasure is waiting for approval on this request.",
            status_code=409,
        )
    if not _is_person(actor) or actor.pk == request.erasure_requested_by_id:
        raise ApplicationError(
            "own_request",
            "Another compliance officer must approve: you asked for this erasure.",
            status_code=403,
        )
    subject = gdpr_request_subject(request)
    _refuse_if_held(subject)
    pseudonym = Pseudonym(request.pk)
    email_hashes = sorted(_hash(email) for email in subject.emails)
    name_hashes = sorted(_hash(name) for name in subject.names)
    erased = subject_erase(subject, pseudonym)
    now = timezone.now()
    log = ErasureLog.objects.create(
        request=request,
        pseudonym_number=pseudonym.number,
        user_ids=sorted(subject.user_ids),
        creator_ids=sorted(subject.creator_ids),
        platform_users=sorted([pid, ext] for pid, ext in subject.platform_users),
        email_hashes=email_hashes,
        name_hashes=name_hashes,
        erased=erased,
        erased_at=now,
        requested_by_id=request.erasure_requested_by_id,
        approved_by=actor,
    )
    request.status = Status.COMPLETED
    request.erasure_approved_by = actor
    request.erasure_approved_at = now
    request.completed_at = now
    # update_fields: the erasure above already pseudonymised this row's subject email.
    request.save(
        update_fields=["status", "erasure_approved_by", "erasure_approved_at", "completed_at"]
    )
    audit_record(
        actor=actor,
        action="compliance.gdpr_erased",
        target=request,
        before={"status": Status.AWAITING_APPROVAL},
        after={"status": request.status, "erasure_log": log.pk, "erased": erased},
    )
    return log


def _changed(counts: dict[str, dict[str, int]]) -> int:
    return sum(value for tables in counts.values() for value in tables.values())


def erasure_log_entries() -> list[dict]:
    """The erasure log as plain data (ids, keyed hashes, the pseudonym number: no personal
    datum), to keep outside the database with the backups: a restore of a backup older than
    an erasure brings back a database whose log lacks it (``gdpr_replay_erasures --from``)."""
    return [
        {
            "request": log.request_id,
            "pseudonym": log.pseudonym_number,
            "userIds": log.user_ids,
            "creatorIds": log.creator_ids,
            "platformUsers": log.platform_users,
            "emailHashes": log.email_hashes,
            "nameHashes": log.name_hashes,
            "erasedAt": log.erased_at.isoformat(),
        }
        for log in ErasureLog.objects.order_by("erased_at", "pk")
    ]


@dataclass(frozen=True)
class ReplayResult:
    request_id: int
    log: ErasureLog | None  # None: known only from an exported file
    counts: dict
    changed: int


def _replay_one(*, request_id, pseudonym, user_ids, creator_ids, platform_users, log, actor):
    with transaction.atomic():
        subject = Subject(
            user_ids={int(pk) for pk in user_ids},
            creator_ids={int(pk) for pk in creator_ids},
            platform_users={(int(pid), str(ext)) for pid, ext in platform_users},
        )
        subject_expand(subject)
        counts = subject_erase(subject, Pseudonym(int(pseudonym)))
        changed = _changed(counts)
        if changed:
            if log is not None:
                ErasureLog.objects.filter(pk=log.pk).update(
                    last_replayed_at=timezone.now(), replay_count=log.replay_count + 1
                )
            audit_record(
                actor=actor,
                action="compliance.gdpr_erasure_replayed",
                target_type="compliance.datasubjectrequest",
                target_id=request_id,
                after={"erasure_log": log.pk if log else None, "erased": counts},
            )
    return ReplayResult(request_id=request_id, log=log, counts=counts, changed=changed)


def gdpr_replay_erasures(*, actor=None, exported: list[dict] | None = None) -> list[ReplayResult]:
    """Apply every logged erasure again (after a database restore brought erased data back),
    and every erasure of ``exported`` (``erasure_log_entries`` kept outside the database)
    that the restored log lacks. Idempotent: on a database where every erasure holds,
    nothing changes (no row, no audit event). Legal holds are not consulted: the erasure was
    approved when it was made."""
    results = []
    logged = set()
    for log in ErasureLog.objects.order_by("erased_at", "pk"):
        logged.add(log.request_id)
        results.append(
            _replay_one(
                request_id=log.request_id,
                pseudonym=log.pseudonym_number,
                user_ids=log.user_ids,
                creator_ids=log.creator_ids,
                platform_users=log.platform_users,
                log=log,
                actor=actor,
            )
        )
    for entry in exported or []:
        try:
            request_id = int(entry["request"])
            if request_id in logged:
                continue
            logged.add(request_id)
            results.append(
                _replay_one(
                    request_id=request_id,
                    pseudonym=entry["pseudonym"],
                    user_ids=entry.get("userIds", []),
                    creator_ids=entry.get("creatorIds", []),
                    platform_users=entry.get("platformUsers", []),
                    log=None,
                    actor=actor,
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ApplicationError(
                "invalid_erasure_log", f"An exported erasure log entry is malformed: {error}."
            ) from None
    return results


# --- legal holds ------------------------------------------------------------------------------


@transaction.atomic
def legal_hold_place(
    *,
    reason: str,
    actor,
    subject_user=None,
    subject_creator=None,
    subject_email: str = "",
    until: date | None = None,
) -> LegalHold:
    """Stop any erasure of the subject's data (litigation, a regulator, law enforcement)
    until ``until`` (inclusive) or until released."""
    reason = _text(reason)
    email = _email(subject_email)
    if not (subject_user or subject_creator or email):
        raise ApplicationError(
            "subject_required", "Say whose data is held: a user, a creator or an email."
        )
    if until is not None:
        if not isinstance(until, date) or isinstance(until, datetime):
            raise ApplicationError("invalid_date", "The end of the hold is a date.")
        if until < timezone.localdate():
            raise ApplicationError("until_in_past", "A hold cannot end in the past.")
    hold = LegalHold.objects.create(
        subject_user=subject_user,
        subject_creator=subject_creator,
        subject_email=email,
        reason=reason,
        until=until,
        placed_by=actor,
        placed_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="compliance.legal_hold_placed",
        target=hold,
        after={
            "reason": reason,
            "until": until,
            "user": hold.subject_user_id,
            "creator": hold.subject_creator_id,
            "email": email,
        },
    )
    return hold


@transaction.atomic
def legal_hold_release(*, hold: LegalHold, note: str, actor) -> LegalHold:
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if hold.released_at is not None:
        raise ApplicationError("already_released", "The hold is already released.", status_code=409)
    note = _text(note, what="note")
    hold.released_at = timezone.now()
    hold.released_by = actor
    hold.release_note = note
    hold.save(update_fields=["released_at", "released_by", "release_note"])
    audit_record(
        actor=actor,
        action="compliance.legal_hold_released",
        target=hold,
        after={"note": note, "released_at": hold.released_at},
    )
    return hold
