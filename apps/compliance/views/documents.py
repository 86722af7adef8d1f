"""Staff pages of identity documents and 2257 records (``compliance.review_compliance`` to
see; ``review_identitydocument`` to upload and decide, ``open_identitydocument`` to open a
file — every opening audited —, ``manage_record2257`` to add performers and amend records:
compliance officers and super admins). Thin views: selectors read, services write; a refusal
is shown with the form and changes nothing."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.audit.services import audit_record
from apps.compliance.forms import (
    IdentityDocumentReviewForm,
    IdentityDocumentUploadForm,
    PerformerForm,
    Record2257AmendForm,
    lines,
    names_parse,
    names_text,
)
from apps.compliance.models import DocumentFile, IdentityDocument, Performer, Record2257
from apps.compliance.selectors import (
    compliance_creators,
    creator_identity_documents,
    creator_record_2257,
    identity_document_get,
    last_2257_export,
    performer_identity_documents,
    record_2257_get,
    records_2257,
)
from apps.compliance.services import (
    identity_document_file_open,
    identity_document_number,
    identity_document_review,
    identity_document_upload,
    performer_create,
    record_2257_amend,
)
from apps.core.crypto import SealError
from apps.core.exceptions import ApplicationError
from apps.core.types import HtmxHttpRequest

PAGE_SIZE = 50
REVIEW = "compliance.review_compliance"
REVIEW_DOCUMENTS = "compliance.review_identitydocument"
OPEN_DOCUMENTS = "compliance.open_identitydocument"
MANAGE_2257 = "compliance.manage_record2257"


def _error_text(error: ApplicationError) -> str:
    if isinstance(error.detail, dict):
        return " ".join(str(value) for value in error.detail.values())
    return str(error.detail)


def creator_documents_context(creator) -> dict:
    """What the creator's compliance page shows of documents and the 2257 record."""
    today = timezone.localdate()
    return {
        "identity_documents": creator_identity_documents(creator),
        "record_2257": creator_record_2257(creator),
        "documents_today": today,
        "documents_warn_until": today + timedelta(days=settings.COMPLIANCE_EXPIRY_WARNING_DAYS),
    }


# --- identity documents ------------------------------------------------------------------------


def _upload(request, *, creator=None, performer=None):
    owner = creator or performer
    back = (
        reverse("compliance:creator", args=[creator.pk])
        if creator
        else reverse("compliance:record_2257", args=[performer.record_2257.pk])
    )
    status = 200
    if request.method == "POST":
        form = IdentityDocumentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                document = identity_document_upload(
                    creator=creator,
                    performer=performer,
                    document_type=data["document_type"],
                    issuing_country=data["issuing_country"],
                    number=data["number"],
                    expires_on=data["expires_on"],
                    files=[data["file"], data["file_back"]],
                    actor=request.user,
                )
            except ApplicationError as error:
                form.add_error(None, _error_text(error))
            else:
                messages.success(request, "Identity document uploaded: it waits for review.")
                return redirect("compliance:document", pk=document.pk)
        status = 400
    else:
        form = IdentityDocumentUploadForm()
    return render(
        request,
        "compliance/document_upload.html",
        {"owner": owner, "form": form, "back": back},
        status=status,
    )


@login_required
@permission_required((REVIEW, REVIEW_DOCUMENTS), raise_exception=True)
def creator_document_upload_view(request: HtmxHttpRequest, pk: int):
    return _upload(request, creator=get_object_or_404(compliance_creators(), pk=pk))


@login_required
@permission_required((REVIEW, REVIEW_DOCUMENTS), raise_exception=True)
def performer_document_upload_view(request: HtmxHttpRequest, pk: int):
    performer = get_object_or_404(Performer.objects.select_related("record_2257"), pk=pk)
    return _upload(request, performer=performer)


@login_required
@permission_required(REVIEW, raise_exception=True)
def document_view(request: HtmxHttpRequest, pk: int):
    """A document's details, files and review. The number is shown only to those who may
    open documents, and showing it is audited like an opening."""
    try:
        document = identity_document_get(pk)
    except IdentityDocument.DoesNotExist:
        raise Http404 from None
    status = 200
    form = IdentityDocumentReviewForm()
    if request.method == "POST":
        if not request.user.has_perm(REVIEW_DOCUMENTS):
            raise PermissionDenied
        form = IdentityDocumentReviewForm(request.POST)
        if form.is_valid():
            accept = form.cleaned_data["decision"] == "accept"
            try:
                identity_document_review(
                    document=document,
                    accept=accept,
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ApplicationError as error:
                form.add_error(None, _error_text(error))
            else:
                messages.success(
                    request, f"Document #{document.pk} {'accepted' if accept else 'rejected'}."
                )
                return redirect("compliance:document", pk=document.pk)
        status = 400
    number = None
    if request.user.has_perm(OPEN_DOCUMENTS) and not document.is_destroyed:
        try:
            number = identity_document_number(document)
        except SealError:
            number = None
        else:
            audit_record(
                actor=request.user,
                action="compliance.document_number_shown",
                target=document,
                after={"document": document.pk},
            )
    if document.creator_id:
        back = reverse("compliance:creator", args=[document.creator_id])
    else:
        record = getattr(document.performer, "record_2257", None)
        back = reverse("compliance:record_2257", args=[record.pk]) if record else None
    return render(
        request,
        "compliance/document_detail.html",
        {"document": document, "form": form, "number": number, "back": back},
        status=status,
    )


@require_GET
@login_required
@permission_required(REVIEW, raise_exception=True)
def document_file_view(request: HtmxHttpRequest, pk: int):
    """Streams one decrypted file (compliance and super admins); the opening is audited. A
    refusal (403) reads nothing and is not an opening."""
    if not request.user.has_perm(OPEN_DOCUMENTS):
        raise PermissionDenied
    file = get_object_or_404(DocumentFile.objects.select_related("document"), pk=pk)
    try:
        data = identity_document_file_open(file=file, actor=request.user)
    except ApplicationError as error:
        return HttpResponse(_error_text(error), status=error.status_code, content_type="text/plain")
    response = HttpResponse(data, content_type=file.content_type)
    response["Content-Disposition"] = f'inline; filename="{file.download_name}"'
    response["Content-Length"] = str(len(data))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    if file.content_type != DocumentFile.ContentType.PDF:
        # An image needs nothing else; browsers refuse to show a PDF in a sandboxed document.
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- 2257 records ------------------------------------------------------------------------------


@login_required
@permission_required(REVIEW, raise_exception=True)
def records_2257_view(request: HtmxHttpRequest):
    state = request.GET.get("state", "")
    complete = {"complete": True, "incomplete": False}.get(state)
    query = request.GET.get("q", "")[:100]
    page = Paginator(records_2257(complete=complete, query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "compliance/records_2257.html",
        {"page": page, "state": state, "q": query, "last_export": last_2257_export()},
    )


@login_required
@permission_required(REVIEW, raise_exception=True)
def record_2257_view(request: HtmxHttpRequest, pk: int):
    try:
        record = record_2257_get(pk)
    except Record2257.DoesNotExist:
        raise Http404 from None
    versions = list(record.versions.all())
    return render(
        request,
        "compliance/record_2257.html",
        {
            "record": record,
            "performer": record.performer,
            "versions": versions,
            "current": versions[0] if versions else None,
            "missing": versions[0].completeness() if versions else ["no version recorded"],
            "documents": performer_identity_documents(record.performer),
        },
    )


@login_required
@permission_required((REVIEW, MANAGE_2257), raise_exception=True)
def record_2257_amend_view(request: HtmxHttpRequest, pk: int):
    try:
        record = record_2257_get(pk)
    except Record2257.DoesNotExist:
        raise Http404 from None
    documents = performer_identity_documents(record.performer)
    by_id = {document.pk: document for document in documents}
    status = 200
    if request.method == "POST":
        form = Record2257AmendForm(request.POST, documents=documents)
        if form.is_valid():
            data = form.cleaned_data
            try:
                record_2257_amend(
                    record=record,
                    actor=request.user,
                    reason=data["reason"],
                    legal_name=data["legal_name"],
                    date_of_birth=data["date_of_birth"],
                    names=names_parse(data["names"]),
                    id_document=by_id.get(data["id_document"]),
                    id_examined_on=data["id_examined_on"],
                    content_references=lines(data["content_references"]),
                )
            except ApplicationError as error:
                form.add_error(None, _error_text(error))
            else:
                messages.success(request, f"2257 record #{record.pk} amended: a new version.")
                return redirect("compliance:record_2257", pk=record.pk)
        status = 400
    else:
        current = record.versions.all()[0] if record.versions.all() else None
        form = Record2257AmendForm(
            documents=documents,
            initial={
                "legal_name": record.performer.legal_name,
                "date_of_birth": record.performer.date_of_birth,
                "names": names_text(current.names) if current else "",
                "content_references": "\n".join(current.content_references) if current else "",
                "id_document": current.id_document_id if current else None,
                "id_examined_on": current.id_examined_on if current else None,
            },
        )
    return render(
        request,
        "compliance/record_2257_amend.html",
        {"record": record, "performer": record.performer, "form": form},
        status=status,
    )


@login_required
@permission_required((REVIEW, MANAGE_2257), raise_exception=True)
def performer_create_view(request: HtmxHttpRequest):
    """A new performer and their 2257 record; ``?creator=<id>`` makes it a creator's."""
    creator = None
    creator_id = request.GET.get("creator") or request.POST.get("creator")
    if creator_id:
        if not str(creator_id).isdigit():
            raise Http404
        creator = get_object_or_404(compliance_creators(), pk=int(creator_id))
    status = 200
    if request.method == "POST":
        form = PerformerForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                performer = performer_create(
                    creator=creator,
                    legal_name=data["legal_name"],
                    date_of_birth=data["date_of_birth"],
                    names=names_parse(data["names"]),
                    content_references=lines(data["content_references"]),
                    actor=request.user,
                )
            except ApplicationError as error:
                form.add_error(None, _error_text(error))
            else:
                messages.success(request, f"Performer {performer} added with a 2257 record.")
                return redirect("compliance:record_2257", pk=performer.record_2257.pk)
        status = 400
    else:
        form = PerformerForm(initial={"legal_name": creator.legal_name if creator else ""})
    return render(
        request,
        "compliance/performer_form.html",
        {"form": form, "creator": creator},
        status=status,
    )
