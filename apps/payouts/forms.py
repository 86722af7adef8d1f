"""Forms of the payouts app: the staff batch forms, and the creator's own pages (one details
form per method type, and the schedule).

The creator's forms check shape only (lengths, choices); the rules live in ``validation.py``
and the services, whose ``{field: [messages]}`` the views put back on these fields.
"""

from __future__ import annotations

from django import forms

from apps.core.currencies import currency_exponent
from apps.core.exceptions import ApplicationError
from apps.core.money import parse_amount

from .models import PayoutSchedule, Processor, ProcessorCurrency
from .validation import ACCOUNT_TYPES

# --- staff: batches ----------------------------------------------------------------------


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


# --- the creator's payout pages ----------------------------------------------------------

MethodType = Processor.MethodType


def _text(label: str, *, max_length: int = 140, required: bool = True, help_text: str = ""):
    return forms.CharField(
        label=label, max_length=max_length, required=required, help_text=help_text
    )


class MethodBaseForm(forms.Form):
    """Currency and label, common to every method type."""

    currency = forms.ChoiceField(label="Currency paid out")
    label = _text("Your name for it", max_length=100, required=False, help_text="Optional.")

    def __init__(self, *args, currencies: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(c, c) for c in currencies]
        # Details first, currency and label last.
        order = [n for n in self.fields if n not in ("currency", "label")]
        self.order_fields([*order, "currency", "label"])

    def details(self) -> dict:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("currency", "label") and value not in (None, "")
        }


class IbanForm(MethodBaseForm):
    account_holder = _text("Account holder")
    iban = _text("IBAN", max_length=42, help_text="Like DE89 3704 0044 0532 0130 00.")
    bic = _text("BIC (SWIFT code)", max_length=14, required=False, help_text="Optional.")


class UsBankForm(MethodBaseForm):
    account_holder = _text("Account holder", max_length=22)
    routing_number = _text("Routing number", max_length=11, help_text="9 digits.")
    account_number = _text("Account number", max_length=20)
    account_type = forms.ChoiceField(label="Account type", choices=list(ACCOUNT_TYPES.items()))


class WireForm(MethodBaseForm):
    account_holder = _text("Account holder")
    bank_name = _text("Bank name")
    bic = _text("SWIFT code (BIC)", max_length=14)
    bank_country = _text("Bank country", max_length=2, help_text="Two-letter code, like CH or GB.")
    iban = _text("IBAN", max_length=42, required=False, help_text="If the bank uses IBANs.")
    account_number = _text(
        "Account number", max_length=40, required=False, help_text="If there is no IBAN."
    )
    bank_address = _text("Bank address", max_length=200, required=False)


class CryptoForm(MethodBaseForm):
    address = _text("Wallet address", max_length=120)


class EmailAccountForm(MethodBaseForm):
    email = forms.EmailField(label="Account email", max_length=254)


class WiseForm(MethodBaseForm):
    account_holder = _text("Account holder")
    email = forms.EmailField(
        label="Wise account email", max_length=254, required=False, help_text="Or an IBAN below."
    )
    iban = _text("IBAN", max_length=42, required=False, help_text="Optional if you gave an email.")
    bic = _text("BIC (SWIFT code)", max_length=14, required=False, help_text="Optional.")


class CheckForm(MethodBaseForm):
    payee_name = _text("Name on the check", max_length=100)
    address_line1 = _text("Street address", max_length=100)
    address_line2 = _text("Address line 2", max_length=100, required=False)
    city = _text("City", max_length=60)
    region = _text("State or region", max_length=60, required=False)
    postal_code = _text("ZIP or postal code", max_length=12)
    country = _text("Country", max_length=2, help_text="Two-letter code, like US.")


class SandboxForm(MethodBaseForm):
    account = _text("Sandbox account", max_length=64)
    outcome = _text(
        "Outcome to simulate",
        max_length=64,
        required=False,
        help_text="Optional, for demos: e.g. account_closed.",
    )


METHOD_FORMS: dict[str, type[MethodBaseForm]] = {
    MethodType.IBAN: IbanForm,
    MethodType.US_BANK: UsBankForm,
    MethodType.WIRE: WireForm,
    MethodType.CRYPTO: CryptoForm,
    MethodType.PAXUM: EmailAccountForm,
    MethodType.PAYONEER: EmailAccountForm,
    MethodType.EPAYSERVICE: EmailAccountForm,
    MethodType.WISE: WiseForm,
    MethodType.CHECK: CheckForm,
    MethodType.SANDBOX: SandboxForm,
}


def method_form_for(processor: Processor, currencies: list[str], data=None) -> MethodBaseForm:
    form_class = METHOD_FORMS[processor.method_type]
    initial = {"currency": currencies[0]} if currencies else {}
    return form_class(data, currencies=currencies, initial=initial)


def apply_errors(form: forms.Form, errors) -> None:
    """Put a service's ``{field: [messages]}`` (or words) on the form's fields."""
    if not isinstance(errors, dict):
        form.add_error(None, str(errors))
        return
    for name, messages in errors.items():
        target = name if name in form.fields else None
        for message in messages if isinstance(messages, list) else [messages]:
            form.add_error(target, message)


WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


class ScheduleForm(forms.Form):
    kind = forms.ChoiceField(label="When", choices=PayoutSchedule.Kind.choices)
    weekday = forms.TypedChoiceField(
        label="Day of the week (weekly)",
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        empty_value=None,
    )
    day_of_month = forms.TypedChoiceField(
        label="Day of the month (monthly)",
        choices=[(d, str(d)) for d in range(1, 29)],
        coerce=int,
        required=False,
        empty_value=None,
    )
    threshold = forms.CharField(
        label="Pay me when my balance reaches (threshold)", max_length=24, required=False
    )
    minimum = forms.CharField(label="Minimum payout", max_length=24)
    currency = forms.ChoiceField(label="Currency")

    def __init__(self, *args, currencies: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(c, c) for c in currencies]

    def _amount(self, name: str, *, required: bool) -> int | None:
        text = (self.cleaned_data.get(name) or "").strip()
        currency = self.cleaned_data.get("currency")
        if not text:
            if required:
                self.add_error(name, "Enter an amount.")
            return None
        if not currency:
            return None
        try:
            return parse_amount(text, currency_exponent(currency), allow_zero=True, field=name)
        except ApplicationError as error:
            detail = error.detail
            self.add_error(name, detail.get(name) if isinstance(detail, dict) else str(detail))
            return None

    def clean(self):
        data = super().clean()
        data["minimum_minor"] = self._amount("minimum", required=True)
        data["threshold_minor"] = self._amount(
            "threshold", required=data.get("kind") == PayoutSchedule.Kind.THRESHOLD
        )
        return data
