import django_filters
from django import forms

from apps.core.display import RECORDS

from .models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(
        field_name="actor_email", lookup_expr="icontains", label="Actor email"
    )
    action = django_filters.CharFilter(lookup_expr="istartswith", label="Action")
    target_type = django_filters.ChoiceFilter(
        choices=sorted(((label, page.noun) for label, page in RECORDS.items()), key=lambda c: c[1]),
        empty_label="Any kind",
        label="Target",
    )
    target_id = django_filters.CharFilter(label="Target id")
    ip = django_filters.CharFilter(label="IP")
    since = django_filters.DateFilter(
        field_name="occurred_at",
        lookup_expr="date__gte",
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="occurred_at",
        lookup_expr="date__lte",
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "target_type", "target_id", "ip", "since", "until"]
