"""Staff payout screens (mounted at /payouts/): batches list and detail, building a batch,
approval (four-eyes) and cancellation, a payout with its ledger trail, and mass payout
requests waiting to be built. Every change goes through ``apps.payouts.services.batches``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from apps.core.csv import csv_writer
from apps.core.currencies import amount_text
from apps.core.exceptions import ApplicationError
from apps.core.types import HtmxHttpRequest
from apps.creators.models import Creator
from apps.payouts.filters import BatchFilter
from apps.payouts.forms import BatchBuildForm, BatchCancelForm
from apps.payouts.models import MassPayoutRequest, PayoutBatch
from apps.payouts.resources import PayoutResource
from apps.payouts.selectors.eligibility import creator_payout_eligibility
from apps.payouts.selectors.payouts import (
    batch_get,
    batch_list,
    batch_outcomes,
    batch_payouts,
    batch_state_counts,
    batch_totals_by_currency,
    mass_payout_requests_recorded,
    payout_get,
    payout_ledger_trail,
)
from apps.payouts.services.batches import (
    mass_payout_request_handle,
    payout_batch_approve,
    payout_batch_cancel,
    payout_batches_build,
)
from apps.platforms.selectors import platform_names

PAGE_SIZE = 50
PAYOUTS_PAGE_SIZE = 100


def money(amount_minor: int | None, currency: str) -> str:
    """For people: ``123450, "USD"`` -> ``"1,234.50"`` (the CSV export and the API keep
    ``selectors.payouts.money``, without separators)."""
    return "" if amount_minor is None else amount_text(amount_minor, currency)


# What each processor event kind means, for the payout page's "What the processor said".
PROCESSOR_EVENT_LABELS = {
    "submitting": "Sending to the processor",
    "accepted": "Accepted by the processor",
    "paid": "Paid",
    "failed": "Failed",
    "awaiting_file": "Waiting for the bank file",
    "callback": "Callback from the processor",
    "sandbox_transfer": "Sandbox transfer (the processor's record)",
    "sandbox_refusal": "Refused by the sandbox",
    "file_exported": "Included in a bank file",
    "file_result": "Result file from the bank",
}


def _detail(message) -> str:
    return message if isinstance(message, str) else "; ".join(str(v) for v in message.values())


@login_required
@permission_required("payouts.view_payoutbatch", raise_exception=True)
@vary_on_headers("HX-Request")
def batch_list_view(request: HtmxHttpRequest):
    batch_filter = BatchFilter(request.GET or None, queryset=batch_list())
    batches = batch_filter.qs
    if batch_filter.is_bound and not batch_filter.is_valid():
        batches = batches.none()
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    outcomes = batch_outcomes([batch.pk for batch in page])
    for batch in page:
        batch.outcome = outcomes[batch.pk]
    context = {
        "filter": batch_filter,
        "page": page,
        "totals": batch_totals_by_currency(batches),
    }
    template = "payouts/batch_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    else:
        context["mass_requests"] = (
            mass_payout_requests_recorded()
            if request.user.has_perm("payouts.build_payoutbatch")
            else []
        )
        if context["mass_requests"]:
            names = platform_names()
            for mass in context["mass_requests"]:
                platforms = (mass.payload or {}).get("platforms") or []
                mass.platform_names = [names.get(slug, slug) for slug in platforms]
    return render(request, template, context)


@login_required
@permission_required("payouts.view_payoutbatch", raise_exception=True)
@vary_on_headers("HX-Request")
def batch_detail_view(request: HtmxHttpRequest, pk: int):
    batch = batch_get(pk)
    page = Paginator(batch_payouts(batch), PAYOUTS_PAGE_SIZE).get_page(request.GET.get("page"))
    batch.outcome = batch_outcomes([batch.pk])[batch.pk]
    user = request.user
    context = {
        "batch": batch,
        "page": page,
        "states": batch_state_counts(batch),
        "net_minor": batch.total_minor - batch.fee_total_minor,
        "can_approve": (
            batch.status == PayoutBatch.Status.DRAFT
            and user.has_perm("payouts.approve_payoutbatch")
            and batch.built_by_id != user.pk
        ),
        "four_eyes_blocked": (
            batch.status == PayoutBatch.Status.DRAFT
            and user.has_perm("payouts.approve_payoutbatch")
            and batch.built_by_id == user.pk
        ),
        "can_cancel": (
            batch.status in (PayoutBatch.Status.DRAFT, PayoutBatch.Status.APPROVED)
            and user.has_perm("payouts.submit_payoutbatch")
        ),
        "cancel_form": BatchCancelForm(),
    }
    template = "payouts/batch_detail.html"
    if request.htmx and not request.htmx.boosted:
        template += "#payouts"
    return render(request, template, context)


@require_POST
@login_required
@permission_required("payouts.approve_payoutbatch", raise_exception=True)
def batch_approve_view(request: HtmxHttpRequest, pk: int):
    batch = get_object_or_404(PayoutBatch, pk=pk)
    try:
        payout_batch_approve(batch=batch, actor=request.user)
    except ApplicationError as error:
        messages.error(request, _detail(error.detail))
    else:
        messages.success(request, f"Batch #{batch.pk} approved.")
    return redirect("payouts:batch_detail", pk=pk)


@require_POST
@login_required
@permission_required("payouts.submit_payoutbatch", raise_exception=True)
def batch_cancel_view(request: HtmxHttpRequest, pk: int):
    batch = get_object_or_404(PayoutBatch, pk=pk)
    form = BatchCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason: it is kept in the audit log.")
        return redirect("payouts:batch_detail", pk=pk)
    try:
        payout_batch_cancel(batch=batch, actor=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as error:
        messages.error(request, _detail(error.detail))
    else:
        messages.success(request, f"Batch #{batch.pk} cancelled: the money is back to available.")
    return redirect("payouts:batch_detail", pk=pk)


@login_required
@permission_required("payouts.build_payoutbatch", raise_exception=True)
def batch_build_view(request: HtmxHttpRequest):
    form = BatchBuildForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batches = payout_batches_build(
                processor=data["processor"],
                currency=data["currency"] or None,
                actor=request.user,
                source=PayoutBatch.Source.MANUAL,
                require_due=data["due_only"],
            )
        except ApplicationError as error:
            messages.error(request, _detail(error.detail))
            return render(request, "payouts/batch_build.html", {"form": form}, status=400)
        if not batches:
            messages.info(request, "Nobody is payable with these choices: no batch was built.")
            return redirect("payouts:batch_list")
        for batch in batches:
            state = "auto-approved" if batch.auto_approved else "draft"
            messages.success(
                request,
                f"Batch #{batch.pk} ({batch.processor.name}, {batch.currency_id}): "
                f"{batch.payout_count} payouts, {money(batch.total_minor, batch.currency_id)} "
                f"{batch.currency_id}, {state}.",
            )
        if len(batches) == 1:
            return redirect("payouts:batch_detail", pk=batches[0].pk)
        return redirect("payouts:batch_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "payouts/batch_build.html", {"form": form}, status=status)


@require_POST
@login_required
@permission_required("payouts.build_payoutbatch", raise_exception=True)
def mass_request_handle_view(request: HtmxHttpRequest, pk: int):
    mass_request = get_object_or_404(MassPayoutRequest, pk=pk)
    try:
        batches = mass_payout_request_handle(mass_request, actor=request.user)
    except ApplicationError as error:
        messages.error(request, _detail(error.detail))
    else:
        mass_request.refresh_from_db()
        if batches:
            ids = ", ".join(f"#{b.pk}" for b in batches)
            messages.success(request, f"Mass payout request {mass_request.pk}: built {ids}.")
        else:
            messages.info(request, f"Mass payout request {mass_request.pk}: {mass_request.note}")
    return redirect("payouts:batch_list")


@login_required
@permission_required("payouts.view_payoutbatch", raise_exception=True)
def creator_eligibility_view(request: HtmxHttpRequest, pk: int):
    """What the creator sees on their payout page, for staff: eligible or why not (on the
    schedule, and for a batch built by hand now), the amount, the caps, recent payouts."""

    creator = get_object_or_404(Creator.objects.select_related("user"), pk=pk)
    scheduled = creator_payout_eligibility(creator, require_due=True)
    by_hand = creator_payout_eligibility(creator, require_due=False)
    currency = by_hand.currency
    recent = list(
        creator.payouts.select_related("batch", "method").order_by("-created_at", "-id")[:10]
    )
    for payout in recent:
        payout.amount_display = money(payout.amount_minor, payout.currency_id)
    names = platform_names()
    return render(
        request,
        "payouts/batch_creator_eligibility.html",
        {
            "creator": creator,
            "scheduled": scheduled,
            "by_hand": by_hand,
            "available_display": money(by_hand.available_minor, currency),
            "payable_display": money(by_hand.payable_minor, currency),
            "fee_display": money(by_hand.fee_minor, currency),
            "receives_display": money(by_hand.receives_minor, currency),
            "kyc_limit_display": (
                money(by_hand.kyc_limit_usd_minor, "USD")
                if by_hand.kyc_limit_usd_minor is not None
                else None
            ),
            "kyc_used_display": money(by_hand.kyc_used_usd_minor, "USD"),
            "lines": [
                {
                    "platform": names.get(line.platform_slug, line.platform_slug),
                    "available": money(line.available_minor, currency),
                    "take": money(line.take_minor, currency),
                }
                for line in by_hand.lines
            ],
            "recent": recent,
        },
    )


@login_required
@permission_required("payouts.view_payout", raise_exception=True)
def payout_detail_view(request: HtmxHttpRequest, pk: int):
    payout = payout_get(pk)
    trail = payout_ledger_trail(payout)
    for step in trail:
        for posting in step.postings:
            amount, currency = posting["amount_minor"], posting["account"].currency_id
            posting["debit"] = money(amount, currency) if amount > 0 else ""
            posting["credit"] = money(-amount, currency) if amount < 0 else ""
    events = list(payout.processor_events.order_by("occurred_at", "id")[:200])
    for event in events:
        event.label = PROCESSOR_EVENT_LABELS.get(
            event.kind, event.kind.replace("_", " ").capitalize()
        )
    return render(
        request,
        "payouts/payout_detail.html",
        {
            "payout": payout,
            "amount_display": money(payout.amount_minor, payout.currency_id),
            "fee_display": money(payout.fee_minor, payout.currency_id),
            "net_display": money(payout.amount_minor - payout.fee_minor, payout.currency_id),
            "items": [
                {"item": item, "display": money(item.amount_minor, payout.currency_id)}
                for item in payout.items.select_related(
                    "available_account__platform", "in_payout_account"
                )
            ],
            "trail": trail,
            "events": events,
        },
    )


@login_required
@permission_required("payouts.view_payoutbatch", raise_exception=True)
def batch_export_view(request: HtmxHttpRequest, pk: int):
    """The batch's payouts as CSV (method hints only: never account numbers), streamed in
    pages of 2,000 rows."""

    batch = batch_get(pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="payout-batch-{batch.pk}.csv"'
    resource = PayoutResource()
    writer = csv_writer(response)
    writer.writerow(resource.get_export_headers())
    queryset = resource.get_queryset().filter(batch=batch).order_by("id")
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last)[:2000])
        if not rows:
            break
        for payout in rows:
            writer.writerow(resource.export_resource(payout))
        last = rows[-1].pk
    return response
