"""Staff pages of GDPR/CCPA requests (``compliance.handle_datasubjectrequest``: compliance
officers and super admins): the list by days left, a request's page (subject, clock with
pauses and extensions, identity check, export download, erasure and its approval, refusal),
the new request form, and legal holds (``compliance.manage_legalhold``).

Thin views: selectors read, services write; a refusal is shown with the page and changes
nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.compliance.forms import GdprExtendForm, GdprRequestForm, LegalHoldForm, ReasonForm
from apps.compliance.models import LegalHold
from apps.compliance.selectors import (
    gdpr_request_pauses,
    gdpr_request_queue,
    gdpr_requests,
    legal_holds,
    personal_data_registrations,
)
from apps.compliance.services import (
    gdpr_clock,
    gdpr_erasure_approve,
    gdpr_erasure_request,
    gdpr_export_build,
    gdpr_identity_check_decide,
    gdpr_identity_check_request,
    gdpr_request_complete,
    gdpr_request_create,
    gdpr_request_extend,
    gdpr_request_refuse,
    gdpr_request_take,
    legal_hold_place,
    legal_hold_release,
)
from apps.core.exceptions import ApplicationError
from apps.core.types import HtmxHttpRequest
from apps.creators.models import Creator
from apps.platforms.models import Platform

from .kyc import PAGE_SIZE, _error_text

HANDLE = "compliance.handle_datasubjectrequest"
APPROVE = "compliance.approve_erasure"
HOLDS = "compliance.manage_legalhold"


def _with_clocks(requests, now):
    return [(request, gdpr_clock(request, now=now)) for request in requests]


@login_required
@permission_required(HANDLE, raise_exception=True)
def gdpr_list_view(request: HtmxHttpRequest):
    show = request.GET.get("show", "open")
    queryset = gdpr_request_queue(open_only=show != "all")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "compliance/gdpr_list.html",
        {"page": page, "rows": _with_clocks(page, now), "show": show, "now": now},
    )


def _platforms():
    return list(Platform.objects.order_by("name"))


@login_required
@permission_required(HANDLE, raise_exception=True)
def gdpr_new_view(request: HtmxHttpRequest):
    status = 200
    if request.method == "POST":
        form = GdprRequestForm(request.POST, platforms=_platforms())
        if form.is_valid():
            data = form.cleaned_data
            creator = None
            if data["subject_creator"]:
                creator = Creator.objects.filter(pk=data["subject_creator"]).first()
                if creator is None:
                    form.add_error("subject_creator", "No creator has this id.")
            platform = None
            if data["subject_platform"]:
                platform = Platform.objects.filter(slug=data["subject_platform"]).first()
            if not form.errors:
                try:
                    dsr = gdpr_request_create(
                        kind=data["kind"],
                        received_at=data["received_at"],
                        subject_creator=creator,
                        subject_platform=platform,
                        subject_platform_user_id=data["subject_platform_user_id"],
                        subject_email=data["subject_email"] or "",
                        identity_check=data["identity_check"],
                        notes=data["notes"],
                        actor=request.user,
                    )
                except ApplicationError as error:
                    form.add_error(None, _error_text(error))
                else:
                    messages.success(request, f"GDPR request #{dsr.pk} recorded.")
                    return redirect("compliance:gdpr_detail", pk=dsr.pk)
        status = 400
    else:
        form = GdprRequestForm(
            platforms=_platforms(),
            initial={"received_at": timezone.now().strftime("%Y-%m-%dT%H:%M")},
        )
    return render(request, "compliance/gdpr_form.html", {"form": form}, status=status)


def _detail_page(request, dsr, *, error: str = "", status: int = 200, forms=None):
    now = timezone.now()
    forms = forms or {}
    return render(
        request,
        "compliance/gdpr_detail.html",
        {
            "dsr": dsr,
            "clock": gdpr_clock(dsr, now=now),
            "pauses": gdpr_request_pauses(dsr),
            "registrations": personal_data_registrations(),
            "extend_form": forms.get("extend") or GdprExtendForm(),
            "reason_form": forms.get("reason") or ReasonForm(),
            "error": error,
            "now": now,
        },
        status=status,
    )


@login_required
@permission_required(HANDLE, raise_exception=True)
def gdpr_detail_view(request: HtmxHttpRequest, pk: int):
    dsr = get_object_or_404(gdpr_requests(), pk=pk)
    return _detail_page(request, dsr)


ACTIONS = {
    "take": "taken",
    "identity_request": "identity check asked; the clock is paused",
    "identity_verified": "identity verified; the clock runs again",
    "identity_failed": "identity check failed; request refused",
    "extend": "extended",
    "complete": "completed",
    "refuse": "refused",
    "erasure_request": "erasure asked: another compliance officer approves it",
    "erasure_approve": "erased",
}


@require_POST
@login_required
@permission_required(HANDLE, raise_exception=True)
def gdpr_action_view(request: HtmxHttpRequest, pk: int, action: str):
    dsr = get_object_or_404(gdpr_requests(), pk=pk)
    if action not in ACTIONS:
        return _detail_page(request, dsr, error="Unknown action.", status=400)
    if action == "erasure_approve" and not request.user.has_perm(APPROVE):
        raise PermissionDenied
    user = request.user
    forms = {}
    try:
        if action == "take":
            gdpr_request_take(request=dsr, actor=user)
        elif action == "identity_request":
            gdpr_identity_check_request(request=dsr, actor=user)
        elif action in ("identity_verified", "identity_failed", "refuse"):
            form = ReasonForm(request.POST)
            forms["reason"] = form
            reason = form.data.get("reason", "")
            if action == "refuse":
                gdpr_request_refuse(request=dsr, reason=reason, actor=user)
            else:
                gdpr_identity_check_decide(
                    request=dsr,
                    verified=action == "identity_verified",
                    reason=reason,
                    actor=user,
                )
        elif action == "extend":
            form = GdprExtendForm(request.POST)
            forms["extend"] = form
            if not form.is_valid():
                return _detail_page(
                    request, dsr, error="Check the extension.", status=400, forms=forms
                )
            gdpr_request_extend(
                request=dsr,
                months=form.cleaned_data["months"],
                reason=form.cleaned_data["reason"],
                subject_told_at=form.cleaned_data["subject_told_at"],
                actor=user,
            )
        elif action == "complete":
            gdpr_request_complete(request=dsr, note=request.POST.get("note", ""), actor=user)
        elif action == "erasure_request":
            gdpr_erasure_request(request=dsr, actor=user)
        elif action == "erasure_approve":
            gdpr_erasure_approve(request=dsr, actor=user)
    except ApplicationError as error:
        dsr = get_object_or_404(gdpr_requests(), pk=pk)
        return _detail_page(
            request,
            dsr,
            error=_error_text(error),
            status=error.status_code if 400 <= error.status_code < 500 else 400,
            forms=forms,
        )
    messages.success(request, f"GDPR request #{dsr.pk} {ACTIONS[action]}.")
    return redirect("compliance:gdpr_detail", pk=dsr.pk)


@login_required
@permission_required(HANDLE, raise_exception=True)
def gdpr_export_view(request: HtmxHttpRequest, pk: int):
    """The subject's data as a ZIP, made now and sent as a download (audited each time)."""
    dsr = get_object_or_404(gdpr_requests(), pk=pk)
    try:
        filename, content = gdpr_export_build(request=dsr, actor=request.user)
    except ApplicationError as error:
        return _detail_page(request, dsr, error=_error_text(error), status=error.status_code)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- legal holds ------------------------------------------------------------------------------


def _holds_page(request, form, *, status=200):
    page = Paginator(legal_holds(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "compliance/legal_holds.html",
        {"page": page, "form": form, "today": timezone.localdate()},
        status=status,
    )


@login_required
@permission_required(HOLDS, raise_exception=True)
def legal_holds_view(request: HtmxHttpRequest):
    if request.method != "POST":
        return _holds_page(request, LegalHoldForm())
    form = LegalHoldForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        creator = None
        if data["subject_creator"]:
            creator = Creator.objects.filter(pk=data["subject_creator"]).first()
            if creator is None:
                form.add_error("subject_creator", "No creator has this id.")
        if not form.errors:
            try:
                hold = legal_hold_place(
                    subject_creator=creator,
                    subject_user=creator.user if creator else None,
                    subject_email=data["subject_email"] or "",
                    reason=data["reason"],
                    until=data["until"],
                    actor=request.user,
                )
            except ApplicationError as error:
                form.add_error(None, _error_text(error))
            else:
                messages.success(request, f"Legal hold #{hold.pk} placed.")
                return redirect("compliance:legal_holds")
    return _holds_page(request, form, status=400)


@require_POST
@login_required
@permission_required(HOLDS, raise_exception=True)
def legal_hold_release_view(request: HtmxHttpRequest, pk: int):
    hold = get_object_or_404(LegalHold, pk=pk)
    try:
        legal_hold_release(hold=hold, note=request.POST.get("note", ""), actor=request.user)
    except ApplicationError as error:
        messages.error(request, _error_text(error))
        return redirect("compliance:legal_holds")
    messages.success(request, f"Legal hold #{hold.pk} released.")
    return redirect("compliance:legal_holds")
