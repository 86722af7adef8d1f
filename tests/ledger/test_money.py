from decimal import Decimal

import pytest

from apps.core.currencies import currency_exponent
from apps.core.exceptions import ApplicationError
from apps.core.money import format_minor, parse_amount


@pytest.mark.parametrize(
    ("value", "exponent", "minor"),
    [
        ("19.99", 2, 1999),
        (19.99, 2, 1999),  # a JSON number, converted exactly
        (0.1, 2, 10),
        ("1999", 0, 1999),
        (Decimal("1.234"), 3, 1234),
        ("  5.5 ", 2, 550),
        (12, 2, 1200),
        ("1e2", 2, 10000),
    ],
)
def test_parse_amount_is_exact(value, exponent, minor):
    assert parse_amount(value, exponent) == minor


@pytest.mark.parametrize(
    "value",
    [
        "19.999",
        "0",
        "0.00",
        "-1.00",
        "NaN",
        "Infinity",
        "-inf",
        "abc",
        "",
        None,
        True,
        [],
        "1e30",
        19.999,
    ],
)
def test_parse_amount_refuses(value):
    with pytest.raises(ApplicationError) as error:
        parse_amount(value, 2)
    assert error.value.code == "invalid_amount"


def test_parse_amount_zero_and_negative_when_allowed():
    assert parse_amount("0", 2, allow_zero=True) == 0
    assert parse_amount("-1.50", 2, allow_negative=True) == -150


def test_yen_has_no_decimals():
    with pytest.raises(ApplicationError):
        parse_amount("19.5", 0)


@pytest.mark.parametrize(
    ("minor", "exponent", "text"),
    [(1999, 2, "19.99"), (-1599, 2, "-15.99"), (0, 2, "0.00"), (1999, 0, "1999"), (5, 3, "0.005")],
)
def test_format_minor(minor, exponent, text):
    assert format_minor(minor, exponent) == text


def test_currency_table(db):
    assert currency_exponent("USD") == 2
    assert currency_exponent("JPY") == 0
    assert currency_exponent("KWD") == 3
    for bad in ("XXX", "usd1", "", None, "BTC"):
        with pytest.raises(ApplicationError) as error:
            currency_exponent(bad)
        assert error.value.code == "unknown_currency"
