"""Staff pages of violations (``compliance.review_compliance`` to read;
``compliance.open_violation`` to open one; ``compliance.decide_violation`` to move one, add a
note or decide a suspension proposal): the queue with its filters and counts, a violation's
page, the "open a violation" form and the suspension decision.

Thin views: selectors read, services write; a refusal is shown with the form and changes
nothing."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.compliance.forms import (
    SuspensionDecisionForm,
    ViolationFilterForm,
    ViolationNoteForm,
    ViolationOpenForm,
    ViolationTransitionForm,
)
from apps.compliance.models import SuspensionProposal, Violation
from apps.compliance.selectors import (
    RESPONSE_DAYS,
    creator_suspension_proposal,
    creator_violations,
    open_suspension_proposals,
    open_violation_counts,
    violation_detail,
    violation_due_at,
    violation_is_overdue,
    violation_notes,
    violation_queue,
)
from apps.compliance.services import (
    suspension_proposal_decide,
    violation_note_add,
    violation_open,
    violation_transition,
)
from apps.compliance.services.violations import TRANSITIONS
from apps.core.exceptions import ApplicationError
from apps.core.types import HtmxHttpRequest
from apps.creators.models import Creator
from apps.platforms.models import Platform

PAGE_SIZE = 50
REVIEW = "compliance.review_compliance"
OPEN = "compliance.open_violation"
DECIDE = "compliance.decide_violation"


def _error_text(error: ApplicationError) -> str:
    if isinstance(error.detail, dict):
        return " ".join(str(value) for value in error.detail.values())
    return str(error.detail)


def _platforms():
    return list(Platform.objects.order_by("name"))


def creator_violations_context(creator: Creator) -> dict:
    """The violations section of a creator's compliance page (two queries)."""
    return {
        "violations": creator_violations(creator),
        "suspension_proposal": creator_suspension_proposal(creator),
        "suspension_form": SuspensionDecisionForm(),
    }


@login_required
@permission_required(REVIEW, raise_exception=True)
def violation_list_view(request: HtmxHttpRequest):
    form = ViolationFilterForm(request.GET or None)
    filters = {"status": "open", "severity": "", "kind": ""}
    if form.is_bound and form.is_valid():
        filters.update({k: v for k, v in form.cleaned_data.items() if v})
    page = Paginator(violation_queue(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for violation in page:
        violation.overdue = violation_is_overdue(violation, now=now)
    query = request.GET.copy()
    query.pop("page", None)
    template = "compliance/violation_list.html"
    context = {
        "page": page,
        "form": form,
        "filters": filters,
        "counts": open_violation_counts(),
        "proposals": open_suspension_proposals(),
        "response_days": RESPONSE_DAYS,
        "now": now,
        "query": query.urlencode(),
        "strikes_text": f"{settings.COMPLIANCE_STRIKES} confirmed violations within "
        f"{settings.COMPLIANCE_STRIKE_WINDOW_DAYS} days propose the creator's suspension to staff",
    }
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


def _violation_page(request, violation, *, transition_form=None, note_form=None, status=200):
    statuses = TRANSITIONS[violation.status]
    hold = violation.payout_hold
    return render(
        request,
        "compliance/violation_detail.html",
        {
            "violation": violation,
            "notes": violation_notes(violation),
            "overdue": violation_is_overdue(violation),
            "due_at": violation_due_at(violation),
            "hold_open": hold is not None and hold.released_at is None,
            "transition_form": transition_form or ViolationTransitionForm(statuses=statuses),
            "note_form": note_form or ViolationNoteForm(),
            "now": timezone.now(),
        },
        status=status,
    )


def _get_violation(pk: int) -> Violation:
    try:
        return violation_detail(pk)
    except Violation.DoesNotExist:
        raise Http404("No such violation.") from None


@login_required
@permission_required(REVIEW, raise_exception=True)
def violation_detail_view(request: HtmxHttpRequest, pk: int):
    return _violation_page(request, _get_violation(pk))


@require_POST
@login_required
@permission_required(DECIDE, raise_exception=True)
def violation_transition_view(request: HtmxHttpRequest, pk: int):
    violation = _get_violation(pk)
    form = ViolationTransitionForm(request.POST, statuses=TRANSITIONS[violation.status])
    if form.is_valid():
        data = form.cleaned_data
        try:
            violation = violation_transition(
                violation=violation,
                status=data["status"],
                reason=data["reason"],
                confirmed=data["confirmed"],
                release_hold=data["release_hold"],
                actor=request.user,
            )
        except ApplicationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(
                request, f"Violation #{violation.pk} is {violation.get_status_display().lower()}."
            )
            return redirect("compliance:violation", pk=violation.pk)
    return _violation_page(request, violation, transition_form=form, status=400)


@require_POST
@login_required
@permission_required(DECIDE, raise_exception=True)
def violation_note_view(request: HtmxHttpRequest, pk: int):
    violation = _get_violation(pk)
    form = ViolationNoteForm(request.POST)
    if form.is_valid():
        try:
            violation_note_add(
                violation=violation, text=form.cleaned_data["text"], author=request.user
            )
        except ApplicationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, "Note added.")
            return redirect("compliance:violation", pk=violation.pk)
    return _violation_page(request, violation, note_form=form, status=400)


@login_required
@permission_required(OPEN, raise_exception=True)
def violation_open_view(request: HtmxHttpRequest):
    platforms = _platforms()
    status = 200
    if request.method == "POST":
        form = ViolationOpenForm(request.POST, platforms=platforms)
        if form.is_valid():
            data = form.cleaned_data
            creator = None
            if data["creator"]:
                creator = Creator.objects.filter(pk=data["creator"]).first()
                if creator is None:
                    form.add_error("creator", f"No creator has id {data['creator']}.")
            platform = next((p for p in platforms if p.slug == data["platform"]), None)
            if not form.errors:
                try:
                    opened = violation_open(
                        kind=data["kind"],
                        severity=data["severity"],
                        summary=data["summary"],
                        source=Violation.Source.STAFF,
                        creator=creator,
                        platform=platform,
                        content_reference=data["content_reference"],
                        actor=request.user,
                    )
                except ApplicationError as error:
                    form.add_error(None, _error_text(error))
                else:
                    violation = opened.violation
                    text = f"Violation #{violation.pk} opened."
                    if violation.payout_hold_id:
                        text += " The creator's payouts are on hold until it is closed."
                    messages.success(request, text)
                    return redirect("compliance:violation", pk=violation.pk)
        status = 400
    else:
        initial = {}
        if (creator_id := request.GET.get("creator", "")).isdigit():
            initial["creator"] = int(creator_id)
        form = ViolationOpenForm(initial=initial, platforms=platforms)
    return render(request, "compliance/violation_open.html", {"form": form}, status=status)


@require_POST
@login_required
@permission_required(DECIDE, raise_exception=True)
def suspension_decide_view(request: HtmxHttpRequest, pk: int):
    proposal = get_object_or_404(SuspensionProposal.objects.select_related("creator"), pk=pk)
    form = SuspensionDecisionForm(request.POST)
    if form.is_valid():
        try:
            suspension_proposal_decide(
                proposal=proposal,
                suspend=form.cleaned_data["decision"] == "suspend",
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ApplicationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, f"Suspension proposal for {proposal.creator} decided.")
        return redirect("compliance:creator", pk=proposal.creator_id)
    errors = " ".join(str(e) for field in form.errors.values() for e in field)
    messages.error(request, f"Nothing decided: {errors}")
    return redirect("compliance:creator", pk=proposal.creator_id)
