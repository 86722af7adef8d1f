from django.contrib import admin

from .models import AuditEvent


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
