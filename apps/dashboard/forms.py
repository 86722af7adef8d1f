"""Forms of the dashboard's pages."""

from __future__ import annotations

from django import forms

STATEMENT_MAX_DAYS = 366


class StatementForm(forms.Form):
    """Only the range is validated; platform and currency merely narrow the creator's own
    accounts, so a value naming nothing of theirs yields an empty statement, never an error
    that would tell whether something exists."""

    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    platform = forms.CharField(label="Platform", required=False, max_length=50)
    currency = forms.CharField(label="Currency", required=False, max_length=3)

    def __init__(self, *args, platforms=(), currencies=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["platform"].widget = forms.Select(choices=[("", "All platforms"), *platforms])
        self.fields["currency"].widget = forms.Select(
            choices=[("", "All currencies")] + [(c, c) for c in currencies]
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError("The start date must be on or before the end date.")
            if (end - start).days + 1 > STATEMENT_MAX_DAYS:
                raise forms.ValidationError(
                    f"A statement covers at most {STATEMENT_MAX_DAYS} days; "
                    "download a longer period in parts."
                )
        return data
