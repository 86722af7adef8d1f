"""A platform's own earnings figures for a creator, compared with the ledger.

``earnings_report_record`` is the one writer of EarningsReport, used by
``POST /api/integrations/sync/earnings`` and by the ``creator_earnings_updated`` event handler.

Figures (minor units, as ``schemas.earnings_figures_clean`` returns them), each compared with
``apps.ledger.selectors.creator_earnings_summary`` in the report's currency:

- ``total``, ``thisMonth``, ``lastPayout``, ``pendingPayout``: the creator's figures across the
  network (the seed's shape reports the network total with a per-platform breakdown);
- ``platforms``: ``{slug: total}``, each against that platform's total.

Only the figures given are compared. A creator the platform names but FanzDash does not know
(no platform account with that external id) is compared with zero: the report is stored and
flagged, so finance sees earnings the ledger never received.

The report, with the ledger's figures and the difference, is for the network's staff. The
platform is told (``platform_visible_outcome``: the sync answer, and the result of its
``creator_earnings_updated`` event, which it can read back) only how its figure about its own
money compares: ``platforms.<its slug>``. The network-wide figures and other platforms' totals
hold other platforms' money, so even "matches or not" of those is withheld: a platform could
otherwise test "did this creator earn anything on GirlFanz" with ``{"girlfanz": 0}``.
"""

from __future__ import annotations

from django.db import transaction

from apps.audit.services import audit_record
from apps.core.currencies import currency_exponent
from apps.creators.models import PlatformAccount
from apps.integrations.models import EarningsReport
from apps.ledger.selectors import creator_earnings_summary

TOP_LEVEL_FIGURES = {
    "total": "total",
    "thisMonth": "this_month",
    "lastPayout": "last_payout",
    "pendingPayout": "pending_payout",
}


def _ledger_figures(creator, *, currency: str, figures: dict, as_of=None) -> dict:
    if creator is None:
        ledger: dict = {name: 0 for name in figures if name in TOP_LEVEL_FIGURES}
        if "platforms" in figures:
            ledger["platforms"] = dict.fromkeys(figures["platforms"], 0)
        return ledger
    summary = creator_earnings_summary(
        creator, currency=currency, exponent=currency_exponent(currency), now=as_of
    )
    ledger = {
        name: getattr(summary, attribute) or 0
        for name, attribute in TOP_LEVEL_FIGURES.items()
        if name in figures
    }
    if "platforms" in figures:
        ledger["platforms"] = {
            slug: summary.platforms.get(slug, 0) for slug in figures["platforms"]
        }
    return ledger


def _difference(reported: dict, ledger: dict) -> dict:
    difference = {name: reported[name] - ledger[name] for name in reported if name != "platforms"}
    if "platforms" in reported:
        difference["platforms"] = {
            slug: amount - ledger["platforms"][slug]
            for slug, amount in reported["platforms"].items()
        }
    return difference


def mismatched_figures(difference: dict) -> list[str]:
    """``["total", "platforms.girlfanz"]``: the figures that differ."""
    names = [name for name, value in difference.items() if name != "platforms" and value]
    names += [
        f"platforms.{slug}" for slug, value in difference.get("platforms", {}).items() if value
    ]
    return names


def platform_visible_outcome(report: EarningsReport) -> dict:
    """What the reporting platform may learn of ``report``: ``status`` (``matched`` or
    ``mismatch`` of its own platform's total, ``recorded`` when it sent none), the own figure
    that differs (``mismatches``) and the figures compared for staff only (``withheld``)."""
    own = f"platforms.{report.platform.slug}"
    reported = [name for name in report.reported if name != "platforms"]
    reported += [f"platforms.{slug}" for slug in report.reported.get("platforms", {})]
    mismatches = [name for name in mismatched_figures(report.difference) if name == own]
    if own not in reported:
        status = "recorded"
    else:
        status = EarningsReport.Status.MISMATCH if mismatches else EarningsReport.Status.MATCHED
    return {
        "status": str(status),
        "mismatches": mismatches,
        "withheld": [name for name in reported if name != own],
    }


@transaction.atomic
def earnings_report_record(
    *,
    platform,
    creator_external_id: str,
    figures: dict,
    currency: str,
    webhook_event=None,
    actor=None,
    as_of=None,
) -> EarningsReport:
    """Store the platform's ``figures`` for the creator it calls ``creator_external_id``, the
    ledger's at this moment and the difference (reported minus ledger, minor units); status
    ``mismatch`` when any figure differs (audited). ``as_of``: when the platform made the
    figures (an event's ``created_at``; default now): ``thisMonth`` is that instant's month."""
    currency = currency.upper()
    currency_exponent(currency)  # refuses an unknown currency
    account = (
        PlatformAccount.objects.select_related("creator")
        .filter(platform=platform, external_id=creator_external_id)
        .first()
    )
    creator = account.creator if account is not None else None
    ledger = _ledger_figures(creator, currency=currency, figures=figures, as_of=as_of)
    difference = _difference(figures, ledger)
    mismatches = mismatched_figures(difference)
    report = EarningsReport.objects.create(
        platform=platform,
        creator=creator,
        creator_external_id=creator_external_id,
        currency_id=currency,
        reported=figures,
        ledger=ledger,
        difference=difference,
        status=EarningsReport.Status.MISMATCH if mismatches else EarningsReport.Status.MATCHED,
        webhook_event=webhook_event,
    )
    audit_record(
        actor=actor,
        action="integrations.earnings_reported",
        target=report,
        after={
            "platform": platform.slug,
            "creator_external_id": creator_external_id,
            "creator": getattr(creator, "pk", None),
            "currency": currency,
            "status": report.status,
            "mismatches": mismatches,
            "webhook_event": getattr(webhook_event, "pk", None),
        },
    )
    return report
