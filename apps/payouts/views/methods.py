"""Staff screen to verify creators' payout methods before their first use (mounted at
/payouts/methods/). Only the hint is shown, never the details."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from apps.core.exceptions import ApplicationError
from apps.core.types import HtmxHttpRequest
from apps.payouts.models import PayoutMethod
from apps.payouts.services.methods import VERIFY_PERMISSION, payout_method_verify

PAGE_SIZE = 50
STATUS_FILTERS = {
    "unverified": PayoutMethod.Status.UNVERIFIED,
    "needs_attention": PayoutMethod.Status.NEEDS_ATTENTION,
}


def methods_awaiting_verification(status: str):
    return (
        PayoutMethod.objects.filter(status=status)
        .select_related("creator__user", "processor")
        .order_by("created_at", "id")
    )


@login_required
@permission_required(VERIFY_PERMISSION, raise_exception=True)
@vary_on_headers("HX-Request")
def method_verify_list_view(request: HtmxHttpRequest):
    status_key = request.GET.get("status", "unverified")
    status = STATUS_FILTERS.get(status_key, PayoutMethod.Status.UNVERIFIED)
    page = Paginator(methods_awaiting_verification(status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    template = "payouts/creator_methods_verify.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(
        request,
        template,
        {"page": page, "status": status, "status_key": status_key, "filters": STATUS_FILTERS},
    )


@require_POST
@login_required
@permission_required(VERIFY_PERMISSION, raise_exception=True)
def method_verify_view(request: HtmxHttpRequest, pk: int):
    method = get_object_or_404(PayoutMethod.objects.select_related("creator"), pk=pk)
    try:
        payout_method_verify(method=method, actor=request.user)
    except ApplicationError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(request, f"{method.details_hint} of {method.creator} is verified.")
    back = request.POST.get("status", "unverified")
    if back not in STATUS_FILTERS:
        back = "unverified"
    return redirect(f"{reverse('payouts:methods_verify_list')}?status={back}")
