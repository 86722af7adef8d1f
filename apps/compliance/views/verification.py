"""The creator's own Verification page (``/compliance/me/verification/``): each obligation in
plain words, what to upload and why, the identity documents with their expiry dates, and the
upload of a new identity document (with a progress bar when JavaScript runs; a plain form
post without it).

There is no URL parameter naming a creator: every read and the upload start from
``request.user.creator``, so another creator's data can be neither seen nor written. Staff
and other non-creator users get 403; a creator-role user without a creator profile gets 404.

Why here and not in the dashboard app: everything the page shows is compliance's own data,
and "payouts stopped" is compliance's own status (``creator_compliance_status``, the reasons
payout eligibility takes from compliance). Payout-only reasons (the payout method, balances)
stay on the creator's payouts page, which the page links to."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from apps.compliance.context_processors import CREATOR_ROLE
from apps.compliance.forms import IdentityDocumentUploadForm
from apps.compliance.selectors import creator_verification
from apps.compliance.services import identity_document_upload
from apps.core.exceptions import ApplicationError
from apps.core.types import HtmxHttpRequest
from apps.creators.models import Creator

TEMPLATE = "compliance/verification.html"

# A refusal of the upload service → the form field it is about (None: the whole form).
ERROR_FIELDS = {
    "unsupported_file_type": "file",
    "file_too_large": "file",
    "empty_file": "file",
    "file_required": "file",
    "too_many_files": "file",
    "expiry_in_past": "expires_on",
    "invalid_date": "expires_on",
    "invalid_country": "issuing_country",
    "number_required": "number",
    "invalid_document_type": "document_type",
}


def own_creator(request: HtmxHttpRequest) -> Creator:
    """The signed-in creator's profile: 403 for staff and other roles, 404 for a creator-role
    user without a profile."""
    if getattr(request.user, "role", "") != CREATOR_ROLE:
        raise PermissionDenied("The Verification page is for creators.")
    try:
        return Creator.objects.select_related("user").get(user=request.user)
    except Creator.DoesNotExist:
        raise Http404("No creator profile.") from None


def _error_text(error: ApplicationError) -> str:
    if isinstance(error.detail, dict):
        return " ".join(str(value) for value in error.detail.values())
    return str(error.detail)


@require_http_methods(["GET", "POST"])
@login_required
def my_verification_view(request: HtmxHttpRequest):
    creator = own_creator(request)
    status = 200
    form = IdentityDocumentUploadForm()
    if request.method == "POST":
        form = IdentityDocumentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                identity_document_upload(
                    creator=creator,
                    document_type=data["document_type"],
                    issuing_country=data["issuing_country"],
                    number=data["number"],
                    expires_on=data["expires_on"],
                    files=[data["file"], data["file_back"]],
                    actor=request.user,
                )
            except ApplicationError as error:
                form.add_error(ERROR_FIELDS.get(error.code), _error_text(error))
            else:
                messages.success(
                    request,
                    "Thank you: your identity document is uploaded and waits for review by our "
                    "compliance team.",
                )
                url = reverse("compliance:my_verification")
                if request.htmx:
                    return HttpResponseClientRedirect(url)
                return redirect(url)
        status = 400
    if request.htmx and request.method == "POST":
        # 422, not 400: django-htmx's debug script replaces the whole page on a 400 answer.
        return render(request, TEMPLATE + "#upload", {"form": form}, status=422)
    return render(
        request,
        TEMPLATE,
        {"verification": creator_verification(creator), "form": form},
        status=status,
    )
