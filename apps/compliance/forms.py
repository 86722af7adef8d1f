from __future__ import annotations

from django import forms

from .models import AgeVerification, Violation
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


# --- violations ------------------------------------------------------------------------------

STATUS_FILTERS = [
    ("open", "Open or investigating"),
    ("all", "Every status"),
    *Violation.Status.choices,
]


class ViolationFilterForm(forms.Form):
    status = forms.ChoiceField(choices=STATUS_FILTERS, required=False)
    severity = forms.ChoiceField(
        choices=[("", "Every severity"), *Violation.Severity.choices], required=False
    )
    kind = forms.ChoiceField(choices=[("", "Every kind"), *Violation.Kind.choices], required=False)


class ViolationOpenForm(forms.Form):
    """Staff open a violation: about a creator (by id), a platform, a piece of content, or
    several of them."""

    creator = forms.IntegerField(
        required=False, min_value=1, label="Creator id", help_text="Leave empty: no creator."
    )
    platform = forms.ChoiceField(choices=[], required=False)
    content_reference = forms.CharField(max_length=200, required=False, label="Content reference")
    kind = forms.ChoiceField(choices=Violation.Kind.choices)
    severity = forms.ChoiceField(
        choices=Violation.Severity.choices,
        help_text="A critical violation of a creator holds their payouts at once.",
    )
    summary = forms.CharField(
        max_length=300, widget=forms.TextInput(attrs={"placeholder": "What happened"})
    )

    def __init__(self, *args, platforms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].choices = [("", "No platform")] + [
            (p.slug, p.name) for p in platforms
        ]


class ViolationTransitionForm(forms.Form):
    status = forms.ChoiceField(choices=[], label="Move to")
    reason = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Why (required to close)"}),
    )
    confirmed = forms.BooleanField(
        required=False,
        label="Confirmed: counts as a strike",
        help_text="Only when resolving.",
    )
    release_hold = forms.BooleanField(
        required=False, label="Lift the payout hold this violation placed"
    )

    def __init__(self, *args, statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, Violation.Status(s).label) for s in statuses]


class ViolationNoteForm(forms.Form):
    text = forms.CharField(max_length=2000, label="Note", widget=forms.Textarea(attrs={"rows": 2}))


class SuspensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("suspend", "Suspend the creator"), ("decline", "Do not suspend")]
    )
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
