"""Compliance records in the Django admin: providers are data (added and renamed here);
verifications are read-only history (decided on the compliance pages, through the services)."""

from __future__ import annotations

from django.contrib import admin

from apps.audit.admin_mixins import AuditedAdminMixin

from .models import (
    AgeVerification,
    ComplianceNotice,
    KycProvider,
    KycVerification,
    SuspensionProposal,
    Violation,
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


@admin.register(Violation)
class ViolationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["pk", "summary", "kind", "severity", "status", "creator", "opened_at"]
    list_filter = ["status", "severity", "kind", "source"]
    search_fields = ["summary", "creator__display_name", "=content_reference", "=dedupe_key"]
    list_select_related = ["creator"]


@admin.register(SuspensionProposal)
class SuspensionProposalAdmin(ReadOnlyHistoryAdmin):
    list_display = ["creator", "strikes", "status", "proposed_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["creator"]


@admin.register(ComplianceNotice)
class ComplianceNoticeAdmin(ReadOnlyHistoryAdmin):
    list_display = ["creator", "kind", "key", "sent_at"]
    list_filter = ["kind"]
    list_select_related = ["creator"]
