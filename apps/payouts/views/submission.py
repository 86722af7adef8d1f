"""Submission screens for finance (under /payouts/): submit an approved batch to its processor,
resume a submitted one, and — for file processors, whose bank tells the operator what
happened — mark each payout paid or failed. Everything needs ``payouts.submit_payoutbatch``
and goes through ``apps.payouts.services.submission``. The batch page includes
``payouts/_batch_actions_submission.html`` for the buttons.

API processors are settled by the processor (its callback), never by hand here: marking an
API payout failed while the processor paid it would return money that already left."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.core.exceptions import ApplicationError
from apps.core.types import HtmxHttpRequest
from apps.payouts.adapters.base import FAILURE_CODES
from apps.payouts.models import Payout, PayoutBatch, Processor
from apps.payouts.selectors.payouts import batch_get, batch_outcomes
from apps.payouts.services.submission import (
    OPEN_STATES,
    payout_batch_resume,
    payout_batch_submit,
    payout_mark_failed,
    payout_mark_paid,
)
from apps.payouts.views.staff import money

PERMISSION = "payouts.submit_payoutbatch"
PAGE_SIZE = 50
FAILURE_CHOICES = [
    (code.code, f"{code.code}: {code.message}")
    for code in FAILURE_CODES.values()
    if not code.transient and code.code != "retries_exhausted"
]


class MarkPaidForm(forms.Form):
    reference = forms.CharField(max_length=200, required=False, label="Bank or processor reference")


class MarkFailedForm(forms.Form):
    code = forms.ChoiceField(choices=FAILURE_CHOICES, label="Why it failed")
    reason = forms.CharField(
        max_length=500, required=False, label="What the bank said (kept in the trail)"
    )


def _batch_url(batch_id: int) -> str:
    return reverse("payouts:batch_detail", kwargs={"pk": batch_id})


def _settle_url(batch_id: int) -> str:
    return reverse("payouts:batch_settle", kwargs={"pk": batch_id})


def _words(error: ApplicationError) -> str:
    detail = error.detail
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {value}" for key, value in detail.items())
    return str(detail)


@require_POST
@login_required
@permission_required(PERMISSION, raise_exception=True)
def batch_submit_view(request: HtmxHttpRequest, pk: int):
    batch = get_object_or_404(PayoutBatch.objects.select_related("processor"), pk=pk)
    try:
        payout_batch_submit(batch=batch, actor=request.user)
    except ApplicationError as error:
        messages.error(request, f"{_words(error)} Nothing was sent.")
        return redirect(_batch_url(batch.pk))
    if batch.processor.settlement == Processor.Settlement.FILE:
        messages.success(
            request,
            f"Batch #{batch.pk} submitted. Download its file, upload it to "
            f"{batch.processor.name}, then mark payouts paid or failed (or upload the result "
            "file).",
        )
    else:
        messages.success(
            request,
            f"Batch #{batch.pk} submitted: its payouts are being sent to "
            f"{batch.processor.name}. Their states update as the processor answers.",
        )
    return redirect(_batch_url(batch.pk))


@require_POST
@login_required
@permission_required(PERMISSION, raise_exception=True)
def batch_resume_view(request: HtmxHttpRequest, pk: int):
    batch = get_object_or_404(PayoutBatch, pk=pk)
    try:
        payout_batch_resume(batch=batch, actor=request.user)
    except ApplicationError as error:
        messages.error(request, _words(error))
    else:
        messages.success(
            request,
            f"Batch #{batch.pk}: payouts that are due (retries, lost submissions) are being "
            "sent again, each with its own idempotency key.",
        )
    return redirect(_batch_url(batch.pk))


@require_GET
@login_required
@permission_required(PERMISSION, raise_exception=True)
@vary_on_headers("HX-Request")
def batch_settle_view(request: HtmxHttpRequest, pk: int):
    """The open payouts of a submitted file-processor batch, each with paid / failed forms."""
    batch = batch_get(pk)
    open_payouts = (
        Payout.objects.filter(batch=batch, state__in=OPEN_STATES)
        .select_related("creator", "method")
        .order_by("id")
    )
    page = Paginator(open_payouts, PAGE_SIZE).get_page(request.GET.get("page"))
    batch.outcome = batch_outcomes([batch.pk])[batch.pk]
    for payout in page:
        payout.amount_display = money(payout.amount_minor, payout.currency_id)
        payout.net_display = money(payout.amount_minor - payout.fee_minor, payout.currency_id)
    context = {
        "batch": batch,
        "page": page,
        "can_mark": (
            batch.status == PayoutBatch.Status.SUBMITTED
            and batch.processor.settlement == Processor.Settlement.FILE
        ),
        "paid_form": MarkPaidForm(),
        "failed_form": MarkFailedForm(),
    }
    template = "payouts/batch_settle.html"
    if request.htmx and not request.htmx.boosted:
        template += "#payouts"
    return render(request, template, context)


def _payout_for_marking(request, pk: int) -> Payout | None:
    payout = get_object_or_404(Payout.objects.select_related("batch__processor"), pk=pk)
    if payout.batch.processor.settlement != Processor.Settlement.FILE:
        messages.error(
            request,
            f"Payout #{payout.pk} goes through {payout.batch.processor.name}'s API: the "
            "processor settles it (its callback), not a person. Nothing was changed.",
        )
        return None
    return payout


@require_POST
@login_required
@permission_required(PERMISSION, raise_exception=True)
def payout_mark_paid_view(request: HtmxHttpRequest, pk: int):
    payout = _payout_for_marking(request, pk)
    if payout is None:
        return redirect(_batch_url(Payout.objects.values_list("batch_id", flat=True).get(pk=pk)))
    form = MarkPaidForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The reference is at most 200 characters. Nothing was changed.")
        return redirect(_settle_url(payout.batch_id))
    try:
        payout_mark_paid(
            payout=payout, actor=request.user, reference=form.cleaned_data["reference"]
        )
    except ApplicationError as error:
        messages.error(request, f"{_words(error)} Nothing was changed.")
    else:
        messages.success(request, f"Payout #{payout.pk} marked paid.")
    return redirect(_settle_url(payout.batch_id))


@require_POST
@login_required
@permission_required(PERMISSION, raise_exception=True)
def payout_mark_failed_view(request: HtmxHttpRequest, pk: int):
    payout = _payout_for_marking(request, pk)
    if payout is None:
        return redirect(_batch_url(Payout.objects.values_list("batch_id", flat=True).get(pk=pk)))
    form = MarkFailedForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose why the payout failed. Nothing was changed.")
        return redirect(_settle_url(payout.batch_id))
    try:
        payout_mark_failed(
            payout=payout,
            actor=request.user,
            code=form.cleaned_data["code"],
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as error:
        messages.error(request, f"{_words(error)} Nothing was changed.")
    else:
        messages.success(
            request,
            f"Payout #{payout.pk} marked failed: its money is back on the creator's available "
            "balance and the creator is asked to fix the payout method.",
        )
    return redirect(_settle_url(payout.batch_id))
