"""Celery tasks of the compliance app (idempotent: each calls a service that claims its work)."""

from __future__ import annotations

from celery import shared_task

from .services import compliance_scan, kyc_expire_due

EXPIRE_TASK = "compliance.expire_kyc"
SCAN_TASK = "compliance.scan"


@shared_task(name=EXPIRE_TASK)
def expire_kyc() -> int:
    """Scheduled daily by beat: approved KYC verifications past their expiry date become
    expired and each creator's level is derived again. A second run expires nothing."""
    return kyc_expire_due()


@shared_task(name=SCAN_TASK)
def scan() -> dict:
    """Scheduled daily by beat: the compliance scan (warnings, expiry, rules). A second run
    sends and opens nothing."""
    report = compliance_scan()
    return {
        "warnings_sent": report.warnings_sent,
        "kyc_expired": report.kyc_expired,
        "levels_derived": report.levels_derived,
        "violations_opened": report.opened,
        "not_installed": report.not_installed,
    }
