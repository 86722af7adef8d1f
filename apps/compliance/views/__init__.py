"""Compliance staff pages, one module per obligation (kyc: KYC and age verifications;
violations: the violations queue, a violation, suspension decisions)."""

from apps.compliance.views.kyc import (  # noqa: F401
    PAGE_SIZE,
    REVIEW,
    age_verification_view,
    creator_compliance_view,
    kyc_decide_view,
    kyc_queue_view,
    kyc_request_view,
)
from apps.compliance.views.violations import (  # noqa: F401
    suspension_decide_view,
    violation_detail_view,
    violation_list_view,
    violation_note_view,
    violation_open_view,
    violation_transition_view,
)
