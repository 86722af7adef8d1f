from django.contrib import admin
from django_celery_beat.admin import PeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask

from apps.audit.admin_mixins import AuditedAdminMixin
from apps.audit.services import audit_record

from .models import WorkerHeartbeat

# Pausing or editing a schedule is a state change like any other: audit it.
admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class AuditedPeriodicTaskAdmin(AuditedAdminMixin, PeriodicTaskAdmin):
    """The bulk actions update rows directly (no LogEntry), so each one is audited here."""

    def _audit_bulk(self, request, queryset, verb: str) -> None:
        for task in queryset:
            audit_record(
                actor=request.user,
                action=self._audit_action(verb),
                target=task,
                before={"enabled": task.enabled},
            )

    @admin.action(description="Enable selected tasks")
    def enable_tasks(self, request, queryset):
        self._audit_bulk(request, queryset, "enabled")
        return super().enable_tasks(request, queryset)

    @admin.action(description="Disable selected tasks")
    def disable_tasks(self, request, queryset):
        self._audit_bulk(request, queryset, "disabled")
        return super().disable_tasks(request, queryset)

    @admin.action(description="Toggle activity of selected tasks")
    def toggle_tasks(self, request, queryset):
        self._audit_bulk(request, queryset, "toggled")
        return super().toggle_tasks(request, queryset)

    @admin.action(description="Run selected tasks")
    def run_tasks(self, request, queryset):
        self._audit_bulk(request, queryset, "run")
        return super().run_tasks(request, queryset)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["recorded_at", "hostname", "token"]
    readonly_fields = ["token", "hostname", "recorded_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
