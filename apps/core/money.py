"""Money is integer minor units plus an ISO 4217 currency. Never a float.

``parse_amount`` turns what an API or form received ("19.99", 19.99 as JSON number, Decimal)
into minor units exactly, refusing what cannot be represented; ``format_minor`` goes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from .exceptions import ApplicationError


@dataclass(frozen=True, slots=True)
class Money:
    minor: int
    currency: str
    exponent: int

    @property
    def decimal(self) -> Decimal:
        return minor_to_decimal(self.minor, self.exponent)

    def __str__(self) -> str:
        return f"{format_minor(self.minor, self.exponent)} {self.currency}"


def minor_to_decimal(minor: int, exponent: int) -> Decimal:
    return Decimal(minor).scaleb(-exponent)


def format_minor(minor: int, exponent: int) -> str:
    """Signed decimal string with exactly ``exponent`` decimals: 1999, 2 -> "19.99" (for
    machines: the API, CSV files, bank files)."""
    return f"{minor_to_decimal(minor, exponent):.{exponent}f}"


def display_minor(minor: int, exponent: int) -> str:
    """The amount as people read it, with thousands separators: 123450, 2 -> "1,234.50";
    negative with a minus sign. (Templates: the ``amount`` and ``money`` filters.)"""
    return f"{minor_to_decimal(minor, exponent):,.{exponent}f}"


class JsonNumber(float):
    """A JSON number with a fraction or exponent, as the sender wrote it. ``json.loads(...,
    parse_float=JsonNumber)`` keeps the literal beside the float, so ``parse_amount`` converts
    ``19.999999999999999999`` exactly (and refuses it) instead of the float's rounding (20.0)."""

    __slots__ = ("literal",)

    def __new__(cls, literal: str):
        number = super().__new__(cls, literal)
        number.literal = literal
        return number


def parse_amount(
    value: object,
    exponent: int,
    *,
    allow_zero: bool = False,
    allow_negative: bool = False,
    field: str = "amount",
) -> int:
    """Exact conversion to minor units. Refuses floats' artefacts, NaN/Infinity, too many
    decimals, zero and negatives (unless allowed), with an ApplicationError naming ``field``."""
    if isinstance(value, bool) or value is None:
        raise ApplicationError("invalid_amount", {field: "Expected a decimal amount."})
    if isinstance(value, JsonNumber):
        value = value.literal
    elif isinstance(value, float):
        # A plain float's shortest repr is what the sender wrote, up to ~17 digits.
        value = repr(value)
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            "invalid_amount", {field: f"{value!r} is not a decimal amount."}
        ) from None
    if not amount.is_finite():
        raise ApplicationError("invalid_amount", {field: "Amount must be a finite number."})
    scaled = amount.scaleb(exponent)
    if scaled != scaled.to_integral_value(rounding=ROUND_DOWN):
        raise ApplicationError(
            "invalid_amount",
            {field: f"At most {exponent} decimal place{'s' if exponent != 1 else ''} allowed."},
        )
    minor = int(scaled)
    if minor == 0 and not allow_zero:
        raise ApplicationError("invalid_amount", {field: "Amount must not be zero."})
    if minor < 0 and not allow_negative:
        raise ApplicationError("invalid_amount", {field: "Amount must be positive."})
    if abs(minor) >= 2**62:
        raise ApplicationError("invalid_amount", {field: "Amount is too large."})
    return minor
