"""Staff pages of compliance (``compliance.review_compliance``: compliance officers and super
admins): the KYC review queue, a creator's compliance page (status in plain words, every
verification with its history), the decide form and the age verification form.

Thin views: selectors read, services write; a refusal is shown with the form and changes
nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.compliance.forms import AgeVerificationForm, KycDecisionForm, KycRequestForm
from apps.compliance.models import KycProvider, KycVerification
from apps.compliance.selectors import (
    compliance_creators,
    creator_age_verifications,
    creator_compliance_status,
    creator_kyc_verifications,
    kyc_review_queue,
)
from apps.compliance.services import (
    age_verification_record,
    kyc_verification_decide,
    kyc_verification_request,
)
from apps.compliance.views.documents import creator_documents_context
from apps.compliance.views.violations import creator_violations_context
from apps.core.exceptions import ApplicationError
from apps.core.types import HtmxHttpRequest

PAGE_SIZE = 50
REVIEW = "compliance.review_compliance"


def _error_text(error: ApplicationError) -> str:
    if isinstance(error.detail, dict):
        return " ".join(str(value) for value in error.detail.values())
    return str(error.detail)


def _providers():
    return list(KycProvider.objects.filter(is_active=True).order_by("name"))


@login_required
@permission_required(REVIEW, raise_exception=True)
def kyc_queue_view(request: HtmxHttpRequest):
    page = Paginator(kyc_review_queue(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "compliance/kyc_queue.html", {"page": page, "now": timezone.now()})


def _creator_page(request, creator, *, request_form=None, status: int = 200):
    return render(
        request,
        "compliance/creator_compliance.html",
        {
            "creator": creator,
            "status": creator_compliance_status(creator),
            "kyc_verifications": creator_kyc_verifications(creator),
            "age_verifications": creator_age_verifications(creator),
            "request_form": request_form or KycRequestForm(providers=_providers()),
            **creator_documents_context(creator),
            **creator_violations_context(creator),
        },
        status=status,
    )


@login_required
@permission_required(REVIEW, raise_exception=True)
def creator_compliance_view(request: HtmxHttpRequest, pk: int):
    creator = get_object_or_404(compliance_creators(), pk=pk)
    return _creator_page(request, creator)


@require_POST
@login_required
@permission_required(REVIEW, raise_exception=True)
def kyc_request_view(request: HtmxHttpRequest, pk: int):
    """Staff open a review (e.g. documents received by email); another officer decides it."""
    creator = get_object_or_404(compliance_creators(), pk=pk)
    form = KycRequestForm(request.POST, providers=_providers())
    if form.is_valid():
        try:
            kyc_verification_request(
                creator=creator,
                level_requested=form.cleaned_data["level_requested"],
                provider=form.cleaned_data["provider"],
                provider_reference=form.cleaned_data["provider_reference"],
                actor=request.user,
            )
        except ApplicationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, "KYC review opened: another compliance officer decides it.")
            return redirect("compliance:creator", pk=creator.pk)
    return _creator_page(request, creator, request_form=form, status=400)


@login_required
@permission_required(REVIEW, raise_exception=True)
def kyc_decide_view(request: HtmxHttpRequest, pk: int):
    verification = get_object_or_404(
        KycVerification.objects.select_related("creator", "provider", "requested_by"), pk=pk
    )
    status = 200
    if request.method == "POST":
        if not request.user.has_perm("compliance.decide_kycverification"):
            raise PermissionDenied
        form = KycDecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            approve = data["decision"] == "approve"
            try:
                kyc_verification_decide(
                    verification=verification,
                    approve=approve,
                    level_granted=data["level_granted"] if approve else None,
                    expires_on=data["expires_on"] if approve else None,
                    reason=data["reason"],
                    reviewer=request.user,
                )
            except ApplicationError as error:
                form.add_error(None, _error_text(error))
            else:
                done = "approved" if approve else "rejected"
                messages.success(request, f"KYC verification of {verification.creator} {done}.")
                return redirect("compliance:creator", pk=verification.creator_id)
        status = 400
    else:
        form = KycDecisionForm(initial={"level_granted": verification.level_requested})
    return render(
        request,
        "compliance/kyc_decide.html",
        {"verification": verification, "form": form, "now": timezone.now()},
        status=status,
    )


@login_required
@permission_required(REVIEW, raise_exception=True)
def age_verification_view(request: HtmxHttpRequest, pk: int):
    creator = get_object_or_404(compliance_creators(), pk=pk)
    status = 200
    if request.method == "POST":
        if not request.user.has_perm("compliance.record_ageverification"):
            raise PermissionDenied
        form = AgeVerificationForm(request.POST)
        if form.is_valid():
            try:
                age_verification_record(creator=creator, reviewer=request.user, **form.cleaned_data)
            except ApplicationError as error:
                form.add_error(None, _error_text(error))
            else:
                messages.success(request, f"Age verification of {creator} recorded.")
                return redirect("compliance:creator", pk=creator.pk)
        status = 400
    else:
        form = AgeVerificationForm(initial={"verified_on": timezone.localdate()})
    return render(
        request,
        "compliance/age_verification_form.html",
        {"creator": creator, "form": form},
        status=status,
    )
