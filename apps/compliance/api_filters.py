"""Filters of the violations API (?status=, ?severity=, ?kind=, ?creator=)."""

from __future__ import annotations

import django_filters

from apps.core.filters import IdFilter

from .models import Violation


class ViolationApiFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Violation.Status.choices, help_text="Status.")
    severity = django_filters.ChoiceFilter(
        choices=Violation.Severity.choices, help_text="Severity."
    )
    kind = django_filters.ChoiceFilter(choices=Violation.Kind.choices, help_text="Kind.")
    creator = IdFilter(field_name="creator_id", help_text="Creator id.")

    class Meta:
        model = Violation
        fields = ["status", "severity", "kind", "creator"]
