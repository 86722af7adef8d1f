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


# --- GDPR/CCPA requests and legal holds ------------------------------------------------------

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class GdprRequestForm(forms.Form):
    """A new request. The subject: a user (by email of an account), a creator (id), a
    platform user (platform + the platform's user id), or just an email."""

    kind = forms.ChoiceField(choices=[])
    received_at = forms.DateTimeField(
        widget=DATETIME_INPUT, label="Received at", help_text="UTC; the clock starts here."
    )
    subject_creator = forms.IntegerField(
        required=False, min_value=1, label="Creator id", help_text="If the subject is a creator."
    )
    subject_platform = forms.ChoiceField(required=False, choices=[], label="Platform")
    subject_platform_user_id = forms.CharField(
        required=False, max_length=100, label="Platform user id"
    )
    subject_email = forms.EmailField(
        required=False, label="Email", help_text="The email the subject wrote from or uses."
    )
    identity_check = forms.ChoiceField(
        choices=[
            ("not_needed", "Not needed (we know who they are)"),
            ("waiting", "Ask for proof of identity (the clock pauses)"),
        ],
        label="Identity check",
    )
    notes = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, platforms=(), **kwargs):
        from .models import DataSubjectRequest

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = DataSubjectRequest.Kind.choices
        self.fields["subject_platform"].choices = [("", "—")] + [
            (p.slug, p.name) for p in platforms
        ]


class GdprExtendForm(forms.Form):
    months = forms.TypedChoiceField(
        choices=[("1", "1 month"), ("2", "2 months")], coerce=int, label="Extend by"
    )
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    subject_told_at = forms.DateTimeField(
        widget=DATETIME_INPUT, label="Subject told at", help_text="UTC"
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class LegalHoldForm(forms.Form):
    subject_creator = forms.IntegerField(required=False, min_value=1, label="Creator id")
    subject_email = forms.EmailField(required=False, label="Email")
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    until = forms.DateField(
        required=False, widget=DATE_INPUT, label="Until", help_text="Empty: until released."
    )
