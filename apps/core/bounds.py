"""Values that come from outside (query parameters, cursors, paths, request bodies) and are
handed to the database: refused unless the database can hold them, so bad input is a 4xx,
never a database error (500).

- An instant's UTC offset must be within ±15:59: PostgreSQL refuses a larger displacement
  ("time zone displacement out of range"), and no time zone has one.
- In UTC it must fall within years 1 to 9999 (Python's range; PostgreSQL's timestamptz holds
  more, SQLite's adapter overflows outside it). Every instant is handed on in UTC.
- An id is a positive bigint (``1`` to ``2**63 - 1``): SQLite overflows beyond, and an id
  outside that range cannot exist.
- Text holds no NUL character (PostgreSQL refuses it in text) and no unpaired UTF-16
  surrogate (JSON can carry one; it cannot be encoded to UTF-8).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)
BIGINT_MAX = 2**63 - 1


def instant_clean(value: datetime) -> datetime:
    """``value`` (aware) in UTC; ValueError with the reason when the database cannot hold it."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("The date-time needs a time zone (such as Z or +00:00).")
    if abs(offset) > MAX_UTC_OFFSET:
        raise ValueError("The UTC offset must be between -15:59 and +15:59.")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("The date-time is out of range (years 1 to 9999 in UTC).") from None


def text_storable(value: str) -> bool:
    """Whether the database can hold ``value`` as text."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
