"""The demo's GDPR picture: two requests due in three days, one overdue, one legal hold;
a rerun adds nothing."""

from __future__ import annotations

import pytest

from apps.compliance.demo import seed_demo_gdpr
from apps.compliance.models import DataSubjectRequest, LegalHold
from apps.compliance.selectors import gdpr_request_queue
from apps.compliance.services import gdpr_clock

pytestmark = pytest.mark.django_db


def test_seed_demo_gdpr(today, creator_factory, compliance_user):
    for _ in range(4):
        creator_factory()
    summary = seed_demo_gdpr()
    assert (summary.requests, summary.holds) == (3, 1)
    clocks = [gdpr_clock(request) for request in gdpr_request_queue()]
    assert sum(clock.overdue for clock in clocks) == 1
    assert sum(clock.due_soon and clock.days_left == 3 for clock in clocks) == 2
    assert LegalHold.objects.count() == 1
    again = seed_demo_gdpr()
    assert (again.requests, again.holds) == (0, 0)
    assert DataSubjectRequest.objects.count() == 3
