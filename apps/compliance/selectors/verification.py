"""The creator's own Verification page: each obligation in the creator's words (age
verification, KYC level and its payout limit, identity documents, the 2257 record), what to
upload and why, and whether payouts are stopped and why.

Payouts sit above compliance, so the "payouts stopped" part is compliance's own status
(``creator_compliance_status``: the reasons payout eligibility takes from compliance — age
verification, account status, payout hold, open critical violation — and the KYC limit);
what only payouts knows (payout method, balances, schedule) is on the creator's payouts
page. A fixed number of queries (eight at most), whatever the creator's history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from apps.compliance.models import AgeVerification, IdentityDocument, KycVerification
from apps.compliance.rules import KYC_LEVELS, MAX_KYC_LEVEL, kyc_limit_usd_minor
from apps.compliance.selectors.documents import creator_record_2257
from apps.compliance.selectors.kyc import (
    KYC_LIMIT_CURRENCY,
    ComplianceStatus,
    creator_compliance_status,
)
from apps.core.currencies import money_text
from apps.creators.models import Creator

DOCUMENTS_SHOWN = 20

# The state of an obligation → the Bootstrap colour of its badge.
STATE_COLOURS = {
    "ok": "success",
    "waiting": "info",
    "soon": "warning",
    "missing": "danger",
    "expired": "danger",
    "rejected": "danger",
    "incomplete": "warning",
}


def _days(days: int) -> str:
    if days == 0:
        return "today is the last day"
    return f"{days} day{'s' if days != 1 else ''} left"


def limit_text(level: int) -> str:
    limit = kyc_limit_usd_minor(level)
    return "no limit" if limit is None else money_text(limit, KYC_LIMIT_CURRENCY)


@dataclass
class Obligation:
    """One obligation: a state (a key of ``STATE_COLOURS``), a badge in words, a sentence
    saying where it stands, what the creator should do (empty: nothing) and why it matters."""

    title: str
    state: str
    badge: str
    summary: str
    todo: str = ""
    why: str = ""

    @property
    def colour(self) -> str:
        return STATE_COLOURS.get(self.state, "secondary")


@dataclass
class AgeObligation(Obligation):
    verified_on: date | None = None
    expires_on: date | None = None
    days_left: int | None = None

    @property
    def days_text(self) -> str:
        if self.days_left is None:
            return "—"
        if self.days_left < 0:
            ago = -self.days_left
            return f"none: expired {ago} day{'s' if ago != 1 else ''} ago"
        return _days(self.days_left)


@dataclass
class KycObligation(Obligation):
    level: int = 0
    level_name: str = ""
    limit_text: str = ""
    valid_until: date | None = None
    pending: KycVerification | None = None
    pending_text: str = ""
    how_to_raise: str = ""
    next_level: int | None = None
    next_limit_text: str = ""


@dataclass
class DocumentRow:
    document: IdentityDocument
    type_text: str
    status_text: str
    status_colour: str
    expiry_text: str
    expiry_colour: str  # "" when nothing to flag
    rejected_reason: str


@dataclass
class DocumentsObligation(Obligation):
    rows: list[DocumentRow] = field(default_factory=list)
    waiting_since: date | None = None  # the oldest upload still waiting for review


@dataclass
class Record2257Obligation(Obligation):
    missing: list[str] = field(default_factory=list)


@dataclass
class PayoutsState:
    stopped: bool
    reasons: list[str]
    limit_text: str


@dataclass
class CreatorVerification:
    creator: Creator
    today: date
    status: ComplianceStatus
    age: AgeObligation
    kyc: KycObligation
    documents: DocumentsObligation
    record_2257: Record2257Obligation
    payouts: PayoutsState

    @property
    def obligations(self) -> list[Obligation]:
        return [self.age, self.kyc, self.documents, self.record_2257]

    @property
    def todos(self) -> list[Obligation]:
        """The obligations that need something from the creator, most urgent first."""
        order = ["expired", "missing", "rejected", "soon", "incomplete", "waiting", "ok"]
        return sorted(
            (item for item in self.obligations if item.todo),
            key=lambda item: order.index(item.state) if item.state in order else len(order),
        )


# --- each obligation -------------------------------------------------------------------------


AGE_WHY = (
    "The law and our payment processors require proof that everyone paid for adult content "
    "is an adult. Without a valid age verification we cannot pay you."
)


def _age(creator: Creator, today: date, warn_until: date) -> AgeObligation:
    latest = (
        AgeVerification.objects.filter(creator=creator)
        .order_by("-expires_on", "-verified_on", "-id")
        .only("verified_on", "expires_on")
        .first()
    )
    until = creator.age_verified_until
    verified_on = latest.verified_on if latest is not None else None
    title = "Age verification"
    if until is None:
        return AgeObligation(
            title=title,
            state="missing",
            badge="Missing",
            summary="You have no age verification on file. Payouts stay stopped until one "
            "is recorded.",
            todo="Upload a valid identity document below: our compliance team checks it and "
            "records your age verification.",
            why=AGE_WHY,
        )
    days_left = (until - today).days
    if until < today:
        return AgeObligation(
            title=title,
            state="expired",
            badge="Expired",
            summary=f"Your age verification expired on {until:%Y-%m-%d}. Payouts are stopped "
            "until it is renewed.",
            todo="Upload a valid identity document below so that we can renew your age "
            "verification.",
            why=AGE_WHY,
            verified_on=verified_on,
            expires_on=until,
            days_left=days_left,
        )
    if until <= warn_until:
        return AgeObligation(
            title=title,
            state="soon",
            badge="Expires soon",
            summary=f"Your age verification is valid until {until:%Y-%m-%d} ({_days(days_left)}).",
            todo=f"Renew it before {until:%Y-%m-%d}: upload a valid identity document below. "
            "After that day payouts stop until it is renewed.",
            why=AGE_WHY,
            verified_on=verified_on,
            expires_on=until,
            days_left=days_left,
        )
    return AgeObligation(
        title=title,
        state="ok",
        badge="Valid",
        summary=f"Your age verification is valid until {until:%Y-%m-%d} ({_days(days_left)}).",
        why=AGE_WHY,
        verified_on=verified_on,
        expires_on=until,
        days_left=days_left,
    )


def _kyc(creator: Creator, status: ComplianceStatus, today: date) -> KycObligation:
    level = status.kyc_level
    verifications = list(
        KycVerification.objects.filter(
            creator=creator,
            status__in=[KycVerification.Status.PENDING, KycVerification.Status.APPROVED],
        )
        .only("status", "level_requested", "level_granted", "requested_at", "expires_on")
        .order_by("-requested_at", "-id")[:50]
    )
    pending = next(
        (item for item in verifications if item.status == KycVerification.Status.PENDING), None
    )
    granting = [
        item
        for item in verifications
        if item.status == KycVerification.Status.APPROVED
        and (item.level_granted or 0) >= level
        and (item.expires_on is None or item.expires_on >= today)
    ]
    valid_until = None
    if granting and all(item.expires_on is not None for item in granting):
        valid_until = max(item.expires_on for item in granting)
    next_level = level + 1 if level < MAX_KYC_LEVEL else None
    summary = f"Level {level} ({status.kyc_level_name})"
    if status.kyc_limit_usd_minor is None:
        summary += ": no payout limit."
    else:
        summary += f": you can be paid up to {status.kyc_limit_text} in any 30 days."
    if valid_until is not None:
        summary += f" Valid until {valid_until:%Y-%m-%d}."
    how_to_raise = ""
    if pending is not None:
        state, badge = "waiting", "Request under review"
    else:
        state, badge = "ok", f"Level {level}"
        if next_level is not None:
            target = (
                "To have no payout limit"
                if kyc_limit_usd_minor(next_level) is None
                else f"To raise your limit to {limit_text(next_level)}"
            )
            how_to_raise = (
                f"{target} (level {next_level}, {KYC_LEVELS[next_level]}), keep a valid "
                "identity document on file below and "
                "ask support for a higher level: a compliance officer checks who you are and "
                "decides. The request then shows here while it waits."
            )
    return KycObligation(
        title="KYC level",
        state=state,
        badge=badge,
        summary=summary,
        why="Your KYC (know your customer) level sets how much we may pay you in any 30 days. "
        "A higher level needs more checks of who you are.",
        level=level,
        level_name=status.kyc_level_name,
        limit_text=status.kyc_limit_text,
        valid_until=valid_until,
        pending=pending,
        pending_text=(
            f"A request for level {pending.level_requested} "
            f"({KYC_LEVELS.get(pending.level_requested, 'unknown')}), opened on "
            f"{timezone.localtime(pending.requested_at):%Y-%m-%d}, is waiting for a compliance "
            "officer's decision."
            if pending is not None
            else ""
        ),
        how_to_raise=how_to_raise,
        next_level=next_level,
        next_limit_text=limit_text(next_level) if next_level is not None else "",
    )


DOCUMENT_WHY = (
    "We keep a valid identity document on file for everyone we pay: it proves who you are, "
    "your age verification and KYC level are checked against it, and the law (18 U.S.C. 2257) "
    "requires a copy for everyone who appears in adult content."
)
DOCUMENT_STATUS_COLOURS = {
    IdentityDocument.Status.PENDING: "info",
    IdentityDocument.Status.ACCEPTED: "success",
    IdentityDocument.Status.REJECTED: "danger",
}
UPLOAD_TODO = (
    "Upload a valid identity document below (passport, national ID card or driving licence)."
)


def _document_row(document: IdentityDocument, today: date, warn_until: date) -> DocumentRow:
    expires = document.expires_on
    if document.is_destroyed:
        status_text, status_colour = "Deleted", "secondary"
    else:
        status_text = document.get_status_display()
        status_colour = DOCUMENT_STATUS_COLOURS.get(document.status, "secondary")
    if expires is None:
        expiry_text, expiry_colour = "No expiry date", ""
    elif expires < today:
        expiry_text, expiry_colour = f"Expired on {expires:%Y-%m-%d}", "danger"
    elif expires <= warn_until:
        expiry_text = f"Expires on {expires:%Y-%m-%d} ({_days((expires - today).days)})"
        expiry_colour = "warning"
    else:
        expiry_text, expiry_colour = f"Expires on {expires:%Y-%m-%d}", ""
    return DocumentRow(
        document=document,
        type_text=document.get_document_type_display(),
        status_text=status_text,
        status_colour=status_colour,
        expiry_text=expiry_text,
        expiry_colour=expiry_colour,
        rejected_reason=document.review_reason
        if document.status == IdentityDocument.Status.REJECTED
        else "",
    )


def _documents(creator: Creator, today: date, warn_until: date) -> DocumentsObligation:
    documents = list(
        IdentityDocument.objects.filter(creator=creator)
        .only(
            "document_type",
            "issuing_country",
            "expires_on",
            "status",
            "review_reason",
            "uploaded_at",
            "destroyed_at",
            "creator_id",
        )
        .order_by("-uploaded_at", "-id")[:DOCUMENTS_SHOWN]
    )
    rows = [_document_row(document, today, warn_until) for document in documents]
    live = [document for document in documents if not document.is_destroyed]
    accepted = [item for item in live if item.status == IdentityDocument.Status.ACCEPTED]
    valid = [item for item in accepted if item.expires_on is None or item.expires_on >= today]
    lasting = [item for item in valid if item.expires_on is None or item.expires_on > warn_until]
    pending = [item for item in live if item.status == IdentityDocument.Status.PENDING]
    common = {
        "title": "Identity document",
        "why": DOCUMENT_WHY,
        "rows": rows,
        "waiting_since": timezone.localtime(pending[-1].uploaded_at).date() if pending else None,
    }
    if lasting:
        document = lasting[0]
        until = (
            "with no expiry date"
            if document.expires_on is None
            else f"valid until {document.expires_on:%Y-%m-%d}"
        )
        return DocumentsObligation(
            state="ok",
            badge="On file",
            summary=f"Your {document.get_document_type_display().lower()} is accepted, {until}.",
            **common,
        )
    if pending:
        return DocumentsObligation(
            state="waiting",
            badge="Waiting for review",
            summary=f"The document you uploaded on "
            f"{timezone.localtime(pending[0].uploaded_at):%Y-%m-%d} is waiting for review by our "
            "compliance team. Nothing else is needed from you for now.",
            **common,
        )
    if valid:
        expires = max(item.expires_on for item in valid)
        return DocumentsObligation(
            state="soon",
            badge="Expires soon",
            summary=f"Your identity document on file expires on {expires:%Y-%m-%d} "
            f"({_days((expires - today).days)}).",
            todo=f"Upload a new identity document before {expires:%Y-%m-%d}.",
            **common,
        )
    if accepted:
        expired = max(item.expires_on for item in accepted)
        return DocumentsObligation(
            state="expired",
            badge="Expired",
            summary=f"Your identity document on file expired on {expired:%Y-%m-%d}.",
            todo=UPLOAD_TODO,
            **common,
        )
    rejected = [item for item in live if item.status == IdentityDocument.Status.REJECTED]
    if rejected:
        return DocumentsObligation(
            state="rejected",
            badge="Rejected",
            summary=f"The document you uploaded on "
            f"{timezone.localtime(rejected[0].uploaded_at):%Y-%m-%d} was not accepted: "
            f"{rejected[0].review_reason}",
            todo=UPLOAD_TODO,
            **common,
        )
    return DocumentsObligation(
        state="missing",
        badge="Missing",
        summary="You have no identity document on file.",
        todo=UPLOAD_TODO,
        **common,
    )


RECORD_WHY = (
    "U.S. law (18 U.S.C. 2257) requires a record of the legal name, date of birth and "
    "identity document of everyone who appears in adult content. Payouts may be stopped "
    "while your content earns and your record is incomplete."
)


def _record_2257(creator: Creator, documents: DocumentsObligation) -> Record2257Obligation:
    record = creator_record_2257(creator)
    needs_document = documents.state not in ("ok", "waiting", "soon")
    title = "2257 record"
    if record is None:
        return Record2257Obligation(
            title=title,
            state="incomplete",
            badge="Not started",
            summary="Our compliance team has not made your 2257 record yet. It is made from "
            "your identity document.",
            todo=UPLOAD_TODO if needs_document else "",
            why=RECORD_WHY,
        )
    if record.is_complete:
        return Record2257Obligation(
            title=title,
            state="ok",
            badge="Complete",
            summary="Your 2257 record is complete.",
            why=RECORD_WHY,
        )
    missing = list(record.missing or [])
    return Record2257Obligation(
        title=title,
        state="incomplete",
        badge="Incomplete",
        summary="Your 2257 record is incomplete: " + "; ".join(missing) + "."
        if missing
        else "Your 2257 record is incomplete.",
        todo=UPLOAD_TODO if needs_document else "",
        why=RECORD_WHY,
        missing=missing,
    )


def _reason_text(reason: dict, creator: Creator) -> str:
    code = reason["code"]
    if code == "age_verification_missing":
        return "You have no age verification on file."
    if code == "age_verification_expired":
        return f"Your age verification expired on {creator.age_verified_until:%Y-%m-%d}."
    if code == "record_2257_missing":
        return "Your 2257 record has not been made yet (see below)."
    if code == "record_2257_incomplete":
        return "Your 2257 record is incomplete (see below)."
    if code == "creator_not_active":
        return f"Your account is {creator.get_status_display().lower()}."
    if code == "payout_hold":
        return "Your payouts are on hold: " + reason["detail"].removeprefix("Payouts are on hold: ")
    if code == "open_critical_violation":
        return (
            "A critical compliance issue is open; payouts stay stopped until our compliance "
            "team closes it. " + reason["detail"].partition(": ")[2]
        ).strip()
    return reason["detail"]


def creator_verification(creator: Creator, *, today: date | None = None) -> CreatorVerification:
    """Everything the creator's Verification page shows, for this creator only."""
    today = today or timezone.localdate()
    warn_until = today + timedelta(days=settings.COMPLIANCE_EXPIRY_WARNING_DAYS)
    status = creator_compliance_status(creator, today=today)
    documents = _documents(creator, today, warn_until)
    age = _age(creator, today, warn_until)
    if age.todo and documents.waiting_since is not None:
        age.todo = (
            f"The identity document you uploaded on {documents.waiting_since:%Y-%m-%d} is "
            "waiting for review: once it is accepted, our compliance team renews your age "
            "verification from it. Nothing else is needed from you for now."
        )
    return CreatorVerification(
        creator=creator,
        today=today,
        status=status,
        age=age,
        kyc=_kyc(creator, status, today),
        documents=documents,
        record_2257=_record_2257(creator, documents),
        payouts=PayoutsState(
            stopped=not status.can_be_paid,
            reasons=[
                _reason_text(reason, creator)
                for reason in status.reasons
                if "payout" in reason["stops"]
            ],
            limit_text=status.kyc_limit_text,
        ),
    )
