from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from apps.core.exceptions import ApplicationError
from apps.core.types import HtmxHttpRequest

from .forms import PlatformForm, SecretRotateForm
from .models import WebhookSecret
from .selectors import (
    platform_get,
    platform_list,
    platform_webhook_secrets,
    platform_webhook_url_overridden,
)
from .services import (
    platform_update,
    platform_webhook_secret_revoke,
    platform_webhook_secret_rotate,
)

PAGE_SIZE = 50


@login_required
@permission_required("platforms.view_platform", raise_exception=True)
@vary_on_headers("HX-Request")
def platform_list_view(request: HtmxHttpRequest):
    page = Paginator(platform_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    template = "platforms/platform_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, {"page": page})


@login_required
@permission_required("platforms.view_platform", raise_exception=True)
def platform_detail_view(request: HtmxHttpRequest, slug: str):
    platform = platform_get(slug)
    return render(
        request,
        "platforms/platform_detail.html",
        {
            "platform": platform,
            "secrets": platform_webhook_secrets(platform),
            "url_overridden": platform_webhook_url_overridden(platform),
            "override_variable": f"WEBHOOK_{platform.slug.upper()}",
            "rotate_form": SecretRotateForm(),
        },
    )


@login_required
@permission_required("platforms.change_platform", raise_exception=True)
def platform_edit_view(request: HtmxHttpRequest, slug: str):
    platform = platform_get(slug)
    form = PlatformForm.for_platform(platform, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            platform_update(platform=platform, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, f"{platform.name} saved.")
            return redirect("platforms:detail", slug=platform.slug)
    return render(request, "platforms/platform_edit.html", {"platform": platform, "form": form})


@require_POST
@login_required
@permission_required("platforms.change_platform", raise_exception=True)
def platform_secret_rotate_view(request: HtmxHttpRequest, slug: str):
    platform = platform_get(slug)
    form = SecretRotateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The grace period is a whole number of hours (0 to 720).")
        return redirect("platforms:detail", slug=slug)
    try:
        secret = platform_webhook_secret_rotate(
            platform=platform, actor=request.user, grace_hours=form.cleaned_data["grace_hours"]
        )
    except ApplicationError as error:
        messages.error(request, error.detail)
    else:
        # Shown once: the page lists hints only, and the audit log never holds the secret.
        messages.warning(
            request,
            f"New webhook secret for {platform.name} (shown once; copy it to the platform now): "
            f"{secret.secret}",
        )
    return redirect("platforms:detail", slug=slug)


@require_POST
@login_required
@permission_required("platforms.change_platform", raise_exception=True)
def platform_secret_revoke_view(request: HtmxHttpRequest, slug: str, pk: int):
    platform = platform_get(slug)
    secret = get_object_or_404(WebhookSecret, platform=platform, pk=pk)
    try:
        platform_webhook_secret_revoke(secret=secret, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"Secret {secret.hint} revoked.")
    return redirect("platforms:detail", slug=slug)
