"""Changes made in the Django admin go to the audit log too (not only Django's LogEntry)."""

from __future__ import annotations

import json

from .services import audit_record


def _change_message(message) -> object:
    if isinstance(message, str):
        try:
            return json.loads(message) if message else []
        except ValueError:
            return message
    return message


class AuditedAdminMixin:
    """Mix into a ModelAdmin: additions, changes (including admin password changes) and
    deletions are recorded as ``admin.<app_label.model>.<added|changed|deleted>``."""

    def _audit_action(self, verb: str) -> str:
        return f"admin.{self.model._meta.label_lower}.{verb}"

    def log_addition(self, request, obj, message):
        audit_record(
            actor=request.user,
            action=self._audit_action("added"),
            target=obj,
            after={"change": _change_message(message)},
        )
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        audit_record(
            actor=request.user,
            action=self._audit_action("changed"),
            target=obj,
            after={"change": _change_message(message)},
        )
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            audit_record(
                actor=request.user,
                action=self._audit_action("deleted"),
                target=obj,
                before={"repr": str(obj)},
            )
        return super().log_deletions(request, queryset)
