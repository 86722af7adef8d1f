"""Django admin for the integration records: read-only (they are written by ingestion, the
event handlers and the sync services; replays and resolutions go through the dashboard)."""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin import ReadOnlyAdminMixin

from .models import EarningsReport, PlatformLinkRequest, PlatformUser, WebhookEvent


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "source", "event_type", "state", "attempts", "received_at"]
    list_filter = ["state", "source", "event_type", "signature_scheme"]
    search_fields = ["event_id", "transaction_id", "creator_external_id"]
    date_hierarchy = "received_at"
    list_select_related = ["platform"]
    show_full_result_count = False  # no COUNT(*) over a large table per page


@admin.register(PlatformUser)
class PlatformUserAdmin(ReadOnlyAdmin):
    list_display = ["external_id", "platform", "username", "email", "role", "status", "creator"]
    list_filter = ["platform", "role", "status"]
    search_fields = ["external_id", "username", "email"]
    list_select_related = ["platform", "creator"]


@admin.register(EarningsReport)
class EarningsReportAdmin(ReadOnlyAdmin):
    list_display = [
        "creator_external_id",
        "platform",
        "creator",
        "currency",
        "status",
        "reported_at",
    ]
    list_filter = ["status", "platform", "currency"]
    search_fields = ["creator_external_id"]
    list_select_related = ["platform", "creator", "currency"]


@admin.register(PlatformLinkRequest)
class PlatformLinkRequestAdmin(ReadOnlyAdmin):
    """Decided in the dashboard (staff) or on the creator's own page, never here."""

    list_display = ["external_id", "platform", "email", "creator", "status", "requested_at"]
    list_filter = ["status", "platform"]
    search_fields = ["external_id", "email", "username"]
    list_select_related = ["platform", "creator"]
