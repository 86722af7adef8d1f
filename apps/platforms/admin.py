from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import models
from rest_framework_api_key.models import APIKey

from apps.audit.admin_mixins import AuditedAdminMixin

from .models import Platform, PlatformAPIKey, WebhookSecret
from .services import (
    EDITABLE_FIELDS,
    platform_create,
    platform_update,
    platform_webhook_secret_revoke,
    platform_webhook_secret_rotate,
)


class WebhookSecretRevokeForm(forms.ModelForm):
    revoke = forms.BooleanField(required=False, label="Revoke now")

    class Meta:
        model = WebhookSecret
        fields = ["revoke"]


class WebhookSecretInline(admin.TabularInline):
    """Secrets are shown by their hint only and never edited here; the one thing an admin may
    do to a row is revoke it (through the service). New secrets come from the rotate action."""

    model = WebhookSecret
    form = WebhookSecretRevokeForm
    fields = ["hint", "created_at", "expires_at", "revoked_at", "is_active", "revoke"]
    readonly_fields = ["hint", "created_at", "expires_at", "revoked_at", "is_active"]
    extra = 0
    can_delete = False
    ordering = ["-created_at", "-id"]

    @admin.display(boolean=True, description="Active")
    def is_active(self, secret: WebhookSecret) -> bool:
        return secret.is_active

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Platform)
class PlatformAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "domain",
        "status",
        "fee_percent",
        "hold_days",
        "settlement_currency",
    ]
    list_filter = ["status", "settlement_currency"]
    search_fields = ["name", "slug", "domain"]
    inlines = [WebhookSecretInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["rotate_webhook_secret"]

    def get_readonly_fields(self, request, obj=None):
        # The slug names ledger accounts; the settlement currency is set once.
        if obj is None:
            return ["created_at", "updated_at"]
        return ["slug", "settlement_currency", "created_at", "updated_at"]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # platforms are retired, never deleted (the ledger refers to them)

    def save_model(self, request, obj: Platform, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data if name in EDITABLE_FIELDS}
            saved = platform_update(platform=obj, actor=request.user, **changes)
        else:
            saved = platform_create(
                slug=data["slug"],
                name=data["name"],
                domain=data["domain"],
                status=data["status"],
                fee_percent=data["fee_percent"],
                hold_days=data["hold_days"],
                settlement_currency=data["settlement_currency"].pk,
                outbound_webhook_url=data.get("outbound_webhook_url", ""),
                actor=request.user,
            )
        obj.pk = saved.pk
        obj.created_at, obj.updated_at = saved.created_at, saved.updated_at
        obj._state.adding = False

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is not WebhookSecret:
            return super().save_formset(request, form, formset, change)
        # Nothing of a secret row is saved from the form; only "revoke" acts, via the service.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for secret_form in formset.forms:
            secret = secret_form.instance
            if secret_form.cleaned_data.get("revoke") and secret.revoked_at is None:
                platform_webhook_secret_revoke(secret=secret, actor=request.user)
                formset.changed_objects.append((secret, ["revoked_at"]))
        return None

    @admin.action(
        description="Rotate the webhook secret (old ones valid 24 more hours)",
        permissions=["change"],
    )
    def rotate_webhook_secret(self, request, queryset) -> None:
        for platform in queryset:
            secret = platform_webhook_secret_rotate(platform=platform, actor=request.user)
            self.message_user(
                request,
                f"New webhook secret for {platform.name} (shown once): {secret.secret}",
                messages.WARNING,
            )


# The library's own key model is unused here (keys belong to a platform) and its admin would
# make unaudited keys.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


@admin.register(PlatformAPIKey)
class PlatformAPIKeyAdmin(admin.ModelAdmin):
    """Read only: keys are made and revoked on the platform's API keys page or with
    ``create_platform_key`` / ``revoke_platform_key`` (audited, shown once)."""

    list_display = [
        "prefix",
        "platform",
        "name",
        "created",
        "last_used_at",
        "expiry_date",
        "revoked",
    ]
    # No links to a key's page: its primary key embeds the hash (the library's design).
    list_display_links = None
    list_filter = ["platform", "revoked"]
    search_fields = ["prefix", "name"]
    fields = [
        "prefix",
        "platform",
        "name",
        "created",
        "created_by",
        "last_used_at",
        "expiry_date",
        "revoked",
        "revoked_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
