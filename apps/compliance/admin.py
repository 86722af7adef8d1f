"""Compliance records in the Django admin: providers are data (added and renamed here);
verifications are read-only history (decided on the compliance pages, through the services)."""

from __future__ import annotations

from django.contrib import admin

from apps.audit.admin_mixins import AuditedAdminMixin

from .models import (
    AgeVerification,
    DataSubjectRequest,
    ErasureLog,
    KycProvider,
    KycVerification,
    LegalHold,
)


@admin.register(KycProvider)
class KycProviderAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "is_active"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # verifications refer to it; deactivate instead


class ReadOnlyHistoryAdmin(admin.ModelAdmin):
    """History: shown, never added, changed or deleted here (the compliance pages decide)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(KycVerification)
class KycVerificationAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "creator",
        "level_requested",
        "level_granted",
        "status",
        "provider",
        "requested_at",
        "decided_at",
        "expires_on",
    ]
    list_filter = ["status", "provider", "level_granted"]
    search_fields = ["creator__display_name", "creator__user__email", "=provider_reference"]
    list_select_related = ["creator", "provider"]


@admin.register(AgeVerification)
class AgeVerificationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["creator", "method", "verified_on", "expires_on", "created_at"]
    list_filter = ["method"]
    search_fields = ["creator__display_name", "creator__user__email"]
    list_select_related = ["creator"]
    exclude = ["date_of_birth"]  # personal data: shown on the compliance page to compliance


# --- GDPR/CCPA requests: read-only here; handled on the compliance pages ---------------------


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(ReadOnlyHistoryAdmin):
    list_display = ["__str__", "status", "received_at", "due_at", "handled_by"]
    list_filter = ["kind", "status"]


@admin.register(LegalHold)
class LegalHoldAdmin(ReadOnlyHistoryAdmin):
    list_display = ["__str__", "placed_at", "until", "released_at"]


@admin.register(ErasureLog)
class ErasureLogAdmin(ReadOnlyHistoryAdmin):
    list_display = ["__str__", "erased_at", "requested_by", "approved_by", "replay_count"]
