"""Staff screens of outbound webhooks: deliveries (list, detail with the attempt log),
endpoints per platform, and the redeliver / enable / disable actions (POST, audited)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from apps.core.exceptions import ApplicationError
from apps.core.types import HtmxHttpRequest
from apps.platforms.models import Platform

from .filters import DeliveryFilter
from .forms import BulkRedeliverForm, EndpointDisableForm
from .selectors import delivery_attempts, delivery_get, delivery_list, endpoint_overview
from .services import (
    outbound_deliveries_redeliver,
    outbound_delivery_redeliver,
    outbound_endpoint_disable,
    outbound_endpoint_enable,
)

PAGE_SIZE = 50
VIEW = "integrations.view_webhooks"
MANAGE = "outbound.redeliver_outbounddelivery"


@login_required
@permission_required(VIEW, raise_exception=True)
@vary_on_headers("HX-Request")
def delivery_list_view(request: HtmxHttpRequest):
    delivery_filter = DeliveryFilter(request.GET or None, queryset=delivery_list())
    deliveries = delivery_filter.qs
    if delivery_filter.is_bound and not delivery_filter.is_valid():
        # An unreadable filter lists nothing rather than everything.
        deliveries = deliveries.none()
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "outbound/delivery_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, {"filter": delivery_filter, "page": page})


@login_required
@permission_required(VIEW, raise_exception=True)
def delivery_detail_view(request: HtmxHttpRequest, pk: int):
    delivery = delivery_get(pk)
    return render(
        request,
        "outbound/delivery_detail.html",
        {"delivery": delivery, "attempts": delivery_attempts(delivery)},
    )


@require_POST
@login_required
@permission_required(MANAGE, raise_exception=True)
def delivery_redeliver_view(request: HtmxHttpRequest, pk: int):
    delivery = delivery_get(pk)
    try:
        outbound_delivery_redeliver(delivery=delivery, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"{delivery.event.event_id} queued for redelivery.")
    return redirect("outbound:delivery_detail", pk=pk)


@login_required
@permission_required(VIEW, raise_exception=True)
def endpoint_list_view(request: HtmxHttpRequest):
    return render(
        request,
        "outbound/endpoint_list.html",
        {"rows": endpoint_overview(), "disable_form": EndpointDisableForm()},
    )


@require_POST
@login_required
@permission_required(MANAGE, raise_exception=True)
def endpoint_enable_view(request: HtmxHttpRequest, slug: str):
    platform = get_object_or_404(Platform, slug=slug)
    try:
        outbound_endpoint_enable(platform=platform, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"Outbound webhooks to {platform.name} enabled.")
    return redirect("outbound:endpoints")


@require_POST
@login_required
@permission_required(MANAGE, raise_exception=True)
def endpoint_disable_view(request: HtmxHttpRequest, slug: str):
    platform = get_object_or_404(Platform, slug=slug)
    form = EndpointDisableForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason: it is kept in the audit log.")
        return redirect("outbound:endpoints")
    try:
        outbound_endpoint_disable(
            platform=platform, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ApplicationError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"Outbound webhooks to {platform.name} disabled.")
    return redirect("outbound:endpoints")


@login_required
@permission_required(MANAGE, raise_exception=True)
def bulk_redeliver_view(request: HtmxHttpRequest):
    if request.method != "POST":
        form = BulkRedeliverForm(initial={"platform": request.GET.get("platform")})
        return render(request, "outbound/bulk_redeliver.html", {"form": form})
    form = BulkRedeliverForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            count = outbound_deliveries_redeliver(
                platform=data["platform"],
                since=data["since"],
                until=data["until"],
                actor=request.user,
            )
        except ApplicationError as error:
            form.add_error(None, error.detail)
        else:
            messages.success(
                request,
                f"{count} failed or abandoned deliver{'y' if count == 1 else 'ies'} to "
                f"{data['platform'].name} queued for redelivery.",
            )
            query = urlencode({"platform": data["platform"].slug, "state": "pending"})
            return redirect(f"{reverse('outbound:deliveries')}?{query}")
    return render(request, "outbound/bulk_redeliver.html", {"form": form}, status=400)
