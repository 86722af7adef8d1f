"""The daily beat job that expires KYC verifications: declared, idempotent."""

from __future__ import annotations

from datetime import date

import pytest

from apps.compliance.schedules import PERIODIC_TASKS
from apps.compliance.services import kyc_verification_decide, kyc_verification_request
from apps.compliance.tasks import expire_kyc
from apps.core.periodic import declared_periodic_tasks

pytestmark = pytest.mark.django_db


def test_the_expiry_job_is_declared_daily():
    [spec] = [spec for spec in PERIODIC_TASKS if spec.task == "compliance.expire_kyc"]
    assert spec.crontab == {"minute": "15", "hour": "0"}
    assert spec.name in {declared.name for declared in declared_periodic_tasks()}


def test_the_task_expires_once(creator, compliance_user, time_machine):
    verification = kyc_verification_request(creator=creator, level_requested=2, provider="manual")
    kyc_verification_decide(
        verification=verification,
        approve=True,
        level_granted=2,
        reason="ok",
        reviewer=compliance_user,
        expires_on=date(2026, 6, 20),
    )
    time_machine.move_to("2026-06-21 00:15Z", tick=False)
    assert expire_kyc.delay().get() == 1
    creator.refresh_from_db()
    assert creator.kyc_level == 0
    assert expire_kyc.delay().get() == 0  # the second run changes nothing
    creator.refresh_from_db()
    assert creator.kyc_level == 0
