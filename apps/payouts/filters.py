"""Filters of the staff batch list (django-filter)."""

from __future__ import annotations

import django_filters
from django import forms

from .models import PayoutBatch, Processor, ProcessorCurrency


def _currency_choices():
    codes = ProcessorCurrency.objects.order_by("currency_id").values_list("currency_id", flat=True)
    return [(code, code) for code in dict.fromkeys(codes)]


class BatchFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=PayoutBatch.Status.choices, empty_label="Any status"
    )
    processor = django_filters.ModelChoiceFilter(
        queryset=Processor.objects.order_by("name"),
        to_field_name="code",
        empty_label="Any processor",
    )
    currency = django_filters.ChoiceFilter(
        field_name="currency_id", choices=_currency_choices, empty_label="Any currency"
    )
    created_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label="Built from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label="Built up to",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    source = django_filters.ChoiceFilter(
        choices=PayoutBatch.Source.choices, empty_label="Any source"
    )

    class Meta:
        model = PayoutBatch
        fields = ["status", "processor", "currency", "source", "created_from", "created_to"]
