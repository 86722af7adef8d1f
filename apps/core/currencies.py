"""ISO 4217 currencies FanzDash accepts (code, name, minor-unit exponent)."""

from __future__ import annotations

from functools import lru_cache

from .exceptions import ApplicationError
from .models import Currency
from .money import display_minor

ISO_4217 = [
    ("AED", "UAE Dirham", 2),
    ("ARS", "Argentine Peso", 2),
    ("AUD", "Australian Dollar", 2),
    ("BGN", "Bulgarian Lev", 2),
    ("BHD", "Bahraini Dinar", 3),
    ("BRL", "Brazilian Real", 2),
    ("CAD", "Canadian Dollar", 2),
    ("CHF", "Swiss Franc", 2),
    ("CLP", "Chilean Peso", 0),
    ("CNY", "Yuan Renminbi", 2),
    ("COP", "Colombian Peso", 2),
    ("CZK", "Czech Koruna", 2),
    ("DKK", "Danish Krone", 2),
    ("EUR", "Euro", 2),
    ("GBP", "Pound Sterling", 2),
    ("HKD", "Hong Kong Dollar", 2),
    ("HUF", "Forint", 2),
    ("IDR", "Rupiah", 2),
    ("ILS", "New Israeli Sheqel", 2),
    ("INR", "Indian Rupee", 2),
    ("ISK", "Iceland Krona", 0),
    ("JOD", "Jordanian Dinar", 3),
    ("JPY", "Yen", 0),
    ("KRW", "Won", 0),
    ("KWD", "Kuwaiti Dinar", 3),
    ("MXN", "Mexican Peso", 2),
    ("MYR", "Malaysian Ringgit", 2),
    ("NOK", "Norwegian Krone", 2),
    ("NZD", "New Zealand Dollar", 2),
    ("OMR", "Rial Omani", 3),
    ("PHP", "Philippine Peso", 2),
    ("PLN", "Zloty", 2),
    ("RON", "Romanian Leu", 2),
    ("SAR", "Saudi Riyal", 2),
    ("SEK", "Swedish Krona", 2),
    ("SGD", "Singapore Dollar", 2),
    ("THB", "Baht", 2),
    ("TND", "Tunisian Dinar", 3),
    ("TRY", "Turkish Lira", 2),
    ("TWD", "New Taiwan Dollar", 2),
    ("UAH", "Hryvnia", 2),
    ("USD", "US Dollar", 2),
    ("VND", "Dong", 0),
    ("ZAR", "Rand", 2),
]


@lru_cache(maxsize=256)
def currency_exponent(code: str) -> int:
    """The exponent of an accepted currency; ApplicationError for anything else."""
    if not isinstance(code, str) or len(code) != 3:
        raise ApplicationError("unknown_currency", {"currency": f"{code!r} is not a currency."})
    row = Currency.objects.filter(code=code.upper()).values_list("exponent", flat=True).first()
    if row is None:
        raise ApplicationError("unknown_currency", {"currency": f"Unknown currency {code!r}."})
    return row


def amount_text(minor: int, currency: str) -> str:
    """An amount as people read it, without its currency: ``amount_text(123450, "USD")`` →
    ``"1,234.50"`` (for a page that shows the currency beside it)."""
    return display_minor(int(minor), currency_exponent(str(currency).upper()))


def money_text(minor: int, currency: str) -> str:
    """An amount as people read it, with its currency: ``money_text(123450, "USD")`` →
    ``"1,234.50 USD"`` (messages, pages; never minor units)."""
    return f"{amount_text(minor, currency)} {str(currency).upper()}"
