"""The ledger in the Django admin: read-only. Money moves only through the ledger services
(and the screens and commands built on them); entries and postings are immutable."""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin import ReadOnlyAdminMixin

from .models import Account, AccountBalance, JournalEntry, PendingRelease, Posting


@admin.register(Account)
class AccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["key", "kind", "currency", "creator", "platform", "shard_count", "created_at"]
    list_filter = ["kind", "currency"]
    search_fields = ["key", "creator__display_name", "platform__slug"]
    list_select_related = ["creator", "platform", "currency"]


class PostingInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Posting
    fields = ["account", "amount", "occurred_at"]
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account")


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "occurred_at", "kind", "platform", "creator", "idempotency_key", "memo"]
    list_filter = ["kind", "platform"]
    search_fields = ["=id", "idempotency_key", "source_id", "memo"]
    date_hierarchy = "occurred_at"
    list_select_related = ["platform", "creator"]
    inlines = [PostingInline]


@admin.register(AccountBalance)
class AccountBalanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["account", "shard", "balance", "posting_count"]
    search_fields = ["account__key"]
    list_select_related = ["account"]


@admin.register(PendingRelease)
class PendingReleaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["entry", "pending_account", "amount", "available_at", "released_entry"]
    list_filter = [("released_entry", admin.EmptyFieldListFilter)]
    search_fields = ["=entry__id", "entry__idempotency_key", "pending_account__key"]
    date_hierarchy = "available_at"
    list_select_related = ["entry", "pending_account", "released_entry"]
