"""Compliance writes, one module per obligation (kyc: KYC and age verifications;
violations: violations, notes, the strike policy; scan: the daily compliance scan)."""

from apps.compliance.services.kyc import (  # noqa: F401
    REASON_MAX_LENGTH,
    age_verification_record,
    creator_compliance_derive,
    kyc_expire_due,
    kyc_provider_get,
    kyc_verification_decide,
    kyc_verification_request,
)
from apps.compliance.services.scan import (  # noqa: F401
    ScanReport,
    age_expiry_warnings_send,
    compliance_scan,
    levels_derive_where_stale,
)
from apps.compliance.services.violations import (  # noqa: F401
    Opened,
    strike_policy_apply,
    strikes_in_window,
    suspension_proposal_decide,
    violation_note_add,
    violation_open,
    violation_transition,
)
