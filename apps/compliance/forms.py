from __future__ import annotations

from django import forms

from .models import AgeVerification, IdentityDocument, PerformerName, Violation
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
        choices=LEVEL_CHOICES, coerce=int, label="Level requested", initial=1
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


# --- identity documents and 2257 records -----------------------------------------------------


class IdentityDocumentUploadForm(forms.Form):
    """The document's details and its files. The files are checked by the service (type by
    content, size): the form only carries them."""

    document_type = forms.ChoiceField(
        choices=IdentityDocument.DocumentType.choices, label="Type of document"
    )
    issuing_country = forms.CharField(
        max_length=2,
        min_length=2,
        label="Issuing country",
        help_text="Two-letter code (ISO 3166), e.g. US, GB, DE.",
    )
    number = forms.CharField(max_length=64, label="Document number", help_text="Stored encrypted.")
    expires_on = forms.DateField(
        required=False, widget=DATE_INPUT, label="Expires on", help_text="Empty: no expiry."
    )
    file = forms.FileField(
        label="File", help_text="PDF, JPEG or PNG, at most 10 MB.", allow_empty_file=True
    )
    file_back = forms.FileField(
        required=False,
        label="Second file (optional)",
        help_text="e.g. the back of a card.",
        allow_empty_file=True,
    )


class IdentityDocumentReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("reject", "Reject")])
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Why (kept with the decision)"}),
    )


NAMES_HELP = (
    "One name a line. Start a line with “stage:”, “maiden:” or “other:” for those kinds; "
    "any other line is an alias."
)
NAME_PREFIXES = {
    "alias": PerformerName.Kind.ALIAS,
    "stage": PerformerName.Kind.STAGE_NAME,
    "stage name": PerformerName.Kind.STAGE_NAME,
    "maiden": PerformerName.Kind.MAIDEN_NAME,
    "maiden name": PerformerName.Kind.MAIDEN_NAME,
    "other": PerformerName.Kind.OTHER,
}
NAME_KIND_PREFIX = {
    PerformerName.Kind.ALIAS: "",
    PerformerName.Kind.STAGE_NAME: "stage: ",
    PerformerName.Kind.MAIDEN_NAME: "maiden: ",
    PerformerName.Kind.OTHER: "other: ",
}


def names_parse(text: str) -> list[tuple[str, str]]:
    names = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        prefix, sep, rest = line.partition(":")
        kind = NAME_PREFIXES.get(prefix.strip().lower()) if sep else None
        if kind is None:
            names.append((line, PerformerName.Kind.ALIAS))
        elif rest.strip():
            names.append((rest.strip(), kind))
    return names


def names_text(names: list[dict]) -> str:
    return "\n".join(f"{NAME_KIND_PREFIX[item['kind']]}{item['name']}" for item in names)


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class PerformerForm(forms.Form):
    legal_name = forms.CharField(max_length=200, label="Legal name")
    date_of_birth = forms.DateField(required=False, widget=DATE_INPUT, label="Date of birth")
    names = forms.CharField(
        required=False,
        label="Other names used",
        help_text=NAMES_HELP,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    content_references = forms.CharField(
        required=False,
        label="Content references",
        help_text="The productions or content this record covers, one a line "
        "(e.g. boyfanz:post/123).",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class Record2257AmendForm(PerformerForm):
    id_document = forms.TypedChoiceField(
        choices=[], coerce=int, required=False, empty_value=None, label="ID document examined"
    )
    id_examined_on = forms.DateField(
        required=False, widget=DATE_INPUT, label="ID document examined on"
    )
    reason = forms.CharField(
        max_length=2000,
        label="Why this amendment",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["id_document"].choices = [("", "None yet")] + [
            (
                document.pk,
                f"#{document.pk} {document.get_document_type_display()} "
                f"({document.issuing_country}), {document.get_status_display().lower()}",
            )
            for document in documents
            if not document.is_destroyed
        ]


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
