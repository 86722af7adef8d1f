from __future__ import annotations

from django import forms

from apps.platforms.models import Platform

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class BulkRedeliverForm(forms.Form):
    """Every failed or abandoned delivery to one platform whose event was made in a range."""

    platform = forms.ModelChoiceField(
        queryset=Platform.objects.order_by("name"), to_field_name="slug", empty_label=None
    )
    since = forms.DateTimeField(
        label="Events from",
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    until = forms.DateTimeField(
        label="Events before",
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since >= until:
            self.add_error("until", "The end must be after the start.")
        return cleaned


class EndpointDisableForm(forms.Form):
    reason = forms.CharField(
        max_length=255,
        widget=forms.TextInput(attrs={"placeholder": "Why (kept in the audit log)"}),
    )
