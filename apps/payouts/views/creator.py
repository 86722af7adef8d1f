"""The creator's own payout pages (mounted at /payouts/me/): when the next payout comes and
about how much, what stands in the way, the history of payouts with failure reasons in plain
words, payout methods (add, choose the default, disable, instant payout) and the schedule.

No route names a creator: every read starts from ``request.user.creator``; a method id that is
not the creator's answers 404. Users without a creator profile (staff) get 404 as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_UP

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts.roles import Role
from apps.core.currencies import amount_text, currency_exponent
from apps.core.exceptions import ApplicationError
from apps.core.money import format_minor
from apps.core.types import HtmxHttpRequest
from apps.creators.models import Creator
from apps.ledger.selectors import creator_balances
from apps.payouts.forms import ScheduleForm, apply_errors, method_form_for
from apps.payouts.models import Payout, PayoutMethod, PayoutSchedule, Processor, ProcessorCurrency
from apps.payouts.selectors.eligibility import creator_payout_eligibility
from apps.payouts.selectors.fx import FxTable
from apps.payouts.services.methods import (
    eligibility_reason_for_creator,
    instant_payout_refusal,
    instant_payout_request,
    payout_method_add,
    payout_method_disable,
    payout_method_set_default,
    payout_schedule_set,
)

HISTORY_PAGE_SIZE = 20
DISABLED_SHOWN = 10


# --- access ------------------------------------------------------------------------------


def _own_creator(request: HtmxHttpRequest) -> Creator:
    """The signed-in creator; anyone else (staff included) gets 404."""
    if getattr(request.user, "role", None) != Role.CREATOR:
        raise Http404("No creator profile.")
    try:
        return request.user.creator
    except Creator.DoesNotExist:
        raise Http404("No creator profile.") from None


def _own_method(creator: Creator, pk: int) -> PayoutMethod:
    return get_object_or_404(
        PayoutMethod.objects.select_related("processor", "creator"), pk=pk, creator=creator
    )


def _input_amount(minor: int, currency: str) -> str:
    """For a form field to edit: ``1234.50`` (what the form parses back)."""
    return format_minor(minor, currency_exponent(currency))


# --- reads -------------------------------------------------------------------------------


def creator_schedule(creator: Creator) -> tuple[PayoutSchedule, bool]:
    """The creator's schedule, or the default one (unsaved) and False."""
    schedule = PayoutSchedule.objects.filter(creator=creator).first()
    if schedule is not None:
        return schedule, True
    return PayoutSchedule(creator=creator, currency_id=creator.default_currency_id), False


def creator_methods(creator: Creator) -> list[PayoutMethod]:
    """Usable methods (at most MAX_METHODS_PER_CREATOR) and the newest disabled ones."""
    base = PayoutMethod.objects.filter(creator=creator).select_related("processor")
    usable = list(base.exclude(status=PayoutMethod.Status.DISABLED))
    disabled = list(
        base.filter(status=PayoutMethod.Status.DISABLED).order_by("-updated_at")[:DISABLED_SHOWN]
    )
    return usable + disabled


@dataclass
class PayoutOutlook:
    """What the overview says about the next payout (from the eligibility computation staff
    see too: ``eligibility.creator_payout_eligibility``)."""

    currency: str
    available: int
    next_date: date | None
    estimate: int = 0  # what a payout now would take, after the KYC and processor caps
    fee: int = 0
    target: int = 0  # threshold (threshold schedules) or minimum, in ``currency``
    target_label: str = "minimum payout"
    eligible: bool = False
    reasons: list[str] = field(default_factory=list)
    capped_by: str = ""

    @property
    def progress_percent(self) -> int:
        if self.target <= 0:
            return 100 if self.available > 0 else 0
        return max(0, min(100, int(self.available * 100 // self.target)))

    def fmt(self, minor: int) -> str:
        return amount_text(minor, self.currency)

    @property
    def available_display(self) -> str:
        return self.fmt(self.available)

    @property
    def estimate_display(self) -> str:
        return self.fmt(self.estimate)

    @property
    def fee_display(self) -> str:
        return self.fmt(self.fee)

    @property
    def net_display(self) -> str:
        return self.fmt(max(self.estimate - self.fee, 0))

    @property
    def target_display(self) -> str:
        return self.fmt(self.target)


def _in_currency(amount: int, source: str, target: str) -> int:
    try:
        return FxTable().convert_minor(amount, source, target, rounding=ROUND_UP)
    except ApplicationError:  # no rate on file: the eligibility reasons say so
        return amount


def payout_outlook(creator: Creator, schedule: PayoutSchedule) -> PayoutOutlook:
    # The schedule's day is shown as the date; whether today is that day is not a reason.
    result = creator_payout_eligibility(creator, require_due=False)
    currency = result.currency
    outlook = PayoutOutlook(
        currency=currency,
        available=result.available_minor,
        next_date=result.next_due_on,
        estimate=result.payable_minor,
        fee=result.fee_minor,
        eligible=result.eligible,
        reasons=[eligibility_reason_for_creator(r, creator, result.method) for r in result.reasons],
        capped_by=result.cap_applied,
    )
    minimum = _in_currency(schedule.minimum_minor, schedule.currency_id, currency)
    pc = ProcessorCurrency.objects.filter(
        processor_id=getattr(result.method, "processor_id", None), currency_id=currency
    ).first()
    processor_minimum = pc.min_minor if pc else 0
    if schedule.kind == PayoutSchedule.Kind.THRESHOLD:
        threshold = _in_currency(schedule.threshold_minor, schedule.currency_id, currency)
        outlook.target = max(threshold, minimum, processor_minimum)
        outlook.target_label = "threshold"
    else:
        outlook.target = max(minimum, processor_minimum)
    return outlook


def creator_payout_history(creator: Creator):
    return (
        Payout.objects.filter(creator=creator)
        .select_related("method__processor", "batch")
        .order_by("-created_at", "-id")
    )


def _history_page(request: HtmxHttpRequest, creator: Creator):
    page = Paginator(creator_payout_history(creator), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for payout in page.object_list:
        payout.amount_display = amount_text(payout.amount_minor, payout.currency_id)
        payout.fee_display = amount_text(payout.fee_minor, payout.currency_id)
    return page


def _method_rows(methods: list[PayoutMethod]) -> list[dict]:
    return [
        {
            "method": m,
            "instant_refusal": instant_payout_refusal(m) if m.processor.instant_allowed else None,
            "instant_offered": m.processor.instant_allowed
            and m.status != PayoutMethod.Status.DISABLED,
        }
        for m in methods
    ]


def _overview_context(request: HtmxHttpRequest, creator: Creator) -> dict:
    schedule, schedule_saved = creator_schedule(creator)
    methods = creator_methods(creator)
    default_method = next((m for m in methods if m.is_default), None)
    balances: dict[str, int] = {}
    for row in creator_balances(creator):
        balances[row.currency] = balances.get(row.currency, 0) + row.available
    outlook = payout_outlook(creator, schedule)
    return {
        "creator": creator,
        "schedule": schedule,
        "schedule_saved": schedule_saved,
        "schedule_minimum": amount_text(schedule.minimum_minor, schedule.currency_id),
        "schedule_threshold": amount_text(schedule.threshold_minor, schedule.currency_id),
        "weekday_name": _weekday_name(schedule.weekday),
        "method_rows": _method_rows(methods),
        "default_method": default_method,
        "outlook": outlook,
        "balances": [
            {"currency": c, "available": amount_text(v, c), "negative": v < 0}
            for c, v in sorted(balances.items())
        ],
        "page": _history_page(request, creator),
    }


def _weekday_name(weekday: int) -> str:
    return ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][
        weekday % 7
    ]


# --- views -------------------------------------------------------------------------------

OVERVIEW = "payouts/creator_overview.html"


@login_required
@vary_on_headers("HX-Request")
def payouts_me_view(request: HtmxHttpRequest):
    creator = _own_creator(request)
    if request.htmx and not request.htmx.boosted:
        return render(request, OVERVIEW + "#history", {"page": _history_page(request, creator)})
    return render(request, OVERVIEW, _overview_context(request, creator))


def _offered_processors():
    """Active processors a creator may choose; the sandbox only where it is enabled (the demo,
    development: ``settings.SANDBOX_ENABLED``)."""
    processors = Processor.objects.filter(active=True)
    if not settings.SANDBOX_ENABLED:
        processors = processors.exclude(method_type=Processor.MethodType.SANDBOX)
    return processors


def _processor_choices() -> list[dict]:
    processors = _offered_processors().prefetch_related("currencies")
    return [
        {"processor": p, "currencies": sorted(c.currency_id for c in p.currencies.all())}
        for p in processors
    ]


@login_required
def method_add_choose_view(request: HtmxHttpRequest):
    _own_creator(request)
    return render(request, "payouts/creator_method_choose.html", {"choices": _processor_choices()})


@login_required
@require_http_methods(["GET", "POST"])
def method_add_view(request: HtmxHttpRequest, code: str):
    creator = _own_creator(request)
    processor = get_object_or_404(_offered_processors(), code=code)
    currencies = sorted(
        ProcessorCurrency.objects.filter(processor=processor).values_list("currency_id", flat=True)
    )
    form = method_form_for(
        processor, currencies, request.POST if request.method == "POST" else None
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                method = payout_method_add(
                    creator=creator,
                    processor=processor,
                    currency=form.cleaned_data["currency"],
                    details=form.details(),
                    label=form.cleaned_data.get("label", ""),
                    actor=request.user,
                )
            except ApplicationError as error:
                apply_errors(form, error.detail)
            else:
                messages.success(
                    request,
                    f"{method.details_hint} added. Our team verifies it before the first payout.",
                )
                return redirect("payouts:me")
        status = 400
    return render(
        request,
        "payouts/creator_method_add.html",
        {"processor": processor, "form": form, "currencies": currencies},
        status=status,
    )


def _after_method_action(request: HtmxHttpRequest, creator: Creator):
    if request.htmx:
        methods = creator_methods(creator)
        return render(
            request,
            OVERVIEW + "#methods",
            {"method_rows": _method_rows(methods), "creator": creator, "htmx_messages": True},
        )
    return redirect("payouts:me")


@require_POST
@login_required
def method_default_view(request: HtmxHttpRequest, pk: int):
    creator = _own_creator(request)
    method = _own_method(creator, pk)
    try:
        payout_method_set_default(method=method, actor=request.user)
    except ApplicationError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(request, f"{method.details_hint} is now your default payout method.")
    return _after_method_action(request, creator)


@require_POST
@login_required
def method_disable_view(request: HtmxHttpRequest, pk: int):
    creator = _own_creator(request)
    method = _own_method(creator, pk)
    try:
        payout_method_disable(method=method, actor=request.user)
    except ApplicationError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(request, f"{method.details_hint} is disabled.")
    return _after_method_action(request, creator)


@require_POST
@login_required
def method_instant_view(request: HtmxHttpRequest, pk: int):
    creator = _own_creator(request)
    method = _own_method(creator, pk)
    try:
        batch = instant_payout_request(creator=creator, method=method, actor=request.user)
    except ApplicationError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(
            request,
            "Instant payout requested"
            + (f" (batch #{batch.pk})" if getattr(batch, "pk", None) else "")
            + ". It appears in your history as soon as it is on its way.",
        )
    return redirect("payouts:me")


@login_required
@require_http_methods(["GET", "POST"])
def schedule_view(request: HtmxHttpRequest):
    creator = _own_creator(request)
    schedule, _ = creator_schedule(creator)
    currencies = sorted(
        {schedule.currency_id, creator.default_currency_id}
        | set(
            PayoutMethod.objects.filter(creator=creator)
            .exclude(status=PayoutMethod.Status.DISABLED)
            .values_list("currency_id", flat=True)
        )
    )
    status = 200
    if request.method == "POST":
        form = ScheduleForm(request.POST, currencies=currencies)
        if form.is_valid():
            data = form.cleaned_data
            try:
                payout_schedule_set(
                    creator=creator,
                    kind=data["kind"],
                    weekday=data.get("weekday"),
                    day_of_month=data.get("day_of_month"),
                    threshold_minor=data.get("threshold_minor"),
                    minimum_minor=data["minimum_minor"],
                    currency=data["currency"],
                    actor=request.user,
                )
            except ApplicationError as error:
                apply_errors(form, error.detail)
            else:
                messages.success(request, "Your payout schedule is saved.")
                return redirect("payouts:me")
        status = 400
    else:
        form = ScheduleForm(
            currencies=currencies,
            initial={
                "kind": schedule.kind,
                "weekday": schedule.weekday,
                "day_of_month": schedule.day_of_month,
                "threshold": _input_amount(schedule.threshold_minor, schedule.currency_id)
                if schedule.threshold_minor
                else "",
                "minimum": _input_amount(schedule.minimum_minor, schedule.currency_id),
                "currency": schedule.currency_id,
            },
        )
    return render(request, "payouts/creator_schedule.html", {"form": form}, status=status)
