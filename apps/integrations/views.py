"""Staff screens of the integrations: webhook events (list, detail, replay), earnings reports
(mismatches first, resolve), security events (acknowledge), payout holds (release) and
platforms' requests to link an existing creator (confirm, reject); and the creator's own page
of those requests (/integrations/me/link-requests/: confirm or reject, their own only).

Thin views: a filter and a selector to read, a service to write; lists are paginated in the
database and htmx asks for the ``#results`` fragment of the same view."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from apps.core.display import field_label
from apps.core.exceptions import ApplicationError
from apps.core.money import display_minor
from apps.core.types import HtmxHttpRequest
from apps.creators.services import payout_hold_release
from apps.platforms.selectors import platform_names

from .filters import EarningsReportFilter, PayoutHoldFilter, SecurityEventFilter, WebhookEventFilter
from .forms import LinkDecisionForm, ReviewNoteForm
from .models import WebhookEvent
from .selectors import (
    LINK_REQUEST_FILTERS,
    earnings_report_list,
    headers_masked,
    payout_hold_list,
    platform_link_request_get_for,
    platform_link_request_list,
    platform_link_requests_open_for,
    security_event_list,
    webhook_event_get,
    webhook_event_list,
)
from .services.links import platform_link_request_confirm, platform_link_request_reject
from .services.processing import webhook_event_replay
from .services.reviews import earnings_report_resolve, security_event_acknowledge

PAGE_SIZE = 50
RAW_BODY_DISPLAY_LIMIT = 256 * 1024


def _filtered_page(request: HtmxHttpRequest, filterset):
    rows = filterset.qs
    if filterset.is_bound and not filterset.is_valid():
        rows = rows.none()  # an unreadable filter lists nothing rather than everything
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _template(request: HtmxHttpRequest, name: str) -> str:
    return f"{name}#results" if request.htmx and not request.htmx.boosted else name


# --- webhook events ------------------------------------------------------------------------


@login_required
@permission_required("integrations.view_webhooks", raise_exception=True)
@vary_on_headers("HX-Request")
def webhook_event_list_view(request: HtmxHttpRequest):
    event_filter = WebhookEventFilter(request.GET or None, queryset=webhook_event_list())
    page = _filtered_page(request, event_filter)
    return render(
        request,
        _template(request, "integrations/event_list.html"),
        {"filter": event_filter, "page": page},
    )


def _pretty_body(raw_body: str) -> str:
    try:
        return json.dumps(json.loads(raw_body), indent=2, sort_keys=False, ensure_ascii=False)
    except (ValueError, TypeError):
        return raw_body[:RAW_BODY_DISPLAY_LIMIT]


@login_required
@permission_required("integrations.view_webhooks", raise_exception=True)
def webhook_event_detail_view(request: HtmxHttpRequest, pk: int):
    event = webhook_event_get(pk)
    return render(
        request,
        "integrations/event_detail.html",
        {
            "event": event,
            "body": _pretty_body(event.raw_body),
            "headers": headers_masked(event.headers),
            "can_replay": event.state == WebhookEvent.State.FAILED
            and request.user.has_perm("integrations.replay_webhookevent"),
            "can_view_ledger": request.user.has_perm("ledger.view_ledger"),
        },
    )


@require_POST
@login_required
@permission_required("integrations.replay_webhookevent", raise_exception=True)
def webhook_event_replay_view(request: HtmxHttpRequest, pk: int):
    event = webhook_event_get(pk)
    try:
        webhook_event_replay(event=event, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"Event {event.event_id} sent for processing again.")
    return redirect("integrations:event", pk=pk)


# --- earnings reports ----------------------------------------------------------------------


def _figure_rows(report, names: dict[str, str]) -> list[tuple[str, str, str, str, bool]]:
    """(figure, reported, ledger, difference, differs) formatted in the report's currency,
    figures in words ("This month", "On BoyFanz")."""
    exponent = report.currency.exponent
    reported, ledger, difference = report.reported, report.ledger or {}, report.difference or {}

    def money(value) -> str:
        return display_minor(value, exponent) if isinstance(value, int) else "—"

    rows = []
    for name, value in reported.items():
        if name == "platforms" and isinstance(value, dict):
            for slug, amount in value.items():
                diff = (difference.get("platforms") or {}).get(slug)
                rows.append(
                    (
                        f"On {names.get(slug, slug)}",
                        money(amount),
                        money((ledger.get("platforms") or {}).get(slug)),
                        money(diff),
                        bool(diff),
                    )
                )
            continue
        diff = difference.get(name)
        rows.append(
            (field_label(name), money(value), money(ledger.get(name)), money(diff), bool(diff))
        )
    return rows


@login_required
@permission_required("ledger.view_ledger", raise_exception=True)
@vary_on_headers("HX-Request")
def earnings_report_list_view(request: HtmxHttpRequest):
    report_filter = EarningsReportFilter(request.GET or None, queryset=earnings_report_list())
    page = _filtered_page(request, report_filter)
    names = platform_names()
    for report in page:
        report.figure_rows = _figure_rows(report, names)
    return render(
        request,
        _template(request, "integrations/earnings_report_list.html"),
        {
            "filter": report_filter,
            "page": page,
            "can_resolve": request.user.has_perm("integrations.change_earningsreport"),
            "form": ReviewNoteForm(),
        },
    )


@require_POST
@login_required
@permission_required("integrations.change_earningsreport", raise_exception=True)
def earnings_report_resolve_view(request: HtmxHttpRequest, pk: int):
    report = get_object_or_404(earnings_report_list(), pk=pk)
    return _review(
        request,
        lambda note: earnings_report_resolve(report=report, actor=request.user, note=note),
        back="integrations:earnings_reports",
        missing_note="Say what was found: the note is kept in the audit log.",
        done=f"Report #{report.pk} marked resolved.",
    )


def _review(request, action, *, back: str, missing_note: str, done: str):
    """A staff review with a note (resolve, acknowledge, release): the note is required and
    kept in the audit log by the service; a refusal is shown, not raised."""
    form = ReviewNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, missing_note)
        return redirect(back)
    try:
        action(form.cleaned_data["note"])
    except ApplicationError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, done)
    return redirect(back)


# --- security events -----------------------------------------------------------------------


@login_required
@permission_required("audit.view_securityevent", raise_exception=True)
@vary_on_headers("HX-Request")
def security_event_list_view(request: HtmxHttpRequest):
    event_filter = SecurityEventFilter(request.GET or None, queryset=security_event_list())
    page = _filtered_page(request, event_filter)
    return render(
        request,
        _template(request, "integrations/security_event_list.html"),
        {
            "filter": event_filter,
            "page": page,
            "can_acknowledge": request.user.has_perm("audit.acknowledge_securityevent"),
            "form": ReviewNoteForm(),
        },
    )


@require_POST
@login_required
@permission_required("audit.acknowledge_securityevent", raise_exception=True)
def security_event_acknowledge_view(request: HtmxHttpRequest, pk: int):
    event = get_object_or_404(security_event_list(), pk=pk)
    return _review(
        request,
        lambda note: security_event_acknowledge(event=event, actor=request.user, note=note),
        back="integrations:security_events",
        missing_note="Say what was found: the note is kept in the audit log.",
        done="Security event acknowledged.",
    )


# --- payout holds --------------------------------------------------------------------------


@login_required
@permission_required("creators.view_creator", raise_exception=True)
@vary_on_headers("HX-Request")
def payout_hold_list_view(request: HtmxHttpRequest):
    hold_filter = PayoutHoldFilter(request.GET or None, queryset=payout_hold_list())
    page = _filtered_page(request, hold_filter)
    return render(
        request,
        _template(request, "integrations/payout_hold_list.html"),
        {
            "filter": hold_filter,
            "page": page,
            "can_release": request.user.has_perm("creators.release_payouthold"),
            "form": ReviewNoteForm(),
        },
    )


@require_POST
@login_required
@permission_required("creators.release_payouthold", raise_exception=True)
def payout_hold_release_view(request: HtmxHttpRequest, pk: int):
    hold = get_object_or_404(payout_hold_list(), pk=pk)
    return _review(
        request,
        lambda note: payout_hold_release(hold=hold, actor=request.user, note=note),
        back="integrations:payout_holds",
        missing_note="Say why the hold is released: the note is kept in the audit log.",
        done=f"Hold on {hold.creator} released.",
    )


# --- platform link requests ------------------------------------------------------------------

LINK_DECISIONS = {"confirm": platform_link_request_confirm, "reject": platform_link_request_reject}


def _link_decide(request: HtmxHttpRequest, link_request, decision: str, *, as_creator: bool):
    """Confirm or reject (the service checks who may); a refusal is shown, not raised."""
    action = LINK_DECISIONS.get(decision)
    if action is None:
        raise Http404("No such decision.")
    form = LinkDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The note is at most 2000 characters.")
        return
    try:
        action(
            request=link_request,
            actor=request.user,
            as_creator=as_creator,
            note=form.cleaned_data["note"],
        )
    except ApplicationError as error:
        messages.error(request, error.detail)
    else:
        done = "linked to your account" if as_creator else "linked"
        if decision == "reject":
            done = "declined"
        messages.success(
            request, f"{link_request.platform.name} user {link_request.external_id}: {done}."
        )


@login_required
@permission_required("integrations.decide_platformlinkrequest", raise_exception=True)
@vary_on_headers("HX-Request")
def link_request_list_view(request: HtmxHttpRequest):
    status = request.GET.get("status") or "pending"
    if status not in LINK_REQUEST_FILTERS:
        status = "pending"
    page = Paginator(platform_link_request_list(status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        _template(request, "integrations/link_request_list.html"),
        {"page": page, "status": status, "statuses": LINK_REQUEST_FILTERS},
    )


@require_POST
@login_required
@permission_required("integrations.decide_platformlinkrequest", raise_exception=True)
def link_request_decide_view(request: HtmxHttpRequest, pk: int, decision: str):
    link_request = get_object_or_404(platform_link_request_list("all"), pk=pk)
    _link_decide(request, link_request, decision, as_creator=False)
    return redirect("integrations:link_requests")


@login_required
def my_link_request_list_view(request: HtmxHttpRequest):
    """The signed-in user's own pending requests: "BoyFanz asks to link your account"."""
    return render(
        request,
        "integrations/my_link_requests.html",
        {"link_requests": platform_link_requests_open_for(request.user)},
    )


@require_POST
@login_required
def my_link_request_decide_view(request: HtmxHttpRequest, pk: int, decision: str):
    link_request = platform_link_request_get_for(request.user, pk)
    _link_decide(request, link_request, decision, as_creator=True)
    return redirect("integrations:my_link_requests")
