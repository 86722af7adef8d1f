"""Celery tasks of the compliance app (idempotent: each calls a service that claims its work)."""

from __future__ import annotations

from celery import shared_task

from .services import kyc_expire_due

EXPIRE_TASK = "compliance.expire_kyc"


@shared_task(name=EXPIRE_TASK)
def expire_kyc() -> int:
    """Scheduled daily by beat: approved KYC verifications past their expiry date become
    expired and each creator's level is derived again. A second run expires nothing."""
    return kyc_expire_due()
