from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from apps.core.currencies import ISO_4217
from apps.platforms.models import Platform

from .models import Creator, PlatformAccount

KYC_LEVELS = [(str(level), f"Level {level}") for level in range(4)]
# Minor-unit exponents a currency may have (ISO 4217 uses 0, 2, 3 and 4); the balance range is
# compared per exponent so "100.00" means 100 yen and 100 dollars, exactly, in the database.
EXPONENTS = range(7)
LIMIT = 2**62  # beyond any balance (apps.core.money refuses amounts this large)


def _minor_bound(value: Decimal, exponent: int, rounding: str) -> int:
    bound = int(value.scaleb(exponent).to_integral_value(rounding=rounding))
    return max(-LIMIT, min(LIMIT, bound))


class CreatorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label="Search",
        widget=forms.TextInput(attrs={"placeholder": "Name, email or platform id"}),
    )
    platform = django_filters.ModelChoiceFilter(
        queryset=Platform.objects.order_by("name"),
        to_field_name="slug",
        method="on_platform",
        empty_label="Any platform",
        label="Platform",
    )
    status = django_filters.ChoiceFilter(choices=Creator.Status.choices, empty_label="Any status")
    kyc_level = django_filters.ChoiceFilter(
        choices=KYC_LEVELS, empty_label="Any KYC level", label="KYC level"
    )
    currency = django_filters.ChoiceFilter(
        field_name="default_currency_id",
        choices=[(code, code) for code, _name, _exponent in ISO_4217],
        empty_label="Any currency",
        label="Currency",
    )
    balance_min = django_filters.NumberFilter(
        method="on_balance_min",
        label="Available from",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0.00"}),
    )
    balance_max = django_filters.NumberFilter(
        method="on_balance_max",
        label="Available up to",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0.00"}),
    )

    class Meta:
        model = Creator
        fields = ["q", "platform", "status", "kyc_level", "currency", "balance_min", "balance_max"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        on_platform = PlatformAccount.objects.filter(
            creator=OuterRef("pk"), external_id__icontains=value
        )
        return queryset.filter(
            Q(display_name__icontains=value)
            | Q(legal_name__icontains=value)
            | Q(user__email__icontains=value)
            | Exists(on_platform)
        )

    def on_platform(self, queryset, name, platform):
        if platform is None:
            return queryset
        return queryset.filter(
            Exists(PlatformAccount.objects.filter(creator=OuterRef("pk"), platform=platform))
        )

    def _on_balance(self, queryset, value: Decimal | None, lookup: str, rounding: str):
        """``available_minor`` (annotated by ``creator_list``) against a major-unit bound,
        rounded to each currency's minor unit in the direction that keeps the bound exact."""
        if value is None:
            return queryset
        condition = Q()
        for exponent in EXPONENTS:
            condition |= Q(
                default_currency__exponent=exponent,
                **{f"available_minor__{lookup}": _minor_bound(value, exponent, rounding)},
            )
        return queryset.filter(condition)

    def on_balance_min(self, queryset, name, value):
        return self._on_balance(queryset, value, "gte", ROUND_CEILING)

    def on_balance_max(self, queryset, name, value):
        return self._on_balance(queryset, value, "lte", ROUND_FLOOR)
