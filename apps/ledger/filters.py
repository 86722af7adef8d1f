from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models import Q

from apps.core.filters import IdFilter
from apps.core.models import Currency
from apps.platforms.models import Platform

from .exports import end_of_range, start_of_day
from .models import Account, AccountKind, EntryKind, JournalEntry

NETWORK_OWNER = "network"
_CREATOR_ID = re.compile(r"[Cc#]?(\d+)")


def _platform_choices():
    return [(NETWORK_OWNER, "Network (no platform)")] + [
        (slug, name) for slug, name in Platform.objects.values_list("slug", "name")
    ]


def _currency_choices():
    return list(Currency.objects.values_list("code", "code"))


class AccountFilter(django_filters.FilterSet):
    creator = django_filters.CharFilter(
        method="filter_creator",
        label="Creator",
        widget=forms.TextInput(attrs={"placeholder": "Name, email or id (C42)"}),
    )
    owner = django_filters.ChoiceFilter(
        method="filter_owner", choices=_platform_choices, label="Owner", empty_label="Anyone"
    )
    kind = django_filters.ChoiceFilter(choices=AccountKind.choices, empty_label="Any kind")
    currency = django_filters.ChoiceFilter(
        field_name="currency_id", choices=_currency_choices, empty_label="Any currency"
    )
    nonzero = django_filters.BooleanFilter(
        method="filter_nonzero", label="Non-zero only", widget=forms.CheckboxInput
    )

    class Meta:
        model = Account
        fields = ["creator", "owner", "kind", "currency", "nonzero"]

    def filter_creator(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if found := _CREATOR_ID.fullmatch(value):
            # "42", "C42" or "#42": the creator with that id (as in Beancount names C42).
            return queryset.filter(creator_id=int(found.group(1)))
        return queryset.filter(
            Q(creator__display_name__icontains=value)
            | Q(creator__legal_name__icontains=value)
            | Q(creator__user__email__icontains=value)
        )

    def filter_owner(self, queryset, name, value):
        if value == NETWORK_OWNER:
            return queryset.filter(creator__isnull=True, platform__isnull=True)
        return queryset.filter(platform__slug=value)

    def filter_nonzero(self, queryset, name, value):
        # ``balance`` is the grouped sum of the balance counters (see ledger_account_list).
        return queryset.exclude(balance=0) if value else queryset


class EntryFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=EntryKind.choices, empty_label="Any kind")
    platform = django_filters.ModelChoiceFilter(
        queryset=Platform.objects.all(), to_field_name="slug", empty_label="Any platform"
    )
    creator = IdFilter(field_name="creator_id", label="Creator id")
    since = django_filters.DateFilter(
        method="filter_since", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        method="filter_until", label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    source = django_filters.CharFilter(field_name="source_id", label="Source id")

    class Meta:
        model = JournalEntry
        fields = ["kind", "platform", "creator", "since", "until", "source"]

    # Whole days in UTC, as a range on occurred_at so that its index serves the filter.
    def filter_since(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=start_of_day(value))

    def filter_until(self, queryset, name, value):
        return queryset.filter(occurred_at__lt=end_of_range(value))
