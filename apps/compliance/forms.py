from __future__ import annotations

from django import forms

from .models import AgeVerification
from .rules import KYC_LEVELS

LEVEL_CHOICES = [(str(level), f"{level} — {name}") for level, name in KYC_LEVELS.items()]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class KycDecisionForm(forms.Form):
    """Approve with a level (and an optional expiry) or reject; the reason is required."""

    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    level_granted = forms.TypedChoiceField(
        choices=LEVEL_CHOICES, coerce=int, required=False, label="Level granted"
    )
    expires_on = forms.DateField(
        required=False, widget=DATE_INPUT, label="Expires on", help_text="Leave empty: no expiry."
    )
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Why (kept with the decision)"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "approve" and data.get("level_granted") in (None, ""):
            self.add_error("level_granted", "Choose the level to grant.")
        return data


class KycRequestForm(forms.Form):
    level_requested = forms.TypedChoiceField(
        choices=LEVEL_CHOICES, coerce=int, label="Level requested"
    )
    provider = forms.ChoiceField(choices=[])
    provider_reference = forms.CharField(max_length=200, required=False, label="Reference")

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(p.slug, p.name) for p in providers]


class AgeVerificationForm(forms.Form):
    method = forms.ChoiceField(
        choices=[
            (value, label)
            for value, label in AgeVerification.Method.choices
            if value != AgeVerification.Method.LEGACY
        ]
    )
    date_of_birth = forms.DateField(widget=DATE_INPUT, label="Date of birth")
    verified_on = forms.DateField(widget=DATE_INPUT, label="Verified on")
    expires_on = forms.DateField(widget=DATE_INPUT, label="Expires on")
    note = forms.CharField(max_length=2000, required=False, widget=forms.TextInput())
