from __future__ import annotations

from django import forms
from django.utils import timezone

from .exports import end_of_range, start_of_day


class AsOfForm(forms.Form):
    as_of = forms.DateTimeField(
        required=False,
        label="Balance as of (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}),
        help_text="Everything that occurred at or before this instant.",
    )


class ReverseEntryForm(forms.Form):
    reason = forms.CharField(
        max_length=400,
        strip=True,
        widget=forms.TextInput(attrs={"placeholder": "Why is this entry reversed?"}),
    )


class StatementForm(forms.Form):
    """Date range (inclusive, UTC days) and which of the creator's accounts: all platforms
    in one currency (``all:USD``) or one platform in one currency (``boyfanz:USD``). A
    statement is in one currency: a running balance adding dollars to euros means nothing."""

    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="From")
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="To")
    scope = forms.ChoiceField(label="Accounts")

    def __init__(self, data=None, *, accounts, default_currency: str = "USD"):
        today = timezone.now().date()
        initial_start = today.replace(day=1)
        choices = []
        currencies = sorted({a.currency_id for a in accounts})
        for currency in currencies:
            choices.append((f"all:{currency}", f"All platforms · {currency}"))
        seen = set()
        for account in accounts:
            key = f"{account.platform.slug}:{account.currency_id}"
            if key not in seen:
                seen.add(key)
                choices.append((key, f"{account.platform.name} · {account.currency_id}"))
        default_scope = (
            f"all:{default_currency}"
            if default_currency in currencies
            else (choices[0][0] if choices else "")
        )
        initial = {"start": initial_start, "end": today, "scope": default_scope}
        if data is not None:
            data = {**initial, **{k: v for k, v in data.items() if v not in ("", None)}}
        super().__init__(data if data is not None else initial)
        self.fields["scope"].choices = choices or [("", "No accounts yet")]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            raise forms.ValidationError("The end date is before the start date.")
        return cleaned

    def range(self) -> tuple:
        return start_of_day(self.cleaned_data["start"]), end_of_range(self.cleaned_data["end"])

    def selected(self, accounts) -> tuple[str, list]:
        """The currency and the accounts of the chosen scope."""
        platform, currency = self.cleaned_data["scope"].split(":", 1)
        chosen = [
            a
            for a in accounts
            if a.currency_id == currency and (platform == "all" or a.platform.slug == platform)
        ]
        return currency, chosen
