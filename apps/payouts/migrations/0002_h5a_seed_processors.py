"""Processors as data (fees, limits, currencies, speed, settlement) and demo FX rates.

Fees and limits are plausible list prices for demos; finance edits them in the admin. The FX
rates are DEMO RATES (source "demo"), dated 2026-01-01: load real ones before going live.
Re-running is harmless (update_or_create by code / by (base, quote, as_of))."""

from datetime import UTC, datetime
from decimal import Decimal

from django.db import migrations

# code, name, method_type, crypto_asset, settlement, file_format, fee %, speed, instant,
# [(currency, fixed fee minor, min minor, max minor or None)]
PROCESSORS = [
    (
        "paxum",
        "Paxum",
        "paxum",
        "",
        "file",
        "paxum",
        "1.00",
        "Same day",
        True,
        [("USD", 100, 2000, 5_000_000), ("EUR", 100, 2000, 5_000_000)],
    ),
    (
        "epayservice",
        "ePayService",
        "epayservice",
        "",
        "file",
        "csv",
        "1.50",
        "1 business day",
        False,
        [("USD", 150, 2000, 2_500_000), ("EUR", 150, 2000, 2_500_000)],
    ),
    (
        "wise",
        "Wise",
        "wise",
        "",
        "file",
        "wise",
        "0.50",
        "1-2 business days",
        False,
        [
            ("USD", 100, 1000, 10_000_000),
            ("EUR", 80, 1000, 10_000_000),
            ("GBP", 70, 1000, 10_000_000),
            ("CAD", 100, 1000, 10_000_000),
            ("AUD", 100, 1000, 10_000_000),
        ],
    ),
    (
        "payoneer",
        "Payoneer",
        "payoneer",
        "",
        "file",
        "csv",
        "2.00",
        "2-3 business days",
        False,
        [("USD", 300, 5000, 2_000_000), ("EUR", 300, 5000, 2_000_000)],
    ),
    (
        "crypto-btc",
        "Bitcoin (BTC)",
        "crypto",
        "BTC",
        "file",
        "csv",
        "1.00",
        "About 1 hour (confirmations)",
        True,
        [("USD", 500, 5000, None)],
    ),
    (
        "crypto-eth",
        "Ethereum (ETH)",
        "crypto",
        "ETH",
        "file",
        "csv",
        "1.00",
        "About 15 minutes",
        True,
        [("USD", 300, 5000, None)],
    ),
    (
        "crypto-usdt",
        "Tether (USDT, ERC-20)",
        "crypto",
        "USDT",
        "file",
        "csv",
        "0.50",
        "About 15 minutes",
        True,
        [("USD", 200, 2000, None)],
    ),
    (
        "crypto-usdc",
        "USD Coin (USDC, ERC-20)",
        "crypto",
        "USDC",
        "file",
        "csv",
        "0.50",
        "About 15 minutes",
        True,
        [("USD", 200, 2000, None)],
    ),
    (
        "ach",
        "ACH (US bank transfer)",
        "us_bank",
        "",
        "file",
        "nacha",
        "0.00",
        "1-3 business days",
        False,
        [("USD", 25, 1000, 10_000_000)],
    ),
    (
        "sepa",
        "SEPA credit transfer",
        "iban",
        "",
        "file",
        "sepa",
        "0.00",
        "1 business day",
        False,
        [("EUR", 20, 1000, 10_000_000)],
    ),
    (
        "wire",
        "International wire (SWIFT)",
        "wire",
        "",
        "file",
        "csv",
        "0.00",
        "2-5 business days",
        False,
        [
            ("USD", 2500, 50000, None),
            ("EUR", 2500, 50000, None),
            ("GBP", 2000, 50000, None),
            ("CAD", 3000, 50000, None),
            ("AUD", 3000, 50000, None),
            ("JPY", 3000, 50000, None),
        ],
    ),
    (
        "check",
        "Paper check",
        "check",
        "",
        "file",
        "csv",
        "0.00",
        "7-14 days by post",
        False,
        [("USD", 500, 10000, 1_000_000)],
    ),
    (
        "sandbox",
        "Sandbox processor (demo and tests)",
        "sandbox",
        "",
        "api",
        "",
        "1.00",
        "Seconds (simulated)",
        True,
        [("USD", 25, 100, None), ("EUR", 25, 100, None), ("GBP", 25, 100, None)],
    ),
]

DEMO_AS_OF = datetime(2026, 1, 1, tzinfo=UTC)
# 1 base = rate quote. USD→fiat, and crypto quoted in USD (1 BTC = 95,000 USD).
FX_RATES = [
    ("USD", "EUR", "0.920000000000"),
    ("USD", "GBP", "0.790000000000"),
    ("USD", "CAD", "1.360000000000"),
    ("USD", "AUD", "1.520000000000"),
    ("USD", "JPY", "150.000000000000"),
    ("BTC", "USD", "95000.000000000000"),
    ("ETH", "USD", "3400.000000000000"),
    ("USDT", "USD", "1.000000000000"),
    ("USDC", "USD", "1.000000000000"),
]


def seed(apps, schema_editor):
    Processor = apps.get_model("payouts", "Processor")
    ProcessorCurrency = apps.get_model("payouts", "ProcessorCurrency")
    FxRate = apps.get_model("payouts", "FxRate")
    Currency = apps.get_model("core", "Currency")
    known = set(Currency.objects.values_list("code", flat=True))
    for (
        code,
        name,
        method_type,
        asset,
        settlement,
        file_format,
        fee,
        speed,
        instant,
        rows,
    ) in PROCESSORS:
        processor, _ = Processor.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "method_type": method_type,
                "crypto_asset": asset,
                "settlement": settlement,
                "file_format": file_format,
                "fee_percent": Decimal(fee),
                "speed": speed,
                "instant_allowed": instant,
                "active": True,
            },
        )
        for currency, fixed, minimum, maximum in rows:
            if currency not in known:
                continue
            ProcessorCurrency.objects.update_or_create(
                processor=processor,
                currency_id=currency,
                defaults={"fee_fixed_minor": fixed, "min_minor": minimum, "max_minor": maximum},
            )
    for base, quote, rate in FX_RATES:
        FxRate.objects.update_or_create(
            base=base,
            quote=quote,
            as_of=DEMO_AS_OF,
            defaults={"rate": Decimal(rate), "source": "demo"},
        )


def unseed(apps, schema_editor):
    apps.get_model("payouts", "FxRate").objects.filter(source="demo", as_of=DEMO_AS_OF).delete()


class Migration(migrations.Migration):
    dependencies = [("payouts", "0001_initial"), ("core", "0003_seed_currencies")]

    operations = [migrations.RunPython(seed, unseed)]
