"""Staff forms of the payouts app (the creator's own forms are in forms_creator.py)."""

from __future__ import annotations

from django import forms

from .models import Processor, ProcessorCurrency


class BatchBuildForm(forms.Form):
    processor = forms.ModelChoiceField(
        queryset=Processor.objects.filter(active=True).order_by("name"),
        to_field_name="code",
        required=False,
        empty_label="Every processor",
    )
    currency = forms.ChoiceField(required=False)
    due_only = forms.BooleanField(
        required=False,
        label="Only creators whose schedule is due today",
        help_text="Unticked: everyone payable now, whatever their schedule day.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = ProcessorCurrency.objects.order_by("currency_id").values_list(
            "currency_id", flat=True
        )
        self.fields["currency"].choices = [("", "Every currency")] + [
            (code, code) for code in dict.fromkeys(codes)
        ]


class BatchCancelForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "Why (kept in the audit log)"}),
    )
