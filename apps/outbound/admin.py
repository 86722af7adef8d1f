"""Outbound webhooks in the Django admin: read-only rows; the actions call the services
(audited), exactly as the dashboard's buttons do."""

from __future__ import annotations

from django.contrib import admin, messages

from apps.core.admin import ReadOnlyAdminMixin
from apps.core.exceptions import ApplicationError

from .models import DeliveryAttempt, OutboundDelivery, OutboundEndpoint, OutboundEvent
from .services import outbound_delivery_redeliver, outbound_endpoint_enable

VIEW = "integrations.view_webhooks"
MANAGE = "outbound.redeliver_outbounddelivery"


class WebhookReadOnlyAdminMixin(ReadOnlyAdminMixin):
    # Whoever may read webhooks on the dashboard may read them here.
    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(VIEW) or super().has_view_permission(request, obj)

    def has_module_permission(self, request) -> bool:
        return request.user.has_perm(VIEW) or super().has_module_permission(request)


def _run(modeladmin, request, queryset, action, done: str) -> None:
    succeeded = 0
    for obj in queryset:
        try:
            action(obj)
        except ApplicationError as error:
            modeladmin.message_user(request, f"{obj}: {error.detail}", messages.WARNING)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)


@admin.register(OutboundEndpoint)
class OutboundEndpointAdmin(WebhookReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["platform", "enabled", "failing_since", "last_success_at", "disabled_reason"]
    list_filter = ["enabled"]
    list_select_related = ["platform"]
    actions = ["enable_endpoints"]

    def has_manage_permission(self, request) -> bool:
        return request.user.has_perm(MANAGE)

    @admin.action(description="Enable the selected endpoints", permissions=["manage"])
    def enable_endpoints(self, request, queryset):
        _run(
            self,
            request,
            queryset.select_related("platform"),
            lambda endpoint: outbound_endpoint_enable(
                platform=endpoint.platform, actor=request.user
            ),
            "endpoint(s) enabled",
        )


@admin.register(OutboundEvent)
class OutboundEventAdmin(WebhookReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["event_id", "event_type", "platform", "created_at"]
    list_filter = ["event_type", "platform"]
    search_fields = ["=event_id", "idempotency_key"]
    date_hierarchy = "created_at"
    list_select_related = ["platform"]


class DeliveryAttemptInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DeliveryAttempt
    fields = ["round", "number", "started_at", "outcome", "status_code", "latency_ms", "error"]
    extra = 0
    can_delete = False
    show_change_link = False
    ordering = ["-started_at", "-id"]


@admin.register(OutboundDelivery)
class OutboundDeliveryAdmin(WebhookReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "event",
        "endpoint",
        "state",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["state", "event__event_type", "endpoint__platform"]
    search_fields = ["=event__event_id"]
    date_hierarchy = "created_at"
    list_select_related = ["event", "endpoint__platform"]
    inlines = [DeliveryAttemptInline]
    actions = ["redeliver"]

    def has_manage_permission(self, request) -> bool:
        return request.user.has_perm(MANAGE)

    @admin.action(description="Redeliver the selected deliveries", permissions=["manage"])
    def redeliver(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda delivery: outbound_delivery_redeliver(delivery=delivery, actor=request.user),
            "deliver(ies) queued for redelivery",
        )
