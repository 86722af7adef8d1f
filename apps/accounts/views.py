from __future__ import annotations

from allauth.account import views as allauth_views
from allauth.account.adapter import get_adapter
from allauth.account.forms import ResetPasswordForm
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from apps.audit.selectors import audit_event_list
from apps.core.exceptions import ApplicationError
from apps.core.types import HtmxHttpRequest

from .filters import UserFilter
from .forms import RoleForm, UserInviteForm
from .selectors import user_list
from .services import user_active_set, user_create, user_role_set

PAGE_SIZE = 50


class LoginView(allauth_views.LoginView):
    """allauth's sign-in page, except that a sign-in refused by the failed-login rate limit
    (``ACCOUNT_RATE_LIMITS["login_failed"]``) answers 429 Too Many Requests, with
    ``Retry-After``; the form and allauth's message are still shown to the person."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        form = self.get_form()
        if form.has_error(NON_FIELD_ERRORS, code="too_many_login_attempts"):
            response.status_code = 429
            if form.cleaned_data.get("login"):
                retry_after = get_adapter(request).login_failed_retry_after(
                    request, **form.user_credentials()
                )
                if retry_after is not None:
                    response["Retry-After"] = str(retry_after)
        return response


@login_required
@permission_required("accounts.view_user", raise_exception=True)
@vary_on_headers("HX-Request")
def user_list_view(request: HtmxHttpRequest):
    user_filter = UserFilter(request.GET or None, queryset=user_list())
    page = Paginator(user_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "accounts/user_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, {"filter": user_filter, "page": page})


@login_required
@permission_required("accounts.view_user", raise_exception=True)
def user_detail_view(request: HtmxHttpRequest, pk: int):
    user = get_object_or_404(user_list(), pk=pk)
    events = []
    if request.user.has_perm("audit.view_auditevent"):
        events = list(
            audit_event_list().filter(target_type="accounts.user", target_id=str(pk))[:20]
        )
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": user,
            "role_form": RoleForm(initial={"role": user.role}),
            "events": events,
        },
    )


@require_POST
@login_required
@permission_required("accounts.manage_roles", raise_exception=True)
def user_role_view(request: HtmxHttpRequest, pk: int):
    user = get_object_or_404(user_list(), pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the listed roles.")
        return redirect("accounts:detail", pk=pk)
    try:
        user_role_set(user=user, role=form.cleaned_data["role"], actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"{user.email} is now {user.get_role_display()}.")
    return redirect("accounts:detail", pk=pk)


@require_POST
@login_required
@permission_required("accounts.manage_roles", raise_exception=True)
def user_active_view(request: HtmxHttpRequest, pk: int):
    user = get_object_or_404(user_list(), pk=pk)
    active = request.POST.get("active") == "1"
    try:
        user_active_set(user=user, active=active, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"{user.email} {'reactivated' if active else 'deactivated'}.")
    return redirect("accounts:detail", pk=pk)


@login_required
@permission_required("accounts.manage_roles", raise_exception=True)
def user_invite_view(request: HtmxHttpRequest):
    form = UserInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = user_create(
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                    actor=request.user,
                )
        except ApplicationError as error:
            form.add_error("email" if error.code == "email_taken" else None, error.detail)
        else:
            # The invitation is allauth's password-reset email: the link lets the new user
            # choose a password (and proves the address).
            reset = ResetPasswordForm(data={"email": user.email})
            if reset.is_valid():
                reset.save(request)
            messages.success(
                request, f"Invited {user.email}; they were emailed a link to set a password."
            )
            return redirect("accounts:detail", pk=user.pk)
    return render(request, "accounts/user_invite.html", {"form": form})
