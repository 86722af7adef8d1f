from __future__ import annotations

from django import forms

from .models import Creator


class CreatorStatusForm(forms.Form):
    """Suspend or unsuspend; closing a creator is not done from this screen."""

    status = forms.ChoiceField(
        choices=[
            (Creator.Status.SUSPENDED, "Suspend"),
            (Creator.Status.ACTIVE, "Unsuspend"),
        ]
    )
    reason = forms.CharField(
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "Why (kept in the audit log)"}),
    )
