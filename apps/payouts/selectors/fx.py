"""Exchange rates for the KYC limits (in USD) and crypto destination amounts.

The rate in force at an instant is the newest ``FxRate`` whose ``as_of`` is not after it.
A missing direct pair is derived from its inverse, or through USD. Arithmetic is exact
``Decimal``; every conversion says how it rounds (``ROUND_DOWN`` or ``ROUND_UP``), so that a
limit is never exceeded: what was already paid is converted rounding up, what may still be
paid rounding down.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_DOWN, ROUND_UP, Context, Decimal, localcontext

from django.utils import timezone

from apps.core.currencies import currency_exponent
from apps.core.exceptions import ApplicationError
from apps.payouts.models import FxRate

PIVOT = "USD"
PRECISION = 40  # significant digits: far beyond any amount times rate we hold


class FxTable:
    """The rates in force at one instant, loaded in one query; convert many amounts with it."""

    def __init__(
        self, at: datetime | None = None, rates: dict[tuple[str, str], Decimal] | None = None
    ):
        self.at = at or timezone.now()
        if rates is None:
            rates = {}
            rows = (
                FxRate.objects.filter(as_of__lte=self.at)
                .order_by("base", "quote", "-as_of")
                .values_list("base", "quote", "rate")
            )
            for base, quote, rate in rows:
                rates.setdefault((base.upper(), quote.upper()), rate)
        self.rates = rates

    def rate(self, base: str, quote: str) -> Decimal:
        """How many ``quote`` one ``base`` buys."""
        base, quote = base.upper(), quote.upper()
        with localcontext(Context(prec=PRECISION)):
            if base == quote:
                return Decimal(1)
            if (base, quote) in self.rates:
                return self.rates[(base, quote)]
            if (quote, base) in self.rates:
                return Decimal(1) / self.rates[(quote, base)]
            if PIVOT not in (base, quote):
                try:
                    return self.rate(base, PIVOT) * self.rate(PIVOT, quote)
                except ApplicationError:
                    pass
        raise ApplicationError(
            "fx_rate_missing",
            f"No {base}/{quote} exchange rate is in force at {self.at:%Y-%m-%d %H:%M} UTC.",
            status_code=409,
        )

    def convert_minor(
        self, amount_minor: int, source: str, target: str, *, rounding: str = ROUND_DOWN
    ) -> int:
        """``amount_minor`` of ``source`` in minor units of ``target``, rounded as told."""
        if source.upper() == target.upper():
            return amount_minor
        rate = self.rate(source, target)
        with localcontext(Context(prec=PRECISION)):
            major = Decimal(amount_minor).scaleb(-currency_exponent(source))
            target_minor = (major * rate).scaleb(currency_exponent(target))
            return int(target_minor.to_integral_value(rounding=rounding))

    def convert_to_asset(
        self, amount_minor: int, source: str, asset: str
    ) -> tuple[Decimal, Decimal]:
        """A fiat amount as a crypto ``asset`` quantity (12 decimals, rounded down) and the
        rate used (asset units per one ``source`` unit)."""
        rate = self.rate(source, asset)
        with localcontext(Context(prec=PRECISION)):
            major = Decimal(amount_minor).scaleb(-currency_exponent(source))
            quantity = (major * rate).quantize(Decimal("1e-12"), rounding=ROUND_DOWN)
            return quantity, rate.quantize(Decimal("1e-12"), rounding=ROUND_DOWN)


def fx_rate(base: str, quote: str, *, at: datetime | None = None) -> Decimal:
    return FxTable(at).rate(base, quote)


def convert_minor(
    amount_minor: int,
    source: str,
    target: str,
    *,
    at: datetime | None = None,
    rounding: str = ROUND_DOWN,
) -> int:
    return FxTable(at).convert_minor(amount_minor, source, target, rounding=rounding)


__all__ = ["ROUND_DOWN", "ROUND_UP", "FxTable", "convert_minor", "fx_rate"]
