"""Payout methods and schedules: every write, audited in the same transaction.

Creators add, choose as default and disable their own methods and set their own schedule
(``actor`` is their user; ``None`` means the system, e.g. ``seed_demo``). Staff holding
``payouts.verify_payoutmethod`` verify a method before its first use. The details are validated
(``validation.py``) and sealed (``PayoutMethod.details_seal``, ``apps.core.crypto``) before
they reach the database; audit events and screens only ever see ``details_hint``.
``PayoutMethod.details()`` decrypts, for the settlement adapters and bank files only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from rest_framework import status

from apps.audit.services import audit_record
from apps.core import crypto
from apps.core.currencies import currency_exponent
from apps.core.exceptions import ApplicationError
from apps.creators.models import Creator
from apps.ledger.services import run_in_transaction
from apps.payouts.models import (
    Payout,
    PayoutBatch,
    PayoutMethod,
    PayoutSchedule,
    Processor,
    ProcessorCurrency,
)
from apps.payouts.selectors.eligibility import creator_payout_eligibility
from apps.payouts.services.batches import payout_batch_build_instant
from apps.payouts.validation import payout_details_hint, payout_details_validate

VERIFY_PERMISSION = "payouts.verify_payoutmethod"
# Enough for every processor a creator could reasonably use; keeps every list bounded.
MAX_METHODS_PER_CREATOR = 20
MAX_MINOR = 2**62 - 1

OPEN_PAYOUT_STATES = (Payout.State.PENDING, Payout.State.SUBMITTED)


def _snapshot(method: PayoutMethod) -> dict:
    return {
        "processor": method.processor.code,
        "currency": method.currency_id,
        "label": method.label,
        "hint": method.details_hint,
        "status": method.status,
        "is_default": method.is_default,
        "key_id": method.key_id,
    }


def _code(currency) -> str:
    return (getattr(currency, "code", None) or str(currency or "")).upper()


def _ensure_own(creator: Creator, actor) -> None:
    """Creators act on their own methods only; ``None`` is the system."""
    if actor is None:
        return
    if getattr(actor, "pk", None) != creator.user_id:
        raise ApplicationError(
            "permission_denied",
            "Only the creator may change their own payout methods and schedule.",
            status_code=status.HTTP_403_FORBIDDEN,
        )


def _lock_creator(creator: Creator) -> Creator:
    """Serialises a creator's method and default changes (one default at a time)."""
    return Creator.objects.select_for_update().get(pk=creator.pk)


# --- methods ---------------------------------------------------------------------------


@transaction.atomic
def payout_method_add(
    *,
    creator: Creator,
    processor: Processor,
    currency,
    details: dict,
    label: str = "",
    actor,
) -> PayoutMethod:
    """Validate and seal ``details`` and store a new method, awaiting verification. A
    creator's first usable method becomes their default."""
    _ensure_own(creator, actor)
    code = _code(currency)
    currency_exponent(code)
    if creator.status == Creator.Status.CLOSED:
        raise ApplicationError("creator_closed", "This creator account is closed.")
    if not processor.active:
        raise ApplicationError("processor_inactive", f"{processor.name} is not available.")
    if not ProcessorCurrency.objects.filter(processor=processor, currency_id=code).exists():
        raise ApplicationError(
            "currency_not_supported", f"{processor.name} does not pay out in {code}."
        )
    result = payout_details_validate(processor.method_type, details, asset=processor.crypto_asset)
    if not result.ok:
        raise ApplicationError("invalid_payout_details", result.errors)
    label = " ".join((label or "").split())
    if len(label) > 100:
        raise ApplicationError("invalid_label", {"label": ["At most 100 characters."]})

    _lock_creator(creator)
    usable = PayoutMethod.objects.filter(creator=creator).exclude(
        status=PayoutMethod.Status.DISABLED
    )
    if usable.count() >= MAX_METHODS_PER_CREATOR:
        raise ApplicationError(
            "too_many_methods",
            f"At most {MAX_METHODS_PER_CREATOR} payout methods; disable one you no longer use.",
        )
    has_default = PayoutMethod.objects.filter(creator=creator, is_default=True).exists()
    method = PayoutMethod(
        creator=creator,
        processor=processor,
        currency_id=code,
        label=label,
        details_hint=payout_details_hint(processor.method_type, result.cleaned)[:100],
        status=PayoutMethod.Status.UNVERIFIED,
        is_default=not has_default,
    )
    method.details_seal(result.cleaned)
    method.save(force_insert=True)
    audit_record(actor=actor, action="payout_method.added", target=method, after=_snapshot(method))
    return method


@transaction.atomic
def payout_method_verify(*, method: PayoutMethod, actor) -> PayoutMethod:
    """Staff confirm a method (awaiting verification, or flagged after a failed payout) may
    be paid to. Nobody verifies a method of their own."""
    if actor is None or not actor.has_perm(VERIFY_PERMISSION):
        raise ApplicationError(
            "permission_denied",
            "You may not verify payout methods.",
            status_code=status.HTTP_403_FORBIDDEN,
        )
    locked = PayoutMethod.objects.select_for_update().select_related("processor").get(pk=method.pk)
    if locked.creator.user_id == actor.pk:
        raise ApplicationError(
            "own_method", "A payout method is verified by someone other than its owner."
        )
    if locked.status not in (
        PayoutMethod.Status.UNVERIFIED,
        PayoutMethod.Status.NEEDS_ATTENTION,
    ):
        raise ApplicationError(
            "not_awaiting_verification",
            f"This method is {locked.get_status_display().lower()}.",
            status_code=status.HTTP_409_CONFLICT,
        )
    before = _snapshot(locked)
    locked.status = PayoutMethod.Status.VERIFIED
    locked.verified_at = timezone.now()
    locked.verified_by = actor
    locked.attention_reason = ""
    locked.save(
        update_fields=["status", "verified_at", "verified_by", "attention_reason", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="payout_method.verified",
        target=locked,
        before=before,
        after=_snapshot(locked),
    )
    return locked


@transaction.atomic
def payout_method_set_default(*, method: PayoutMethod, actor) -> PayoutMethod:
    """Make ``method`` the one the creator's scheduled payouts go to."""
    _ensure_own(method.creator, actor)
    _lock_creator(method.creator)
    locked = PayoutMethod.objects.select_related("processor").get(pk=method.pk)
    if locked.status == PayoutMethod.Status.DISABLED:
        raise ApplicationError("method_disabled", "A disabled method cannot be the default.")
    if locked.is_default:
        return locked
    previous = (
        PayoutMethod.objects.filter(creator_id=locked.creator_id, is_default=True)
        .values_list("pk", flat=True)
        .first()
    )
    # Clear first: the database allows one default per creator.
    PayoutMethod.objects.filter(creator_id=locked.creator_id, is_default=True).update(
        is_default=False, updated_at=timezone.now()
    )
    locked.is_default = True
    locked.save(update_fields=["is_default", "updated_at"])
    audit_record(
        actor=actor,
        action="payout_method.default_set",
        target=locked,
        before={"default_method": previous},
        after={"default_method": locked.pk},
    )
    return locked


@transaction.atomic
def payout_method_disable(*, method: PayoutMethod, actor) -> PayoutMethod:
    """Stop paying to ``method`` (kept for the history of payouts made to it). Refused while
    a payout to it is on its way. If it was the default, the newest verified (else newest)
    remaining method becomes the default."""
    _ensure_own(method.creator, actor)
    _lock_creator(method.creator)
    locked = PayoutMethod.objects.select_related("processor").get(pk=method.pk)
    if locked.status == PayoutMethod.Status.DISABLED:
        raise ApplicationError(
            "already_disabled", "This method is already disabled.", status_code=409
        )
    if Payout.objects.filter(method=locked, state__in=OPEN_PAYOUT_STATES).exists():
        raise ApplicationError(
            "method_in_use",
            "A payout to this method is on its way; disable it once that payout has settled.",
            status_code=status.HTTP_409_CONFLICT,
        )
    before = _snapshot(locked)
    was_default = locked.is_default
    locked.status = PayoutMethod.Status.DISABLED
    locked.is_default = False
    locked.save(update_fields=["status", "is_default", "updated_at"])
    promoted = None
    if was_default:
        remaining = PayoutMethod.objects.filter(creator_id=locked.creator_id).exclude(
            status=PayoutMethod.Status.DISABLED
        )
        promoted = (
            remaining.filter(status=PayoutMethod.Status.VERIFIED).order_by("-created_at").first()
            or remaining.order_by("-created_at").first()
        )
        if promoted is not None:
            promoted.is_default = True
            promoted.save(update_fields=["is_default", "updated_at"])
    audit_record(
        actor=actor,
        action="payout_method.disabled",
        target=locked,
        before=before,
        after={**_snapshot(locked), "new_default_method": getattr(promoted, "pk", None)},
    )
    return locked


@dataclass
class ResealCounts:
    resealed: int = 0
    already_current: int = 0
    unreadable: int = 0
    key_id: str = ""


def payout_methods_reseal(*, batch_size: int = 500, actor=None) -> ResealCounts:
    """Re-encrypt every method not yet under the newest key (idempotent: a second run finds
    nothing to do). Each batch is its own transaction with its rows locked; a row another run
    re-sealed meanwhile is skipped; a row whose key is gone is counted, not changed."""
    key_id = crypto.current_key_id()
    counts = ResealCounts(key_id=key_id)
    counts.already_current = PayoutMethod.objects.filter(key_id=key_id).count()
    last_pk = 0
    while True:
        with transaction.atomic():
            rows = list(
                PayoutMethod.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .exclude(key_id=key_id)
                .order_by("pk")[:batch_size]
            )
            if not rows:
                break
            last_pk = rows[-1].pk
            changed = []
            for row in rows:
                try:
                    details = row.details()
                except crypto.SealError:
                    counts.unreadable += 1
                    continue
                row.details_seal(details)
                row.updated_at = timezone.now()
                changed.append(row)
            if changed:
                PayoutMethod.objects.bulk_update(
                    changed, ["details_encrypted", "key_id", "updated_at"]
                )
                audit_record(
                    actor=actor,
                    action="payout_method.details_resealed",
                    target_type="payouts.payoutmethod",
                    after={"key_id": key_id, "count": len(changed), "ids": [r.pk for r in changed]},
                )
            counts.resealed += len(changed)
    return counts


# --- schedules -------------------------------------------------------------------------


def _schedule_snapshot(schedule: PayoutSchedule) -> dict:
    return {
        "kind": schedule.kind,
        "weekday": schedule.weekday,
        "day_of_month": schedule.day_of_month,
        "threshold_minor": schedule.threshold_minor,
        "minimum_minor": schedule.minimum_minor,
        "currency": schedule.currency_id,
    }


def payout_schedule_errors(
    *,
    kind: str,
    weekday: int | None,
    day_of_month: int | None,
    threshold_minor: int | None,
    minimum_minor: int,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in PayoutSchedule.Kind.values:
        errors["kind"] = ["Choose weekly, monthly, threshold or manual."]
        return errors
    if kind == PayoutSchedule.Kind.WEEKLY and (weekday is None or not 0 <= weekday <= 6):
        errors["weekday"] = ["Choose a day of the week."]
    if kind == PayoutSchedule.Kind.MONTHLY and (
        day_of_month is None or not 1 <= day_of_month <= 28
    ):
        errors["day_of_month"] = ["Choose a day from 1 to 28 (every month has it)."]
    if not isinstance(minimum_minor, int) or not 0 <= minimum_minor <= MAX_MINOR:
        errors["minimum"] = ["The minimum must be zero or a positive amount."]
    if kind == PayoutSchedule.Kind.THRESHOLD:
        if threshold_minor is None or threshold_minor <= 0 or threshold_minor > MAX_MINOR:
            errors["threshold"] = ["Give the balance at which you want to be paid."]
        elif isinstance(minimum_minor, int) and threshold_minor < minimum_minor:
            errors["threshold"] = ["The threshold cannot be below the minimum payout."]
    return errors


@transaction.atomic
def payout_schedule_set(
    *,
    creator: Creator,
    kind: str,
    minimum_minor: int,
    currency,
    weekday: int | None = None,
    day_of_month: int | None = None,
    threshold_minor: int | None = None,
    actor,
) -> PayoutSchedule:
    """Set when the creator is paid (one schedule per creator; created on first use).
    Amounts are minor units of ``currency``."""
    _ensure_own(creator, actor)
    code = _code(currency)
    currency_exponent(code)
    errors = payout_schedule_errors(
        kind=kind,
        weekday=weekday,
        day_of_month=day_of_month,
        threshold_minor=threshold_minor,
        minimum_minor=minimum_minor,
    )
    if errors:
        raise ApplicationError("invalid_schedule", errors)
    _lock_creator(creator)
    schedule = PayoutSchedule.objects.filter(creator=creator).first()
    before = _schedule_snapshot(schedule) if schedule else None
    if schedule is None:
        schedule = PayoutSchedule(creator=creator)
    schedule.kind = kind
    if weekday is not None:
        schedule.weekday = weekday
    if day_of_month is not None:
        schedule.day_of_month = day_of_month
    schedule.threshold_minor = threshold_minor if kind == PayoutSchedule.Kind.THRESHOLD else 0
    schedule.minimum_minor = minimum_minor
    schedule.currency_id = code
    schedule.save()
    audit_record(
        actor=actor,
        action="payout_schedule.set",
        target=schedule,
        before=before,
        after=_schedule_snapshot(schedule),
    )
    return schedule


# --- instant payouts -------------------------------------------------------------------


def instant_payout_refusal(method: PayoutMethod) -> str | None:
    """Why an instant payout to ``method`` cannot be asked for, in plain words, or None."""
    if not method.processor.instant_allowed:
        return f"{method.processor.name} does not offer instant payouts."
    if not method.processor.active:
        return f"{method.processor.name} is not available at the moment."
    if method.status != PayoutMethod.Status.VERIFIED:
        return "Instant payouts go to verified methods only."
    return None


def eligibility_reason_for_creator(reason: dict, creator: Creator, method) -> str:
    """An eligibility reason (``{"code", "message"}``) as told to the creator; staff read the
    same codes in their own words. A hold's internal reason is not shown to the creator."""
    code = reason.get("code")
    if code == "creator_not_active":
        return f"Your account is {creator.get_status_display().lower()}: payouts are paused."
    if code == "age_verification_missing":
        return "Your age has not been verified yet: complete the age verification to be paid."
    if code == "age_verification_expired":
        return "Your age verification has expired: please verify again to be paid."
    if code == "no_payout_method":
        return "Add a payout method so we know where to pay you."
    if code == "payout_method_not_verified" and method is not None:
        if method.status == PayoutMethod.Status.NEEDS_ATTENTION:
            return "Your payout method needs attention: " + (
                method.attention_reason or "the last payout to it failed."
            )
        if method.status == PayoutMethod.Status.UNVERIFIED:
            return "Your payout method is waiting to be verified by our team."
        return "Your default payout method is disabled: choose another one."
    if code == "payout_hold":
        return "Your payouts are on hold while our team reviews your account."
    if code == "open_payout":
        return "A payout to you is already on its way."
    return reason.get("message", "")


def instant_payout_request(*, creator: Creator, method: PayoutMethod, actor) -> PayoutBatch:
    """Pay what the creator may be paid now to ``method`` (crypto and Paxum only): a
    one-payout batch with source ``instant`` (``batches.payout_batch_build_instant``), which
    then follows the usual approval. Refused with the reasons in the creator's words."""
    _ensure_own(creator, actor)
    if method.creator_id != creator.pk:
        raise ApplicationError(
            "not_found", "No such payout method.", status_code=status.HTTP_404_NOT_FOUND
        )
    refusal = instant_payout_refusal(method)
    if refusal:
        raise ApplicationError("instant_not_allowed", refusal)

    def work() -> PayoutBatch:
        batch = payout_batch_build_instant(creator=creator, method=method, actor=actor)
        audit_record(
            actor=actor,
            action="payout.instant_requested",
            target=method,
            after={
                "batch": batch.pk,
                "processor": method.processor.code,
                "amount_minor": batch.total_minor,
                "currency": batch.currency_id,
            },
        )
        return batch

    try:
        return run_in_transaction(work)
    except ApplicationError as error:
        if error.code != "not_eligible":
            raise
        result = creator_payout_eligibility(creator, require_due=False, method=method)
        words = " ".join(
            eligibility_reason_for_creator(reason, creator, method) for reason in result.reasons
        )
        raise ApplicationError(
            "not_eligible", words or "Nothing can be paid now.", status_code=409
        ) from None
