"""Demo payout data for ``seed_demo``: every demo creator gets a payout schedule and (most of
them) a payout method on a processor that pays in their currency — EUR creators IBANs for
SEPA, USD creators US bank accounts for ACH, GBP creators Wise, and, spread over the first
creators, every other processor (Paxum, ePayService, Payoneer, crypto wallets, wire, check,
the sandbox). Some are deliberately not payable, one reason each: a method awaiting
verification, no method at all, a payout hold, a schedule minimum above the balance, a manual
schedule (plus the ledger demo's expired age verifications, suspended creators and KYC level
0 creators whose payout is capped at $100).

Everything goes through the services (``payout_method_add`` / ``payout_method_verify`` /
``payout_schedule_set`` of apps/payouts/services/methods.py, ``payout_hold_place``); a creator who
already has a schedule or a method is left alone, so a rerun changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from schwifty import IBAN

from apps.accounts.models import User
from apps.creators.models import Creator
from apps.creators.services import payout_hold_place

from .models import PayoutMethod, PayoutSchedule, Processor, ProcessorCurrency
from .selectors.eligibility import eligible_payouts_for_batch
from .services.methods import payout_method_add, payout_method_verify, payout_schedule_set

BTC_ADDRESS = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
ETH_ADDRESSES = [
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]
PRIMARY = {"EUR": "sepa", "USD": "ach", "GBP": "wise"}
SPREAD_OVER = 60  # the first creators cycle through every processor of their currency
SANDBOX_FAILS = "account_closed"  # what the sandbox answers for a few demo accounts


@dataclass
class DemoPayouts:
    schedules: int = 0
    methods: int = 0
    verified: int = 0
    holds: int = 0
    payable: int = 0


def _details(processor: Processor, creator: Creator, n: int) -> dict:
    holder = (creator.legal_name or creator.display_name)[:22]
    email = f"payouts+{n:03d}@{processor.code}.example"
    kind = processor.method_type
    if kind == Processor.MethodType.IBAN:
        iban = IBAN.generate("DE", bank_code="37040044", account_code=f"{1000000 + n:010d}")
        return {"account_holder": holder, "iban": str(iban), "bic": "COBADEFFXXX"}
    if kind == Processor.MethodType.US_BANK:
        return {
            "account_holder": holder,
            "routing_number": "021000021",
            "account_number": f"{400000000 + n}",
            "account_type": "checking" if n % 3 else "savings",
        }
    if kind == Processor.MethodType.WIRE:
        return {
            "account_holder": holder,
            "bank_name": "Commerzbank",
            "bic": "COBADEFFXXX",
            "bank_country": "DE",
            "iban": str(IBAN.generate("DE", bank_code="37040044", account_code=f"{n:010d}")),
        }
    if kind == Processor.MethodType.CHECK:
        return {
            "payee_name": holder,
            "address_line1": f"{100 + n} Main Street",
            "city": "New York",
            "country": "US",
            "region": "NY",
            "postal_code": "10001",
        }
    if kind == Processor.MethodType.CRYPTO:
        address = BTC_ADDRESS if processor.crypto_asset == "BTC" else ETH_ADDRESSES[n % 4]
        return {"address": address}
    if kind == Processor.MethodType.WISE:
        return {"account_holder": holder, "email": email}
    if kind == Processor.MethodType.SANDBOX:
        details = {"account": f"demo-{n:03d}"}
        if n % 4 == 3:
            details["outcome"] = SANDBOX_FAILS
        return details
    return {"email": email}  # paxum, epayservice, payoneer


def _schedule(n: int, currency: str) -> dict:
    if n % 13 == 5:  # a minimum above most balances: "below the schedule's minimum"
        return {"kind": "monthly", "day_of_month": 1, "minimum_minor": 1_000_000}
    if n % 11 == 7:
        return {"kind": "manual", "minimum_minor": 2000}
    kind = ["weekly", "weekly", "monthly", "threshold"][n % 4]
    values = {"kind": kind, "minimum_minor": 2000 if n % 2 else 5000}
    if kind == "weekly":
        values["weekday"] = n % 7
    elif kind == "monthly":
        values["day_of_month"] = 1 + n % 28
    else:
        values["threshold_minor"] = 10000
    return values


def seed_demo_payouts() -> DemoPayouts:
    summary = DemoPayouts()
    verifier = (
        User.objects.filter(email="finance@fanzdash.local").first()
        or User.objects.filter(is_superuser=True).order_by("pk").first()
    )
    creators = list(Creator.objects.filter(user__email__endswith="@fanzdash.local").order_by("pk"))
    processors = {p.code: p for p in Processor.objects.filter(active=True)}
    by_currency: dict[str, list[str]] = {}
    for code, currency in ProcessorCurrency.objects.filter(processor__active=True).values_list(
        "processor__code", "currency_id"
    ):
        by_currency.setdefault(currency, []).append(code)
    for codes in by_currency.values():
        codes.sort()
    has_schedule = set(PayoutSchedule.objects.values_list("creator_id", flat=True))
    has_method = set(PayoutMethod.objects.values_list("creator_id", flat=True))

    with transaction.atomic():
        for n, creator in enumerate(creators):
            currency = creator.default_currency_id
            if creator.pk not in has_schedule:
                payout_schedule_set(
                    creator=creator, currency=currency, actor=None, **_schedule(n, currency)
                )
                summary.schedules += 1
            if creator.pk in has_method or n % 29 == 28:  # some creators have no method yet
                continue
            candidates = by_currency.get(currency) or ["sandbox"]
            if n == 0 or n % 10 == 3:
                code = "sandbox"  # the demo login and a few others: paid by the sandbox
            elif n < SPREAD_OVER:
                code = candidates[n % len(candidates)]
            else:
                code = PRIMARY.get(currency, candidates[0])
            processor = processors.get(code)
            if processor is None:
                continue
            method = payout_method_add(
                creator=creator,
                processor=processor,
                currency=currency,
                details=_details(processor, creator, n),
                label=f"{processor.name} (demo)",
                actor=None,
            )
            summary.methods += 1
            if n % 17 != 16 and verifier is not None:  # some stay awaiting verification
                payout_method_verify(method=method, actor=verifier)
                summary.verified += 1
            if n % 31 == 30:
                payout_hold_place(
                    creator=creator,
                    source="staff",
                    reason="Demo: identity document under review.",
                    actor=verifier,
                    reference="demo:payouts",
                )
                summary.holds += 1
    summary.payable = sum(1 for _ in eligible_payouts_for_batch(require_due=False))
    return summary
