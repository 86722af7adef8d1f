"""Filters of the outbound deliveries screen and API; every filter runs in the database."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.utils import timezone

from apps.core.filters import InstantFilter
from apps.platforms.models import Platform

from .models import OutboundDelivery, OutboundEventType


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


class DeliveryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label="Event id",
        widget=forms.TextInput(attrs={"placeholder": "evt_…"}),
    )
    platform = django_filters.ModelChoiceFilter(
        queryset=Platform.objects.order_by("name"),
        to_field_name="slug",
        field_name="endpoint__platform",
        empty_label="Any platform",
        label="Platform",
    )
    event_type = django_filters.ChoiceFilter(
        field_name="event__event_type",
        choices=OutboundEventType.choices,
        empty_label="Any event",
        label="Event",
    )
    state = django_filters.ChoiceFilter(
        choices=OutboundDelivery.State.choices, empty_label="Any state"
    )
    date_from = django_filters.DateFilter(
        method="on_date_from", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        method="on_date_to", label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = OutboundDelivery
        fields = ["q", "platform", "event_type", "state", "date_from", "date_to"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(event__event_id=value) if value else queryset

    # Whole days in the dashboard's time zone, as bounds the created_at index can use.
    def on_date_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=_day_start(value)) if value else queryset

    def on_date_to(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(created_at__lt=_day_start(value + timedelta(days=1)))


class DeliveryApiFilter(django_filters.FilterSet):
    platform = django_filters.CharFilter(
        field_name="endpoint__platform__slug", help_text="Platform slug."
    )
    event_type = django_filters.ChoiceFilter(
        field_name="event__event_type", choices=OutboundEventType.choices, help_text="Event type."
    )
    state = django_filters.ChoiceFilter(
        choices=OutboundDelivery.State.choices, help_text="Delivery state."
    )
    event_id = django_filters.CharFilter(field_name="event__event_id", help_text="evt_… id.")
    created_after = InstantFilter(
        field_name="created_at",
        lookup_expr="gte",
        help_text="ISO 8601 instant: deliveries created at or after it.",
    )
    created_before = InstantFilter(
        field_name="created_at",
        lookup_expr="lt",
        help_text="ISO 8601 instant: deliveries created strictly before it.",
    )

    class Meta:
        model = OutboundDelivery
        fields: list[str] = []
