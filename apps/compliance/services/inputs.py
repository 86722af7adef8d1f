"""What every compliance service checks the same way: who acted (a person, or the system),
a required reason, a plain date. One implementation each (the KYC, documents, GDPR and
violations services call them)."""

from __future__ import annotations

from datetime import date

from apps.core.exceptions import ApplicationError

REASON_MAX_LENGTH = 2000


def is_person(actor) -> bool:
    """A signed-in user (``None`` or an anonymous actor is the system)."""
    return getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None) is not None


def reason_clean(value, *, required: bool = True) -> str:
    reason = (value or "").strip()
    if required and not reason:
        raise ApplicationError("reason_required", "Say why: the reason is kept with the decision.")
    if len(reason) > REASON_MAX_LENGTH:
        raise ApplicationError(
            "reason_too_long", f"The reason is at most {REASON_MAX_LENGTH} characters."
        )
    return reason


def date_clean(value, *, name: str) -> date:
    # A datetime is a date too in Python; refuse it so a time zone never shifts the day.
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise ApplicationError("invalid_date", f"The {name} must be a date.")
    return value
