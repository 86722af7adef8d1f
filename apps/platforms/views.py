from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from apps.core.exceptions import ApplicationError
from apps.core.types import HtmxHttpRequest

from .forms import ApiKeyCreateForm, PlatformForm, SecretRotateForm
from .models import WebhookSecret
from .selectors import (
    platform_api_key_get,
    platform_api_keys,
    platform_get,
    platform_list,
    platform_webhook_secrets,
    platform_webhook_url_overridden,
)
from .services import (
    platform_api_key_create,
    platform_api_key_revoke,
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


# --- API keys ------------------------------------------------------------------------------


def _api_keys_page(request, platform, *, form=None, new_key=None, raw_key=None, status=200):
    keys = platform_api_keys(platform)
    response = render(
        request,
        "platforms/platform_api_keys.html",
        {
            "platform": platform,
            "keys": keys,
            "active_count": sum(1 for key in keys if key.is_usable),
            "form": form or ApiKeyCreateForm(),
            "new_key": new_key,
            "raw_key": raw_key,
        },
        status=status,
    )
    return response


@never_cache
@login_required
@permission_required("platforms.change_platform", raise_exception=True)
def platform_api_keys_view(request: HtmxHttpRequest, slug: str):
    """The platform's REST API keys; POST makes one and shows it on this response only (it is
    never put in a message, the session or a redirect)."""
    platform = platform_get(slug)
    if request.method != "POST":
        return _api_keys_page(request, platform)
    form = ApiKeyCreateForm(request.POST)
    if not form.is_valid():
        return _api_keys_page(request, platform, form=form, status=400)
    days = form.cleaned_data.get("expires_days")
    try:
        key, raw_key = platform_api_key_create(
            platform=platform,
            name=form.cleaned_data["name"],
            actor=request.user,
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )
    except ApplicationError as error:
        form.add_error(None, error.detail)
        return _api_keys_page(request, platform, form=form, status=400)
    return _api_keys_page(request, platform, new_key=key, raw_key=raw_key)


@require_POST
@login_required
@permission_required("platforms.change_platform", raise_exception=True)
def platform_api_key_revoke_view(request: HtmxHttpRequest, slug: str, prefix: str):
    platform = platform_get(slug)
    key = platform_api_key_get(platform, prefix)
    try:
        platform_api_key_revoke(key=key, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"API key {key.prefix} ({key.name}) revoked.")
    return redirect("platforms:api_keys", slug=slug)
