"""Django admin of the payouts app.

Processors, their currencies and FX rates are reference data: editable here (audited).
Schedules are editable (audited). Batches, payouts, methods and processor events are
read-only: their state changes only through the services (the staff screens at /payouts/,
the operator commands), which move the money and audit each step. Payouts and batches can be
exported (django-import-export); nothing is imported.
"""

from __future__ import annotations

from django.contrib import admin
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX

from apps.audit.admin_mixins import AuditedAdminMixin
from apps.core.admin import ReadOnlyAdminMixin

from .models import (
    FxRate,
    MassPayoutRequest,
    Payout,
    PayoutBatch,
    PayoutItem,
    PayoutMethod,
    PayoutSchedule,
    Processor,
    ProcessorCurrency,
    ProcessorEvent,
)
from .resources import PayoutBatchResource, PayoutResource


class ProcessorCurrencyInline(admin.TabularInline):
    model = ProcessorCurrency
    fields = ["currency", "fee_fixed_minor", "min_minor", "max_minor"]
    extra = 0


@admin.register(Processor)
class ProcessorAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "method_type",
        "crypto_asset",
        "settlement",
        "file_format",
        "fee_percent",
        "instant_allowed",
        "active",
    ]
    list_filter = ["settlement", "method_type", "active", "instant_allowed"]
    search_fields = ["name", "code"]
    inlines = [ProcessorCurrencyInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: batches and methods refer to processors


@admin.register(FxRate)
class FxRateAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["base", "quote", "rate", "as_of", "source"]
    list_filter = ["base", "quote", "source"]
    date_hierarchy = "as_of"

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a rate in force is history: add a newer one instead

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PayoutSchedule)
class PayoutScheduleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["creator", "kind", "weekday", "day_of_month", "threshold_minor", "currency"]
    list_filter = ["kind", "currency"]
    search_fields = ["creator__display_name", "creator__user__email"]
    list_select_related = ["creator"]
    raw_id_fields = ["creator"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PayoutMethod)
class PayoutMethodAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Hints only: the encrypted details never show (the creator manages methods)."""

    list_display = ["creator", "processor", "currency", "details_hint", "status", "is_default"]
    list_filter = ["status", "processor", "currency", "is_default"]
    search_fields = ["creator__display_name", "details_hint"]
    list_select_related = ["creator", "processor"]
    exclude = ["details_encrypted"]


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnlyAdminMixin, ExportMixin, admin.ModelAdmin):
    resource_classes = [PayoutBatchResource]
    formats = [CSV, XLSX]
    list_display = [
        "id",
        "processor",
        "currency",
        "status",
        "source",
        "payout_count",
        "total_minor",
        "auto_approved",
        "created_at",
    ]
    list_filter = ["status", "source", "processor", "currency"]
    list_select_related = ["processor"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("payouts.view_payoutbatch")

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm("payouts.view_payoutbatch")


class PayoutItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PayoutItem
    fields = ["available_account", "in_payout_account", "amount_minor"]
    readonly_fields = fields
    extra = 0


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdminMixin, ExportMixin, admin.ModelAdmin):
    resource_classes = [PayoutResource]
    formats = [CSV, XLSX]
    list_display = [
        "id",
        "batch",
        "creator",
        "currency",
        "amount_minor",
        "fee_minor",
        "state",
        "failure_code",
        "created_at",
    ]
    list_filter = ["state", "currency", "batch__processor"]
    search_fields = ["=id", "creator__display_name", "processor_reference", "=idempotency_key"]
    list_select_related = ["batch", "creator"]
    raw_id_fields = ["batch", "creator", "method"]
    inlines = [PayoutItemInline]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm("payouts.view_payout")


@admin.register(ProcessorEvent)
class ProcessorEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["payout", "kind", "status_code", "occurred_at"]
    list_filter = ["kind"]
    raw_id_fields = ["payout"]
    show_full_result_count = False


@admin.register(MassPayoutRequest)
class MassPayoutRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "source", "event_id", "status", "created_at", "handled_at"]
    list_filter = ["status", "source"]
    search_fields = ["event_id"]
