"""What the daily compliance scan asks other apps, without importing them.

Compliance sits in the ledger layer: it may not import the ledger, payouts or anything above.
Rules that need their data are **registered** by the app that owns the data, in its
``AppConfig.ready`` (payouts, above both ledger and compliance, registers the earnings source
and the KYC-limit rule: ``apps/payouts/compliance_scan.py``):

- a **scan source** answers one question set-based: ``scan_source_register(name, fn)``;
  ``fn(*, since: datetime)`` returns the ids of the creators it finds, as a queryset of ids
  (used as a subquery: nothing is loaded per creator) or any iterable of ids. Compliance's
  own rules read sources by name (``EARNINGS_SOURCE``).
- a **scan rule** finds violations: ``scan_rule_register(ScanRule(...))``; ``find(today)``
  returns ``ScanFinding``s, each with a ``key`` unique to what it found (e.g. the creator and
  the payout that crossed the limit): the violation's dedupe key is ``rule:<rule>:<key>``, so
  the same finding never opens two violations, however often the scan runs.

Named registration points another app fills in: ``INCOMPLETE_2257`` (the 2257 records'
selector registers a rule under that key); until it is registered the scan reports the rule as
not installed and skips it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

EARNINGS_SOURCE = "creators_with_earnings"  # fn(since=...) → creators with earnings since then
AGE_EXPIRED_WITH_EARNINGS = "age_expired_with_earnings"
PAYOUT_OVER_KYC_LIMIT = "payout_over_kyc_limit"
INCOMPLETE_2257 = "incomplete_2257"
# The rules the scan expects; one that is not registered is reported as not installed.
EXPECTED_RULES = (AGE_EXPIRED_WITH_EARNINGS, PAYOUT_OVER_KYC_LIMIT, INCOMPLETE_2257)


@dataclass(frozen=True)
class ScanFinding:
    creator_id: int
    key: str  # unique per finding within the rule (becomes part of the dedupe key)
    summary: str  # the violation's summary, in words
    content_reference: str = ""


@dataclass(frozen=True)
class ScanRule:
    key: str
    kind: str  # Violation.Kind value
    severity: str  # Violation.Severity value
    description: str
    find: Callable[[date], Iterable[ScanFinding]]


_sources: dict[str, Callable[..., Iterable[int]]] = {}
_rules: dict[str, ScanRule] = {}


def scan_source_register(name: str, fn: Callable[..., Iterable[int]]) -> None:
    """Register (or replace: registering twice is harmless) a scan source."""
    _sources[name] = fn


def scan_source(name: str) -> Callable[..., Iterable[int]] | None:
    return _sources.get(name)


def scan_rule_register(rule: ScanRule) -> None:
    """Register (or replace) a scan rule."""
    _rules[rule.key] = rule


def scan_rules() -> list[ScanRule]:
    return [_rules[key] for key in sorted(_rules)]


def scan_rule(key: str) -> ScanRule | None:
    return _rules.get(key)


def scan_rule_unregister(key: str) -> None:
    """For tests: take a rule out again."""
    _rules.pop(key, None)


def dedupe_key(rule: ScanRule, finding: ScanFinding) -> str:
    return f"rule:{rule.key}:{finding.key}"[:200]


__all__ = [
    "AGE_EXPIRED_WITH_EARNINGS",
    "EARNINGS_SOURCE",
    "EXPECTED_RULES",
    "INCOMPLETE_2257",
    "PAYOUT_OVER_KYC_LIMIT",
    "ScanFinding",
    "ScanRule",
    "dedupe_key",
    "scan_rule",
    "scan_rule_register",
    "scan_rules",
    "scan_source",
    "scan_source_register",
]
