"""Staff pages of the creators (mounted at /creators/, namespace ``creators``): the list with
what each may be paid now, a creator's page with their balances, holds and history, and the
status and payout-hold actions. Composed from the creators' and the ledger's selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from apps.core.exceptions import ApplicationError
from apps.core.types import HtmxHttpRequest
from apps.creators.filters import CreatorFilter
from apps.creators.forms import CreatorStatusForm
from apps.creators.models import Creator, PayoutHold
from apps.creators.selectors import (
    creator_audit_events,
    creator_get,
    creator_list,
    creator_open_payout_holds,
)
from apps.creators.services import creator_status_set, payout_hold_place
from apps.ledger.selectors import (
    creator_balances,
    creator_entries,
    creator_pending_schedule,
    creators_with_available,
)

PAGE_SIZE = 50
RECENT_ENTRIES = 20


@login_required
@permission_required("creators.view_creator", raise_exception=True)
@vary_on_headers("HX-Request")
def creator_list_view(request: HtmxHttpRequest):
    creator_filter = CreatorFilter(
        request.GET or None, queryset=creators_with_available(creator_list())
    )
    creators = creator_filter.qs
    if creator_filter.is_bound and not creator_filter.is_valid():
        # A filter that cannot be read (an unknown platform, "abc" as an amount) lists
        # nothing rather than silently listing everyone.
        creators = creators.none()
    page = Paginator(creators, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "creators/creator_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, {"filter": creator_filter, "page": page})


@login_required
@permission_required("creators.view_creator", raise_exception=True)
def creator_detail_view(request: HtmxHttpRequest, pk: int):
    creator = creator_get(pk)
    events = None
    if request.user.has_perm("audit.view_auditevent"):
        events = creator_audit_events(creator)
    return render(
        request,
        "creators/creator_detail.html",
        {
            "creator": creator,
            "balances": creator_balances(creator),
            "pending": creator_pending_schedule(creator),
            "entries": creator_entries(creator)[:RECENT_ENTRIES],
            "events": events,
            "status_form": CreatorStatusForm(),
            "open_holds": creator_open_payout_holds(creator),
        },
    )


@require_POST
@login_required
@permission_required("creators.release_payouthold", raise_exception=True)
def creator_payout_hold_view(request: HtmxHttpRequest, pk: int):
    """Staff hold a creator's payouts (released from the payout holds screen)."""
    creator = creator_get(pk)
    reason = (request.POST.get("reason") or "").strip()[:500]
    try:
        payout_hold_place(
            creator=creator, source=PayoutHold.Source.STAFF, reason=reason, actor=request.user
        )
    except ApplicationError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"Payouts of {creator} are held until a hold is released.")
    return redirect("creators:detail", pk=pk)


@require_POST
@login_required
@permission_required("creators.suspend_creator", raise_exception=True)
def creator_status_view(request: HtmxHttpRequest, pk: int):
    creator = creator_get(pk)
    form = CreatorStatusForm(request.POST)
    if not form.is_valid():
        if "reason" in form.errors:
            messages.error(request, "Give a reason: it is kept in the audit log.")
        else:
            messages.error(request, "Choose suspend or unsuspend.")
        return redirect("creators:detail", pk=pk)
    status = form.cleaned_data["status"]
    if creator.status == status:
        messages.info(request, f"{creator} is already {creator.get_status_display().lower()}.")
        return redirect("creators:detail", pk=pk)
    try:
        creator = creator_status_set(
            creator=creator, status=status, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ApplicationError as error:
        messages.error(request, error.detail)
    else:
        verb = "suspended" if creator.status == Creator.Status.SUSPENDED else "unsuspended"
        messages.success(request, f"{creator} {verb}.")
    return redirect("creators:detail", pk=pk)
