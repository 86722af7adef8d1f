from __future__ import annotations

from django import forms


class ReviewNoteForm(forms.Form):
    """The note staff leave when they resolve, acknowledge or release something."""

    note = forms.CharField(
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "What was found (kept in the audit log)"}),
    )


class LinkDecisionForm(forms.Form):
    """An optional note with a decision on a platform's link request."""

    note = forms.CharField(max_length=2000, required=False)
