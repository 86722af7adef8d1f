"""Query filters of the ledger API (/api/v1/ledger/). Every filter runs in the database."""

from __future__ import annotations

import django_filters

from apps.core.filters import IdFilter, InstantFilter

from .models import Account, AccountKind, EntryKind, JournalEntry


class LedgerAccountApiFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=AccountKind.choices, help_text="Account kind.")
    currency = django_filters.CharFilter(
        method="filter_currency", help_text="ISO 4217 code (e.g. USD)."
    )
    creator = IdFilter(field_name="creator_id", help_text="Creator id: that creator's accounts.")
    platform = django_filters.CharFilter(
        field_name="platform__slug",
        help_text="Platform slug: accounts of that platform (its creators' accounts and its "
        "fee revenue).",
    )

    class Meta:
        model = Account
        fields: list[str] = []

    def filter_currency(self, queryset, name: str, value: str):
        return queryset.filter(currency_id=value.strip().upper())


class LedgerEntryApiFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=EntryKind.choices, help_text="Entry kind.")
    platform = django_filters.CharFilter(field_name="platform__slug", help_text="Platform slug.")
    creator = IdFilter(field_name="creator_id", help_text="Creator id.")
    occurred_after = InstantFilter(
        field_name="occurred_at",
        lookup_expr="gte",
        help_text="ISO 8601 instant: entries that occurred at or after it.",
    )
    occurred_before = InstantFilter(
        field_name="occurred_at",
        lookup_expr="lt",
        help_text="ISO 8601 instant: entries that occurred strictly before it.",
    )
    source_id = django_filters.CharFilter(
        field_name="source_id",
        help_text="What caused the entry: a platform transaction id, an entry id, a payout id.",
    )

    class Meta:
        model = JournalEntry
        fields: list[str] = []
