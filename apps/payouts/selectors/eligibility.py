"""Whether a creator can be paid now, how much, and why not — computed once, the same for
staff screens, the creator's own page and the batch builder.

Rules (docs/payouts.md): an active creator; an unexpired age verification; a complete 2257
record (every creator with something to pay produces content: a balance comes only from
earnings); no open critical compliance violation (apps.compliance); a verified
default payout method on an active processor that pays in its currency; no open payout hold;
available balance (in the method's currency) at least the schedule's minimum and the
processor's minimum; the schedule is due (weekly weekday, monthly day, threshold reached;
``manual`` is never paid by the scheduled run); and the KYC limit over any rolling 30 days
(level 0 $100, 1 $1,000, 2 $10,000, 3 unlimited): the payouts created in the last 30 days
that did not fail and were not cancelled count, in USD at the rate in force; the new payout
is capped to what is left (rounded down) and the rest stays available. The processor's
maximum caps it too.

``creator_payout_eligibility`` explains one creator (every reason, not just the first);
``eligible_payouts_for_batch`` finds every payable creator set-based, a fixed number of
queries per chunk of creators, for batch builds over 100,000 creators.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from apps.compliance.rules import KYC_LIMIT_WINDOW, KYC_LIMITS_USD_MINOR, kyc_limit_usd_minor
from apps.compliance.selectors import (
    CriticalViolation,
    creator_2257_gap,
    creator_has_complete_2257,
    creator_has_open_critical_violation,
    creators_with_open_critical_violations,
)
from apps.core.bulk import instances_from_rows
from apps.core.currencies import money_text
from apps.core.exceptions import ApplicationError
from apps.creators.models import Creator, PayoutHold
from apps.ledger.models import Account, AccountBalance, AccountKind
from apps.payouts.models import (
    Payout,
    PayoutBatch,
    PayoutMethod,
    PayoutSchedule,
    Processor,
    ProcessorCurrency,
)
from apps.payouts.selectors.fx import FxTable

# The KYC limits are a compliance rule: one table, in apps.compliance.rules.
KYC_WINDOW = KYC_LIMIT_WINDOW
OPEN_BATCH_STATUSES = (
    PayoutBatch.Status.DRAFT,
    PayoutBatch.Status.APPROVED,
    PayoutBatch.Status.SUBMITTED,
)
NOT_COUNTED_STATES = (Payout.State.FAILED, Payout.State.CANCELLED)
OPEN_PAYOUT_STATES = (Payout.State.PENDING, Payout.State.SUBMITTED)
BATCH_CHUNK = 2000
CREATOR_FIELDS = (
    "id",
    "display_name",
    "legal_name",
    "status",
    "kyc_level",
    "age_verified_until",
    "default_currency_id",
)
METHOD_FIELDS = ("id", "creator_id", "processor_id", "currency_id", "status", "is_default")
SCHEDULE_FIELDS = (
    "id",
    "creator_id",
    "kind",
    "weekday",
    "day_of_month",
    "threshold_minor",
    "minimum_minor",
    "currency_id",
)

MESSAGES = {
    "creator_not_active": "The creator's account is {status}, not active.",
    "age_verification_missing": "No age verification on file.",
    "age_verification_expired": "The age verification expired on {until}.",
    "record_2257_incomplete": "No complete 2257 record: {missing}.",
    "no_payout_method": "No default payout method is set.",
    "payout_method_not_verified": "The default payout method is {status}: it must be verified.",
    "processor_inactive": "Payouts through {processor} are switched off.",
    "currency_not_supported": "{processor} does not pay out in {currency}.",
    "payout_hold": "Payouts are on hold: {reason}",
    "open_critical_violation": (
        "An open critical compliance violation (#{violation}) stops payouts until compliance "
        "closes it: {summary}"
    ),
    "nothing_available": "Nothing is available to pay in {currency}.",
    "below_schedule_minimum": "Available {available} is below the schedule's minimum {minimum}.",
    "below_processor_minimum": "Available {available} is below {processor}'s minimum {minimum}.",
    "kyc_limit_reached": (
        "The KYC level {level} limit of {limit} per 30 days is used up ({used} paid); "
        "what is left ({left}) is below the minimum payout."
    ),
    "fee_exceeds_amount": "The processor's fee {fee} would take the whole payout.",
    "open_payout": "A payout is already on its way (batch #{batch}).",
    "not_due": "The schedule is not due: next payout on {next_due}.",
    "manual_schedule": "Paid only on request (manual schedule).",
    "below_threshold": "Available {available} has not reached the threshold {threshold}.",
    "fx_rate_missing": "No exchange rate for {currency} to USD is on file.",
}
# ``record_2257_incomplete`` when the creator has no record at all (same code, other words).
RECORD_2257_NONE = "No 2257 record is on file."


@dataclass
class Line:
    """One available balance the payout may take from."""

    account_id: int
    platform_id: int
    platform_slug: str
    in_payout_account_id: int | None
    available_minor: int  # positive = owed to the creator
    take_minor: int = 0


@dataclass
class Eligibility:
    creator: Creator
    eligible: bool
    reasons: list[dict] = field(default_factory=list)  # [{code, message}]
    method: PayoutMethod | None = None
    currency: str = ""
    available_minor: int = 0  # net available in ``currency`` over every platform
    payable_minor: int = 0  # what a payout now would take (after the caps)
    fee_minor: int = 0
    cap_minor: int | None = None  # the smallest cap in force (KYC left, processor max)
    cap_applied: str = ""  # "", "kyc_limit", "processor_maximum"
    kyc_limit_usd_minor: int | None = None
    kyc_used_usd_minor: int = 0
    lines: list[Line] = field(default_factory=list)
    due: bool = False
    next_due_on: date | None = None
    schedule: PayoutSchedule | None = None

    @property
    def reason_codes(self) -> list[str]:
        return [r["code"] for r in self.reasons]

    @property
    def payable_by_platform(self) -> dict[str, int]:
        return {line.platform_slug: line.take_minor for line in self.lines if line.take_minor}

    @property
    def receives_minor(self) -> int:
        return self.payable_minor - self.fee_minor


def payout_fee_minor(processor_currency: ProcessorCurrency, processor, amount_minor: int) -> int:
    """Fixed fee + percent of the amount, the percent part rounded DOWN (a fraction of a minor
    unit stays with the creator, as with the platform fee)."""
    percent = (Decimal(amount_minor) * processor.fee_percent / 100).to_integral_value(ROUND_DOWN)
    return processor_currency.fee_fixed_minor + int(percent)


def default_schedule(creator) -> PayoutSchedule:
    """What applies to a creator without a schedule row: the model's defaults (weekly on
    Monday, minimum 50.00 in the creator's currency), not saved."""
    return PayoutSchedule(creator=creator, currency_id=creator.default_currency_id)


def next_due_on(schedule: PayoutSchedule, today: date) -> date | None:
    """The next day (today included) a weekly/monthly schedule is due; None otherwise."""
    if schedule.kind == PayoutSchedule.Kind.WEEKLY:
        return today + timedelta(days=(schedule.weekday - today.weekday()) % 7)
    if schedule.kind == PayoutSchedule.Kind.MONTHLY:
        day = schedule.day_of_month
        if today.day <= day:
            return today.replace(day=day)
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return date(year, month, min(day, calendar.monthrange(year, month)[1]))
    return None


# --- the evaluation shared by both entry points ---------------------------------------


@dataclass
class _Facts:
    creator: Creator
    method: PayoutMethod | None
    schedule: PayoutSchedule
    processor_currency: ProcessorCurrency | None
    open_hold: PayoutHold | None
    open_batch_id: int | None
    critical_violation: CriticalViolation | None
    record_2257_gap: list[str] | None  # None: complete; []: no record; else what is missing
    lines: list[Line]
    used_by_currency: dict[str, int]  # payouts of the last 30 days counted for KYC
    paid_today: bool


def _evaluate(facts: _Facts, fx: FxTable, now: datetime, *, require_due: bool) -> Eligibility:
    creator, method, schedule = facts.creator, facts.method, facts.schedule
    today = timezone.localdate(now)
    reasons: list[dict] = []

    def refuse(code: str, **values) -> None:
        reasons.append({"code": code, "message": MESSAGES[code].format(**values)})

    result = Eligibility(creator=creator, eligible=False, method=method, schedule=schedule)
    if creator.status != Creator.Status.ACTIVE:
        refuse("creator_not_active", status=creator.get_status_display().lower())
    if creator.age_verified_until is None:
        refuse("age_verification_missing")
    elif creator.age_verified_until < today:
        refuse("age_verification_expired", until=creator.age_verified_until.isoformat())
    if facts.record_2257_gap is not None:
        # One reason code either way; the message says whether there is a record at all.
        if facts.record_2257_gap:
            refuse("record_2257_incomplete", missing="; ".join(facts.record_2257_gap))
        else:
            reasons.append({"code": "record_2257_incomplete", "message": RECORD_2257_NONE})
    if facts.open_hold is not None:
        refuse("payout_hold", reason=facts.open_hold.reason or facts.open_hold.get_source_display())
    if facts.critical_violation is not None:
        refuse(
            "open_critical_violation",
            violation=facts.critical_violation.pk,
            summary=facts.critical_violation.summary,
        )
    if facts.open_batch_id is not None:
        refuse("open_payout", batch=facts.open_batch_id)

    currency = (method.currency_id if method else None) or creator.default_currency_id
    result.currency = currency
    if method is None:
        refuse("no_payout_method")
    else:
        processor = method.processor
        if method.status != PayoutMethod.Status.VERIFIED:
            refuse("payout_method_not_verified", status=method.get_status_display().lower())
        if not processor.active:
            refuse("processor_inactive", processor=processor.name)
        if facts.processor_currency is None:
            refuse("currency_not_supported", processor=processor.name, currency=currency)

    # Balances: net over every platform (a negative balance is recovered first), taken
    # from the positive ones.
    lines = [line for line in facts.lines if line.available_minor]
    net = sum(line.available_minor for line in lines)
    positive = sum(line.available_minor for line in lines if line.available_minor > 0)
    available = max(0, min(net, positive))
    result.available_minor = available
    result.lines = lines

    # Schedule: minimum (converted into the payout currency, rounded up) and due date.
    try:
        minimum = fx.convert_minor(
            schedule.minimum_minor, schedule.currency_id, currency, rounding=ROUND_UP
        )
        threshold = fx.convert_minor(
            schedule.threshold_minor, schedule.currency_id, currency, rounding=ROUND_UP
        )
    except ApplicationError:  # a missing rate is a reason below, not a crash
        minimum = threshold = schedule.minimum_minor
    if available <= 0:
        refuse("nothing_available", currency=currency)
    elif available < minimum:
        refuse(
            "below_schedule_minimum",
            available=money_text(available, currency),
            minimum=money_text(minimum, currency),
        )
    pc = facts.processor_currency
    if pc is not None and 0 < available < pc.min_minor:
        refuse(
            "below_processor_minimum",
            available=money_text(available, currency),
            processor=method.processor.name,
            minimum=money_text(pc.min_minor, currency),
        )

    result.next_due_on = next_due_on(schedule, today)
    kind = schedule.kind
    if kind == PayoutSchedule.Kind.MANUAL:
        result.due = False
    elif kind == PayoutSchedule.Kind.THRESHOLD:
        result.due = available >= max(threshold, 1)
    else:
        result.due = result.next_due_on == today and not facts.paid_today
        if result.next_due_on == today and facts.paid_today:
            result.next_due_on = next_due_on(schedule, today + timedelta(days=1))
    if require_due and not result.due:
        if kind == PayoutSchedule.Kind.MANUAL:
            refuse("manual_schedule")
        elif kind == PayoutSchedule.Kind.THRESHOLD:
            if available > 0:  # otherwise "nothing_available" says it
                refuse(
                    "below_threshold",
                    available=money_text(available, currency),
                    threshold=money_text(threshold, currency),
                )
        else:
            refuse("not_due", next_due=result.next_due_on.isoformat())

    # Caps: KYC over the last 30 days (USD), then the processor's maximum.
    payable = available
    limit = kyc_limit_usd_minor(creator.kyc_level)
    result.kyc_limit_usd_minor = limit
    try:
        used = sum(
            fx.convert_minor(amount, cur, "USD", rounding=ROUND_UP)
            for cur, amount in facts.used_by_currency.items()
        )
        result.kyc_used_usd_minor = used
        if limit is not None:
            left_usd = max(0, limit - used)
            left = fx.convert_minor(left_usd, "USD", currency, rounding=ROUND_DOWN)
            result.cap_minor = left
            if left < payable:
                payable = left
                result.cap_applied = "kyc_limit"
            minimum_payout = max(pc.min_minor if pc else 0, 1)
            if available > 0 and left < minimum_payout:
                refuse(
                    "kyc_limit_reached",
                    level=creator.kyc_level,
                    limit=money_text(limit, "USD"),
                    used=money_text(used, "USD"),
                    left=money_text(left_usd, "USD"),
                )
    except ApplicationError:
        refuse("fx_rate_missing", currency=currency)
        payable = 0
    if pc is not None and pc.max_minor is not None and pc.max_minor < payable:
        payable = pc.max_minor
        result.cap_minor = pc.max_minor
        result.cap_applied = "processor_maximum"

    payable = max(0, payable)
    if pc is not None and payable > 0:
        result.fee_minor = payout_fee_minor(pc, method.processor, payable)
        if result.fee_minor >= payable:
            refuse(
                "fee_exceeds_amount",
                fee=money_text(result.fee_minor, currency),
            )
    # Take the payable amount from the positive balances, largest first.
    remaining = payable
    for line in sorted(lines, key=lambda ln: (-ln.available_minor, ln.platform_slug)):
        if remaining <= 0 or line.available_minor <= 0:
            continue
        line.take_minor = min(line.available_minor, remaining)
        remaining -= line.take_minor
    result.payable_minor = payable
    result.reasons = reasons
    result.eligible = not reasons and payable > 0
    return result


# --- one creator, every reason ------------------------------------------------------------


def _creators_q(creator_ids, field: str = "creator_id") -> Q:
    """Rows of ``creator_ids``, as a filter: their id range when they are dense (a batch
    chunk: consecutive candidates), else an ``IN`` list. A range is one index range scan and
    two parameters where 2,000 ids are 2,000 parameters rendered into the SQL; it may bring
    rows of other creators in the range, which callers ignore (their results are looked up
    by the creators they asked for)."""
    ids = creator_ids if isinstance(creator_ids, list) else list(creator_ids)
    if len(ids) > 50:
        low, high = min(ids), max(ids)
        if high - low < 4 * len(ids):
            return Q(**{f"{field}__gte": low, f"{field}__lte": high})
    return Q(**{f"{field}__in": ids})


def _lines_for(creator_ids, currency_of: dict[int, str]) -> dict[int, list[Line]]:
    """Available balances (positive = owed) in each creator's payout currency, with the
    matching in_payout account if it exists yet. Three queries for any number of creators."""
    accounts = list(
        Account.objects.filter(
            _creators_q(creator_ids), kind__in=[AccountKind.AVAILABLE, AccountKind.IN_PAYOUT]
        ).values_list("pk", "creator_id", "platform_id", "platform__slug", "kind", "currency_id")
    )
    wanted = [a for a in accounts if a[5] == currency_of.get(a[1])]
    sums = dict(
        AccountBalance.objects.filter(
            _creators_q(creator_ids, "account__creator_id"), account__kind=AccountKind.AVAILABLE
        )
        .values("account_id")
        .annotate(s=Sum("balance"))
        .values_list("account_id", "s")
    )
    in_payout = {(a[1], a[2]): a[0] for a in wanted if a[4] == AccountKind.IN_PAYOUT}
    lines: dict[int, list[Line]] = defaultdict(list)
    for pk, creator_id, platform_id, slug, kind, _currency in wanted:
        if kind != AccountKind.AVAILABLE:
            continue
        lines[creator_id].append(
            Line(
                account_id=pk,
                platform_id=platform_id,
                platform_slug=slug,
                in_payout_account_id=in_payout.get((creator_id, platform_id)),
                available_minor=-(sums.get(pk) or 0),
            )
        )
    for value in lines.values():
        value.sort(key=lambda line: line.platform_slug)
    return lines


@dataclass
class _PayoutFacts:
    """What a creator's recent and open payouts decide: the KYC usage (last 30 days, by
    currency), whether one was created today, and the open batch of a payout on its way."""

    used: dict[int, dict[str, int]]
    paid_today: set[int]
    open_batches: dict[int, int]


def _payout_facts(creator_ids, now: datetime) -> _PayoutFacts:
    """One query for the three payout rules (one scan of the payouts, not three): the payouts
    of the last 30 days that did not fail and were not cancelled count for KYC (those of
    today make a weekly/monthly schedule not due), and a pending or submitted payout in a
    draft, approved or submitted batch is an open payout whatever its age."""
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    since = now - KYC_WINDOW
    rows = (
        Payout.objects.filter(_creators_q(creator_ids))
        .filter(Q(created_at__gt=since) | Q(state__in=OPEN_PAYOUT_STATES))
        .order_by()
        .values_list(
            "creator_id",
            "currency_id",
            "amount_minor",
            "state",
            "created_at",
            "batch_id",
            "batch__status",
        )
    )
    facts = _PayoutFacts(used=defaultdict(dict), paid_today=set(), open_batches={})
    for creator_id, currency, amount, state, created_at, batch_id, batch_status in rows:
        if state in OPEN_PAYOUT_STATES and batch_status in OPEN_BATCH_STATUSES:
            facts.open_batches[creator_id] = batch_id
        if state in NOT_COUNTED_STATES or created_at <= since:
            continue
        by_currency = facts.used[creator_id]
        by_currency[currency] = by_currency.get(currency, 0) + amount
        if created_at >= start:
            facts.paid_today.add(creator_id)
    return facts


def _processor_currencies() -> dict[tuple[int, str], ProcessorCurrency]:
    return {(pc.processor_id, pc.currency_id): pc for pc in ProcessorCurrency.objects.all()}


def creator_payout_eligibility(
    creator: Creator,
    *,
    now: datetime | None = None,
    require_due: bool = True,
    method: PayoutMethod | None = None,
) -> Eligibility:
    """Whether ``creator`` can be paid now, how much, and every reason why not.
    ``require_due=False``: as for a payout built by hand (the schedule's day is not waited for).
    ``method``: one of the creator's methods instead of the default (instant payouts)."""
    now = now or timezone.now()
    if method is not None and method.creator_id != creator.pk:
        raise ApplicationError("not_found", "No such payout method.", status_code=404)
    if method is None:
        method = (
            PayoutMethod.objects.filter(creator=creator, is_default=True)
            .select_related("processor")
            .first()
        )
    schedule = PayoutSchedule.objects.filter(creator=creator).first() or default_schedule(creator)
    pc = None
    if method is not None:
        pc = ProcessorCurrency.objects.filter(
            processor_id=method.processor_id, currency_id=method.currency_id
        ).first()
    currency = method.currency_id if method else creator.default_currency_id
    payouts = _payout_facts([creator.pk], now)
    facts = _Facts(
        creator=creator,
        method=method,
        schedule=schedule,
        processor_currency=pc,
        open_hold=PayoutHold.objects.filter(creator=creator, released_at__isnull=True).first(),
        open_batch_id=payouts.open_batches.get(creator.pk),
        critical_violation=creators_with_open_critical_violations([creator.pk]).get(creator.pk),
        record_2257_gap=creator_2257_gap(creator.pk),
        lines=_lines_for([creator.pk], {creator.pk: currency}).get(creator.pk, []),
        used_by_currency=payouts.used.get(creator.pk, {}),
        paid_today=creator.pk in payouts.paid_today,
    )
    return _evaluate(facts, FxTable(now), now, require_due=require_due)


# --- every payable creator, set-based -------------------------------------------------------


def _candidates(processor=None, currency=None, now: datetime | None = None, *, open_payouts=True):
    """Creators who pass the row-level rules in SQL (active, age verified, verified default
    method on an active processor, a complete 2257 record, no open hold, no open critical
    compliance violation, no open payout). ``open_payouts=False`` leaves the open-payout rule
    to the caller (the batch's chunks ask it in one query each: payouts grow while a build
    runs, and a plan made on the table's old statistics would scan it once per creator)."""
    today = timezone.localdate(now)
    methods = PayoutMethod.objects.filter(
        is_default=True, status=PayoutMethod.Status.VERIFIED, processor__active=True
    )
    if processor is not None:
        methods = methods.filter(processor=processor)
    if currency is not None:
        methods = methods.filter(currency_id=currency)
    open_hold = PayoutHold.objects.filter(creator=OuterRef("pk"), released_at__isnull=True)
    open_payout = Payout.objects.filter(
        creator=OuterRef("pk"),
        state__in=OPEN_PAYOUT_STATES,
        batch__status__in=OPEN_BATCH_STATUSES,
    )
    candidates = (
        Creator.objects.filter(status=Creator.Status.ACTIVE, age_verified_until__gte=today)
        .filter(Exists(methods.filter(creator=OuterRef("pk"))))
        .filter(creator_has_complete_2257())
        .exclude(Exists(open_hold))
        .exclude(creator_has_open_critical_violation())
    )
    if open_payouts:
        candidates = candidates.exclude(Exists(open_payout))
    return candidates.order_by("pk"), methods


def eligible_payouts_for_batch(
    processor=None,
    currency: str | None = None,
    now: datetime | None = None,
    *,
    require_due: bool = True,
    creator_ids=None,
    chunk_size: int = BATCH_CHUNK,
    platform_slugs: list[str] | None = None,
) -> Iterator[Eligibility]:
    """Every creator payable now (optionally through one processor / in one currency, or
    among ``creator_ids``; from the balances on ``platform_slugs`` only), as eligible
    ``Eligibility`` results with their lines. Queries: 3 up front, then 6 per chunk of
    ``chunk_size`` creators (candidates, their payouts: open, KYC usage and today's,
    methods, schedules, accounts, balances), whatever the history."""
    now = now or timezone.now()
    fx = FxTable(now)
    pcs = _processor_currencies()
    processors = Processor.objects.in_bulk()
    candidates, methods = _candidates(processor, currency, now, open_payouts=False)
    # Only the columns the rules and the payouts read (not a method's sealed details), as
    # instances built without a per-field __init__ (apps.core.bulk.instances_from_rows).
    db = candidates.db
    last_id = None
    if creator_ids is not None:
        creator_ids = list(creator_ids)
        last_id = max(creator_ids, default=0)
        wanted_ids = set(creator_ids)
        # By id range when dense: PostgreSQL then walks the primary key over the chunk and
        # checks each rule's EXISTS by index, instead of hashing whole tables every chunk.
        candidates = candidates.filter(_creators_q(creator_ids, "pk"))
    last_pk = 0
    while True:
        fetched = instances_from_rows(
            Creator,
            CREATOR_FIELDS,
            candidates.filter(pk__gt=last_pk).values_list(*CREATOR_FIELDS)[:chunk_size],
            db=db,
        )
        if not fetched:
            return
        last_pk = fetched[-1].pk
        if creator_ids is not None:
            fetched_ids = [c.pk for c in fetched if c.pk in wanted_ids]
        else:
            fetched_ids = [c.pk for c in fetched]
        payouts = _payout_facts(fetched_ids, now)
        keep = set(fetched_ids) - set(payouts.open_batches)
        creators = [c for c in fetched if c.pk in keep]
        ids = [c.pk for c in creators]
        method_by_creator = {}
        for method in instances_from_rows(
            PayoutMethod,
            METHOD_FIELDS,
            methods.filter(_creators_q(ids)).values_list(*METHOD_FIELDS),
            db=db,
        ):
            method.processor = processors[method.processor_id]  # a few rows, read once
            method_by_creator[method.creator_id] = method
        schedules = {
            s.creator_id: s
            for s in instances_from_rows(
                PayoutSchedule,
                SCHEDULE_FIELDS,
                PayoutSchedule.objects.filter(_creators_q(ids)).values_list(*SCHEDULE_FIELDS),
                db=db,
            )
        }
        currency_of = {cid: m.currency_id for cid, m in method_by_creator.items()}
        lines = _lines_for(ids, currency_of)
        if platform_slugs:
            wanted = set(platform_slugs)
            lines = {
                cid: [ln for ln in value if ln.platform_slug in wanted]
                for cid, value in lines.items()
            }
        for creator in creators:
            method = method_by_creator.get(creator.pk)
            if method is None:
                continue
            if not any(line.available_minor > 0 for line in lines.get(creator.pk, [])):
                continue
            facts = _Facts(
                creator=creator,
                method=method,
                schedule=schedules.get(creator.pk) or default_schedule(creator),
                processor_currency=pcs.get((method.processor_id, method.currency_id)),
                open_hold=None,
                open_batch_id=None,
                critical_violation=None,
                record_2257_gap=None,
                lines=lines.get(creator.pk, []),
                used_by_currency=payouts.used.get(creator.pk, {}),
                paid_today=creator.pk in payouts.paid_today,
            )
            result = _evaluate(facts, fx, now, require_due=require_due)
            if result.eligible:
                yield result
        # A short chunk, or one reaching the last id asked for, is the last: no query for an
        # empty one.
        if len(fetched) < chunk_size or (last_id is not None and last_pk >= last_id):
            return


__all__ = [
    "KYC_LIMITS_USD_MINOR",
    "Eligibility",
    "creator_payout_eligibility",
    "eligible_payouts_for_batch",
    "kyc_limit_usd_minor",
    "next_due_on",
    "payout_fee_minor",
]
