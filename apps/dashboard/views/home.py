"""Pages composed from other apps' selectors; no models of its own."""

from __future__ import annotations

from datetime import timedelta

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.vary import vary_on_headers

from apps.accounts.roles import Role
from apps.accounts.selectors import staff_without_mfa_count, user_counts_by_role
from apps.audit.selectors import audit_event_counts, audit_event_list
from apps.core.health import health_report
from apps.core.selectors import periodic_task_list
from apps.core.types import HtmxHttpRequest
from apps.integrations.selectors import platform_link_requests_open_for
from apps.ledger.reports import network_summary


@login_required
def home_view(request: HtmxHttpRequest):
    """Where login lands: staff go to the overview, creators to their earnings, anyone else
    to their account page."""
    if request.user.has_perm("accounts.access_dashboard"):
        return redirect("dashboard:overview")
    if hasattr(request.user, "creator"):
        return redirect("earnings:home")
    return redirect("dashboard:creator_home")


@login_required
@permission_required("accounts.access_dashboard", raise_exception=True)
def overview_view(request: HtmxHttpRequest):
    user = request.user
    since = timezone.now() - timedelta(hours=24)
    context: dict = {"role_counts": [], "recent_events": None, "health": None}
    counts = user_counts_by_role()
    context["role_counts"] = [(label, counts.get(value, 0)) for value, label in Role.choices]
    context["staff_without_mfa"] = staff_without_mfa_count()
    if user.has_perm("audit.view_auditevent"):
        context["recent_events"] = list(audit_event_list()[:10])
        counts = audit_event_counts(since=since)
        context["events_24h"] = counts["events"]
        context["failed_logins_24h"] = counts["failed_logins"]
    if user.has_perm("accounts.view_system_health"):
        context["health"] = health_report()
    if user.has_perm("ledger.view_ledger") or user.has_perm("creators.view_creator"):
        context["network"] = network_summary(days=30)
    return render(request, "dashboard/overview.html", context)


@login_required
@permission_required("accounts.view_system_health", raise_exception=True)
@vary_on_headers("HX-Request")
def health_view(request: HtmxHttpRequest):
    template = "dashboard/health.html"
    if request.htmx:
        template += "#checks"
    return render(request, template, {"health": health_report()})


@login_required
@permission_required("django_celery_beat.view_periodictask", raise_exception=True)
def schedules_view(request: HtmxHttpRequest):
    return render(request, "dashboard/schedules.html", {"tasks": periodic_task_list()})


@login_required
def creator_home_view(request: HtmxHttpRequest):
    """A signed-in user's own page: profile and security. Earnings join it with the ledger."""
    user = request.user
    if user.has_perm("accounts.access_dashboard"):
        return redirect("dashboard:overview")
    return render(
        request,
        "dashboard/creator_home.html",
        {
            "mfa_enabled": is_mfa_enabled(user, [Authenticator.Type.TOTP]),
            "link_requests": platform_link_requests_open_for(user),
        },
    )
