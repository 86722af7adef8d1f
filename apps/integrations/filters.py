from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from apps.audit.models import SecurityEvent
from apps.core.filters import InstantFilter
from apps.creators.models import Creator, PayoutHold
from apps.platforms.models import Platform

from .models import CENTRAL_SOURCE, EarningsReport, WebhookEvent
from .schemas import EVENT_TYPES


def _source_choices():
    platforms = Platform.objects.order_by("name").values_list("slug", "name")
    return [*platforms, (CENTRAL_SOURCE, "FanzDash (central)")]


def _words(code: str) -> str:
    text = code.replace("_", " ")
    return text[:1].upper() + text[1:]


def _date(label: str, lookup: str, field: str):
    return django_filters.DateFilter(
        field_name=field,
        lookup_expr=lookup,
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class WebhookEventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label="Event or transaction id",
        widget=forms.TextInput(attrs={"placeholder": "evt_… or tx_…"}),
    )
    source = django_filters.ChoiceFilter(
        choices=_source_choices, empty_label="Any platform", label="Platform"
    )
    event_type = django_filters.ChoiceFilter(
        choices=[(name, _words(name)) for name in EVENT_TYPES], empty_label="Any type", label="Type"
    )
    state = django_filters.ChoiceFilter(choices=WebhookEvent.State.choices, empty_label="Any state")
    since = _date("Received from", "gte", "received_at__date")
    until = _date("Received to", "lte", "received_at__date")

    class Meta:
        model = WebhookEvent
        fields = ["q", "source", "event_type", "state", "since", "until"]

    def search(self, queryset, name, value):
        # Exact ids: both columns are indexed (event_id with source), a LIKE would scan.
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(event_id=value) | Q(transaction_id=value))


class EarningsReportFilter(django_filters.FilterSet):
    platform = django_filters.ModelChoiceFilter(
        queryset=Platform.objects.order_by("name"), to_field_name="slug", empty_label="Any platform"
    )
    status = django_filters.ChoiceFilter(
        choices=EarningsReport.Status.choices, empty_label="Any status"
    )
    creator_external_id = django_filters.CharFilter(label="Platform creator id")

    class Meta:
        model = EarningsReport
        fields = ["platform", "status", "creator_external_id"]


OPEN_CHOICES = [("open", "Open"), ("closed", "Done")]


class SecurityEventFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=SecurityEvent.Kind.choices, empty_label="Any kind")
    severity = django_filters.ChoiceFilter(
        choices=SecurityEvent.Severity.choices, empty_label="Any severity"
    )
    open = django_filters.ChoiceFilter(
        choices=OPEN_CHOICES, method="on_open", empty_label="Open and acknowledged", label="State"
    )
    since = _date("From", "gte", "occurred_at__date")
    until = _date("To", "lte", "occurred_at__date")

    class Meta:
        model = SecurityEvent
        fields = ["kind", "severity", "open", "since", "until"]

    def on_open(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(acknowledged_at__isnull=value == "open")


class PayoutHoldFilter(django_filters.FilterSet):
    open = django_filters.ChoiceFilter(
        choices=OPEN_CHOICES, method="on_open", empty_label="Open and released", label="State"
    )
    source = django_filters.ChoiceFilter(
        choices=PayoutHold.Source.choices, empty_label="Any source"
    )
    # A choice of the creators who have (had) a hold; a creator's page links here with
    # ?creator=<id> ("Review and release holds").
    creator = django_filters.ModelChoiceFilter(
        queryset=lambda request: Creator.objects.filter(
            Exists(PayoutHold.objects.filter(creator=OuterRef("pk")))
        ).order_by("display_name", "pk"),
        empty_label="Any creator",
        label="Creator",
    )

    class Meta:
        model = PayoutHold
        fields = ["open", "source", "creator"]

    def on_open(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(released_at__isnull=value == "open")


class WebhookEventApiFilter(django_filters.FilterSet):
    platform = django_filters.CharFilter(
        field_name="source",
        help_text="Who sent it: a platform slug, or `fanzdash` for central events.",
    )
    type = django_filters.CharFilter(
        field_name="event_type", help_text="Event type, e.g. `tip_sent`."
    )
    state = django_filters.ChoiceFilter(
        choices=WebhookEvent.State.choices,
        help_text="received (waiting to be processed), processed, ignored or failed.",
    )
    event_id = django_filters.CharFilter(field_name="event_id", help_text="The event's id.")
    transaction_id = django_filters.CharFilter(
        field_name="transaction_id", help_text="The platform's transaction id in the event."
    )
    creator_external_id = django_filters.CharFilter(
        field_name="creator_external_id", help_text="The event's `creatorId`."
    )
    received_after = InstantFilter(
        field_name="received_at",
        lookup_expr="gte",
        help_text="ISO 8601 instant: events received at or after it.",
    )
    received_before = InstantFilter(
        field_name="received_at",
        lookup_expr="lt",
        help_text="ISO 8601 instant: events received strictly before it.",
    )

    class Meta:
        model = WebhookEvent
        fields: list[str] = []
