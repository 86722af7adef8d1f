"""The compliance rules other apps read (payouts sits above compliance and imports them from
here, so there is one table of each)."""

from __future__ import annotations

from datetime import date, timedelta

# A KYC level's payout limit over any rolling 30 days, in USD minor units (None: unlimited).
KYC_LIMITS_USD_MINOR: dict[int, int | None] = {0: 10_000, 1: 100_000, 2: 1_000_000, 3: None}
KYC_LIMIT_WINDOW = timedelta(days=30)
KYC_LEVELS = {0: "unverified", 1: "basic", 2: "enhanced", 3: "full"}
MAX_KYC_LEVEL = 3
ADULT_AGE = 18


def kyc_limit_usd_minor(level: int) -> int | None:
    """The rolling-30-day payout limit of a KYC level; an unknown level gets nothing."""
    return KYC_LIMITS_USD_MINOR.get(level, 0)


def birthday_in(year: int, born: date) -> date:
    """The birthday of someone born on ``born`` in ``year``: 29 February falls on 1 March in a
    year that has no 29 February (the common legal reading: the day after 28 February)."""
    try:
        return born.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 3, 1)


def adult_on(born: date) -> date:
    """The day someone born on ``born`` turns 18."""
    return birthday_in(born.year + ADULT_AGE, born)


def is_adult_on(born: date, day: date) -> bool:
    return day >= adult_on(born)
