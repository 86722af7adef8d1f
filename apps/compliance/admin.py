"""Compliance records in the Django admin: providers are data (added and renamed here);
verifications are read-only history (decided on the compliance pages, through the services)."""

from __future__ import annotations

from django.contrib import admin

from apps.audit.admin_mixins import AuditedAdminMixin

from .models import (
    AgeVerification,
    ComplianceNotice,
    DataSubjectRequest,
    ErasureLog,
    ExportRun,
    IdentityDocument,
    KycProvider,
    KycProviderEvent,
    KycVerification,
    LegalHold,
    Performer,
    Record2257,
    Record2257Version,
    SuspensionProposal,
    Violation,
)
from .services import kyc_provider_event_replay


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


# --- identity documents and 2257 records: read-only here (the compliance pages write) ----------


class Record2257VersionInline(admin.TabularInline):
    model = Record2257Version
    extra = 0
    can_delete = False
    fields = [
        "number",
        "legal_name",
        "date_of_birth",
        "id_document",
        "id_examined_on",
        "created_at",
    ]
    readonly_fields = fields
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Record2257)
class Record2257Admin(ReadOnlyHistoryAdmin):
    """Never deleted, never changed here: amendments are made on the compliance pages."""

    list_display = ["__str__", "performer", "version_count", "is_complete", "amended_at"]
    list_filter = ["is_complete"]
    search_fields = ["performer__legal_name", "performer__names__name"]
    list_select_related = ["performer"]
    readonly_fields = ["retain_until"]
    inlines = [Record2257VersionInline]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(Performer)
class PerformerAdmin(ReadOnlyHistoryAdmin):
    list_display = ["legal_name", "creator", "created_at"]
    search_fields = ["legal_name", "names__name"]
    list_select_related = ["creator"]
    exclude = ["date_of_birth"]  # personal data: shown on the compliance pages

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(IdentityDocument)
class IdentityDocumentAdmin(ReadOnlyHistoryAdmin):
    list_display = ["__str__", "creator", "performer", "status", "expires_on", "uploaded_at"]
    list_filter = ["status", "document_type"]
    list_select_related = ["creator", "performer"]
    # Encrypted values are never shown, not even as ciphertext.
    exclude = ["number_encrypted", "data_key_sealed", "key_id"]


@admin.register(ExportRun)
class ExportRunAdmin(ReadOnlyHistoryAdmin):
    list_display = ["started_at", "finished_at", "actor_label", "record_count", "file_count"]


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


# --- KYC providers' webhook results (read-only: stored and processed by the services) ----------


@admin.register(KycProviderEvent)
class KycProviderEventAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "event_id",
        "provider",
        "status",
        "level",
        "creator",
        "outcome",
        "received_at",
    ]
    list_filter = ["state", "status", "provider"]
    search_fields = ["=event_id", "=verification__provider_reference"]
    list_select_related = ["provider", "verification__creator"]
    date_hierarchy = "received_at"
    actions = ["process_again"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        if not request.user.has_perm("compliance.decide_kycverification"):
            actions.pop("process_again", None)
        return actions

    @admin.action(description="Process the selected failed results again")
    def process_again(self, request, queryset):
        done, refused = 0, []
        for event in queryset.filter(state=KycProviderEvent.State.FAILED):
            kyc_provider_event_replay(event=event, actor=request.user)
            done += 1
        refused = queryset.exclude(state=KycProviderEvent.State.FAILED).count()
        self.message_user(
            request,
            f"{done} result(s) queued to be processed again"
            + (f"; {refused} not failed, left as they are." if refused else "."),
        )

    @admin.display(description="outcome")
    def outcome(self, obj) -> str:
        return obj.outcome_text()

    @admin.display(description="creator", ordering="verification__creator__display_name")
    def creator(self, obj) -> str:
        return str(obj.verification.creator)
