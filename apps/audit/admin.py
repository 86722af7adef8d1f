from django.contrib import admin
from django_celery_beat.admin import PeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask

from .admin_mixins import AuditedAdminMixin
from .models import AuditEvent
from .services import audit_record


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by services only and never edited."""

    list_display = ["occurred_at", "actor_email", "action", "target_type", "target_id", "ip"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor_email", "action", "target_id", "ip"]
    date_hierarchy = "occurred_at"
    list_select_related = ["actor"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
