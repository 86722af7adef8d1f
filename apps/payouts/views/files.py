"""Bank files of a batch, for finance: download the batch's file (SEPA XML, NACHA, Paxum or
Wise CSV) and upload the bank's result file to reconcile it. Both need
``payouts.submit_payoutbatch`` (finance, super admin): the file carries decrypted account
numbers, and a result file settles money. The batch page includes
``payouts/_batch_files.html`` for the links and the form."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST

from apps.core.exceptions import ApplicationError
from apps.core.types import HtmxHttpRequest
from apps.payouts.adapters.files.batch import FILE_FORMATS
from apps.payouts.adapters.files.results import MAX_RESULT_FILE_BYTES
from apps.payouts.models import PayoutBatch
from apps.payouts.services.files import batch_file_export, batch_reconcile

PERMISSION = "payouts.submit_payoutbatch"
MESSAGE_LINES = 20


class ResultFileForm(forms.Form):
    result_file = forms.FileField(label="Result file (CSV)")

    def clean_result_file(self):
        upload = self.cleaned_data["result_file"]
        if upload.size > MAX_RESULT_FILE_BYTES:
            raise forms.ValidationError(
                f"A result file is at most {MAX_RESULT_FILE_BYTES // (1024 * 1024)} MB."
            )
        return upload


def batch_page_url(batch: PayoutBatch) -> str:
    """The batch's page (H5a's screens), or the batch list while it has no page of its own."""
    for name in ("payouts:batch_detail", "payouts:batch"):
        try:
            return reverse(name, kwargs={"pk": batch.pk})
        except NoReverseMatch:
            continue
    return "/payouts/"


def _words(error: ApplicationError) -> str:
    detail = error.detail
    if isinstance(detail, list | tuple):
        shown = "; ".join(str(item) for item in detail[:MESSAGE_LINES])
        return shown + (" …" if len(detail) > MESSAGE_LINES else "")
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {value}" for key, value in detail.items())
    return str(detail)


@require_GET
@login_required
@permission_required(PERMISSION, raise_exception=True)
def batch_file_download_view(request: HtmxHttpRequest, pk: int, file_format: str):
    batch = get_object_or_404(PayoutBatch.objects.select_related("processor"), pk=pk)
    if file_format not in FILE_FORMATS:
        messages.error(request, f"Unknown file format {file_format!r}; nothing was exported.")
        return redirect(batch_page_url(batch))
    try:
        exported = batch_file_export(batch=batch, file_format=file_format, actor=request.user)
    except ApplicationError as error:
        messages.error(request, f"{_words(error)} Nothing was exported.")
        return redirect(batch_page_url(batch))
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    # Decrypted account numbers: never kept by a browser or proxy cache.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
@permission_required(PERMISSION, raise_exception=True)
def batch_result_upload_view(request: HtmxHttpRequest, pk: int):
    batch = get_object_or_404(PayoutBatch.objects.select_related("processor"), pk=pk)
    form = ResultFileForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = "; ".join(error for field in form.errors.values() for error in field)
        messages.error(request, f"{errors} Nothing was applied.")
        return redirect(batch_page_url(batch))
    upload = form.cleaned_data["result_file"]
    try:
        report = batch_reconcile(
            batch=batch, content=upload.read(), actor=request.user, filename=upload.name
        )
    except ApplicationError as error:
        messages.error(request, f"{_words(error)} Nothing was applied.")
        return redirect(batch_page_url(batch))
    summary = report.lines()[-1]
    messages.success(request, f"Result file {upload.name} applied: {summary}.")
    if report.skipped:
        shown = ", ".join(f"#{pk} ({why})" for pk, why in report.skipped[:MESSAGE_LINES])
        messages.warning(request, f"Skipped, already settled or refused: {shown}.")
    return redirect(batch_page_url(batch))
